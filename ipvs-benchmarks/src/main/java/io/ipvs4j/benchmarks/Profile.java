package io.ipvs4j.benchmarks;

import io.ipvs4j.Batch;
import io.ipvs4j.Ipvs;
import io.ipvs4j.Reconciler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * A JFR recording of ipvs4j's warm add or listing path, in the VM: warm-up first (not
 * recorded), then N adds (each into a fresh namespace) or N snapshots of one table, with Java
 * and native method samples every 10 ms. Run by run-kernel-benchmark.sh through
 * {@code KernelBenchmark --profile add|list S R N FILE}, one recording per add, FILE-0.jfr, FILE-1.jfr, ... ({@code -Dbench.ref=PATH} for the
 * table of the listing). Summarise with {@code ipvs-benchmarks/jfr-top.py FILE.jfr}.
 */
final class Profile {
    private Profile() {
    }

    static void run(String mode, int services, int perService, int n, Path file, String ref) throws Exception {
        List<Reconciler.DesiredService> base = KernelBenchmark.desired(services, perService, 0);
        Batch all = KernelBenchmark.addAll(base);
        long rows = (long) services * (1 + perService);
        if (mode.equals("add")) {
            // One recording per add (a stopped recording cannot restart): namespace set-up and
            // teardown are not ipvs4j's work and stay outside.
            for (int i = 0; i < n + 3; i++) {
                String ns = KernelBenchmark.freshNamespace("prof" + i);
                try (Ipvs ipvs = KernelBenchmark.open(ns); Recording recording = recording()) {
                    System.gc();
                    if (i >= 3) {
                        recording.start();
                    }
                    long t0 = System.nanoTime();
                    ipvs.apply(all, KernelBenchmark.ACK_LAST).throwIfFailed();
                    System.out.printf(Locale.ROOT, "profile add %d%s: %.1f ms%n", i, i < 3 ? " (warm-up)" : "", (System.nanoTime() - t0) / 1e6);
                    if (i >= 3) {
                        recording.stop();
                        recording.dump(Path.of(file + "-" + (i - 3) + ".jfr"));
                    }
                }
                KernelBenchmark.dispose(ns);
            }
        } else {
            String ns = KernelBenchmark.freshNamespace("prof");
            KernelBenchmark.shOut("ip netns exec " + ns + " " + ref + " add " + services + " " + perService);
            try (Ipvs ipvs = KernelBenchmark.open(ns); Recording recording = recording()) {
                for (int i = 0; i < n + 5; i++) {
                    System.gc();
                    if (i == 5) {
                        recording.start();
                    }
                    long t0 = System.nanoTime();
                    KernelBenchmark.expectRows(ipvs.snapshot(), rows, "profile snapshot");
                    System.out.printf(Locale.ROOT, "profile snapshot %d%s: %.1f ms%n", i, i < 5 ? " (warm-up)" : "", (System.nanoTime() - t0) / 1e6);
                }
                recording.stop();
                recording.dump(Path.of(file + "-0.jfr"));
            }
            KernelBenchmark.dispose(ns);
        }
    }

    /** Java and native method samples every 10 ms, allocation samples, GC. */
    private static Recording recording() throws Exception {
        Recording recording = new Recording(Configuration.getConfiguration("profile"));
        recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
        recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(10));
        return recording;
    }
}
