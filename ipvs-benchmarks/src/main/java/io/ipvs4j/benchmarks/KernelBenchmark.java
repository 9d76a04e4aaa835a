package io.ipvs4j.benchmarks;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
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
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kernel round-trip benchmark, run as root on a kernel with IPVS (the project's VM): ipvs4j
 * against a minimal C client ({@code ipvs-ref}, src/main/c) on the same table in the same
 * boot, every measured add in a fresh network namespace.
 *
 * <p>Why fresh namespaces: the kernel keeps removed real servers in a per-namespace trash list
 * (net/netfilter/ipvs/ip_vs_ctl.c, {@code ip_vs_trash_get_dest}) and walks it on every NEW_DEST,
 * so an add after a flush measures that walk, not the client. The penalty is measured apart
 * (lines "re-add right after flush").
 *
 * <p>Usage: {@code KernelBenchmark --ref PATH [--out FILE.tsv] [--cold-cmd 'java ...'] [SCALES]}
 * with SCALES like {@code 1000:7,4000:5,16000:3,50000:1} (services:rounds; 10 real servers each,
 * {@code -Dbench.realServers}). {@code --cold S R} (child JVM: the first open, build, apply and
 * snapshot of a fresh JVM, in the namespace named by {@code -Dbench.namespace}); {@code --profile
 * add|list S R N FILE.jfr} (child JVM: a JFR recording of N warm adds or listings after warm-up);
 * {@code --startup} (JVM start-up only). Exits non-zero if any table read back differs.
 */
public final class KernelBenchmark {
    private static final Pattern REF_LINE = Pattern.compile("rows=(\\d+) ms=([0-9.]+) user_ms=([0-9.]+) sys_ms=([0-9.]+)");
    private static final Pattern COLD_LINE = Pattern.compile("COLD open_ms=([0-9.]+) build_ms=([0-9.]+) apply_ms=([0-9.]+) snapshot_ms=([0-9.]+) rows=(\\d+)");

    private final String ref;
    private final int perService;
    private final String coldCommand;
    private int services;
    private int namespaces;
    /** Per scale point: measurement name -> samples. */
    private final Map<Integer, Map<String, List<double[]>>> results = new LinkedHashMap<>();
    private final java.util.Set<Integer> reported = new java.util.HashSet<>();

    private KernelBenchmark(String ref, int perService, String coldCommand) {
        this.ref = ref;
        this.perService = perService;
        this.coldCommand = coldCommand;
    }

    public static void main(String[] args) throws Exception {
        int perService = Integer.getInteger("bench.realServers", 10);
        if (args.length > 0 && args[0].equals("--startup")) {
            return;   // measures JVM start-up and class loading only
        }
        if (args.length > 0 && args[0].equals("--cold")) {
            cold(Integer.parseInt(args[1]), Integer.parseInt(args[2]), System.getProperty("bench.namespace"));
            return;
        }
        if (args.length > 0 && args[0].equals("--profile")) {
            Profile.run(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Path.of(args[5]), System.getProperty("bench.ref"));
            return;
        }
        String ref = null;
        String out = null;
        String coldCmd = null;
        String scales = "1000:7,4000:5,16000:3,50000:1";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--ref" -> ref = args[++i];
                case "--out" -> out = args[++i];
                case "--cold-cmd" -> coldCmd = args[++i];
                default -> scales = args[i];
            }
        }
        if (ref == null) {
            throw new IllegalArgumentException("--ref PATH (the ipvs-ref binary) is required");
        }
        KernelBenchmark b = new KernelBenchmark(ref, perService, coldCmd);
        b.warmUp();
        for (String point : scales.split(",")) {
            String[] p = point.split(":");
            b.scalePoint(Integer.parseInt(p[0]), Integer.parseInt(p[1]), p.length > 2 ? Integer.parseInt(p[2]) : 1);
            // After every scale point: a run cut short (the VM's time limit) keeps what it measured.
            b.report(out == null ? null : Path.of(out));
        }
    }

    // ---- the table ------------------------------------------------------------------------

    static ServiceKey key(int i) {
        return ServiceKey.tcp("192.0.2.100", 10000 + i);
    }

    static RealServer realServer(int i, int r, int weight) {
        return RealServer.builder(Endpoint.of("198.51.100." + (r + 1), 10000 + i))
                .forwarding(ForwardingMethod.DIRECT_ROUTE).weight(weight).build();
    }

    /** The table ipvs-ref adds; every {@code changedEvery}-th real server with weight 2 instead of 1. */
    static List<Reconciler.DesiredService> desired(int services, int perService, int changedEvery) {
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

    static Batch addAll(List<Reconciler.DesiredService> desired) {
        Batch.Builder b = Batch.builder();
        for (Reconciler.DesiredService d : desired) {
            b.addService(d.service());
            for (RealServer rs : d.realServers()) {
                b.addRealServer(d.service().key(), rs);
            }
        }
        return b.build();
    }

    static final BatchOptions ACK_LAST = BatchOptions.builder().ackMode(BatchOptions.AckMode.LAST_OF_EACH_SEND).build();

    // ---- processes, namespaces, the machine -----------------------------------------------

    static int sh(String command) throws IOException, InterruptedException {
        return new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).inheritIO().start().waitFor();
    }

    static String shOut(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("failed (" + p.exitValue() + "): " + command + "\n" + out);
        }
        return out;
    }

    static String freshNamespace(String tag) throws IOException, InterruptedException {
        String ns = "ipvs4j-b" + ProcessHandle.current().pid() + "-" + tag;
        shOut("ip netns add " + ns + " && ip -n " + ns + " link set lo up");
        return ns;
    }

    static Ipvs open(String ns) throws Exception {
        return IpvsNetlink.open(NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(ns)).build());
    }

    /** Empties the namespace's table (so no other namespace's walk of the global service table sees it), deletes it, waits until the kernel is done. */
    static void dispose(String ns) throws Exception {
        try (Ipvs ipvs = open(ns)) {
            ipvs.flush();
        }
        shOut("ip netns del " + ns);
        settle();
    }

    /**
     * Waits until the (single) CPU is idle: a deleted namespace is torn down by a kernel
     * worker after {@code ip netns del} returns, and with one vCPU that work would land in the
     * next measurement. Also lets the JIT finish what it queued.
     */
    static void settle() throws Exception {
        System.gc();
        long t0 = System.nanoTime();
        long deadline = t0 + Duration.ofSeconds(SETTLE_MAX_SECONDS).toNanos();
        double idle = 0;
        while (System.nanoTime() < deadline) {
            long[] a = cpu();
            Thread.sleep(250);
            long[] b = cpu();
            idle = (double) (b[0] - a[0]) / Math.max(1, b[1] - a[1]);
            if (idle > SETTLE_IDLE) {
                return;
            }
        }
        System.out.printf(Locale.ROOT, "   (the CPU was still %.0f%% busy after %d s of waiting)%n", 100 * (1 - idle), SETTLE_MAX_SECONDS);
    }

    private static final int SETTLE_MAX_SECONDS = Integer.getInteger("bench.settleSeconds", 10);
    private static final double SETTLE_IDLE = 0.8;

    /** {idle + iowait, total} jiffies from /proc/stat. */
    private static long[] cpu() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[] {Long.parseLong(f[4]) + Long.parseLong(f[5]), total};
    }

    /** Runs ipvs-ref in the namespace: {ms, user ms, sys ms}; checks the row count when expected > 0. */
    double[] runRef(String ns, String command, long expectedRows) throws Exception {
        String out = shOut("ip netns exec " + ns + " " + ref + " " + command);
        Matcher m = REF_LINE.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("ipvs-ref " + command + ": unexpected output " + out);
        }
        long rows = Long.parseLong(m.group(1));
        if (expectedRows > 0 && rows != expectedRows) {
            throw new IllegalStateException("ipvs-ref " + command + " in " + ns + ": " + rows + " rows, expected " + expectedRows);
        }
        return new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)), 0, 0};
    }

    // ---- measuring ipvs4j -------------------------------------------------------------------

    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /**
     * Times a step after collecting earlier garbage: {wall ms, this thread's user ms, its system
     * (kernel) ms, other JVM threads' CPU ms (JIT, GC), bytes this thread allocated}.
     */
    static double[] measure(Step step) throws Exception {
        System.gc();
        long alloc0 = THREADS.getCurrentThreadAllocatedBytes();
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long user0 = THREADS.getCurrentThreadUserTime();
        long proc0 = OS.getProcessCpuTime();
        long t0 = System.nanoTime();
        step.run();
        long t1 = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
        long user = THREADS.getCurrentThreadUserTime() - user0;
        long proc = OS.getProcessCpuTime() - proc0;
        long alloc = THREADS.getCurrentThreadAllocatedBytes() - alloc0;
        return new double[] {(t1 - t0) / 1e6, user / 1e6, (cpu - user) / 1e6, (proc - cpu) / 1e6, alloc};
    }

    private void record(String name, double[] sample) {
        // Every sample as it comes: the log keeps them even if the run is cut short.
        System.out.printf(Locale.ROOT, "   sample %d %s: %.1f ms (user %.1f, sys %.1f, other threads %.1f, alloc %.0f B)%n",
                services, name, sample[0], sample[1], sample[2], sample[3], sample[4]);
        results.computeIfAbsent(services, k -> new LinkedHashMap<>()).computeIfAbsent(name, k -> new ArrayList<>()).add(sample);
    }

    private String tag() {
        return Integer.toString(namespaces++);
    }

    static void expectRows(List<ServiceSnapshot> listed, long expected, String what) {
        long rows = listed.stream().mapToLong(x -> 1 + x.realServers().size()).sum();
        if (rows != expected) {
            throw new IllegalStateException(what + ": " + rows + " rows, expected " + expected);
        }
    }

    // ---- the run ----------------------------------------------------------------------------

    /** Every measured ipvs4j path, a few times at 1,000 x R, so the measured rounds run compiled code. */
    private void warmUp() throws Exception {
        List<Reconciler.DesiredService> base = desired(1000, perService, 0);
        List<Reconciler.DesiredService> onePercent = desired(1000, perService, 100);
        Batch all = addAll(base);
        for (int w = 0, n = Integer.getInteger("bench.warmup", 3); w < n; w++) {
            String ns = freshNamespace("warm" + tag());
            try (Ipvs ipvs = open(ns)) {
                ipvs.apply(all, ACK_LAST).throwIfFailed();
                for (int k = 0; k < 3; k++) {
                    ipvs.snapshot();
                    new Reconciler(ipvs, Reconciler.Options.DEFAULT).apply(k % 2 == 0 ? onePercent : base);
                }
                Reconciler inc = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withFullResyncEvery(1_000_000));
                inc.applyIncremental(base);
                for (int k = 0; k < 10; k++) {
                    inc.applyIncremental(changedOnly(k % 2 == 0 ? onePercent : base, base), List.of());
                }
            }
            dispose(ns);
        }
    }

    /** The services of {@code target} that differ from {@code other}. */
    static List<Reconciler.DesiredService> changedOnly(List<Reconciler.DesiredService> target, List<Reconciler.DesiredService> other) {
        List<Reconciler.DesiredService> out = new ArrayList<>();
        for (int i = 0; i < target.size(); i++) {
            if (!target.get(i).equals(other.get(i))) {
                out.add(target.get(i));
            }
        }
        return out;
    }

    private void scalePoint(int services, int rounds, int coldSamples) throws Exception {
        this.services = services;
        long rows = (long) services * (1 + perService);
        String addCmd = "add " + services + " " + perService;
        List<Reconciler.DesiredService> base = desired(services, perService, 0);
        List<Reconciler.DesiredService> onePercent = desired(services, perService, 100);
        List<Reconciler.DesiredService> backToBase = changedOnly(base, onePercent);
        Batch all = addAll(base);
        int expectedChanges = (services * perService + 99) / 100;
        boolean small = services <= 1000;
        System.out.printf(Locale.ROOT, "== %d services x %d real servers = %d operations, %d rounds%n", services, perService, rows, rounds);
        for (int round = 0; round < rounds; round++) {
            long t = System.nanoTime();
            boolean refFirst = round % 2 == 0;
            for (int half = 0; half < 2; half++) {
                if ((half == 0) == refFirst) {
                    refRound(rows, addCmd, round, small && round < TRASH_ROUNDS);
                } else {
                    ipvs4jRound(rows, all, onePercent, backToBase, expectedChanges, small && round < TRASH_ROUNDS);
                }
            }
            if (small && Boolean.getBoolean("bench.ipvsadm")) {
                ipvsadmRound(rows);
            }
            System.out.printf(Locale.ROOT, "   round %d: %.1f s%n", round, (System.nanoTime() - t) / 1e9);
        }
        retained(rows, addCmd);
        for (int c = 0; c < coldSamples && coldCommand != null; c++) {
            coldRound(rows);
        }
    }

    /** Rounds (at 1,000 services and below) that also measure the kernel's trash: slow by nature. */
    private static final int TRASH_ROUNDS = Integer.getInteger("bench.trashRounds", 2);

    private void refRound(long rows, String addCmd, int round, boolean small) throws Exception {
        String ns = freshNamespace(tag());
        record("C ipvs-ref batch add (fresh namespace)", runRef(ns, addCmd, rows));
        // Both listings on the same table, in alternating order.
        for (int k = 0; k < 2; k++) {
            if ((k == 0) == (round % 2 == 0)) {
                record("C ipvs-ref list (services dump + a dests dump per service)", runRef(ns, "list", rows));
            } else {
                try (Ipvs ipvs = open(ns)) {
                    List<ServiceSnapshot>[] listed = new List[1];
                    record("ipvs4j snapshot()", measure(() -> listed[0] = ipvs.snapshot()));
                    expectRows(listed[0], rows, "snapshot");
                }
            }
        }
        if (small) {
            // The kernel's trash: everything just removed is walked by every NEW_DEST.
            record("C flush", runRef(ns, "flush", 0));
            record("C re-add right after flush (same namespace)", runRef(ns, addCmd, rows));
        }
        dispose(ns);
    }

    private void ipvs4jRound(long rows, Batch all, List<Reconciler.DesiredService> onePercent,
            List<Reconciler.DesiredService> backToBase, int expectedChanges, boolean small) throws Exception {
        String ns = freshNamespace(tag());
        try (Ipvs ipvs = open(ns)) {
            record("ipvs4j batch add, ACK last of each send (fresh namespace)",
                    measure(() -> ipvs.apply(all, ACK_LAST).throwIfFailed()));
            runRef(ns, "list", rows);
            Reconciler.Result[] r = new Reconciler.Result[1];
            record("ipvs4j dump-and-diff apply, 1% changed (Reconciler.apply)",
                    measure(() -> r[0] = new Reconciler(ipvs, Reconciler.Options.DEFAULT).apply(onePercent)));
            if (!r[0].isSuccess() || r[0].changes().size() != expectedChanges) {
                throw new IllegalStateException("dump-and-diff: " + r[0].changes().size() + " changes, expected " + expectedChanges);
            }
            Reconciler inc = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withFullResyncEvery(1_000_000));
            inc.applyIncremental(onePercent);   // a full read: the baseline
            record("ipvs4j incremental apply of the same change (applyIncremental)",
                    measure(() -> r[0] = inc.applyIncremental(backToBase, List.of())));
            if (r[0].fullSync() || !r[0].isSuccess() || r[0].changes().size() != expectedChanges) {
                throw new IllegalStateException("incremental: " + r[0].changes().size() + " changes, expected " + expectedChanges);
            }
            if (small) {
                drainVersusRemove(ipvs);
                record("ipvs4j flush", measure(ipvs::flush));
                record("ipvs4j re-add right after flush (same namespace)",
                        measure(() -> ipvs.apply(all, ACK_LAST).throwIfFailed()));
            }
        }
        dispose(ns);
    }

    /** 10% of the real servers taken out of service and back: by weight 0 (drain) or by removal and re-add. */
    private void drainVersusRemove(Ipvs ipvs) throws Exception {
        List<Change> drain = new ArrayList<>();
        List<Change> restore = new ArrayList<>();
        List<Change> remove = new ArrayList<>();
        List<Change> reAdd = new ArrayList<>();
        for (int i = 0; i < services; i++) {
            int r = i % perService;
            drain.add(new Change.UpdateRealServer(key(i), realServer(i, r, 0)));
            restore.add(new Change.UpdateRealServer(key(i), realServer(i, r, 1)));
            remove.add(new Change.RemoveRealServer(key(i), realServer(i, r, 1).endpoint()));
            reAdd.add(new Change.AddRealServer(key(i), realServer(i, r, 1)));
        }
        record("ipvs4j drain 10% of real servers (weight 0)", measure(() -> ipvs.apply(Batch.of(drain), ACK_LAST).throwIfFailed()));
        record("ipvs4j restore them (weight 1)", measure(() -> ipvs.apply(Batch.of(restore), ACK_LAST).throwIfFailed()));
        record("ipvs4j remove 10% of real servers", measure(() -> ipvs.apply(Batch.of(remove), ACK_LAST).throwIfFailed()));
        record("ipvs4j add them back (trash holds them)", measure(() -> ipvs.apply(Batch.of(reAdd), ACK_LAST).throwIfFailed()));
    }

    private void ipvsadmRound(long rows) throws Exception {
        String ns = freshNamespace(tag());
        Path rules = Files.createTempFile("ipvs4j-bench", ".rules");
        try {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < services; i++) {
                sb.append("-A -t 192.0.2.100:").append(10000 + i).append(" -s wlc\n");
                for (int r = 0; r < perService; r++) {
                    sb.append("-a -t 192.0.2.100:").append(10000 + i).append(" -r 198.51.100.").append(r + 1)
                            .append(':').append(10000 + i).append(" -g -w 1\n");
                }
            }
            Files.writeString(rules, sb);
            record("ipvsadm -R (fresh namespace, incl. process start)",
                    measure(() -> shOut("ip netns exec " + ns + " ipvsadm -R < " + rules)));
            runRef(ns, "list", rows);
            record("ipvsadm -Ln (incl. process start)", measure(() -> shOut("ip netns exec " + ns + " ipvsadm -Ln > /dev/null")));
        } finally {
            Files.deleteIfExists(rules);
        }
        dispose(ns);
    }

    /** Heap a snapshot keeps alive per listed entry (after collection), on a table ipvs-ref added. */
    private void retained(long rows, String addCmd) throws Exception {
        String ns = freshNamespace(tag());
        runRef(ns, addCmd, rows);
        try (Ipvs ipvs = open(ns)) {
            Runtime rt = Runtime.getRuntime();
            System.gc();
            System.gc();
            long before = rt.totalMemory() - rt.freeMemory();
            List<ServiceSnapshot> listed = ipvs.snapshot();
            System.gc();
            System.gc();
            long after = rt.totalMemory() - rt.freeMemory();
            expectRows(listed, rows, "retained");
            record("heap retained by snapshot() per listed entry (bytes)", new double[] {(after - before) / (double) rows, 0, 0, 0, 0});
        }
        dispose(ns);
    }

    private void coldRound(long rows) throws Exception {
        String ns = freshNamespace(tag());
        long t0 = System.nanoTime();
        String out = shOut(coldCommand + " -Dbench.namespace=" + ns + " -Dbench.realServers=" + perService
                + " io.ipvs4j.benchmarks.KernelBenchmark --cold " + services + " " + perService);
        double wall = (System.nanoTime() - t0) / 1e6;
        Matcher m = COLD_LINE.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("cold run: unexpected output " + out);
        }
        if (Long.parseLong(m.group(5)) != rows) {
            throw new IllegalStateException("cold snapshot listed " + m.group(5) + " rows, expected " + rows);
        }
        runRef(ns, "list", rows);
        double open = Double.parseDouble(m.group(1));
        double build = Double.parseDouble(m.group(2));
        double apply = Double.parseDouble(m.group(3));
        record("cold: first batch add in a fresh JVM (apply only)", new double[] {apply, 0, 0, 0, 0});
        record("cold: open + build the Batch + first add", new double[] {open + build + apply, 0, 0, 0, 0});
        record("cold: first snapshot() in that JVM (after the add)", new double[] {Double.parseDouble(m.group(4)), 0, 0, 0, 0});
        record("cold: whole process (JVM start .. exit)", new double[] {wall, 0, 0, 0, 0});
        dispose(ns);
    }

    /** The child of {@link #coldRound}: what a restarted director pays, step by step. */
    private static void cold(int services, int perService, String ns) throws Exception {
        long t0 = System.nanoTime();
        Ipvs ipvs = open(ns);
        long t1 = System.nanoTime();
        Batch all = addAll(desired(services, perService, 0));
        long t2 = System.nanoTime();
        ipvs.apply(all, ACK_LAST).throwIfFailed();
        long t3 = System.nanoTime();
        List<ServiceSnapshot> listed = ipvs.snapshot();
        long t4 = System.nanoTime();
        long rows = listed.stream().mapToLong(x -> 1 + x.realServers().size()).sum();
        ipvs.close();
        System.out.printf(Locale.ROOT, "COLD open_ms=%.3f build_ms=%.3f apply_ms=%.3f snapshot_ms=%.3f rows=%d%n",
                (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6, rows);
    }

    // ---- the report -------------------------------------------------------------------------

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private double med(int scale, String name, int field) {
        List<double[]> samples = results.getOrDefault(scale, Map.of()).get(name);
        if (samples == null) {
            return Double.NaN;
        }
        return median(samples.stream().mapToDouble(s -> s[field]).toArray());
    }

    private void report(Path tsv) throws IOException {
        PrintWriter out = tsv == null ? null : new PrintWriter(Files.newBufferedWriter(tsv));
        if (out != null) {
            out.println("#services\toperations\tmeasurement\tmedian_ms\tmin_ms\tmax_ms\tn\tuser_ms\tsys_ms\tother_threads_ms\talloc_bytes\tsamples_ms");
        }
        for (var point : results.entrySet()) {
            int s = point.getKey();
            long ops = (long) s * (1 + perService);
            boolean print = reported.add(s);
            java.io.PrintStream console = print ? System.out : new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
            console.printf(Locale.ROOT, "%n%d services x %d real servers = %d operations (median; user/sys = CPU of the measuring thread, other = other JVM threads)%n", s, perService, ops);
            console.printf(Locale.ROOT, "%-66s %10s %8s %8s %8s %8s %9s  %s%n", "measurement", "median ms", "us/op", "user ms", "sys ms", "other ms", "alloc MB", "samples");
            for (var m : point.getValue().entrySet()) {
                List<double[]> v = m.getValue();
                double[] wall = v.stream().mapToDouble(x -> x[0]).toArray();
                double md = median(wall);
                StringBuilder samples = new StringBuilder();
                for (double w : wall) {
                    samples.append(String.format(Locale.ROOT, "%.0f ", w));
                }
                double user = med(s, m.getKey(), 1);
                double sys = med(s, m.getKey(), 2);
                double other = med(s, m.getKey(), 3);
                double alloc = med(s, m.getKey(), 4);
                boolean perEntry = m.getKey().startsWith("heap");
                console.printf(Locale.ROOT, "%-66s %10.1f %8s %8.1f %8.1f %8.1f %9.2f  %s%n", m.getKey(), md,
                        perEntry ? "" : String.format(Locale.ROOT, "%.2f", md * 1000 / ops), user, sys, other, alloc / 1e6,
                        samples.toString().strip());
                if (out != null) {
                    out.printf(Locale.ROOT, "%d\t%d\t%s\t%.3f\t%.3f\t%.3f\t%d\t%.3f\t%.3f\t%.3f\t%.0f\t%s%n", s, ops, m.getKey(), md,
                            Arrays.stream(wall).min().orElse(0), Arrays.stream(wall).max().orElse(0), wall.length,
                            user, sys, other, alloc, samples.toString().strip().replace(' ', ','));
                }
            }
            double snapAlloc = med(s, "ipvs4j snapshot()", 4);
            console.printf(Locale.ROOT, "bytes allocated by snapshot() per listed entry: %.0f%n", snapAlloc / ops);
            String refAdd = "C ipvs-ref batch add (fresh namespace)";
            String refList = "C ipvs-ref list (services dump + a dests dump per service)";
            ratio(console, s, "warm batch add / C", "ipvs4j batch add, ACK last of each send (fresh namespace)", refAdd, 1.2);
            ratio(console, s, "warm snapshot / C list", "ipvs4j snapshot()", refList, 1.2);
            ratio(console, s, "cold first add / C", "cold: first batch add in a fresh JVM (apply only)", refAdd, 2);
            ratio(console, s, "cold first snapshot / C list", "cold: first snapshot() in that JVM (after the add)", refList, 2);
            ratio(console, s, "dump-and-diff (1%) / C list", "ipvs4j dump-and-diff apply, 1% changed (Reconciler.apply)", refList, 0);
            ratio(console, s, "C re-add after flush / C add in a fresh namespace", "C re-add right after flush (same namespace)", refAdd, 0);
            ratio(console, s, "ipvs4j re-add after flush / fresh", "ipvs4j re-add right after flush (same namespace)",
                    "ipvs4j batch add, ACK last of each send (fresh namespace)", 0);
            ratio(console, s, "ipvsadm -R / C", "ipvsadm -R (fresh namespace, incl. process start)", refAdd, 0);
            ratio(console, s, "ipvsadm -Ln / C list", "ipvsadm -Ln (incl. process start)", refList, 0);
        }
        int first = results.keySet().iterator().next();
        for (int s : results.keySet()) {
            if (s == first) {
                continue;
            }
            double f = (double) (1L * s * (1 + perService)) / (1L * first * (1 + perService));
            for (String name : List.of("C ipvs-ref batch add (fresh namespace)", "ipvs4j batch add, ACK last of each send (fresh namespace)",
                    "C ipvs-ref list (services dump + a dests dump per service)", "ipvs4j snapshot()",
                    "ipvs4j dump-and-diff apply, 1% changed (Reconciler.apply)")) {
                System.out.printf(Locale.ROOT, "per-operation time at %d / at %d, %-58s %5.2fx%n", s, first, name,
                        med(s, name, 0) / f / med(first, name, 0));
            }
        }
        if (out != null) {
            out.close();
        }
    }

    private void ratio(java.io.PrintStream console, int s, String label, String a, String b, double target) {
        double x = med(s, a, 0);
        double y = med(s, b, 0);
        if (Double.isNaN(x) || Double.isNaN(y)) {
            return;
        }
        console.printf(Locale.ROOT, "ratio %-50s %6.2fx%s%n", label, x / y,
                target > 0 ? String.format(Locale.ROOT, "  (target <= %.1fx: %s)", target, x / y <= target ? "met" : "NOT met") : "");
    }
}
