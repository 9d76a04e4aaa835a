package io.ipvs4j.benchmarks;

import io.ipvs4j.netlink.IcmpPinger;
import io.ipvs4j.netlink.NetlinkOptions;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * CPU per ICMP echo: ipvs4j's {@link IcmpPinger} against fping (the classic many-target pinger),
 * in one run: a pinger namespace and a peer namespace carrying T target addresses
 * (192.0.2.10..), joined by a veth pair. One "tick" echoes every target once, all in flight
 * together (a health-check round); R ticks per run. ipvs4j: the process's user and system
 * time (all threads, /proc/self/stat) across the measured ticks, after warm-up ticks; fping:
 * {@code fping -q -C R -p 10 -i 1 -t 1000 TARGETS...}, its user + system time from bash's
 * {@code time}. Both report CPU microseconds per echo and the echoes that got no reply.
 *
 * <p>Usage (root, fping installed): {@code IcmpPingBenchmark [targets] [ticks]} (default 200, 50).
 */
public final class IcmpPingBenchmark {
    private static final String A = "i4jping-a";
    private static final String B = "i4jping-b";

    private IcmpPingBenchmark() {}

    public static void main(String[] args) throws Exception {
        int targets = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int ticks = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        if (targets < 1 || targets > 240) {
            throw new IllegalArgumentException("targets must be 1..240 (192.0.2.10..249), was " + targets);
        }
        cleanup();
        try {
            sh("ip netns add " + A + " && ip netns add " + B
                    + " && ip link add p0 netns " + A + " type veth peer name p1 netns " + B
                    + " && ip -n " + A + " addr add 192.0.2.1/24 dev p0 && ip -n " + A + " link set p0 up"
                    + " && ip -n " + B + " link set p1 up && ip -n " + A + " link set lo up && ip -n " + B + " link set lo up");
            StringBuilder batch = new StringBuilder();
            List<InetAddress> list = new ArrayList<>();
            for (int i = 0; i < targets; i++) {
                String a = "192.0.2." + (10 + i);
                batch.append("address add ").append(a).append("/24 dev p1\n");
                list.add(InetAddress.getByName(a));
            }
            Process p = new ProcessBuilder("ip", "-n", B, "-batch", "-").inheritIO()
                    .redirectInput(ProcessBuilder.Redirect.PIPE).start();
            p.getOutputStream().write(batch.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            p.getOutputStream().close();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("ip -batch failed");
            }
            System.out.printf("%d targets, %d ticks (%d echoes per run)%n", targets, ticks, targets * ticks);
            for (int run = 0; run < 2; run++) {   // alternating, twice: to see the spread
                ipvs4j(list, ticks);
                fping(list, ticks);
            }
        } finally {
            cleanup();
        }
    }

    private static void ipvs4j(List<InetAddress> targets, int ticks) throws Exception {
        try (IcmpPinger pinger = IcmpPinger.open(NetlinkOptions.builder()
                .namespace(NetlinkOptions.namedNamespace(A)).build())) {
            for (int i = 0; i < 20; i++) {   // warm-up: neighbours resolved, code compiled
                tick(pinger, targets);
            }
            long threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
            long[] cpu0 = userSystemTicks();
            long wall0 = System.nanoTime();
            int lost = 0;
            for (int i = 0; i < ticks; i++) {
                lost += tick(pinger, targets);
            }
            long wall = System.nanoTime() - wall0;
            long[] cpu1 = userSystemTicks();
            double user = (cpu1[0] - cpu0[0]) / 100.0;   // USER_HZ
            double system = (cpu1[1] - cpu0[1]) / 100.0;
            long echoes = (long) targets.size() * ticks;
            System.out.printf("ipvs4j  cpu %.1f us/echo  (user+sys %.2f+%.2f s)  wall %.1f us/echo  lost %d of %d  threads %d%n",
                    (user + system) * 1e6 / echoes, user, system, wall / 1000.0 / echoes, lost, echoes, threadsBefore);
        }
    }

    /** utime and stime of this process (all threads) in clock ticks, from /proc/self/stat. */
    private static long[] userSystemTicks() throws java.io.IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");   // fields from 3 (state) on
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};     // fields 14 and 15
    }

    /** One echo per target, all in flight together; returns how many failed. */
    private static int tick(IcmpPinger pinger, List<InetAddress> targets) throws Exception {
        List<CompletableFuture<Boolean>> round = new ArrayList<>(targets.size());
        for (InetAddress t : targets) {
            round.add(pinger.echo(t, null, Duration.ofSeconds(1)).handle((rtt, e) -> e == null));
        }
        int lost = 0;
        for (CompletableFuture<Boolean> f : round) {
            if (!f.get(30, TimeUnit.SECONDS)) {
                lost++;
            }
        }
        return lost;
    }

    private static void fping(List<InetAddress> targets, int ticks) throws Exception {
        StringBuilder list = new StringBuilder();
        for (InetAddress t : targets) {
            list.append(' ').append(t.getHostAddress());
        }
        // warm-up for the neighbour entries, then the measured run; fping -C prints per target
        // "addr : rtt rtt - ..." on stderr ("-" = no reply); bash's time prints "user sys"
        sh("ip netns exec " + A + " fping -q -C 3 -p 10 -i 1 -t 1000" + list + " 2>/dev/null || true");
        String out = shOut("TIMEFORMAT='%U %S'; { time ip netns exec " + A + " fping -q -C " + ticks
                + " -p 10 -i 1 -t 1000" + list + " 2>/tmp/i4jping-fping.txt; } 2>&1; cat /tmp/i4jping-fping.txt | grep -o ' -' | wc -l");
        String[] lines = out.strip().split("\n");
        String[] times = lines[lines.length - 2].trim().split("\\s+");
        double cpuSeconds = Double.parseDouble(times[0]) + Double.parseDouble(times[1]);
        long echoes = (long) targets.size() * ticks;
        System.out.printf("fping   cpu %.1f us/echo  (user+sys %s s, includes ip netns exec)  lost %s of %d%n",
                cpuSeconds * 1e6 / echoes, String.join("+", times), lines[lines.length - 1].trim(), echoes);
    }

    private static void cleanup() throws Exception {
        new ProcessBuilder("sh", "-c", "ip netns del " + A + " 2>/dev/null; ip netns del " + B + " 2>/dev/null; true")
                .inheritIO().start().waitFor();
    }

    private static void sh(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", script).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("failed: " + script);
        }
    }

    private static String shOut(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("failed (" + out + "): " + script);
        }
        return out;
    }
}
