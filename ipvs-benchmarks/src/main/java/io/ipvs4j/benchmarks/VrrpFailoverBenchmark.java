package io.ipvs4j.benchmarks;

import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.netlink.HostNetwork;
import io.ipvs4j.netlink.NetlinkOptions;
import io.ipvs4j.netlink.VrrpHost;
import io.ipvs4j.vrrp.VrrpInstanceConfig;
import io.ipvs4j.vrrp.VrrpScheduler;
import io.ipvs4j.vrrp.VrrpSpeaker;
import io.ipvs4j.vrrp.VrrpState;
import io.ipvs4j.vrrp.VrrpVersion;
import java.io.File;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * VRRP failover time, an ipvs4j pair against a keepalived pair, in one run (one VM boot): two
 * directors in namespaces on a bridge, master priority 150, backup 100. Failover = from the
 * failure to the VIP appearing on the backup (read over rtnetlink every 2 ms, the same probe for
 * both pairs). Failures: "stop" (ipvs4j close() / keepalived SIGTERM: a priority-0 advert) and
 * "port down" (the master's switch port goes down: the backup must wait out the master-down
 * interval). Settings: VRRP v2 advert_int 1 (the seed) and v3 advert_int 0.2.
 *
 * <p>Usage (root, keepalived installed): {@code VrrpFailoverBenchmark [rounds]} (default 5).
 */
public final class VrrpFailoverBenchmark {
    private static final String VIP = "192.0.2.100";
    private static final String PREFIX = "i4jbench";

    private VrrpFailoverBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        cleanup();
        sh("ip netns add " + PREFIX + "sw && ip -n " + PREFIX + "sw link add br0 type bridge && ip -n " + PREFIX + "sw link set br0 up");
        node("a", "192.0.2.1/24");
        node("b", "192.0.2.2/24");
        try (VrrpScheduler scheduler = new VrrpScheduler();
             InterfaceAddresses probe = HostNetwork.addresses(options("b"))) {
            System.out.printf("%-10s %-9s %-9s %-10s %s%n", "pair", "setting", "failure", "median ms", "rounds (ms)");
            for (String setting : List.of("v2 1s", "v3 0.2s")) {
                for (String failure : List.of("stop", "port down")) {
                    for (String pair : List.of("ipvs4j", "keepalived")) {
                        long[] ms = new long[rounds];
                        for (int i = 0; i < rounds; i++) {
                            ms[i] = pair.equals("ipvs4j") ? ipvs4j(setting, failure, scheduler, probe)
                                    : keepalived(setting, failure, probe);
                        }
                        long[] sorted = ms.clone();
                        Arrays.sort(sorted);
                        System.out.printf("%-10s %-9s %-9s %-10d %s%n", pair, setting, failure, sorted[rounds / 2], Arrays.toString(ms));
                    }
                }
            }
        } finally {
            cleanup();
        }
    }

    private static boolean v3(String setting) {
        return setting.startsWith("v3");
    }

    private static VrrpInstanceConfig config(String setting, int priority) {
        VrrpInstanceConfig.Builder b = VrrpInstanceConfig.builder("VI_1", "eth0", 51).priority(priority)
                .virtualAddress(VIP + "/24").garpMasterDelay(Duration.ZERO);
        return v3(setting) ? b.version(VrrpVersion.V3).advertInterval(Duration.ofMillis(200)).build()
                : b.authPass("1111").advertInterval(Duration.ofSeconds(1)).build();
    }

    private static long ipvs4j(String setting, String failure, VrrpScheduler scheduler, InterfaceAddresses probe) throws Exception {
        VrrpSpeaker a = VrrpHost.speaker(config(setting, 150), scheduler, options("a"));
        VrrpSpeaker b = VrrpHost.speaker(config(setting, 100), scheduler, options("b"));
        try {
            a.start();
            b.start();
            await(() -> a.state() == VrrpState.MASTER && b.state() == VrrpState.BACKUP && !holds(probe), "ipvs4j pair settled");
            Thread.sleep(1000 + (long) (Math.random() * 1000));   // a random phase against the advert timer
            long t0 = System.nanoTime();
            if (failure.equals("stop")) {
                a.close();
            } else {
                portDown("a");
            }
            await(() -> holds(probe), "backup holds the VIP");
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        } finally {
            a.close();
            b.close();
            portUp("a");
            sh("ip -n " + PREFIX + "a addr flush dev eth0 to " + VIP + "/32 ; ip -n " + PREFIX + "b addr flush dev eth0 to " + VIP + "/32 ; true");
        }
    }

    private static long keepalived(String setting, String failure, InterfaceAddresses probe) throws Exception {
        Process a = keepalivedProcess("a", setting, 150);
        Process b = keepalivedProcess("b", setting, 100);
        try {
            Thread.sleep(v3(setting) ? 1500 : 5000);   // a becomes MASTER, b hears it
            await(() -> !holds(probe), "keepalived backup without VIP");
            Thread.sleep((long) (Math.random() * 1000));
            long t0 = System.nanoTime();
            if (failure.equals("stop")) {
                sh("kill -TERM $(cat /tmp/" + PREFIX + "-a.pid)");
            } else {
                portDown("a");
            }
            await(() -> holds(probe), "keepalived backup holds the VIP");
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        } finally {
            for (String n : List.of("a", "b")) {
                sh("kill -TERM $(cat /tmp/" + PREFIX + "-" + n + ".pid 2>/dev/null) 2>/dev/null; true");
            }
            a.waitFor(10, TimeUnit.SECONDS);
            b.waitFor(10, TimeUnit.SECONDS);
            a.destroyForcibly();
            b.destroyForcibly();
            portUp("a");
            sh("rm -f /tmp/" + PREFIX + "-*.pid /tmp/" + PREFIX + "-*.vpid");
        }
    }

    private static Process keepalivedProcess(String node, String setting, int priority) throws Exception {
        Path conf = Path.of("/tmp/" + PREFIX + "-" + node + ".conf");
        Files.writeString(conf, "global_defs {\n router_id " + node + "\n vrrp_garp_master_delay 0\n}\n"
                + "vrrp_instance VI_1 {\n version " + (v3(setting) ? 3 : 2) + "\n state BACKUP\n interface eth0\n"
                + " virtual_router_id 51\n priority " + priority + "\n advert_int " + (v3(setting) ? "0.2" : "1") + "\n"
                + (v3(setting) ? "" : " authentication {\n  auth_type PASS\n  auth_pass 1111\n }\n")
                + " virtual_ipaddress {\n  " + VIP + "/24 dev eth0\n }\n}\n");
        return new ProcessBuilder("ip", "netns", "exec", PREFIX + node, "keepalived", "-l", "-G", "-n", "-P",
                "-f", conf.toString(), "-p", "/tmp/" + PREFIX + "-" + node + ".pid", "-r", "/tmp/" + PREFIX + "-" + node + ".vpid")
                .redirectErrorStream(true).redirectOutput(new File("/tmp/" + PREFIX + "-" + node + ".log")).start();
    }

    private static boolean holds(InterfaceAddresses probe) {
        try {
            InetAddress vip = InetAddresses.parse(VIP);
            for (InterfaceAddress a : probe.addresses("eth0")) {
                if (a.address().equals(vip)) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(Condition c, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.holds()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }

    private static NetlinkOptions options(String node) {
        return NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(PREFIX + node)).build();
    }

    private static void node(String n, String cidr) throws Exception {
        String ns = PREFIX + n;
        sh("ip netns add " + ns + " && ip -n " + ns + " link set lo up"
                + " && ip link add p-" + n + " netns " + PREFIX + "sw type veth peer name eth0 netns " + ns
                + " && ip -n " + PREFIX + "sw link set p-" + n + " master br0 up"
                + " && ip -n " + ns + " link set eth0 up && ip -n " + ns + " addr add " + cidr + " dev eth0");
    }

    private static void portDown(String n) throws Exception {
        sh("ip -n " + PREFIX + "sw link set p-" + n + " down");
    }

    private static void portUp(String n) throws Exception {
        sh("ip -n " + PREFIX + "sw link set p-" + n + " up");
    }

    private static void cleanup() throws Exception {
        sh("for n in sw a b; do ip netns del " + PREFIX + "$n 2>/dev/null; done; true");
    }

    private static void sh(String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("failed: " + script + "\n" + out);
        }
    }
}
