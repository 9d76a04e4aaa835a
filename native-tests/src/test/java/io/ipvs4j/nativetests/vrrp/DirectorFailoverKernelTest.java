package io.ipvs4j.nativetests.vrrp;

import static io.ipvs4j.nativetests.vrrp.VrrpNodes.await;
import static io.ipvs4j.nativetests.vrrp.VrrpNodes.holds;
import static io.ipvs4j.nativetests.vrrp.VrrpNodes.mac;
import static io.ipvs4j.nativetests.vrrp.VrrpNodes.neighbour;
import static io.ipvs4j.nativetests.vrrp.VrrpNodes.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.LineServer;
import io.ipvs4j.nativetests.support.Topology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed deployment's failover, end to end: two directors run the seed's keepalived.conf
 * (MASTER priority 100, BACKUP priority 500, LVS/DR, two real servers with TCP_CHECK, VIP
 * 192.0.2.100/24 with a label) plus {@code lvs_sync_daemon eth0 VI_1}; the directors are the
 * ipvs4j distribution's launcher (as a user runs it) or keepalived itself. A client in its own
 * namespace keeps one TCP connection open through the VIP and opens a new one every 200 ms.
 *
 * <p>The MASTER is SIGKILLed and its link taken down (a director that died): the BACKUP holds
 * the VIP within the master-down interval, new connections are answered again, and the
 * connection opened before the failover keeps working because the IPVS sync daemon had synced
 * it (it is in the new MASTER's {@code ipvsadm -Lnc}; without the entry the new MASTER's stack
 * would reset it). The old MASTER then comes back as a rebooted machine (no VIP, empty IPVS
 * table): keepalived reads {@code priority 500} as 100 ("Priority not valid! ... Using default
 * 100"), so both have priority 100 and the returning MASTER does not preempt; it stays BACKUP.
 */
@KernelTest
class DirectorFailoverKernelTest {
    private static final String VIP = "192.0.2.100";
    private static final List<String> REAL_SERVERS = List.of("192.0.2.11", "192.0.2.12");
    /** master-down interval of the BACKUP at priority 100, advert_int 1 (v2): 3 s + (256 - 100) / 256 s. */
    private static final Duration MASTER_DOWN = Duration.ofMillis(3000 + 1000 * 156 / 256);
    /** The VM runs everything slower: allowance on top of the protocol's own time. */
    private static final Duration SLACK = Duration.ofMillis(3000);
    /** A JVM starting the director in the VM. */
    private static final Duration START_BOUND = Duration.ofMinutes(5);
    private static final String JAVA_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

    @TempDir
    Path tmp;
    /** Every director started, for the diagnostics of a failure. */
    private final List<Topology.Background> started = new java.util.ArrayList<>();
    private Lan current;

    /** The seed's keepalived.conf, with the documentation-range VIP, eth0 and the sync daemon. */
    static String seedConf(String state, int priority, boolean nopreempt) {
        StringBuilder b = new StringBuilder();
        b.append("! Configuration File for keepalived (the seed's ").append(state).append(")\n")
                .append("global_defs {\n   router_id LVS_").append(state).append("\n")
                .append("   lvs_sync_daemon eth0 VI_1\n}\n")
                .append("vrrp_instance VI_1 {\n    state ").append(state).append("\n    interface eth0\n")
                .append("    virtual_router_id 51\n    priority ").append(priority).append("\n    advert_int 1\n")
                .append(nopreempt ? "    nopreempt\n" : "")
                .append("    authentication {\n        auth_type PASS\n        auth_pass 1111\n    }\n")
                .append("    virtual_ipaddress {\n        192.0.2.100/24 dev eth0 label eth0:1\n    }\n}\n")
                .append("virtual_server 192.0.2.100 80 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind DR\n")
                .append("    persistence_timeout 0\n    protocol TCP\n");
        for (String rs : REAL_SERVERS) {
            b.append("    real_server ").append(rs).append(" 80 {\n        weight 1\n        TCP_CHECK {\n")
                    .append("            connect_timeout 3\n            connect_port 80\n        }\n    }\n");
        }
        return b.append("}\n").toString();
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void seedPairOfIpvs4jDirectorsFailsOverWithSyncedConnections() throws Exception {
        Path launcher = unpack();
        try (Topology t = new Topology()) {
            Lan lan = lan(t);
            withDiagnostics(() -> seedPair(lan, launcher));
        }
    }

    private void seedPair(Lan lan, Path launcher) throws Exception {
        {
            Files.writeString(tmp.resolve("master.conf"), seedConf("MASTER", 100, false));
            Files.writeString(tmp.resolve("backup.conf"), seedConf("BACKUP", 500, false));
            // -t says what keepalived -t says about the backup's priority, and what would run
            Commands.Result check = Commands.run(List.of("env", "IPVS4J_JAVA_OPTS=" + JAVA_OPTS, launcher.toString(), "-t",
                    "-f", tmp.resolve("backup.conf").toString()), START_BOUND);
            assertEquals(3, check.exitCode(), check.toString());
            assertTrue(check.stderr().contains("(VI_1) Priority not valid! must be between 1 & 255. Using default 100"),
                    check.stderr());
            assertTrue(check.stdout().contains("# vrrp_instance VI_1: BACKUP on eth0 vrid 51 V2 priority 100"),
                    check.stdout());

            // the MASTER first: with equal priorities (500 read as 100) whoever is MASTER first stays
            Topology.Background d1 = director(lan.d1, launcher, "master.conf");
            await("d1 holds the VIP", START_BOUND, () -> holds(lan.d1, VIP) || !d1.isAlive());
            assertTrue(d1.isAlive(), d1.output());
            assertTrue(d1.output().contains("(VI_1) Entering MASTER STATE"), d1.output());
            Topology.Background d2 = director(lan.d2, launcher, "backup.conf");
            awaitLog(d2, "(VI_1) Entering BACKUP STATE");
            failover(lan, d1, d2, "ipvs4j", "ipvs4j");

            // the old MASTER returns as a rebooted machine: equal priorities (500 read as 100), no preemption
            reboot(lan.d1);
            Topology.Background d1again = director(lan.d1, launcher, "master.conf");
            awaitLog(d1again, "(VI_1) Entering BACKUP STATE");
            Thread.sleep(5000);   // well past one advert interval + skew, when a higher priority would preempt
            assertTrue(holds(lan.d2, VIP) && !holds(lan.d1, VIP), "the returning MASTER (priority 100) does not preempt"
                    + " a master of the same priority:\n" + d1again.output());
            assertFalse(d1again.output().contains("Entering MASTER STATE"), d1again.output());
            assertTrue(lan.d1.ok("ipvsadm", "-L", "--daemon").contains("backup sync daemon"),
                    lan.d1.ok("ipvsadm", "-L", "--daemon"));
            requestsAnswered(lan, 5);
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void returningMasterPreemptsUnlessNopreempt() throws Exception {
        Path launcher = unpack();
        for (boolean nopreempt : List.of(false, true)) {
            try (Topology t = new Topology()) {
                Lan lan = lan(t);
                withDiagnostics(() -> preempt(lan, launcher, nopreempt));
            }
        }
    }

    private void preempt(Lan lan, Path launcher, boolean nopreempt) throws Exception {
        String m = "master-" + nopreempt + ".conf";
        String b = "backup-" + nopreempt + ".conf";
        // a valid backup priority this time: 90 below the master's 100
        Files.writeString(tmp.resolve(m), seedConf(nopreempt ? "BACKUP" : "MASTER", 100, nopreempt));
        Files.writeString(tmp.resolve(b), seedConf("BACKUP", 90, nopreempt));
        Topology.Background d1 = director(lan.d1, launcher, m);
        await("d1 (100) holds the VIP", START_BOUND, () -> holds(lan.d1, VIP) || !d1.isAlive());
        Topology.Background d2 = director(lan.d2, launcher, b);
        awaitLog(d2, "(VI_1) Entering BACKUP STATE");
        Thread.sleep(3000);
        assertTrue(holds(lan.d1, VIP) && !holds(lan.d2, VIP), "d1 (100) stays MASTER over d2 (90)");
        kill(lan.d1, d1);
        await("d2 takes over", MASTER_DOWN.plus(SLACK).plusSeconds(1), () -> holds(lan.d2, VIP));
        reboot(lan.d1);
        Topology.Background back = director(lan.d1, launcher, m);
        awaitLog(back, "(VI_1) Entering BACKUP STATE");
        if (nopreempt) {
            Thread.sleep(6000);
            assertTrue(holds(lan.d2, VIP) && !holds(lan.d1, VIP), "nopreempt: the returning higher priority"
                    + " stays BACKUP:\n" + back.output());
        } else {
            // state MASTER: one advert interval + skew, then it takes over from the lower priority
            await("the returning MASTER (100) preempts d2 (90)", Duration.ofSeconds(10),
                    () -> holds(lan.d1, VIP) && !holds(lan.d2, VIP));
            await("d2 back to BACKUP", Duration.ofSeconds(10),
                    () -> d2.output().split("\\(VI_1\\) Entering BACKUP STATE", -1).length >= 3);
        }
        requestsAnswered(lan, 5);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void keepalivedMasterFailsOverToIpvs4jBackup() throws Exception {
        Path launcher = unpack();
        try (Topology t = new Topology()) {
            Lan lan = lan(t);
            withDiagnostics(() -> keepalivedPair(lan, launcher));
        }
    }

    private void keepalivedPair(Lan lan, Path launcher) throws Exception {
        {
            Files.writeString(tmp.resolve("backup.conf"), seedConf("BACKUP", 500, false));
            // keepalived as the seed's MASTER, VRRP and checker (it programs IPVS and the sync daemon itself)
            try (Keepalived k = new Keepalived(lan.d1, tmp, seedConf("MASTER", 100, false))) {
                await("keepalived holds the VIP", Duration.ofSeconds(60), () -> holds(lan.d1, VIP) || !k.process.isAlive());
                assertTrue(k.process.isAlive(), k.process.output());
                await("keepalived programmed the service", Duration.ofSeconds(30),
                        () -> lan.d1.ok("ipvsadm", "-Sn").contains("-a -t 192.0.2.100:80 -r 192.0.2.12:80 -g"));
                Topology.Background d2 = director(lan.d2, launcher, "backup.conf");
                awaitLog(d2, "(VI_1) Entering BACKUP STATE");
                failover(lan, (Runnable) k::kill, d2, "keepalived", "ipvs4j");
            }
        }
    }

    /**
     * The other way round: the ipvs4j director is the MASTER (100) and keepalived, a whole director
     * on the same seed configuration, the BACKUP (90). The ipvs4j director is SIGKILLed: keepalived
     * takes the VIP and its own IPVS table answers, the connection synced to it included. ipvs4j
     * then returns as a rebooted machine with priority 150 (preempt, the default): it takes the VIP
     * back, keepalived returns to BACKUP and the client follows the gratuitous ARP.
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void ipvs4jMasterFailsOverToKeepalivedBackupAndPreemptsBack() throws Exception {
        Path launcher = unpack();
        try (Topology t = new Topology()) {
            Lan lan = lan(t);
            withDiagnostics(() -> keepalivedBackup(lan, launcher));
        }
    }

    private void keepalivedBackup(Lan lan, Path launcher) throws Exception {
        Files.writeString(tmp.resolve("master.conf"), seedConf("MASTER", 100, false));
        Files.writeString(tmp.resolve("master-150.conf"), seedConf("MASTER", 150, false));
        Topology.Background d1 = director(lan.d1, launcher, "master.conf");
        await("d1 holds the VIP", START_BOUND, () -> holds(lan.d1, VIP) || !d1.isAlive());
        assertTrue(d1.isAlive(), d1.output());
        try (Keepalived k = new Keepalived(lan.d2, tmp, seedConf("BACKUP", 90, false))) {
            awaitLog(k.process, "(VI_1) Entering BACKUP STATE");
            await("keepalived programmed the service", Duration.ofSeconds(30),
                    () -> lan.d2.ok("ipvsadm", "-Sn").contains("-a -t 192.0.2.100:80 -r 192.0.2.12:80 -g"));
            failover(lan, d1, k.process, "ipvs4j", "keepalived");

            reboot(lan.d1);
            Topology.Background back = director(lan.d1, launcher, "master-150.conf");
            await("the returning ipvs4j MASTER (150) preempts keepalived (90)", START_BOUND,
                    () -> (holds(lan.d1, VIP) && !holds(lan.d2, VIP)) || !back.isAlive());
            assertTrue(back.isAlive(), back.output());
            awaitLog(back, "(VI_1) Entering MASTER STATE");
            await("keepalived back to BACKUP", Duration.ofSeconds(10),
                    () -> k.process.output().split("\\(VI_1\\) Entering BACKUP STATE", -1).length >= 3);
            await("client's neighbour entry -> d1", Duration.ofSeconds(10), () -> neighbour(lan.client, VIP).equals(mac(lan.d1)));
            await("the sync daemon on d1 is the master again", Duration.ofSeconds(30),
                    () -> lan.d1.ok("ipvsadm", "-L", "--daemon").contains("master sync daemon"));
            requestsAnswered(lan, 5);
            assertTrue(holds(lan.d1, VIP) && !holds(lan.d2, VIP), "exactly one director holds the VIP");
        }
    }

    /**
     * The same interop over IPv6, from keepalived.conf files as keepalived reads them: an
     * instance whose VIP is IPv6 runs VRRP version 3 without saying so (advert_int 1), an
     * LVS/DR virtual server on the VIP (a /128, deprecated as keepalived adds it). keepalived
     * (MASTER, 150) holds the VIP and forwards; the ipvs4j director (BACKUP, 100) hears it and
     * stays BACKUP. keepalived is SIGKILLed (its host gone, the VIP with it): the ipvs4j director
     * takes the VIP within the version 3 master-down interval, its unsolicited neighbour
     * advertisement moves the client, and its own table answers, its TCP_CHECKs leaving from
     * the director's address and not from the deprecated VIP. keepalived returns as BACKUP (90)
     * and hears the ipvs4j MASTER: it stays BACKUP.
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void ipv6Vrrp3KeepalivedMasterFailsOverToIpvs4jWhichKeepalivedThenHears() throws Exception {
        Path launcher = unpack();
        try (Topology t = new Topology()) {
            Lan lan = lan6(t);
            withDiagnostics(() -> ipv6Failover(lan, launcher));
        }
    }

    private static final String VIP6 = "2001:db8:6::100";

    /** v3 (RFC 5798 6.1): 3 x 1 s + (256 - priority) / 256 x 1 s. */
    private static Duration masterDownV3(int priority) {
        return Duration.ofMillis(3000 + 1000 * (256 - priority) / 256);
    }

    static String ipv6Conf(String state, int priority) {
        return "global_defs {\n   router_id LVS6_" + state + "\n}\n"
                + "vrrp_instance VI_6 {\n    state " + state + "\n    interface eth0\n    virtual_router_id 56\n"
                + "    priority " + priority + "\n    advert_int 1\n"
                + "    virtual_ipaddress {\n        " + VIP6 + "/128 dev eth0\n    }\n}\n"
                + "virtual_server " + VIP6 + " 80 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n"
                + "    real_server 2001:db8:6::11 80 {\n        weight 1\n        TCP_CHECK {\n"
                + "            connect_timeout 3\n        }\n    }\n"
                + "    real_server 2001:db8:6::12 80 {\n        weight 1\n        TCP_CHECK {\n"
                + "            connect_timeout 3\n        }\n    }\n}\n";
    }

    private void ipv6Failover(Lan lan, Path launcher) throws Exception {
        Files.writeString(tmp.resolve("backup6.conf"), ipv6Conf("BACKUP", 100));
        String rule = "-a -t [" + VIP6 + "]:80 -r [2001:db8:6::12]:80 -g";
        Keepalived k = new Keepalived(lan.d2, tmp, ipv6Conf("MASTER", 150));
        try {
            await("keepalived holds the IPv6 VIP", Duration.ofSeconds(60), () -> holds(lan.d2, VIP6) || !k.process.isAlive());
            assertTrue(k.process.isAlive(), k.process.output());
            Topology.Background d1 = director(lan.d1, launcher, "backup6.conf");
            awaitLog(d1, "(VI_6) Entering BACKUP STATE");
            assertTrue(d1.output().contains("VRRP (VI_6) starting: V3"), "an IPv6 instance runs VRRP v3:\n" + d1.output());
            await("both directors programmed the IPv6 service", Duration.ofSeconds(60),
                    () -> lan.d1.ok("ipvsadm", "-Sn").contains(rule) && lan.d2.ok("ipvsadm", "-Sn").contains(rule));
            Thread.sleep(masterDownV3(100).toMillis() * 2);
            assertFalse(d1.output().contains("(VI_6) Entering MASTER STATE"),
                    "the ipvs4j BACKUP hears keepalived's IPv6 adverts and stays BACKUP:\n" + d1.output());
            assertFalse(holds(lan.d1, VIP6), "exactly one director holds the VIP");
            requestsAnswered(lan, VIP6, 5);
            assertEquals(mac(lan.d2), neighbour(lan.client, VIP6), "the client reaches the IPv6 VIP at keepalived");

            k.kill();
            lan.d2.exec("ip", "-6", "addr", "del", VIP6 + "/128", "dev", "eth0");   // as if its host had died
            long killed = System.nanoTime();
            await("the ipvs4j director takes the IPv6 VIP", masterDownV3(100).plus(SLACK), () -> holds(lan.d1, VIP6));
            System.out.println("IPv6 VRRPv3: keepalived MASTER SIGKILL -> ipvs4j BACKUP holds the VIP "
                    + Duration.ofNanos(System.nanoTime() - killed).toMillis() + " ms later (master-down interval "
                    + masterDownV3(100).toMillis() + " ms)");
            // as keepalived adds an IPv6 /128 VIP: never the source of the director's own traffic (its
            // TCP_CHECKs would otherwise leave from the VIP, which the real servers hold on lo, and
            // never be answered: the longest-match rule prefers a /128 beside the director's /64)
            String addrs = lan.d1.ok("ip", "-o", "-6", "addr", "show", "dev", "eth0");
            assertTrue(addrs.lines().anyMatch(l -> l.contains(" " + VIP6 + "/128 ") && l.contains(" deprecated")), addrs);
            await("client's neighbour entry -> d1", Duration.ofSeconds(10),
                    () -> neighbour(lan.client, VIP6).equals(mac(lan.d1)));
            requestsAnswered(lan, VIP6, 5);
            Thread.sleep(3000);   // a few more check rounds from the MASTER
            assertTrue(lan.d1.ok("ipvsadm", "-Sn").contains(rule), "the MASTER's checks still pass");
        } finally {
            k.close();
        }

        try (Keepalived back = new Keepalived(lan.d2, tmp, ipv6Conf("BACKUP", 90))) {
            awaitLog(back.process, "(VI_6) Entering BACKUP STATE");
            Thread.sleep(masterDownV3(90).toMillis() * 2);
            assertFalse(back.process.output().contains("(VI_6) Entering MASTER STATE"),
                    "keepalived hears the ipvs4j MASTER's IPv6 adverts and stays BACKUP:\n" + back.process.output());
            assertTrue(holds(lan.d1, VIP6) && !holds(lan.d2, VIP6), "exactly one director holds the VIP");
            requestsAnswered(lan, VIP6, 5);
        }
    }

    /** Directors, real servers (LVS/DR: the VIP on lo, a dual-stack server) and a client on one IPv6 link. */
    private Lan lan6(Topology t) throws Exception {
        Topology.Node d1 = node(t, "d1", "2001:db8:6::1/64");
        Topology.Node d2 = node(t, "d2", "2001:db8:6::2/64");
        Topology.Node rs1 = node(t, "rs1", "2001:db8:6::11/64");
        Topology.Node rs2 = node(t, "rs2", "2001:db8:6::12/64");
        Topology.Node client = node(t, "client", "2001:db8:6::50/64");
        Path server = LineServer.write(tmp);
        for (Topology.Node rs : List.of(rs1, rs2)) {
            // Linux answers neighbour solicitations only for the receiving interface's addresses:
            // the VIP on lo needs no ARP-like sysctls in IPv6
            rs.ok("ip", "-6", "addr", "add", VIP6 + "/128", "dev", "lo");
            Topology.Background b = rs.start("/usr/bin/python3", server.toString(), rs.role(), "6");
            rs.awaitListening(b, 80);
        }
        current = new Lan(d1, d2, rs1, rs2, client);
        return current;
    }

    /**
     * A partition healed at director level: two ipvs4j directors of the same priority (100), d2
     * (192.0.2.2) MASTER. The bridge isolates their two ports from each other (both still reach the
     * client and the real servers), so d1 stops hearing d2 and becomes MASTER too, and its
     * gratuitous ARP moves the client to d1. When the link heals, the tie is broken by the higher
     * primary address (RFC 5798 6.4.3): d1 returns to BACKUP and removes the VIP, d2 stays MASTER,
     * hears d1's lower advert and re-announces the VIP, and the client comes back to d2.
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void healedPartitionLeavesOneMasterByAddressOnTie() throws Exception {
        Path launcher = unpack();
        try (Topology t = new Topology()) {
            Lan lan = lan(t);
            withDiagnostics(() -> healedPartition(t, lan, launcher));
        }
    }

    private void healedPartition(Topology t, Lan lan, Path launcher) throws Exception {
        Files.writeString(tmp.resolve("d2.conf"), seedConf("MASTER", 100, false));
        Files.writeString(tmp.resolve("d1.conf"), seedConf("BACKUP", 100, false));
        Topology.Background d2 = director(lan.d2, launcher, "d2.conf");
        await("d2 holds the VIP", START_BOUND, () -> holds(lan.d2, VIP) || !d2.isAlive());
        assertTrue(d2.isAlive(), d2.output());
        Topology.Background d1 = director(lan.d1, launcher, "d1.conf");
        awaitLog(d1, "(VI_1) Entering BACKUP STATE");
        Thread.sleep(3000);
        assertTrue(holds(lan.d2, VIP) && !holds(lan.d1, VIP), "one MASTER before the partition");
        requestsAnswered(lan, 3);
        await("client's neighbour entry -> d2", Duration.ofSeconds(10), () -> neighbour(lan.client, VIP).equals(mac(lan.d2)));

        String p1 = switchPort(t, "d1");
        String p2 = switchPort(t, "d2");
        t.switchNode().ok("bridge", "link", "set", "dev", p1, "isolated", "on");
        t.switchNode().ok("bridge", "link", "set", "dev", p2, "isolated", "on");
        await("partitioned: both MASTER", MASTER_DOWN.plus(SLACK).plusSeconds(2),
                () -> holds(lan.d1, VIP) && holds(lan.d2, VIP));
        awaitLog(d1, "(VI_1) Entering MASTER STATE");
        assertTrue(d2.isAlive() && backups(d2) == 1, "d2 stays MASTER (its one BACKUP is the start as state MASTER):\n" + d2.output());
        await("d1's gratuitous ARP moved the client to d1", Duration.ofSeconds(10),
                () -> neighbour(lan.client, VIP).equals(mac(lan.d1)));

        t.switchNode().ok("bridge", "link", "set", "dev", p1, "isolated", "off");
        t.switchNode().ok("bridge", "link", "set", "dev", p2, "isolated", "off");
        Duration healed = await("healed: exactly one MASTER, d2 (same priority, higher address)", Duration.ofSeconds(10),
                () -> holds(lan.d2, VIP) && !holds(lan.d1, VIP));
        System.out.println("healed partition: one VIP holder " + healed.toMillis() + " ms after the link healed");
        await("d1 back to BACKUP", Duration.ofSeconds(10),
                () -> d1.output().split("\\(VI_1\\) Entering BACKUP STATE", -1).length >= 3);
        // Whose advert crosses the healed link first decides: if d2 hears d1's lower advert it re-announces
        // the VIP at once (and after garp_master_delay); if d1 hears d2's first it steps down silently and
        // d2 never hears a lower advert, as with keepalived: then only the client's own ARP (its entry
        // for d1 going stale and re-resolved) brings it back.
        await("d2's advert heard first (d1 steps down) or d1's (d2 forces the election)", Duration.ofSeconds(10),
                () -> d2.output().contains("Received advert from 192.0.2.1 with lower priority 100, ours 100")
                        || !holds(lan.d1, VIP));
        Thread.sleep(1000);   // the log line of the advert that made d1 step down
        boolean garp = d2.output().contains("Received advert from 192.0.2.1 with lower priority 100, ours 100");
        Duration moved = await("the client back at d2 (" + (garp ? "d2's gratuitous ARP" : "the client's own ARP") + ")",
                garp ? Duration.ofSeconds(10) : Duration.ofSeconds(90), () -> {
                    if (!garp) {
                        lan.client.ping(VIP);   // traffic, so that the client's stale entry is re-resolved
                    }
                    return neighbour(lan.client, VIP).equals(mac(lan.d2));
                });
        System.out.println("healed partition: client back at d2 " + moved.toMillis() + " ms later, by "
                + (garp ? "d2's gratuitous ARP after d1's lower advert" : "the client's ARP (d2's advert crossed first)"));
        Thread.sleep(3000);
        assertTrue(holds(lan.d2, VIP) && !holds(lan.d1, VIP), "still exactly one MASTER, d2");
        assertEquals(1, backups(d2), "d2 never left MASTER (its one BACKUP is the start):\n" + d2.output());
        requestsAnswered(lan, 5);
    }

    /**
     * VRRP changes on reload ({@code reload} on the control socket), against keepalived as the
     * BACKUP (90): the ipvs4j MASTER's file gets priority 110; after the reload it is still
     * MASTER (no transition) and keepalived stays BACKUP. The VIP set is not changed while
     * keepalived is meant to stay BACKUP: keepalived drops adverts whose address count differs
     * from its own file ("received an unexpected ip number count") and so takes over, as it does
     * between two keepalived peers, whose files must change together. Then the file swaps the
     * VIP (192.0.2.100 for .101) and lowers the priority to 80: the old VIP goes away at once,
     * the new one comes, and keepalived (preempt, 90 > 80) takes over at its next master-down check.
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void reloadChangesPriorityAndVipsWithoutLeavingMaster() throws Exception {
        Path launcher = unpack();
        try (Topology t = new Topology()) {
            Lan lan = lan(t);
            withDiagnostics(() -> reload(lan, launcher));
        }
    }

    private void reload(Lan lan, Path launcher) throws Exception {
        Path conf = tmp.resolve("reload.conf");
        Files.writeString(conf, seedConf("MASTER", 100, false));
        Path socket = tmp.resolve("reload.sock");
        Topology.Background d1 = remember(lan.d1.start("env", "IPVS4J_JAVA_OPTS=" + JAVA_OPTS, launcher.toString(), "-f",
                conf.toString(), "--control-socket", socket.toString()));
        await("d1 holds the VIP", START_BOUND, () -> holds(lan.d1, VIP) || !d1.isAlive());
        assertTrue(d1.isAlive(), d1.output());
        try (Keepalived k = new Keepalived(lan.d2, tmp, seedConf("BACKUP", 90, false))) {
            awaitLog(k.process, "(VI_1) Entering BACKUP STATE");
            await("the control socket", START_BOUND, () -> Files.exists(socket));
            requestsAnswered(lan, 3);

            Files.writeString(conf, seedConf("MASTER", 110, false));
            String reply = control(lan.d1, socket, "reload");
            assertTrue(reply.startsWith("OK reloaded"), reply);
            assertTrue(holds(lan.d1, VIP), "the VIP stays");
            await("the reload logged", Duration.ofSeconds(10), () -> d1.output().contains("VRRP reloaded: VI_1 reconfigured"
                    + " (priority 100 -> 110"));
            Thread.sleep(4000);   // past keepalived's master-down interval: it would have become MASTER on a gap
            assertEquals(1, backups(d1), "d1 never left MASTER (its one BACKUP is the start as state MASTER):\n" + d1.output());
            assertFalse(k.process.output().contains("Entering MASTER STATE"), "keepalived stayed BACKUP:\n"
                    + k.process.output());
            requestsAnswered(lan, 3);

            Files.writeString(conf, seedConf("MASTER", 80, false).replace("192.0.2.100/24 dev eth0 label eth0:1\n",
                    "192.0.2.101/24 dev eth0\n"));
            reply = control(lan.d1, socket, "reload");
            assertTrue(reply.startsWith("OK reloaded"), reply);
            await("the removed VIP gone from the MASTER, the new one on it", Duration.ofSeconds(10),
                    () -> !holds(lan.d1, VIP) && (holds(lan.d1, "192.0.2.101") || holds(lan.d2, VIP)));
            // keepalived (90) now hears adverts of priority 80: it preempts after its master-down interval
            await("keepalived (90) preempts d1 (80)", MASTER_DOWN.plus(SLACK).plusSeconds(2),
                    () -> holds(lan.d2, VIP));
            await("d1 to BACKUP", Duration.ofSeconds(10), () -> d1.output().contains("(VI_1) Entering BACKUP STATE")
                    && !holds(lan.d1, "192.0.2.101"));
            requestsAnswered(lan, 3);
        }
    }

    /** One command on the director's control socket, from inside the node; the reply's first line. */
    private static String control(Topology.Node node, Path socket, String command) {
        return node.ok("/usr/bin/python3", "-c", "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.settimeout(120)\n"
                + "s.connect(sys.argv[1])\ns.sendall((sys.argv[2]+'\\n').encode())\nb=b''\n"
                + "while b'\\n' not in b:\n  d=s.recv(4096)\n  if not d: break\n  b+=d\nprint(b.decode().split('\\n')[0])",
                socket.toString(), command).trim();
    }

    /** How often the director logged entering BACKUP (state MASTER starts in BACKUP for one interval). */
    private static int backups(Topology.Background director) {
        return director.output().split("\\(VI_1\\) Entering BACKUP STATE", -1).length - 1;
    }

    /** The bridge port (in the switch namespace) of a node's eth0. */
    private static String switchPort(Topology t, String role) {
        Matcher m = Pattern.compile("\\d+: (p\\d+-" + role + ")@").matcher(t.switchNode().ok("ip", "-o", "link"));
        assertTrue(m.find(), "no bridge port of " + role);
        return m.group(1);
    }

    // ---- the failover itself ----

    /**
     * SIGKILL to {@code master}'s director and its link down; the BACKUP takes the VIP within the
     * master-down interval, answers, and the connection opened before keeps working (synced).
     */
    private void failover(Lan lan, Object master, Topology.Background backup, String masterKind, String backupKind)
            throws Exception {
        assertFalse(holds(lan.d2, VIP), "exactly one MASTER holds the VIP");
        await("sync daemons: master on d1, backup on d2", Duration.ofSeconds(30),
                () -> lan.d1.ok("ipvsadm", "-L", "--daemon").contains("master sync daemon")
                        && lan.d2.ok("ipvsadm", "-L", "--daemon").contains("backup sync daemon"));
        await("both real servers pass TCP_CHECK on d1", Duration.ofSeconds(60),
                () -> lan.d1.ok("ipvsadm", "-Sn").contains("-r 192.0.2.11:80") && lan.d1.ok("ipvsadm", "-Sn")
                        .contains("-r 192.0.2.12:80"));
        await("and on d2", Duration.ofSeconds(60),
                () -> lan.d2.ok("ipvsadm", "-Sn").contains("-r 192.0.2.11:80") && lan.d2.ok("ipvsadm", "-Sn")
                        .contains("-r 192.0.2.12:80"));
        Topology.Background client = lan.client.start("/usr/bin/python3", script("client.py", CLIENT).toString(), VIP,
                "120");
        await("the client's connection is answered", Duration.ofSeconds(30),
                () -> client.output().lines().filter(l -> l.startsWith("P ") && l.contains(" ok ")).count() >= 5);
        String d1mac = mac(lan.d1);
        assertEquals(d1mac, neighbour(lan.client, VIP), "the client reaches the VIP at d1");
        Matcher open = Pattern.compile("P open (\\d+)").matcher(client.output());
        assertTrue(open.find(), client.output());
        String port = open.group(1);
        Pattern entry = Pattern.compile("TCP\\s+\\S+\\s+ESTABLISHED\\s+192\\.0\\.2\\.50:" + port
                + "\\s+192\\.0\\.2\\.100:80\\s+(192\\.0\\.2\\.1[12]):80");
        Matcher synced = awaitMatch(() -> entry.matcher(lan.d2.ok("ipvsadm", "-Lnc")), Duration.ofSeconds(30),
                "the backup has the client's connection (port " + port + ") from the sync daemon");
        String rs = synced.group(1);

        long killed = System.nanoTime();
        if (master instanceof Topology.Background d) {
            kill(lan.d1, d);
        } else {
            ((Runnable) master).run();
            lan.d1.ok("ip", "link", "set", "eth0", "down");
        }
        long down = System.nanoTime();
        // bounded from the link down: the kill and link commands themselves take seconds in a loaded TCG VM
        await("d2 takes the VIP", MASTER_DOWN.plus(SLACK), () -> holds(lan.d2, VIP));
        long now = System.nanoTime();
        System.out.println(masterKind + " MASTER SIGKILL -> " + backupKind + " BACKUP holds the VIP "
                + Duration.ofNanos(now - down).toMillis() + " ms after the master's link went down, "
                + Duration.ofNanos(now - killed).toMillis() + " ms after the test began the SIGKILL (master-down interval "
                + MASTER_DOWN.toMillis() + " ms)");
        // the VIP is added before the transition is logged
        await("d2 logs MASTER", Duration.ofSeconds(10), () -> backup.output().contains("(VI_1) Entering MASTER STATE"));
        await("client's neighbour entry -> d2", Duration.ofSeconds(10), () -> neighbour(lan.client, VIP).equals(mac(lan.d2)));
        await("the sync daemon on d2 is now the master", Duration.ofSeconds(10),
                () -> lan.d2.ok("ipvsadm", "-L", "--daemon").contains("master sync daemon"));
        int linesAtTakeover = (int) client.output().lines().count();
        await("new connections and the old one answered through d2", Duration.ofSeconds(20), () -> {
            List<String> after = client.output().lines().skip(linesAtTakeover).toList();
            return after.stream().filter(l -> l.startsWith("N ") && l.contains(" ok ")).count() >= 5
                    && after.stream().filter(l -> l.startsWith("P ") && l.contains(" ok ")).count() >= 5;
        });
        String out = client.output();
        assertFalse(out.contains("P closed"), "the connection opened before the failover was never reset:\n" + out);
        assertTrue(out.lines().filter(l -> l.startsWith("P ") && l.contains(" ok ")).allMatch(l -> l.endsWith(" " + name(rs))),
                "the persistent connection stays on " + rs + " (" + name(rs) + "):\n" + out);
        String table = lan.d2.ok("ipvsadm", "-Lnc");
        assertTrue(table.contains("192.0.2.50:" + port) && table.contains("ESTABLISHED"),
                "the new MASTER forwards the old connection by its synced entry:\n" + table);
        long lost = out.lines().filter(l -> l.startsWith("N ") && l.contains(" fail ")).count();
        System.out.println("client during " + masterKind + " -> " + backupKind + " failover: " + lost
                + " new connections failed (the client waits for the persistent connection's answer before each new"
                + " connection, so none is tried during the outage), persistent connection on port " + port
                + " survived");
        client.close();
    }

    private static String name(String rs) {
        return rs.endsWith(".11") ? "rs1" : "rs2";
    }

    private static void requestsAnswered(Lan lan, int n) throws Exception {
        requestsAnswered(lan, VIP, n);
    }

    private static void requestsAnswered(Lan lan, String vip, int n) throws Exception {
        Topology.Background c = lan.client.start("/usr/bin/python3", script("client-" + System.nanoTime() + ".py", CLIENT)
                .toString(), vip, "3");
        await(n + " new connections answered", Duration.ofSeconds(30),
                () -> c.output().lines().filter(l -> l.startsWith("N ") && l.contains(" ok ")).count() >= n);
        c.close();
    }

    /** SIGKILL to the director's JVM (ip netns exec and the launcher exec it) and the node's link down. */
    private static void kill(Topology.Node node, Topology.Background director) throws Exception {
        Commands.run("kill", "-KILL", Long.toString(director.pid())).check();
        node.ok("ip", "link", "set", "eth0", "down");
        await("the director is dead", Duration.ofSeconds(10), () -> !director.isAlive());
    }

    /** As after a reboot: no VIP, an empty IPVS table, no sync daemon, the link up again. */
    private static void reboot(Topology.Node node) {
        node.exec("ip", "addr", "del", VIP + "/24", "dev", "eth0");
        node.ok("ipvsadm", "-C");
        node.exec("ipvsadm", "--stop-daemon", "master");
        node.exec("ipvsadm", "--stop-daemon", "backup");
        node.ok("ip", "link", "set", "eth0", "up");
    }

    // ---- topology ----

    record Lan(Topology.Node d1, Topology.Node d2, Topology.Node rs1, Topology.Node rs2, Topology.Node client) {}

    private Lan lan(Topology t) throws Exception {
        Topology.Node d1 = node(t, "d1", "192.0.2.1/24");
        Topology.Node d2 = node(t, "d2", "192.0.2.2/24");
        Topology.Node rs1 = node(t, "rs1", "192.0.2.11/24");
        Topology.Node rs2 = node(t, "rs2", "192.0.2.12/24");
        Topology.Node client = node(t, "client", "192.0.2.50/24");
        Path server = LineServer.write(tmp);
        for (Topology.Node rs : List.of(rs1, rs2)) {
            // LVS/DR real server: the VIP on lo, never answering ARP for it
            rs.ok("ip", "addr", "add", VIP + "/32", "dev", "lo");
            rs.sysctl("net.ipv4.conf.all.arp_ignore", "1");
            rs.sysctl("net.ipv4.conf.all.arp_announce", "2");
            rs.sysctl("net.ipv4.conf.eth0.arp_ignore", "1");
            rs.sysctl("net.ipv4.conf.eth0.arp_announce", "2");
            Topology.Background b = rs.start("/usr/bin/python3", server.toString(), rs.role());
            rs.awaitListening(b, 80);
        }
        current = new Lan(d1, d2, rs1, rs2, client);
        return current;
    }

    private Topology.Background director(Topology.Node node, Path launcher, String conf) {
        Path socket = tmp.resolve(node.role() + "-" + System.nanoTime() + ".sock");
        return remember(node.start("env", "IPVS4J_JAVA_OPTS=" + JAVA_OPTS, launcher.toString(), "-f", tmp.resolve(conf).toString(),
                "--control-socket", socket.toString()));
    }

    private Topology.Background remember(Topology.Background b) {
        started.add(b);
        return b;
    }

    /** What the nodes and directors say, appended to a failure. */
    private String diagnostics() {
        StringBuilder sb = new StringBuilder();
        if (current != null) {
            for (Topology.Node n : List.of(current.d1, current.d2)) {
                sb.append("\n--- ").append(n.role()).append(": ipvsadm -L --daemon; -Ln; -Lnc; ip addr\n")
                        .append(n.exec("ipvsadm", "-L", "--daemon").stdout())
                        .append(n.exec("ipvsadm", "-Ln").stdout())
                        .append(n.exec("ipvsadm", "-Lnc").stdout())
                        .append(n.exec("ip", "-o", "addr").stdout());
            }
        }
        for (Topology.Background b : started) {
            List<String> lines = b.output().lines().toList();
            sb.append("\n--- ").append(b).append(" (last lines)\n")
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
        }
        return sb.toString();
    }

    /** Runs {@code body}, a failure carrying the diagnostics. */
    private void withDiagnostics(ThrowingRunnable body) throws Exception {
        try {
            body.run();
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + diagnostics(), e);
        }
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static void awaitLog(Topology.Background b, String text) {
        await("log: " + text, START_BOUND, () -> b.output().contains(text) || !b.isAlive());
        assertTrue(b.output().contains(text), "exited before \"" + text + "\":\n" + b.output());
    }

    private static Matcher awaitMatch(java.util.concurrent.Callable<Matcher> read, Duration timeout, String what)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = read.call();
            if (m.find()) {
                return m;
            }
            Thread.sleep(100);
        }
        fail("timed out after " + timeout + ": " + what);
        return null;
    }

    private Path unpack() throws Exception {
        Path classes = Path.of(DirectorFailoverKernelTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path root = classes.getParent().getParent().getParent();
        String suffix = System.getenv().getOrDefault("IPVS4J_BUILD_SUFFIX", "");
        Path tarball;
        try (Stream<Path> s = Files.list(root.resolve("ipvs-director").resolve("target" + suffix))) {
            tarball = s.filter(p -> p.getFileName().toString().matches("ipvs4j-director-.*-dist\\.tar\\.gz"))
                    .findFirst().orElseThrow(() -> new AssertionError("no distribution: mvn -pl ipvs-director -am package"));
        }
        Path dir = Files.createTempDirectory(tmp, "dist-");
        Commands.run("tar", "-xzf", tarball.toString(), "-C", dir.toString()).check();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("ipvs4j-director-")).findFirst().orElseThrow()
                    .resolve("bin/ipvs4j-director");
        }
    }

    private static Path script(String name, String text) throws IOException {
        Path dir = Files.createDirectories(Path.of("/tmp/i4j-failover"));
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    /** keepalived (VRRP and checker: a whole director) in a node, its pid files in {@code dir}. */
    private final class Keepalived implements AutoCloseable {
        final Topology.Background process;
        final Path dir;

        Keepalived(Topology.Node node, Path tmp, String conf) throws IOException {
            dir = Files.createTempDirectory(tmp, "keepalived-");
            Files.writeString(dir.resolve("keepalived.conf"), conf);
            process = remember(node.start("keepalived", "-l", "-G", "-D", "-n", "-f", dir.resolve("keepalived.conf").toString(),
                    "-p", dir.resolve("k.pid").toString(), "-r", dir.resolve("vrrp.pid").toString(),
                    "-c", dir.resolve("checkers.pid").toString()));
            await("keepalived's children started", Duration.ofSeconds(60), () -> !process.isAlive()
                    || (Files.exists(dir.resolve("vrrp.pid")) && Files.exists(dir.resolve("checkers.pid"))));
            assertTrue(process.isAlive(), "keepalived did not start:\n" + process.output());
        }

        /**
         * SIGKILL to all three processes, the parent stopped first (it would respawn a child, and a
         * child whose parent dies gets SIGTERM and would stop cleanly); then the link goes down.
         */
        void kill() {
            try {
                String parent = Files.readString(dir.resolve("k.pid")).trim();
                String vrrp = Files.readString(dir.resolve("vrrp.pid")).trim();
                String checker = Files.readString(dir.resolve("checkers.pid")).trim();
                Commands.run("sh", "-c", "kill -STOP " + parent + " && kill -KILL " + vrrp + " " + checker + " && kill -KILL "
                        + parent).check();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            await("keepalived dead", Duration.ofSeconds(10), () -> !process.isAlive());
        }

        @Override
        public void close() {
            process.close();
        }
    }

    /**
     * The client: one connection kept open ("P" lines: a request every 200 ms, each answered on
     * that same connection, "P closed" if it is reset), and a new connection per round ("N").
     */
    private static final String CLIENT = """
            import socket, sys, time
            vip, duration = sys.argv[1], float(sys.argv[2])
            p = socket.create_connection((vip, 80), timeout=5)
            p.settimeout(15)
            print("P open %d" % p.getsockname()[1], flush=True)
            buf = b""
            t0 = time.time()
            i = 0
            alive = True
            while time.time() - t0 < duration:
                i += 1
                ts = time.time() - t0
                if alive:
                    try:
                        p.sendall(b"p%d\\n" % i)
                        while b"\\n" not in buf:
                            data = p.recv(4096)
                            if not data:
                                raise ConnectionResetError("closed by peer")
                            buf += data
                        line, buf = buf.split(b"\\n", 1)
                        print("P %.2f ok %s" % (ts, line.decode()), flush=True)
                    except OSError as e:
                        print("P closed %.2f %s" % (ts, e), flush=True)
                        alive = False
                try:
                    c = socket.create_connection((vip, 80), timeout=0.5)
                    c.settimeout(1)
                    c.sendall(b"n%d\\n" % i)
                    r = b""
                    while b"\\n" not in r:
                        d = c.recv(4096)
                        if not d:
                            break
                        r += d
                    c.close()
                    print("N %.2f ok %s" % (ts, r.decode().strip()), flush=True)
                except OSError as e:
                    print("N %.2f fail %s" % (ts, e), flush=True)
                time.sleep(0.2)
            """;
}
