package io.ipvs4j.nativetests.vrrp;

import static io.ipvs4j.nativetests.vrrp.VrrpNodes.await;
import static io.ipvs4j.nativetests.vrrp.VrrpNodes.awaitState;
import static io.ipvs4j.nativetests.vrrp.VrrpNodes.holds;
import static io.ipvs4j.nativetests.vrrp.VrrpNodes.keepalivedConf;
import static io.ipvs4j.nativetests.vrrp.VrrpNodes.mac;
import static io.ipvs4j.nativetests.vrrp.VrrpNodes.neighbour;
import static io.ipvs4j.nativetests.vrrp.VrrpNodes.node;
import static io.ipvs4j.nativetests.vrrp.VrrpNodes.speaker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.vrrp.VrrpInstanceConfig;
import io.ipvs4j.vrrp.VrrpScheduler;
import io.ipvs4j.vrrp.VrrpSpeaker;
import io.ipvs4j.vrrp.VrrpState;
import io.ipvs4j.vrrp.VrrpVersion;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The VRRP speaker on real sockets: two directors (and a client that watches its neighbour
 * table) in namespaces on one bridge, ipvs4j with ipvs4j and ipvs4j with keepalived (Debian's
 * keepalived, VRRP only) in both roles: v2 PASS as the seed deployment, v3 IPv4 and v3 IPv6 at
 * a sub-second interval.
 */
@KernelTest
class VrrpKernelTest {
    private static final Duration V3_INTERVAL = Duration.ofMillis(300);
    // the VM runs everything ~10x slower (TCG): allowance on top of the protocol's own times
    private static final Duration SLACK = Duration.ofMillis(1500);
    private static VrrpScheduler scheduler;

    @BeforeAll
    static void scheduler() {
        scheduler = new VrrpScheduler();
    }

    @AfterAll
    static void stopScheduler() {
        scheduler.close();
    }

    private static VrrpInstanceConfig.Builder v3(String vip, int vrid, int priority) {
        return VrrpInstanceConfig.builder("VI_1", "eth0", vrid).version(VrrpVersion.V3).priority(priority)
                .advertInterval(V3_INTERVAL).virtualAddress(vip).garpMasterDelay(Duration.ZERO);
    }

    /** master-down interval of a backup of {@code priority}: 3 x interval + skew. */
    private static Duration masterDown(Duration interval, int priority, boolean v3) {
        long skew = v3 ? interval.toNanos() * (256 - priority) / 256 : 1_000_000_000L * (256 - priority) / 256;
        return interval.multipliedBy(3).plusNanos(skew);
    }

    private static void exactlyOneHolds(String vip, Topology.Node holder, Topology.Node other) {
        await(holder.role() + " holds " + vip, Duration.ofSeconds(5), () -> holds(holder, vip));
        await(other.role() + " releases " + vip, Duration.ofSeconds(5), () -> !holds(other, vip));
    }

    @Test
    void ipvs4jPairFailsOverPreemptsAndFaultsOnLinkDown() throws Exception {
        try (Topology t = new Topology()) {
            Topology.Node a = node(t, "dira", "192.0.2.1/24");
            Topology.Node b = node(t, "dirb", "192.0.2.2/24");
            Topology.Node client = node(t, "client", "192.0.2.50/24");
            client.sysctl("net.ipv4.neigh.eth0.locktime", "0");
            String vip = "192.0.2.100";
            VrrpInstanceConfig ca = v3(vip + "/24", 60, 150).build();
            VrrpInstanceConfig cb = v3(vip + "/24", 60, 100).build();
            VrrpSpeaker sa = speaker(a, ca, scheduler);
            VrrpSpeaker sb = speaker(b, cb, scheduler);
            try {
                awaitState(sa, VrrpState.MASTER, Duration.ofSeconds(5));
                awaitState(sb, VrrpState.BACKUP, Duration.ofSeconds(1));
                exactlyOneHolds(vip, a, b);
                assertEquals(InetAddresses.parse("192.0.2.1"), sb.masterAddress().orElseThrow());
                // a slow start may have had both MASTER for a moment (both announced): start from a fresh entry
                client.ok("ip", "neigh", "flush", "to", vip);
                assertTrue(client.ping(vip), "client reaches the VIP on the master");
                assertEquals(mac(a), neighbour(client, vip));

                // clean stop: priority 0, the backup takes over after its skew time
                sa.close();
                Duration took = awaitState(sb, VrrpState.MASTER, masterDown(V3_INTERVAL, 100, true).plus(SLACK));
                System.out.println("ipvs4j pair: clean stop -> backup MASTER in " + took.toMillis() + " ms");
                exactlyOneHolds(vip, b, a);
                // the new master's gratuitous ARP updated the client's neighbour entry
                await("client neighbour " + vip + " -> " + mac(b), Duration.ofSeconds(3), () -> neighbour(client, vip).equals(mac(b)));
                assertTrue(sb.stats().becameMaster() == 1 && sb.stats().priorityZeroReceived() >= 1, sb.stats().toString());

                // the old master returns and preempts
                sa = speaker(a, ca, scheduler);
                awaitState(sa, VrrpState.MASTER, Duration.ofSeconds(5));
                awaitState(sb, VrrpState.BACKUP, Duration.ofSeconds(3));
                exactlyOneHolds(vip, a, b);
                await("client neighbour -> A", Duration.ofSeconds(3), () -> neighbour(client, vip).equals(mac(a)));

                // track_interface: the master's link goes down -> FAULT, the backup takes over
                a.ok("ip", "link", "set", "eth0", "down");
                awaitState(sa, VrrpState.FAULT, Duration.ofSeconds(3));
                took = awaitState(sb, VrrpState.MASTER, masterDown(V3_INTERVAL, 100, true).plus(SLACK));
                System.out.println("ipvs4j pair: master link down -> backup MASTER in " + took.toMillis() + " ms");
                assertFalse(holds(a, vip), "a FAULT instance holds no VIP");
                a.ok("ip", "link", "set", "eth0", "up");
                awaitState(sa, VrrpState.MASTER, Duration.ofSeconds(5));
                awaitState(sb, VrrpState.BACKUP, Duration.ofSeconds(3));
                exactlyOneHolds(vip, a, b);
                assertEquals(0, sa.stats().badChecksum() + sb.stats().badChecksum() + sa.stats().badTtl() + sb.stats().badTtl());
            } finally {
                sa.close();
                sb.close();
            }
        }
    }

    @Test
    void ipvs4jPairNopreemptAndHealedPartitionIpv6() throws Exception {
        try (Topology t = new Topology()) {
            Topology.Node a = node(t, "dira", "2001:db8::1/64");
            Topology.Node b = node(t, "dirb", "2001:db8::2/64");
            Topology.Node client = node(t, "client", "2001:db8::50/64");
            String vip = "2001:db8::100";
            VrrpInstanceConfig ca = v3(vip + "/64", 61, 150).preempt(false).build();
            VrrpInstanceConfig cb = v3(vip + "/64", 61, 100).build();
            VrrpSpeaker sa = speaker(a, ca, scheduler);
            awaitState(sa, VrrpState.MASTER, Duration.ofSeconds(5));
            VrrpSpeaker sb = speaker(b, cb, scheduler);
            try {
                awaitState(sb, VrrpState.BACKUP, Duration.ofSeconds(1));
                exactlyOneHolds(vip, a, b);
                client.ok("ip", "neigh", "flush", "to", vip);
                assertTrue(client.ping(vip), "client reaches the IPv6 VIP");
                assertEquals(mac(a), neighbour(client, vip));

                sa.close();
                awaitState(sb, VrrpState.MASTER, masterDown(V3_INTERVAL, 100, true).plus(SLACK));
                exactlyOneHolds(vip, b, a);
                // the unsolicited neighbour advertisement updated the client's entry
                await("client neighbour " + vip + " -> B", Duration.ofSeconds(3), () -> neighbour(client, vip).equals(mac(b)));

                // nopreempt: the higher-priority instance returns and stays BACKUP
                sa = speaker(a, ca, scheduler);
                awaitState(sa, VrrpState.BACKUP, Duration.ofSeconds(1));
                Thread.sleep(masterDown(V3_INTERVAL, 150, true).multipliedBy(3).toMillis());
                assertEquals(VrrpState.BACKUP, sa.state());
                assertEquals(VrrpState.MASTER, sb.state());
                exactlyOneHolds(vip, b, a);

                // partition: B's switch port down -> A hears nothing and becomes MASTER too
                String port = t.switchNode().ok("sh", "-c", "ip -o link show | sed -n 's/^[0-9]*: \\([^@:]*-dirb\\)@.*/\\1/p'").trim();
                t.switchNode().ok("ip", "link", "set", port, "down");
                // (in the slow VM an advert can come late enough for A to take over before the
                // partition already; either way both must end up MASTER while partitioned)
                awaitState(sa, VrrpState.MASTER, masterDown(V3_INTERVAL, 150, true).plus(SLACK));
                awaitState(sb, VrrpState.MASTER, masterDown(V3_INTERVAL, 100, true).plus(SLACK));
                t.switchNode().ok("ip", "link", "set", port, "up");
                // healed: the lower priority steps down
                awaitState(sb, VrrpState.BACKUP, Duration.ofSeconds(5));
                assertEquals(VrrpState.MASTER, sa.state());
                exactlyOneHolds(vip, a, b);
            } finally {
                sa.close();
                sb.close();
            }
        }
    }

    @Test
    void keepalivedV2PasswordAsTheSeed() throws Exception {
        interopWithKeepalived(2, "1", Duration.ofSeconds(1), "192.0.2.1/24", "192.0.2.2/24", "192.0.2.50/24",
                "192.0.2.100", 24, 51, "1111");
    }

    @Test
    void keepalivedV3Ipv4() throws Exception {
        interopWithKeepalived(3, "0.3", V3_INTERVAL, "192.0.2.1/24", "192.0.2.2/24", "192.0.2.50/24",
                "192.0.2.100", 24, 52, null);
    }

    @Test
    void keepalivedV3Ipv6() throws Exception {
        interopWithKeepalived(3, "0.3", V3_INTERVAL, "2001:db8::1/64", "2001:db8::2/64", "2001:db8::50/64",
                "2001:db8::100", 64, 53, null);
    }

    /**
     * keepalived MASTER (150) with ipvs4j BACKUP (100): keepalived SIGKILLed -> ipvs4j takes over
     * within the master-down interval; keepalived restarted -> preempts. Then ipvs4j MASTER (150)
     * with keepalived BACKUP (100): ipvs4j stops cleanly -> keepalived takes over after its skew
     * time; ipvs4j returns -> preempts keepalived.
     */
    private void interopWithKeepalived(int version, String advertInt, Duration interval, String cidrK, String cidrJ,
            String cidrClient, String vip, int prefix, int vrid, String authPass) throws Exception {
        boolean v3 = version == 3;
        try (Topology t = new Topology()) {
            Topology.Node k = node(t, "keepalived", cidrK);
            Topology.Node j = node(t, "ipvs4j", cidrJ);
            Topology.Node client = node(t, "client", cidrClient);
            if (!vip.contains(":")) {
                client.sysctl("net.ipv4.neigh.eth0.locktime", "0");
            }
            VrrpInstanceConfig.Builder b = VrrpInstanceConfig.builder("VI_1", "eth0", vrid)
                    .version(v3 ? VrrpVersion.V3 : VrrpVersion.V2).advertInterval(interval)
                    .virtualAddress(InterfaceAddress.of("eth0", vip + "/" + prefix)).garpMasterDelay(Duration.ZERO);
            if (authPass != null) {
                b.authPass(authPass);
            }
            // an IPv6 router advertises from its link-local address
            String kAddress = vip.contains(":") ? VrrpNodes.linkLocal(k) : cidrK.substring(0, cidrK.indexOf('/'));

            // --- keepalived MASTER, ipvs4j BACKUP ---
            try (VrrpNodes.Keepalived ka = new VrrpNodes.Keepalived(k, "master",
                    keepalivedConf("k1", version, "MASTER", vrid, 150, advertInt, false, authPass, vip + "/" + prefix)).start()) {
                await("keepalived holds " + vip, Duration.ofSeconds(10), () -> holds(k, vip));
                VrrpSpeaker sj = speaker(j, b.priority(100).build(), scheduler);
                try {
                    awaitState(sj, VrrpState.BACKUP, Duration.ofSeconds(2));
                    await("ipvs4j hears keepalived", Duration.ofSeconds(5), () -> sj.stats().advertsReceived() >= 2);
                    Thread.sleep(masterDown(interval, 100, v3).toMillis() * 2);
                    assertEquals(VrrpState.BACKUP, sj.state(), "ipvs4j stays BACKUP under keepalived: " + sj.stats());
                    assertFalse(holds(j, vip));
                    assertEquals(InetAddresses.parse(kAddress), sj.masterAddress().orElseThrow(), "the master is keepalived");
                    client.ok("ip", "neigh", "flush", "to", vip);
                    assertTrue(client.ping(vip));
                    assertEquals(mac(k), neighbour(client, vip));

                    long killed = System.nanoTime();
                    ka.kill();
                    awaitState(sj, VrrpState.MASTER, masterDown(interval, 100, v3).plus(SLACK));
                    Duration took = Duration.ofNanos(System.nanoTime() - killed);
                    assertTrue(took.compareTo(masterDown(interval, 100, v3).plus(SLACK)) <= 0, "took " + took);
                    System.out.println("keepalived v" + version + " SIGKILL -> ipvs4j MASTER in " + took.toMillis() + " ms");
                    await("ipvs4j holds " + vip, Duration.ofSeconds(3), () -> holds(j, vip));
                    await("client neighbour -> ipvs4j", Duration.ofSeconds(3), () -> neighbour(client, vip).equals(mac(j)));
                    assertTrue(holds(k, vip), "a SIGKILLed keepalived leaves its VIP behind");
                    k.ok("ip", "addr", "del", vip + "/" + prefix, "dev", "eth0");   // as if the host had died

                    ka.start();   // state MASTER, priority 150: preempts
                    awaitState(sj, VrrpState.BACKUP, Duration.ofSeconds(10));
                    exactlyOneHolds(vip, k, j);
                    assertEquals(0, sj.stats().badChecksum() + sj.stats().authFailures() + sj.stats().badTtl()
                            + sj.stats().intervalMismatch(), sj.stats().toString());
                } finally {
                    sj.close();
                }
            }

            // --- ipvs4j MASTER, keepalived BACKUP ---
            VrrpSpeaker sj = speaker(j, b.priority(150).initialState(VrrpState.MASTER).build(), scheduler);
            try (VrrpNodes.Keepalived kb = new VrrpNodes.Keepalived(k, "backup",
                    keepalivedConf("k2", version, "BACKUP", vrid, 100, advertInt, false, authPass, vip + "/" + prefix))) {
                awaitState(sj, VrrpState.MASTER, Duration.ofSeconds(5));
                kb.start();
                Thread.sleep(masterDown(interval, 100, v3).toMillis() * 2);
                exactlyOneHolds(vip, j, k);
                assertTrue(kb.output().contains("Entering BACKUP STATE"), kb.output());
                assertFalse(kb.output().contains("Entering MASTER STATE"), "keepalived must stay BACKUP:\n" + kb.output());

                long stopped = System.nanoTime();
                VrrpSpeaker stopping = sj;
                // close() sends priority 0 first, then removes the VIP and closes the sockets: measure concurrently
                java.util.concurrent.CompletableFuture<Void> closing = java.util.concurrent.CompletableFuture.runAsync(stopping::close);
                await("keepalived takes " + vip, masterDown(interval, 100, v3).plus(SLACK), () -> holds(k, vip));
                Duration took = Duration.ofNanos(System.nanoTime() - stopped);
                closing.get(30, java.util.concurrent.TimeUnit.SECONDS);
                System.out.println("ipvs4j v" + version + " clean stop -> keepalived holds VIP in " + took.toMillis() + " ms");
                if (!v3) {
                    // priority 0: skew time (0.61 s), not the 3.6 s master-down interval
                    assertTrue(took.compareTo(Duration.ofSeconds(3)) < 0, "took " + took);
                }
                assertFalse(holds(j, vip));
                await("client neighbour -> keepalived", Duration.ofSeconds(5), () -> client.ping(vip) && neighbour(client, vip).equals(mac(k)));

                sj = speaker(j, b.priority(150).initialState(VrrpState.BACKUP).build(), scheduler);
                awaitState(sj, VrrpState.MASTER, Duration.ofSeconds(10));   // preempts keepalived
                exactlyOneHolds(vip, j, k);
            } finally {
                sj.close();
            }
        }
    }
}
