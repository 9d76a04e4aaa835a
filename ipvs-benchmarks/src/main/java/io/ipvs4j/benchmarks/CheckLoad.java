package io.ipvs4j.benchmarks;

import io.ipvs4j.director.check.CheckPolicy;
import io.ipvs4j.director.check.CheckSpec;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.director.check.HealthCheck;
import io.ipvs4j.director.check.HealthChecker;
import io.ipvs4j.director.check.HttpGetCheck;
import io.ipvs4j.director.check.TcpConnectCheck;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The health checkers alone, without a kernel: N targets (odd ports TCP_CHECK, even ports
 * HTTP_GET, as run-check-scale.sh configures them) checked every second against servers the
 * caller runs, and the process's CPU time per second of checking over a window after a warm-up.
 * It isolates the checkers' cost from the controller's and lets a profiler (JFR) see them on
 * any machine.
 *
 * <pre>
 * java -cp ... io.ipvs4j.benchmarks.CheckLoad ADDRESS-PREFIX ADDRESSES FIRST-PORT PORTS WARMUP-S WINDOW-S
 * e.g. 127.0.0. 1 8001 20 20 30   (targets 127.0.0.1:8001..8020)
 * </pre>
 */
public final class CheckLoad {
    private CheckLoad() {
    }

    public static void main(String[] args) throws Exception {
        String prefix = args[0];
        int addresses = Integer.parseInt(args[1]);
        int firstPort = Integer.parseInt(args[2]);
        int ports = Integer.parseInt(args[3]);
        long warmup = Long.parseLong(args[4]);
        long window = Long.parseLong(args[5]);
        AtomicLong transitions = new AtomicLong();
        CheckPolicy policy = new CheckPolicy(Duration.ofSeconds(1), 0, Duration.ofSeconds(1), Duration.ofSeconds(1));
        try (HealthChecker<String> checker = new HealthChecker<>((t, old, now) -> transitions.incrementAndGet())) {
            for (int p = firstPort; p < firstPort + ports; p++) {
                for (int a = 1; a <= addresses; a++) {
                    InetAddress address = InetAddress.getByName(prefix + a);
                    HealthCheck check = p % 2 == 1
                            ? TcpConnectCheck.builder(address, p).connectTimeout(Duration.ofSeconds(1)).build()
                            : HttpGetCheck.builder(address, p).connectTimeout(Duration.ofSeconds(1))
                                    .url(new HttpGetCheck.Url("/", Set.of(200), Optional.empty())).build();
                    checker.add(prefix + a + ":" + p, CheckState.UP, new CheckSpec(check, policy));
                }
            }
            Thread.sleep(warmup * 1000);
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long c0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            long tr0 = transitions.get();
            Thread.sleep(window * 1000);
            long c1 = os.getProcessCpuTime();
            long t1 = System.nanoTime();
            System.out.printf("targets %d, window %.1f s: CPU %.3f s/s, transitions in the window %d, heap used %d MB%n",
                    addresses * ports, (t1 - t0) / 1e9, (c1 - c0) / (double) (t1 - t0), transitions.get() - tr0,
                    (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
        }
    }
}
