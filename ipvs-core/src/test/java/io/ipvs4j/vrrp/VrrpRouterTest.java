package io.ipvs4j.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.InetAddresses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The state machine on a manual clock: every transition and timer, deterministically. */
class VrrpRouterTest {
    private static final long MS = 1_000_000L;
    private static final String VIP = "192.0.2.100";
    private final ManualTimers timers = new ManualTimers();
    private final List<VrrpTransition> transitions = new ArrayList<>();

    private static VrrpInstanceConfig.Builder v2(int priority) {
        return VrrpInstanceConfig.builder("VI_1", "eth0", 51).priority(priority).authPass("1111").virtualAddress(VIP + "/24");
    }

    private static VrrpInstanceConfig.Builder v3(int priority, int intervalMillis) {
        return VrrpInstanceConfig.builder("VI_1", "eth0", 51).version(VrrpVersion.V3).priority(priority)
                .advertInterval(Duration.ofMillis(intervalMillis)).virtualAddress(VIP + "/24");
    }

    private VrrpRouter router(VrrpInstanceConfig config, FakeNetwork net) throws Exception {
        VrrpRouter r = VrrpRouter.create(config, net, timers);
        r.addListener(transitions::add);
        return r;
    }

    /** v2 priority 100: master-down = 3 s + (256 - 100) / 256 s = 3609.375 ms. */
    @Test
    void backupBecomesMasterAfterMasterDownIntervalWithSkew() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(100).build(), net);
        r.start();
        assertEquals(VrrpState.BACKUP, r.state());
        assertTrue(net.sent.isEmpty());
        timers.advanceMillis(3609);
        assertEquals(VrrpState.BACKUP, r.state());
        timers.advanceMillis(0.4);
        assertEquals(VrrpState.MASTER, r.state());
        assertTrue(net.addresses.contains(InetAddresses.parse(VIP)));
        assertEquals(100, net.lastSentPriority());
        assertEquals(List.of(InetAddresses.parse(VIP)), net.sent.get(0).addresses());
        assertEquals(5, net.announcements, "garp_master_repeat 5 at once");
        timers.advanceMillis(5000);
        assertEquals(10, net.announcements, "a second round after garp_master_delay 5 s");
        assertEquals(1 + 5, net.sent.size(), "an advert every advert_int");
        assertEquals(List.of(VrrpState.BACKUP, VrrpState.MASTER), transitions.stream().map(VrrpTransition::to).toList());
    }

    /** The master's adverts reset the timer; a v3 backup learns the master's interval. */
    @Test
    void v3BackupLearnsMasterAdverInterval() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v3(100, 1000).build(), net);
        r.start();
        VrrpInstanceConfig master = v3(200, 500).build();
        for (int i = 0; i < 10; i++) {
            timers.advanceMillis(500);
            net.deliver("192.0.2.1", 200, master);
        }
        assertEquals(VrrpState.BACKUP, r.state());
        assertEquals(InetAddresses.parse("192.0.2.1"), r.masterAddress().orElseThrow());
        assertEquals(3 * 500 + 156 * 500 / 256.0, r.masterDownNanos() / (double) MS, 0.001);
        // 3 x 0.5 s + 156 / 256 x 0.5 s = 1804.69 ms after the last advert
        timers.advanceMillis(1804);
        assertEquals(VrrpState.BACKUP, r.state());
        timers.advanceMillis(1);
        assertEquals(VrrpState.MASTER, r.state());
    }

    @Test
    void priority255OwnerIsMasterAtOnce() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(255).build(), net);
        r.start();
        assertEquals(VrrpState.MASTER, r.state());
        assertEquals(255, net.lastSentPriority());
        // the owner never yields to a lower priority: it answers with an advert at once
        int before = net.sent.size();
        net.deliver("192.0.2.9", 254);
        assertEquals(VrrpState.MASTER, r.state());
        assertEquals(before + 1, net.sent.size());
    }

    /** state MASTER below 255 waits one advert interval plus the minimum skew (keepalived vrrp_init_state). */
    @Test
    void initialStateMasterWaitsOneIntervalForAnotherMaster() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(150).initialState(VrrpState.MASTER).build(), net);
        r.start();
        assertEquals(VrrpState.BACKUP, r.state());
        timers.advanceMillis(1003.9);   // 1 s + 1/256 s = 1003.906 ms
        assertEquals(VrrpState.BACKUP, r.state());
        timers.advanceMillis(0.1);
        assertEquals(VrrpState.MASTER, r.state());
    }

    /** preempt (default): lower-priority adverts do not reset the timer; the backup takes over. */
    @Test
    void preemptIgnoresLowerPriorityMaster() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(150).build(), net);
        r.start();
        for (int i = 0; i < 3; i++) {
            timers.advanceMillis(1000);
            net.deliver("192.0.2.1", 100);
        }
        // 3 s + (256 - 150) / 256 s = 3414.06 ms after start, adverts notwithstanding
        timers.advanceMillis(415);
        assertEquals(VrrpState.MASTER, r.state());
        // as MASTER, a lower-priority advert makes it advertise at once
        int before = net.sent.size();
        net.deliver("192.0.2.1", 100);
        assertEquals(before + 1, net.sent.size());
        assertEquals(VrrpState.MASTER, r.state());
    }

    /**
     * A healed partition: the MASTER hears a lower-priority MASTER. It advertises at once and sends
     * a round of gratuitous ARPs at once and another after garp_master_delay, so that neighbours the
     * other side moved to itself come back (keepalived garp_lower_prio_repeat / _delay defaults).
     */
    @Test
    void masterHearingLowerPriorityMasterReannouncesTheVips() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(150).build(), net);
        r.start();
        timers.advanceMillis(10_000);
        assertEquals(VrrpState.MASTER, r.state());
        int announced = net.announcements;
        int sent = net.sent.size();
        net.deliver("192.0.2.1", 100);
        assertEquals(VrrpState.MASTER, r.state());
        assertEquals(sent + 1, net.sent.size(), "an advert at once");
        assertEquals(announced + 5, net.announcements, "garp_master_repeat 5 at once");
        timers.advanceMillis(5000);
        assertEquals(announced + 10, net.announcements, "and again after garp_master_delay 5 s");
        // same priority: the higher address wins (RFC 5798 6.4.3); ours (.2) is higher than .1
        net.deliver("192.0.2.1", 150);
        assertEquals(VrrpState.MASTER, r.state());
        assertEquals(announced + 15, net.announcements, "an equal priority from a lower address is a lower master");
        net.deliver("192.0.2.3", 150);
        assertEquals(VrrpState.BACKUP, r.state(), "equal priority from a higher address: we step down");
        assertTrue(net.addresses.isEmpty(), "the VIP is removed on leaving MASTER");
    }

    @Test
    void nopreemptStaysBackupUnderLowerPriorityMaster() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(150).preempt(false).build(), net);
        r.start();
        for (int i = 0; i < 20; i++) {
            timers.advanceMillis(1000);
            net.deliver("192.0.2.1", 100);
        }
        assertEquals(VrrpState.BACKUP, r.state());
        timers.advanceMillis(3414.1);
        assertEquals(VrrpState.MASTER, r.state(), "the lower-priority master went silent");
    }

    /** preempt_delay 5 s: a lower-priority master is tolerated 5 s from its first advert. */
    @Test
    void preemptDelayToleratesLowerPriorityMasterForTheDelay() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(150).preemptDelay(Duration.ofSeconds(5)).build(), net);
        r.start();
        timers.advanceMillis(500);
        net.deliver("192.0.2.1", 100);   // t = 0.5 s: delay runs until 5.5 s
        for (int i = 0; i < 5; i++) {
            timers.advanceMillis(1000);
            net.deliver("192.0.2.1", 100);   // accepted until 5.5 s; the one at 5.5 s is not
        }
        assertEquals(VrrpState.BACKUP, r.state());
        // last accepted advert at 4.5 s: master down at 4.5 + 3.414 = 7.914 s
        timers.advanceMillis(1000);
        net.deliver("192.0.2.1", 100);   // 6.5 s: ignored
        assertEquals(VrrpState.BACKUP, r.state());
        timers.advanceMillis(1413);      // 7.913 s
        assertEquals(VrrpState.BACKUP, r.state());
        timers.advanceMillis(1.1);
        assertEquals(VrrpState.MASTER, r.state());
    }

    /** A master's priority-0 advert: the backup takes over after its skew time, 156/256 s at priority 100. */
    @Test
    void priorityZeroMeansTakeOverAfterSkewTime() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(100).build(), net);
        r.start();
        timers.advanceMillis(1000);
        net.deliver("192.0.2.1", 150);
        timers.advanceMillis(1000);
        net.deliver("192.0.2.1", 0);
        timers.advanceMillis(609);
        assertEquals(VrrpState.BACKUP, r.state());
        timers.advanceMillis(0.4);
        assertEquals(VrrpState.MASTER, r.state());
        assertEquals(1, r.stats().priorityZeroReceived());
    }

    @Test
    void masterStepsDownForHigherPriorityOrSamePriorityHigherAddress() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(255 - 155).build(), net);
        r.start();
        timers.advanceMillis(4000);
        assertEquals(VrrpState.MASTER, r.state());
        net.deliver("192.0.2.1", 100);   // same priority, lower address: we stay and advertise
        assertEquals(VrrpState.MASTER, r.state());
        net.deliver("192.0.2.3", 100);   // same priority, higher address: we step down
        assertEquals(VrrpState.BACKUP, r.state());
        assertTrue(net.addresses.isEmpty(), "the VIP leaves with MASTER");
        timers.advanceMillis(4000);
        assertEquals(VrrpState.MASTER, r.state());
        net.deliver("192.0.2.1", 101);   // higher priority
        assertEquals(VrrpState.BACKUP, r.state());
        assertEquals(2, r.stats().releasedMaster());
    }

    @Test
    void masterReceivingPriorityZeroAdvertisesAtOnce() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(255).build(), net);
        r.start();
        int before = net.sent.size();
        net.deliver("192.0.2.1", 0);
        assertEquals(before + 1, net.sent.size());
    }

    @Test
    void closeAsMasterSendsPriorityZeroAndRemovesTheVip() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(255).build(), net);
        r.start();
        assertTrue(net.addresses.contains(InetAddresses.parse(VIP)));
        r.close();
        assertEquals(0, net.lastSentPriority());
        assertTrue(net.addresses.isEmpty());
        assertEquals(VrrpState.INIT, r.state());
        assertTrue(net.closed);
        assertEquals(VrrpState.INIT, transitions.get(transitions.size() - 1).to());
        int sent = net.sent.size();
        timers.advanceMillis(10_000);
        assertEquals(sent, net.sent.size(), "nothing after close");
    }

    @Test
    void linkDownIsFaultAndLinkUpIsBackup() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(255).build(), net);
        r.start();
        net.links.get("eth0").set(false);
        assertEquals(VrrpState.FAULT, r.state());
        assertEquals(0, net.lastSentPriority(), "leaving MASTER for FAULT sends priority 0 (keepalived)");
        assertTrue(net.addresses.isEmpty());
        int sent = net.sent.size();
        net.deliver("192.0.2.1", 100);
        timers.advanceMillis(10_000);
        assertEquals(VrrpState.FAULT, r.state());
        assertEquals(sent, net.sent.size());
        net.links.get("eth0").set(true);
        assertEquals(VrrpState.BACKUP, r.state());
        assertEquals(List.of(VrrpState.MASTER, VrrpState.FAULT, VrrpState.BACKUP),
                transitions.stream().map(VrrpTransition::to).toList());
    }

    @Test
    void startsInFaultWhenATrackedInterfaceIsDown() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(100).trackInterface("eth1", 0).build(), net);
        net.links.get("eth1").set(false);
        r.start();
        assertEquals(VrrpState.FAULT, r.state());
        net.links.get("eth1").set(true);
        assertEquals(VrrpState.BACKUP, r.state());
    }

    /** keepalived's weights: negative while down, positive while up; priority kept in 1..254. */
    @Test
    void trackerWeightsChangeThePriority() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        SettableTracker http = new SettableTracker("chk_http", true);
        SettableTracker bonus = new SettableTracker("chk_bonus", false);
        VrrpRouter r = router(v2(150).track(http, -60).track(bonus, 200).build(), net);
        r.start();
        assertEquals(150, r.effectivePriority());
        http.set(false);
        assertEquals(90, r.effectivePriority());
        bonus.set(true);
        assertEquals(254, r.effectivePriority(), "clamped below the owner's 255");
        // priority 90 now loses to a 100 master it would have preempted at 150
        http.set(true);
        bonus.set(false);
        SettableTracker fatal = new SettableTracker("chk_fatal", true);
        VrrpRouter r2 = VrrpRouter.create(v2(100).track(fatal, 0).build(), new FakeNetwork("192.0.2.3"), timers);
        r2.start();
        fatal.set(false);
        assertEquals(VrrpState.FAULT, r2.state());
    }

    /** A tracker with no result yet (keepalived's INIT script): no weight either way, weight 0 holds the instance. */
    private static final class InitTracker implements Tracker {
        final String name;
        final List<Runnable> callbacks = new ArrayList<>();
        volatile Boolean result;   // null: INIT

        InitTracker(String name) {
            this.name = name;
        }

        void report(boolean up) {
            result = up;
            callbacks.forEach(Runnable::run);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean up() {
            return Boolean.TRUE.equals(result);
        }

        @Override
        public boolean initializing() {
            return result == null;
        }

        @Override
        public void addChangeCallback(Runnable onChange) {
            callbacks.add(onChange);
        }
    }

    @Test
    void initializingTrackersAddNoWeightAndHoldAWeightZeroInstance() throws Exception {
        InitTracker minus = new InitTracker("chk_minus");
        InitTracker plus = new InitTracker("chk_plus");
        VrrpRouter r = router(v2(150).track(minus, -60).track(plus, 20).build(), new FakeNetwork("192.0.2.2"));
        r.start();
        assertEquals(150, r.effectivePriority(), "INIT: neither -60 (not down) nor +20 (not up)");
        plus.report(true);
        assertEquals(170, r.effectivePriority());
        minus.report(false);
        assertEquals(110, r.effectivePriority());

        InitTracker gate = new InitTracker("chk_gate");
        FakeNetwork net = new FakeNetwork("192.0.2.3");
        VrrpRouter r2 = router(v2(100).track(gate, 0).build(), net);
        r2.start();
        assertEquals(VrrpState.FAULT, r2.state(), "held until the script reports");
        timers.advanceMillis(10_000);
        assertEquals(VrrpState.FAULT, r2.state());
        assertTrue(net.sent.isEmpty() && net.addresses.isEmpty(), "no advert, no VIP while INIT");
        gate.report(true);
        assertEquals(VrrpState.BACKUP, r2.state());
        timers.advanceMillis(3610);
        assertEquals(VrrpState.MASTER, r2.state());
    }

    /** keepalived's reload of a kept instance: MASTER stays MASTER, VIPs diffed, new priority advertised. */
    @Test
    void reconfigureInPlaceKeepsMasterAndDiffsTheVips() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(150).virtualAddress("192.0.2.101/24").build(), net);
        r.start();
        timers.advanceMillis(10_000);
        assertEquals(VrrpState.MASTER, r.state());
        assertEquals(java.util.Set.of(InetAddresses.parse(VIP), InetAddresses.parse("192.0.2.101")), net.addresses);
        int transitionsBefore = transitions.size();
        int announced = net.announcements;
        VrrpInstanceConfig next = VrrpInstanceConfig.builder("VI_1", "eth0", 51).priority(120).authPass("1111")
                .virtualAddress("192.0.2.101/24").virtualAddress("192.0.2.102/24").build();
        assertTrue(r.reconfigureBlocker(next).isEmpty(), r.reconfigureBlocker(next).toString());
        r.reconfigure(next);
        assertEquals(VrrpState.MASTER, r.state(), "nothing relevant changed: still MASTER");
        assertEquals(transitionsBefore, transitions.size(), "no transition");
        assertEquals(java.util.Set.of(InetAddresses.parse("192.0.2.101"), InetAddresses.parse("192.0.2.102")), net.addresses,
                "192.0.2.100 removed, 192.0.2.102 added");
        assertEquals(120, r.effectivePriority());
        assertEquals(120, net.lastSentPriority(), "the new priority advertised at once");
        assertEquals(List.of(InetAddresses.parse("192.0.2.101"), InetAddresses.parse("192.0.2.102")),
                net.sent.get(net.sent.size() - 1).addresses());
        assertEquals(announced + 2 * 5, net.announcements, "a garp round of the two VIPs for the added one");
        // a higher-priority master (130 > 120 now) takes over as it would not have at 150
        net.deliver("192.0.2.1", 130);
        assertEquals(VrrpState.BACKUP, r.state());

        // a BACKUP's VIPs are not touched
        r.reconfigure(VrrpInstanceConfig.builder("VI_1", "eth0", 51).priority(120).authPass("1111")
                .virtualAddress("192.0.2.103/24").build());
        assertTrue(net.addresses.isEmpty());
        assertEquals(VrrpState.BACKUP, r.state());

        VrrpInstanceConfig otherVrid = VrrpInstanceConfig.builder("VI_1", "eth0", 52).priority(120).authPass("1111")
                .virtualAddress(VIP + "/24").build();
        assertEquals(java.util.Optional.of("virtual_router_id 51 -> 52"), r.reconfigureBlocker(otherVrid));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> r.reconfigure(otherVrid));
        assertEquals("(VI_1) cannot be reconfigured in place: virtual_router_id 51 -> 52 changed", e.getMessage());
    }

    @Test
    void badAdvertsAreCountedAndDoNotResetTheTimer() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(100).build(), net);
        r.start();
        VrrpInstanceConfig wrongPass = v2(200).authPass("2222").build();
        VrrpInstanceConfig wrongInterval = v2(200).advertInterval(Duration.ofSeconds(2)).build();
        VrrpInstanceConfig otherRouter = VrrpInstanceConfig.builder("VI_2", "eth0", 52).priority(200).authPass("1111")
                .virtualAddress(VIP + "/24").build();
        VrrpInstanceConfig otherAddresses = v2(200).virtualAddress("192.0.2.101/24").build();
        for (int i = 0; i < 3; i++) {
            timers.advanceMillis(1000);
            net.deliver("192.0.2.1", 200, wrongPass);
            net.deliver("192.0.2.1", 200, wrongInterval);
            net.deliver("192.0.2.1", 200, otherRouter);
        }
        timers.advanceMillis(610);
        assertEquals(VrrpState.MASTER, r.state(), "no valid advert heard");
        VrrpStats s = r.stats();
        assertEquals(3, s.authFailures());
        assertEquals(3, s.intervalMismatch());
        assertEquals(0, s.advertsReceived());
        net.deliver("192.0.2.1", 200, otherAddresses);   // taken (keepalived), counted
        assertEquals(VrrpState.BACKUP, r.state());
        assertEquals(1, r.stats().addressListErrors());
    }

    @Test
    void unicastPeersGetEachAdvert() throws Exception {
        FakeNetwork net = new FakeNetwork("192.0.2.2");
        VrrpRouter r = router(v2(255).unicastPeer(InetAddresses.parse("192.0.2.1"))
                .unicastPeer(InetAddresses.parse("192.0.2.3")).build(), net);
        r.start();
        assertEquals(List.of(InetAddresses.parse("192.0.2.1"), InetAddresses.parse("192.0.2.3")), net.sentTo);
    }

    @Test
    void syncGroupMembersFollowEachOther() throws Exception {
        FakeNetwork na = new FakeNetwork("192.0.2.2");
        FakeNetwork nb = new FakeNetwork("198.51.100.2");
        VrrpRouter a = router(v2(100).build(), na);
        VrrpRouter b = VrrpRouter.create(VrrpInstanceConfig.builder("VI_2", "eth1", 52).priority(100)
                .virtualAddress("198.51.100.100/24").build(), nb, timers);
        VrrpSyncGroup g = VrrpSyncGroup.of("VG_1", List.of(a, b));
        assertEquals(List.of("VI_1", "VI_2"), g.members());
        a.start();
        b.start();
        // b hears a master; a does not: when a takes over, b follows
        for (int i = 0; i < 3; i++) {
            timers.advanceMillis(1000);
            nb.deliver("198.51.100.1", 200);
        }
        timers.advanceMillis(700);
        assertEquals(VrrpState.MASTER, a.state());
        assertEquals(VrrpState.MASTER, b.state(), "b follows a to MASTER");
        // b's link fails: the whole group goes to FAULT
        nb.links.get("eth1").set(false);
        assertEquals(VrrpState.FAULT, b.state());
        assertEquals(VrrpState.FAULT, a.state());
        assertTrue(na.addresses.isEmpty());
        nb.links.get("eth1").set(true);
        assertEquals(VrrpState.BACKUP, a.state());
        assertEquals(VrrpState.BACKUP, b.state());
        // a higher-priority master for a: a goes BACKUP and so does b
        timers.advanceMillis(4000);
        assertEquals(VrrpState.MASTER, a.state());
        na.deliver("192.0.2.1", 200);
        assertEquals(VrrpState.BACKUP, a.state());
        assertEquals(VrrpState.BACKUP, b.state());
    }
}
