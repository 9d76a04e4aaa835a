package io.ipvs4j.nativetests.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.AlreadyExistsException;
import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.BatchResult;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.RealServerNotFoundException;
import io.ipvs4j.ServiceNotFoundException;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads on one client, against a real kernel: (1) 16 threads doing mixed adds, edits,
 * removes, listings and batches, each on service keys of its own, so that every call's outcome
 * is predictable from that thread's model; the final table ({@code ipvsadm -Sn}) must equal
 * the model of what every call reported. (2) {@code close()} while threads are inside calls:
 * each gets a clean error, nothing hangs, no descriptor is left behind.
 */
@KernelTest
class ConcurrencyFaultKernelTest {
    private static final int THREADS = 16;
    private static Topology topology;
    private static int nodes;

    @BeforeAll
    static void topology() {
        topology = new Topology();
    }

    @AfterAll
    static void closeTopology() {
        topology.close();
    }

    private static NetlinkOptions.Builder options(Topology.Node node) {
        return NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(node.name()));
    }

    private static Duration seconds(String variable, int fallback) {
        String v = System.getenv(variable);
        return Duration.ofSeconds(v == null || v.isBlank() ? fallback : Integer.parseInt(v.strip()));
    }

    // ------------------------------------------------------------------ the per-thread model

    private enum Kind { ADD_SERVICE, UPDATE_SERVICE, REMOVE_SERVICE, ADD_REAL_SERVER, UPDATE_REAL_SERVER, REMOVE_REAL_SERVER }

    /** One change this thread asks for. */
    private record Op(Kind kind, ServiceKey key, Scheduler scheduler, Endpoint endpoint, int weight) {
        RealServer realServer() {
            return RealServer.builder(endpoint).forwarding(ForwardingMethod.DIRECT_ROUTE).weight(weight).build();
        }
    }

    /** What one thread believes its services are: scheduler and real-server weights per key. */
    private static final class Model {
        final Map<ServiceKey, Scheduler> schedulers = new HashMap<>();
        final Map<ServiceKey, Map<Endpoint, Integer>> weights = new HashMap<>();

        /** The exception the kernel must answer, or null if the change must succeed. */
        Class<? extends IpvsException> expectedError(Op op) {
            boolean service = schedulers.containsKey(op.key());
            boolean server = service && weights.get(op.key()).containsKey(op.endpoint());
            return switch (op.kind()) {
                case ADD_SERVICE -> service ? AlreadyExistsException.class : null;
                case UPDATE_SERVICE, REMOVE_SERVICE -> service ? null : ServiceNotFoundException.class;
                case ADD_REAL_SERVER -> !service ? ServiceNotFoundException.class : server ? AlreadyExistsException.class : null;
                case UPDATE_REAL_SERVER, REMOVE_REAL_SERVER ->
                        !service ? ServiceNotFoundException.class : server ? null : RealServerNotFoundException.class;
            };
        }

        void apply(Op op) {
            switch (op.kind()) {
                case ADD_SERVICE -> {
                    schedulers.put(op.key(), op.scheduler());
                    weights.put(op.key(), new HashMap<>());
                }
                case UPDATE_SERVICE -> schedulers.put(op.key(), op.scheduler());
                case REMOVE_SERVICE -> {
                    schedulers.remove(op.key());
                    weights.remove(op.key());
                }
                case ADD_REAL_SERVER, UPDATE_REAL_SERVER -> weights.get(op.key()).put(op.endpoint(), op.weight());
                case REMOVE_REAL_SERVER -> weights.get(op.key()).remove(op.endpoint());
            }
        }
    }

    private static void call(Ipvs ipvs, Op op) throws IpvsException {
        switch (op.kind()) {
            case ADD_SERVICE -> ipvs.addService(VirtualService.of(op.key(), op.scheduler()));
            case UPDATE_SERVICE -> ipvs.updateService(VirtualService.of(op.key(), op.scheduler()));
            case REMOVE_SERVICE -> ipvs.removeService(op.key());
            case ADD_REAL_SERVER -> ipvs.addRealServer(op.key(), op.realServer());
            case UPDATE_REAL_SERVER -> ipvs.updateRealServer(op.key(), op.realServer());
            case REMOVE_REAL_SERVER -> ipvs.removeRealServer(op.key(), op.endpoint());
        }
    }

    private static void addTo(Batch.Builder b, Op op) {
        switch (op.kind()) {
            case ADD_SERVICE -> b.addService(VirtualService.of(op.key(), op.scheduler()));
            case UPDATE_SERVICE -> b.updateService(VirtualService.of(op.key(), op.scheduler()));
            case REMOVE_SERVICE -> b.removeService(op.key());
            case ADD_REAL_SERVER -> b.addRealServer(op.key(), op.realServer());
            case UPDATE_REAL_SERVER -> b.updateRealServer(op.key(), op.realServer());
            case REMOVE_REAL_SERVER -> b.removeRealServer(op.key(), op.endpoint());
        }
    }

    /** One of the 16 workers: its own three service keys (IPv4 for even, IPv6 for odd threads), three endpoints. */
    private static final class Worker implements Runnable {
        final int id;
        final Ipvs ipvs;
        final long deadline;
        final Random random;
        final long seed;
        final List<ServiceKey> keys = new ArrayList<>();
        final List<Endpoint> endpoints = new ArrayList<>();
        final Model model = new Model();
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        final Map<String, Integer> calls = new TreeMap<>();
        final Map<String, Integer> typedFailures = new TreeMap<>();

        Worker(int id, Ipvs ipvs, long deadline, long seed) {
            this.id = id;
            this.ipvs = ipvs;
            this.deadline = deadline;
            this.seed = seed;
            this.random = new Random(seed);
            boolean v6 = id % 2 == 1;
            for (int k = 0; k < 3; k++) {
                keys.add(ServiceKey.tcp(v6 ? "2001:db8::" + Integer.toHexString(0x100 + id) : "192.0.2." + (10 + id), 2000 + k));
                endpoints.add(v6 ? Endpoint.of("2001:db8:1::" + Integer.toHexString(0x10 + k), 8000 + id)
                        : Endpoint.of("198.51.100." + (10 + k), 8000 + id));
            }
        }

        Op randomOp() {
            int p = random.nextInt(100);
            Kind kind = p < 20 ? Kind.ADD_SERVICE : p < 30 ? Kind.UPDATE_SERVICE : p < 38 ? Kind.REMOVE_SERVICE
                    : p < 63 ? Kind.ADD_REAL_SERVER : p < 85 ? Kind.UPDATE_REAL_SERVER : Kind.REMOVE_REAL_SERVER;
            return new Op(kind, keys.get(random.nextInt(keys.size())), random.nextBoolean() ? Scheduler.RR : Scheduler.WRR,
                    endpoints.get(random.nextInt(endpoints.size())), random.nextInt(10));
        }

        void problem(String what) {
            if (problems.size() < 20) {
                problems.add("thread " + id + " (seed " + seed + "): " + what);
            }
        }

        @Override
        public void run() {
            while (System.nanoTime() < deadline) {
                int p = random.nextInt(100);
                String kind = p < 60 ? "change" : p < 70 ? "batch" : p < 77 ? "service(key)" : p < 84 ? "realServers(key)"
                        : p < 92 ? "services()" : "snapshot()";
                calls.merge(kind, 1, Integer::sum);
                try {
                    switch (kind) {
                        case "change" -> change(randomOp());
                        case "batch" -> batch();
                        case "service(key)" -> checkService(keys.get(random.nextInt(keys.size())));
                        case "realServers(key)" -> checkRealServers(keys.get(random.nextInt(keys.size())));
                        case "services()" -> checkServices(ipvs.services());
                        default -> checkSnapshot(ipvs.snapshot());
                    }
                } catch (IpvsException e) {
                    typedFailures.merge("unexpected " + e.getClass().getSimpleName(), 1, Integer::sum);
                    problem(kind + " failed: " + e);
                } catch (RuntimeException | Error e) {
                    problem(kind + " threw " + e);
                }
            }
        }

        private void change(Op op) {
            Class<? extends IpvsException> expected = model.expectedError(op);
            try {
                call(ipvs, op);
                model.apply(op);   // reported success: applied
                if (expected != null) {
                    problem(op + " succeeded, expected " + expected.getSimpleName());
                }
            } catch (IpvsException e) {   // reported failure: not applied
                typedFailures.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                if (expected == null || e.getClass() != expected) {
                    problem(op + " failed with " + e + ", expected " + (expected == null ? "success" : expected.getSimpleName()));
                }
            }
        }

        private void batch() throws IpvsException {
            int n = 2 + random.nextInt(6);
            List<Op> ops = new ArrayList<>();
            Batch.Builder b = Batch.builder();
            for (int i = 0; i < n; i++) {
                Op op = randomOp();
                ops.add(op);
                addTo(b, op);
            }
            boolean stop = random.nextInt(4) == 0;
            BatchOptions options = BatchOptions.builder()
                    .errorPolicy(stop ? BatchOptions.ErrorPolicy.STOP : BatchOptions.ErrorPolicy.CONTINUE)
                    .ackMode(random.nextBoolean() ? BatchOptions.AckMode.EVERY : BatchOptions.AckMode.LAST_OF_EACH_SEND)
                    .build();
            BatchResult r = ipvs.apply(b.build(), options);
            if (r.outcomes().size() != n) {
                problem("batch of " + n + " reported " + r.outcomes().size() + " outcomes: " + r);
                return;
            }
            boolean stopped = false;
            for (int i = 0; i < n; i++) {
                Op op = ops.get(i);
                BatchResult.Outcome o = r.outcome(i);
                Class<? extends IpvsException> expected = stopped ? null : model.expectedError(op);
                BatchResult.Status want = stopped ? BatchResult.Status.NOT_ATTEMPTED
                        : expected == null ? BatchResult.Status.APPLIED : BatchResult.Status.FAILED;
                if (o.status() == BatchResult.Status.APPLIED) {
                    model.apply(op);
                } else if (o.status() == BatchResult.Status.FAILED) {
                    IpvsException e = o.error().orElse(null);
                    typedFailures.merge("batch " + (e == null ? "?" : e.getClass().getSimpleName()), 1, Integer::sum);
                    if (e == null || (expected != null && e.getClass() != expected)) {
                        problem("batch change " + i + " " + op + " failed with " + e + ", expected " + expected);
                    }
                }
                if (o.status() != want) {
                    problem("batch change " + i + " " + op + " (" + options + "): " + o.status() + ", expected " + want);
                }
                stopped |= stop && want == BatchResult.Status.FAILED;
            }
        }

        private void checkService(ServiceKey key) throws IpvsException {
            Optional<ServiceStatus> s = ipvs.service(key);
            Scheduler expected = model.schedulers.get(key);
            Scheduler seen = s.map(x -> x.service().scheduler()).orElse(null);
            if (!java.util.Objects.equals(expected, seen)) {
                problem("service(" + key + ") = " + seen + ", model " + expected);
            }
        }

        private void checkRealServers(ServiceKey key) throws IpvsException {
            try {
                List<RealServerStatus> list = ipvs.realServers(key);
                Map<Endpoint, Integer> seen = new HashMap<>();
                list.forEach(rs -> seen.put(rs.realServer().endpoint(), rs.realServer().weight()));
                if (!seen.equals(model.weights.get(key))) {
                    problem("realServers(" + key + ") = " + seen + ", model " + model.weights.get(key));
                }
            } catch (ServiceNotFoundException e) {
                typedFailures.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                if (model.schedulers.containsKey(key)) {
                    problem("realServers(" + key + ") said not found, the model has it");
                }
            }
        }

        private void checkServices(List<ServiceStatus> all) {
            Map<ServiceKey, Scheduler> seen = new HashMap<>();
            for (ServiceStatus s : all) {
                if (keys.contains(s.service().key())) {
                    seen.put(s.service().key(), s.service().scheduler());
                }
            }
            if (!seen.equals(model.schedulers)) {
                problem("services() shows " + seen + ", model " + model.schedulers);
            }
        }

        private void checkSnapshot(List<ServiceSnapshot> all) {
            Map<ServiceKey, Scheduler> schedulers = new HashMap<>();
            Map<ServiceKey, Map<Endpoint, Integer>> weights = new HashMap<>();
            for (ServiceSnapshot s : all) {
                ServiceKey key = s.service().service().key();
                if (keys.contains(key)) {
                    schedulers.put(key, s.service().service().scheduler());
                    Map<Endpoint, Integer> w = new HashMap<>();
                    s.realServers().forEach(rs -> w.put(rs.realServer().endpoint(), rs.realServer().weight()));
                    weights.put(key, w);
                }
            }
            if (!schedulers.equals(model.schedulers) || !weights.equals(model.weights)) {
                problem("snapshot() shows " + schedulers + " " + weights + ", model " + model.schedulers + " " + model.weights);
            }
        }
    }

    /** ipvsadm -Sn's text of an address and port: the model's (RFC 5952) form is inet_ntop's for these addresses. */
    private static String oracleAddress(java.net.InetAddress a, int port) {
        return new Endpoint(a, port).toString();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void sixteenThreadsOnOneClientEndWithExactlyTheTableTheirCallsReported() throws Exception {
        Duration runFor = seconds("IPVS4J_FAULT_THREAD_SECONDS", 10);
        Topology.Node node = topology.node("threads" + ++nodes);
        IpvsadmOracle ipvsadm = node.ipvsadm();
        long baseSeed = System.nanoTime();
        List<Worker> workers = new ArrayList<>();
        long elapsedMs;
        try (Ipvs ipvs = IpvsNetlink.open(options(node).build())) {
            long deadline = System.nanoTime() + runFor.toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Worker w = new Worker(t, ipvs, deadline, baseSeed + t);
                workers.add(w);
                Thread thread = new Thread(w, "fault-worker-" + t);
                threads.add(thread);
            }
            long start = System.nanoTime();
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(runFor.toMillis() + 60_000);
                assertTrue(!t.isAlive(), t.getName() + " still running 60 s after the deadline");
            }
            elapsedMs = (System.nanoTime() - start) / 1_000_000;
        }

        List<String> problems = new ArrayList<>();
        Map<String, Integer> calls = new TreeMap<>();
        Map<String, Integer> failures = new TreeMap<>();
        Map<IpvsadmOracle.ServiceKey, IpvsadmOracle.Service> expected = new TreeMap<>();
        for (Worker w : workers) {
            problems.addAll(w.problems);
            w.calls.forEach((k, v) -> calls.merge(k, v, Integer::sum));
            w.typedFailures.forEach((k, v) -> failures.merge(k, v, Integer::sum));
            w.model.schedulers.forEach((key, scheduler) -> {
                ServiceKey.Inet inet = (ServiceKey.Inet) key;
                IpvsadmOracle.ServiceKey k = IpvsadmOracle.ServiceKey.tcp(oracleAddress(inet.address(), inet.port()));
                List<IpvsadmOracle.RealServer> servers = new ArrayList<>();
                w.model.weights.get(key).forEach((e, weight) -> servers.add(IpvsadmOracle.RealServer.of(
                        oracleAddress(e.address(), e.port()), IpvsadmOracle.Forwarding.ROUTE, weight)));
                expected.put(k, IpvsadmOracle.Service.of(k, scheduler.name())
                        .withRealServers(servers.toArray(IpvsadmOracle.RealServer[]::new)));
            });
        }
        int total = calls.values().stream().mapToInt(Integer::intValue).sum();
        ProcessResources.report("16 threads", THREADS + " threads x " + runFor.toSeconds() + " s on one client: " + total
                + " calls in " + elapsedMs + " ms " + calls + "; typed failures (all predicted by the model) " + failures
                + "; final table " + expected.size() + " services; problems " + problems.size());
        assertEquals(List.of(), problems);
        assertEquals(new IpvsadmOracle.Table(expected), ipvsadm.table(), "ipvsadm -Sn vs the model of every reported call");
    }

    // ------------------------------------------------------------------ close() during calls

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void closeWhileThreadsAreInsideCallsEndsEachCallCleanlyWithoutHangOrLeak() throws Exception {
        // IPVS4J_FAULT_CLOSE_ROUNDS rounds (default 20) of 8 threads, each round a new client closed mid-call
        String r = System.getenv("IPVS4J_FAULT_CLOSE_ROUNDS");
        int rounds = r == null || r.isBlank() ? 20 : Integer.parseInt(r.strip());
        int threadsPerRound = 8;
        Topology.Node node = topology.node("close" + ++nodes);
        // 100 services: snapshot() then spreads its real-server dumps over 4 extra sockets
        Batch.Builder setup = Batch.builder();
        for (int i = 0; i < 100; i++) {
            ServiceKey key = ServiceKey.tcp("192.0.2.80", 3000 + i);
            setup.addService(VirtualService.of(key, Scheduler.WRR))
                    .addRealServer(key, RealServer.of(Endpoint.of("198.51.100.80", 3000 + i)));
        }
        NetlinkOptions options = options(node).listingParallelism(4).receiveTimeout(Duration.ofSeconds(3)).build();
        try (Ipvs ipvs = IpvsNetlink.open(options)) {
            ipvs.apply(setup.build()).throwIfFailed();
        }
        Random random = new Random();
        Map<String, AtomicLong> endings = new ConcurrentHashMap<>();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        long maxCloseMs = 0;
        long maxEndMs = 0;
        Map<String, Integer> baseline = null;
        for (int round = -1; round < rounds; round++) {   // round -1 warms up: classes loaded, files opened
            Ipvs ipvs = IpvsNetlink.open(options);
            AtomicBoolean closeReturned = new AtomicBoolean();
            CountDownLatch running = new CountDownLatch(threadsPerRound);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < threadsPerRound; t++) {
                int id = t;
                threads.add(new Thread(() -> {
                    ServiceKey own = ServiceKey.tcp("192.0.2.81", 4000 + id);
                    Batch weights = Batch.builder().updateRealServer(ServiceKey.tcp("192.0.2.80", 3000 + id),
                            RealServer.of(Endpoint.of("198.51.100.80", 3000 + id)).withWeight(2)).build();
                    boolean first = true;
                    for (int i = 0; ; i++) {
                        boolean startedAfterClose = closeReturned.get();
                        try {
                            switch ((id + i) % 5) {
                                case 0, 1 -> ipvs.snapshot();
                                case 2 -> ipvs.services();
                                case 3 -> ipvs.apply(weights);
                                default -> {
                                    ipvs.addService(VirtualService.of(own, Scheduler.RR));
                                    ipvs.removeService(own);
                                }
                            }
                            if (startedAfterClose) {
                                problems.add("a call that started after close() returned succeeded");
                                return;
                            }
                        } catch (IllegalStateException e) {
                            if (!e.getMessage().contains("closed")) {
                                problems.add("IllegalStateException without 'closed': " + e);
                            }
                            endings.computeIfAbsent("IllegalStateException(closed)", k -> new AtomicLong()).incrementAndGet();
                            return;
                        } catch (IpvsException e) {
                            // the call that close() cut short: typed; the next call must say "closed"
                            endings.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
                        } catch (Throwable e) {
                            problems.add("thread " + id + " threw " + e);
                            return;
                        } finally {
                            if (first) {
                                first = false;
                                running.countDown();
                            }
                        }
                    }
                }, "close-race-" + t));
            }
            threads.forEach(Thread::start);
            assertTrue(running.await(60, TimeUnit.SECONDS), "threads did not get going");
            Thread.sleep(random.nextInt(40));
            long t0 = System.nanoTime();
            ipvs.close();
            long closeMs = (System.nanoTime() - t0) / 1_000_000;
            closeReturned.set(true);
            for (Thread t : threads) {
                t.join(15_000);
                if (t.isAlive()) {
                    StringBuilder stack = new StringBuilder();
                    for (StackTraceElement e : t.getStackTrace()) {
                        stack.append("\n    at ").append(e);
                    }
                    problems.add(t.getName() + " still inside a call 15 s after close()" + stack);
                    t.interrupt();
                }
            }
            long endMs = (System.nanoTime() - t0) / 1_000_000;
            if (round < 0) {
                baseline = ProcessResources.descriptors();
                continue;
            }
            maxCloseMs = Math.max(maxCloseMs, closeMs);
            maxEndMs = Math.max(maxEndMs, endMs);
            Map<String, Integer> now = ProcessResources.descriptors();
            if (!now.equals(baseline)) {
                problems.add("round " + round + ": " + ProcessResources.difference(baseline, now));
                baseline = now;   // report each further leak once
            }
        }
        ProcessResources.report("close during calls", rounds + " rounds x " + threadsPerRound + " threads (snapshot over 4"
                + " sockets, services, batch, add/remove) closed mid-call: endings " + endings + "; close() took at most "
                + maxCloseMs + " ms, every thread out " + maxEndMs + " ms after; " + ProcessResources.summary(baseline) + " after the warm-up round"
                + "; problems " + problems.size());
        assertEquals(List.of(), problems);
    }
}
