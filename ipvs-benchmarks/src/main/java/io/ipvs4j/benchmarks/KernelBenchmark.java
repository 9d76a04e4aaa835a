package io.ipvs4j.benchmarks;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.BatchResult;
import io.ipvs4j.Change;
import io.ipvs4j.Ipvs;
import io.ipvs4j.Reconciler;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Kernel round-trip benchmark, run as root on a kernel with IPVS (the project's VM): ipvs4j
 * against ipvsadm on the same table in the same boot, in a network namespace of its own.
 *
 * <p>Usage: {@code KernelBenchmark [services] [realServersPerService] [repetitions]} (default
 * 1000 10 7). Prints one line per measurement (median of the repetitions, after a warm-up
 * round) and the ratios; exits non-zero if the table ipvs4j wrote differs from what ipvsadm
 * reads back.
 */
public final class KernelBenchmark {
    private final int services;
    private final int perService;
    private final int repetitions;
    private final String namespace = "ipvs4j-bench-" + ProcessHandle.current().pid();
    private final Path rulesFile;
    private Ipvs ipvs;

    private KernelBenchmark(int services, int perService, int repetitions) throws IOException {
        this.services = services;
        this.perService = perService;
        this.repetitions = repetitions;
        this.rulesFile = Files.createTempFile("ipvs4j-bench", ".rules");
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--startup")) {
            return;   // measures JVM start-up and class loading only
        }
        int services = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int perService = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int repetitions = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        new KernelBenchmark(services, perService, repetitions).run();
    }

    private ServiceKey key(int i) {
        return ServiceKey.tcp("192.0.2.100", 10000 + i);
    }

    private RealServer realServer(int i, int r, int weight) {
        return RealServer.builder(Endpoint.of("198.51.100." + (r + 1), 10000 + i))
                .forwarding(ForwardingMethod.DIRECT_ROUTE).weight(weight).build();
    }

    private List<Reconciler.DesiredService> desired(int changedEvery) {
        List<Reconciler.DesiredService> out = new ArrayList<>(services);
        int n = 0;
        for (int i = 0; i < services; i++) {
            List<RealServer> servers = new ArrayList<>(perService);
            for (int r = 0; r < perService; r++) {
                boolean changed = changedEvery > 0 && n++ % changedEvery == 0;
                servers.add(realServer(i, r, changed ? 2 : 1));
            }
            out.add(new Reconciler.DesiredService(VirtualService.builder(key(i)).scheduler(Scheduler.WLC).build(), servers));
        }
        return out;
    }

    private Batch addAll() {
        Batch.Builder b = Batch.builder();
        for (Reconciler.DesiredService d : desired(0)) {
            b.addService(d.service());
            for (RealServer rs : d.realServers()) {
                b.addRealServer(d.service().key(), rs);
            }
        }
        return b.build();
    }

    private void writeRules() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < services; i++) {
            sb.append("-A -t 192.0.2.100:").append(10000 + i).append(" -s wlc\n");
            for (int r = 0; r < perService; r++) {
                sb.append("-a -t 192.0.2.100:").append(10000 + i).append(" -r 198.51.100.").append(r + 1)
                        .append(':').append(10000 + i).append(" -g -w 1\n");
            }
        }
        Files.writeString(rulesFile, sb);
    }

    private int sh(String command, boolean quiet) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", command);
        pb.redirectErrorStream(true);
        if (quiet) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        } else {
            pb.inheritIO();
        }
        return pb.start().waitFor();
    }

    private String shOut(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private record Measurement(String name, Step setup, Step measured, Step check) {}

    private static void ratio(String name, double value, double target) {
        System.out.printf(Locale.ROOT, "ratio %-48s %6.1fx%s%n", name, value,
                target > 0 ? String.format(Locale.ROOT, "  (target >= %.0f: %s)", target, value >= target ? "met" : "NOT met") : "");
    }

    private void expectFullTable(String what) throws Exception {
        int lines = Integer.parseInt(shOut("ip netns exec " + namespace + " ipvsadm -Sn | wc -l").strip());
        int expected = services * (1 + perService);
        if (lines != expected) {
            throw new IllegalStateException(what + ": ipvsadm -Sn shows " + lines + " rules, expected " + expected);
        }
    }

    private void run() throws Exception {
        if (sh("ip netns add " + namespace + " && ip -n " + namespace + " link set lo up", false) != 0) {
            throw new IllegalStateException("cannot create network namespace " + namespace + " (root needed)");
        }
        try {
            ipvs = IpvsNetlink.open(NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(namespace)).build());
            writeRules();
            Batch all = addAll();
            BatchOptions every = BatchOptions.DEFAULT;
            BatchOptions lastOnly = BatchOptions.builder().ackMode(BatchOptions.AckMode.LAST_OF_EACH_SEND).build();
            String ipvsadmRestore = "ip netns exec " + namespace + " ipvsadm -R < " + rulesFile;
            String ipvsadmList = "ip netns exec " + namespace + " ipvsadm -Ln > /dev/null";

            int ops = all.size();
            List<Reconciler.DesiredService> base = desired(0);
            List<Reconciler.DesiredService> onePercent = desired(100);
            // The controller knows which services its event touched: it passes only those.
            List<Reconciler.DesiredService> changedOnly = new ArrayList<>();
            for (int i = 0; i < services; i++) {
                if (!onePercent.get(i).equals(base.get(i))) {
                    changedOnly.add(onePercent.get(i));
                }
            }
            Reconciler incremental = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withFullResyncEvery(1_000_000));

            // Warm-up: every measured code path several times, so that the measured rounds run
            // code the JIT has compiled (under emulation the first rounds are several times slower).
            for (int w = 0; w < 4; w++) {
                ipvs.flush();
                ipvs.apply(all, lastOnly).throwIfFailed();
                for (int k = 0; k < 4; k++) {
                    ipvs.snapshot();
                    new Reconciler(ipvs, Reconciler.Options.DEFAULT).apply(k % 2 == 0 ? onePercent : base);
                }
                incremental.invalidate();
                incremental.applyIncremental(onePercent);
                for (int k = 0; k < 10; k++) {
                    incremental.applyIncremental(k % 2 == 0 ? changedOnly : base.subList(0, 0), List.of());
                    incremental.applyIncremental(base, List.of());
                }
                ipvs.flush();
                ipvs.apply(all).throwIfFailed();
                ipvs.flush();
                for (Change c : all.changes().subList(0, Math.min(2000, all.size()))) {
                    c.applyTo(ipvs);
                }
            }
            Step flush = ipvs::flush;
            Step fill = () -> {
                ipvs.flush();
                ipvs.apply(all, lastOnly).throwIfFailed();
            };
            Batch reAddAll = Batch.of(changesToReAdd(onePercent));
            BatchResult[] lastBatch = new BatchResult[1];
            Reconciler.Result[] applied = new Reconciler.Result[1];
            int[] calls = new int[2];
            int[] changed = new int[1];

            // Rounds interleave the measurements, so a slow phase of the (emulated) machine
            // affects every measurement alike instead of biasing one.
            List<Measurement> ms = List.of(
                new Measurement("ipvs4j batch add, ACK every message", flush,
                        () -> lastBatch[0] = ipvs.apply(all, every).throwIfFailed(),
                        () -> { expectFullTable("batch (ACK every)"); calls[0] = lastBatch[0].systemCalls(); }),
                new Measurement("ipvs4j batch add, ACK last of each send", flush,
                        () -> lastBatch[0] = ipvs.apply(all, lastOnly).throwIfFailed(),
                        () -> { expectFullTable("batch (ACK last)"); calls[1] = lastBatch[0].systemCalls(); }),
                new Measurement("ipvsadm -R (same rules, incl. process start)", flush, () -> {
                    if (sh(ipvsadmRestore, false) != 0) {
                        throw new IllegalStateException("ipvsadm -R failed");
                    }
                }, () -> expectFullTable("ipvsadm -R")),
                new Measurement("ipvs4j one message per call", flush, () -> {
                    for (Change c : all.changes()) {
                        c.applyTo(ipvs);
                    }
                }, () -> expectFullTable("one message per call")),
                new Measurement("ipvs4j snapshot (list everything)", () -> { }, () -> {
                    List<ServiceSnapshot> listed = ipvs.snapshot();
                    int rows = listed.stream().mapToInt(x -> 1 + x.realServers().size()).sum();
                    if (rows != ops) {
                        throw new IllegalStateException("snapshot listed " + rows + " rows, expected " + ops);
                    }
                }, () -> { }),
                new Measurement("ipvsadm -Ln (incl. process start)", () -> { }, () -> sh(ipvsadmList, false), () -> { }),
                new Measurement("ipvs4j dump-and-diff apply of a 1% change", fill,
                        () -> applied[0] = new Reconciler(ipvs, Reconciler.Options.DEFAULT).apply(onePercent), () -> {
                            if (!applied[0].isSuccess() || applied[0].changes().isEmpty()) {
                                throw new IllegalStateException("dump-and-diff apply: " + applied[0].batch());
                            }
                            changed[0] = applied[0].changes().size();
                        }),
                new Measurement("ipvs4j incremental apply of the same change", () -> {
                    fill.run();
                    incremental.invalidate();
                    incremental.applyIncremental(base);   // a full read: the baseline
                }, () -> applied[0] = incremental.applyIncremental(changedOnly, List.of()), () -> {
                    if (applied[0].fullSync() || applied[0].changes().size() != changed[0]) {
                        throw new IllegalStateException("incremental apply made " + applied[0].changes().size()
                                + " changes (full sync " + applied[0].fullSync() + "), expected " + changed[0]);
                    }
                }),
                new Measurement("flush + re-add everything with the change (batch)", fill, () -> {
                    ipvs.flush();
                    ipvs.apply(reAddAll, lastOnly).throwIfFailed();
                }, () -> { }),
                new Measurement("ipvs4j flush", fill, flush, () -> { }));
            double[][] times = new double[ms.size()][repetitions];
            long[] allocated = new long[ms.size()];
            for (int round = 0; round < repetitions; round++) {
                for (int m = 0; m < ms.size(); m++) {
                    Measurement x = ms.get(m);
                    x.setup().run();
                    // As JMH does between iterations: the garbage of the previous steps is
                    // collected before, not during, the measured one (each step's own
                    // allocation is reported below).
                    System.gc();
                    long a0 = allocatedBytes();
                    long t0 = System.nanoTime();
                    x.measured().run();
                    times[m][round] = (System.nanoTime() - t0) / 1e6;
                    allocated[m] = allocatedBytes() - a0;
                    x.check().run();
                }
            }
            double[] median = new double[ms.size()];
            System.out.printf(Locale.ROOT, "workload: %d services x %d DR real servers = %d operations; median of %d interleaved rounds%n",
                    services, perService, ops, repetitions);
            System.out.printf(Locale.ROOT, "%-60s %9s %9s   %s%n", "measurement", "median ms", "alloc MB", "all rounds");
            for (int m = 0; m < ms.size(); m++) {
                double[] sorted = times[m].clone();
                Arrays.sort(sorted);
                median[m] = sorted[repetitions / 2];
                StringBuilder rounds = new StringBuilder();
                for (double t : times[m]) {
                    rounds.append(String.format(Locale.ROOT, "%.0f ", t));
                }
                System.out.printf(Locale.ROOT, "%-60s %9.1f %9.1f   %s%n", ms.get(m).name(), median[m],
                        allocated[m] / 1e6, rounds.toString().strip());
            }
            System.out.printf(Locale.ROOT, "system calls per batch add: %d (ACK every), %d (ACK last); 1%% change = %d changes%n",
                    calls[0], calls[1], changed[0]);
            System.out.println();
            ratio("ipvsadm -R / batch add (ACK every)", median[2] / median[0], 5);
            ratio("ipvsadm -R / batch add (ACK last)", median[2] / median[1], 5);
            ratio("one message per call / batch add (ACK every)", median[3] / median[0], 0);
            ratio("ipvsadm -Ln / snapshot", median[5] / median[4], 4);
            ratio("re-add everything / dump-and-diff apply", median[8] / median[6], 3);
            ratio("re-add everything / incremental apply", median[8] / median[7], 30);
        } finally {
            if (ipvs != null) {
                ipvs.close();
            }
            sh("ip netns del " + namespace, true);
            Files.deleteIfExists(rulesFile);
        }
    }

    /** Bytes this thread has allocated so far (HotSpot's ThreadMXBean), for the per-step figures. */
    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    private List<Change> changesToReAdd(List<Reconciler.DesiredService> desired) {
        List<Change> out = new ArrayList<>();
        for (Reconciler.DesiredService d : desired) {
            out.add(new Change.AddService(d.service()));
            for (RealServer rs : d.realServers()) {
                out.add(new Change.AddRealServer(d.service().key(), rs));
            }
        }
        return out;
    }
}
