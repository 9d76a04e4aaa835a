package io.ipvs4j.nativetests.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.AlreadyExistsException;
import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.BatchResult;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.RealServerNotFoundException;
import io.ipvs4j.Reconciler;
import io.ipvs4j.ServiceNotFoundException;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batches and declarative apply on a real kernel, every outcome checked against
 * {@code ipvsadm -Sn}. Each test has a namespace (and so an IPVS table) of its own.
 */
@KernelTest
class BatchKernelTest {
    private static Topology topology;
    private static int count;
    private Topology.Node director;
    private IpvsadmOracle ipvsadm;
    private Ipvs ipvs;

    @BeforeAll
    static void topology() {
        topology = new Topology();
    }

    @AfterAll
    static void closeTopology() {
        topology.close();
    }

    @BeforeEach
    void open() throws IpvsException {
        director = topology.node("batch" + ++count);
        ipvsadm = director.ipvsadm();
        ipvs = IpvsNetlink.open(options().build());
    }

    private NetlinkOptions.Builder options() {
        return NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(director.name()));
    }

    @AfterEach
    void close() {
        ipvs.close();
    }

    private static ServiceKey key(int i) {
        return ServiceKey.tcp("192.0.2.100", 10000 + i);
    }

    private static RealServer rs(int i, int r) {
        return RealServer.builder(Endpoint.of("198.51.100." + (r + 1), 10000 + i))
                .forwarding(ForwardingMethod.DIRECT_ROUTE).weight(1).build();
    }

    /** {@code services} services with {@code perService} DR real servers each, and the ipvsadm -Sn lines they give. */
    private static Batch fill(int services, int perService, List<String> expectedLines) {
        Batch.Builder b = Batch.builder();
        for (int i = 0; i < services; i++) {
            b.addService(VirtualService.builder(key(i)).scheduler(Scheduler.WLC).build());
            expectedLines.add("-A -t 192.0.2.100:" + (10000 + i) + " -s wlc");
            for (int r = 0; r < perService; r++) {
                b.addRealServer(key(i), rs(i, r));
                expectedLines.add("-a -t 192.0.2.100:" + (10000 + i) + " -r 198.51.100." + (r + 1) + ":" + (10000 + i) + " -g -w 1");
            }
        }
        return b.build();
    }

    private List<String> savedLines() {
        return Arrays.stream(ipvsadm.save().split("\n")).filter(l -> !l.isBlank()).sorted().collect(Collectors.toList());
    }

    private static List<BatchResult.Status> statuses(BatchResult r) {
        return r.outcomes().stream().map(BatchResult.Outcome::status).toList();
    }

    @Test
    void elevenThousandOperationsLandExactlyWithEveryAckAccountedFor() throws Exception {
        List<String> expected = new ArrayList<>();
        Batch batch = fill(1000, 10, expected);
        BatchResult result = ipvs.apply(batch);
        assertEquals(11_000, result.count(BatchResult.Status.APPLIED), result.toString());
        assertEquals(0, result.repliesLost());
        // one send per chunk of <= 512 messages (22), and the 11,000 ACKs (one datagram each) read
        // up to 32 datagrams per recvmmsg: at least 22 + 11,000 / 32, at most one receive per ACK
        assertTrue(result.systemCalls() >= 22 + 11_000 / 32 && result.systemCalls() < 11_000 + 100,
                "system calls: " + result.systemCalls());
        expected.sort(null);
        assertEquals(expected, savedLines());

        // The parallel listing (several sockets) sees exactly what the sequential one sees.
        try (Ipvs sequential = IpvsNetlink.open(options().listingParallelism(1).build());
             Ipvs parallel = IpvsNetlink.open(options().listingParallelism(4).build())) {
            java.util.Map<ServiceKey, java.util.Set<Endpoint>> one = byService(sequential.snapshot());
            assertEquals(1000, one.size());
            assertTrue(one.values().stream().allMatch(set -> set.size() == 10), "10 real servers each");
            assertEquals(one, byService(parallel.snapshot()));
        }

        ipvs.flush();
        BatchResult lastOnly = ipvs.apply(batch, BatchOptions.builder().ackMode(BatchOptions.AckMode.LAST_OF_EACH_SEND).build());
        assertTrue(lastOnly.isSuccess(), lastOnly.toString());
        assertTrue(lastOnly.systemCalls() < 100, "one ACK per send: " + lastOnly.systemCalls() + " system calls");
        assertEquals(expected, savedLines());
    }

    /**
     * A dump much larger than one receive: 300 IPv4 and 120 IPv6 real servers (~145 KiB of
     * replies, dozens of page-sized datagrams, several per recvmmsg) and many distinct addresses,
     * so the address cache's slots collide. The listing must say exactly what ipvsadm -Sn says.
     */
    @Test
    void dumpsLargerThanManyDatagramsListExactlyWhatIpvsadmSees() throws Exception {
        ServiceKey v4 = ServiceKey.tcp("192.0.2.50", 80);
        ServiceKey v6 = ServiceKey.tcp("2001:db8::50", 443);
        Batch.Builder b = Batch.builder()
                .addService(VirtualService.builder(v4).scheduler(Scheduler.WRR).build())
                .addService(VirtualService.builder(v6).scheduler(Scheduler.WRR).build());
        java.util.Set<String> expected = new java.util.HashSet<>();
        for (int i = 0; i < 420; i++) {
            ServiceKey key = i < 300 ? v4 : v6;
            Endpoint e = i < 250 ? Endpoint.of("198.51.100." + (i + 1), 80)
                    : i < 300 ? Endpoint.of("203.0.113." + (i - 249), 8080)
                    : Endpoint.of("2001:db8:1::" + Integer.toHexString(i), 443);
            int weight = i % 7 + 1;
            b.addRealServer(key, RealServer.builder(e).forwarding(ForwardingMethod.DIRECT_ROUTE).weight(weight).build());
            expected.add(key + " " + e + " w" + weight);
        }
        ipvs.apply(b.build()).throwIfFailed();
        assertEquals(expected, ipvsadmRealServers(java.util.Map.of("192.0.2.50:80", v4, "[2001:db8::50]:443", v6)));

        for (int pass = 0; pass < 2; pass++) {   // the second pass decodes through a warm address cache
            java.util.Set<String> listed = new java.util.HashSet<>();
            int rows = 0;
            for (io.ipvs4j.ServiceSnapshot s : ipvs.snapshot()) {
                for (io.ipvs4j.model.RealServerStatus rs : s.realServers()) {
                    listed.add(s.service().service().key() + " " + rs.realServer().endpoint() + " w" + rs.realServer().weight());
                    rows++;
                }
            }
            assertEquals(420, rows, "pass " + pass);
            assertEquals(expected, listed, "pass " + pass);
        }
        assertEquals(300, ipvs.realServers(v4).size());
        assertEquals(120, ipvs.realServers(v6).size());
    }

    /** The real servers of ipvsadm -Sn as "key endpoint wN", addresses parsed as the model prints them. */
    private java.util.Set<String> ipvsadmRealServers(java.util.Map<String, ServiceKey> services) throws Exception {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String line : savedLines()) {
            String[] f = line.split(" ");   // -a -t SERVICE -r HOST:PORT -g -w N
            if (!f[0].equals("-a")) {
                continue;
            }
            String hostPort = f[4];
            int colon = hostPort.lastIndexOf(':');
            String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
            Endpoint e = new Endpoint(java.net.InetAddress.getByName(host), Integer.parseInt(hostPort.substring(colon + 1)));
            out.add(services.get(f[2]) + " " + e + " w" + f[7]);
        }
        return out;
    }

    private static java.util.Map<ServiceKey, java.util.Set<Endpoint>> byService(List<io.ipvs4j.ServiceSnapshot> snapshot) {
        java.util.Map<ServiceKey, java.util.Set<Endpoint>> out = new java.util.HashMap<>();
        for (io.ipvs4j.ServiceSnapshot s : snapshot) {
            out.put(s.service().service().key(), s.realServers().stream()
                    .map(r -> r.realServer().endpoint()).collect(Collectors.toSet()));
        }
        return out;
    }

    /** A batch whose 2nd, 4th and 6th changes fail, for three different reasons. */
    private static Batch withFailures() {
        VirtualService a = VirtualService.builder(ServiceKey.tcp("192.0.2.1", 80)).scheduler(Scheduler.RR).build();
        VirtualService b = VirtualService.builder(ServiceKey.tcp("192.0.2.2", 80)).scheduler(Scheduler.RR).build();
        RealServer one = RealServer.builder(Endpoint.of("198.51.100.1", 80)).weight(1).build();
        RealServer two = RealServer.builder(Endpoint.of("198.51.100.2", 80)).weight(1).build();
        return Batch.builder()
                .addService(a)
                .addRealServer(ServiceKey.tcp("192.0.2.9", 80), one)       // no such service: ESRCH
                .addRealServer(a.key(), one)
                .addRealServer(a.key(), one)                                // exists: EEXIST
                .addService(b)
                .removeRealServer(b.key(), Endpoint.of("198.51.100.7", 80)) // no such real server: ENOENT
                .addRealServer(a.key(), two)
                .build();
    }

    private static void assertTheThreeFailures(BatchResult r) {
        assertInstanceOf(ServiceNotFoundException.class, r.outcome(1).error().orElseThrow());
        assertInstanceOf(AlreadyExistsException.class, r.outcome(3).error().orElseThrow());
        assertInstanceOf(RealServerNotFoundException.class, r.outcome(5).error().orElseThrow());
        assertTrue(r.outcome(3).error().orElseThrow().getMessage().contains("198.51.100.1:80 to TCP 192.0.2.1:80"),
                r.outcome(3).error().orElseThrow().getMessage());
    }

    private static final List<String> AFTER_CONTINUE = List.of(
            "-A -t 192.0.2.1:80 -s rr", "-A -t 192.0.2.2:80 -s rr",
            "-a -t 192.0.2.1:80 -r 198.51.100.1:80 -g -w 1", "-a -t 192.0.2.1:80 -r 198.51.100.2:80 -g -w 1");

    @Test
    void continuePolicyReportsExactlyTheFailuresAndAppliesTheRest() throws Exception {
        BatchResult r = ipvs.apply(withFailures());
        assertEquals(List.of(BatchResult.Status.APPLIED, BatchResult.Status.FAILED, BatchResult.Status.APPLIED,
                BatchResult.Status.FAILED, BatchResult.Status.APPLIED, BatchResult.Status.FAILED,
                BatchResult.Status.APPLIED), statuses(r));
        assertTheThreeFailures(r);
        assertEquals(AFTER_CONTINUE, savedLines());
    }

    @Test
    void ackOnlyOnTheLastMessageStillKeepsEveryFailure() throws Exception {
        BatchResult r = ipvs.apply(withFailures(),
                BatchOptions.builder().ackMode(BatchOptions.AckMode.LAST_OF_EACH_SEND).build());
        assertEquals(List.of(BatchResult.Status.APPLIED, BatchResult.Status.FAILED, BatchResult.Status.APPLIED,
                BatchResult.Status.FAILED, BatchResult.Status.APPLIED, BatchResult.Status.FAILED,
                BatchResult.Status.APPLIED), statuses(r));
        assertTheThreeFailures(r);
        assertEquals(AFTER_CONTINUE, savedLines());
    }

    @Test
    void stopPolicyAppliesNothingAfterTheFirstFailure() throws Exception {
        BatchResult r = ipvs.apply(withFailures(), BatchOptions.builder().errorPolicy(BatchOptions.ErrorPolicy.STOP).build());
        assertEquals(List.of(BatchResult.Status.APPLIED, BatchResult.Status.FAILED, BatchResult.Status.NOT_ATTEMPTED,
                BatchResult.Status.NOT_ATTEMPTED, BatchResult.Status.NOT_ATTEMPTED, BatchResult.Status.NOT_ATTEMPTED,
                BatchResult.Status.NOT_ATTEMPTED), statuses(r));
        assertInstanceOf(ServiceNotFoundException.class, r.outcome(1).error().orElseThrow());
        assertEquals(List.of("-A -t 192.0.2.1:80 -s rr"), savedLines());
    }

    @Test
    void droppedAcksAreDetectedAndRecoveredByReadingTheTableBack() throws Exception {
        // A small receive buffer and the in-flight bound switched off: the kernel must drop ACKs.
        ipvs.close();
        System.setProperty("ipvs4j.batch.ignoreReceiveBufferLimit", "true");
        try {
            ipvs = IpvsNetlink.open(options().receiveBufferBytes(64 << 10).build());
            List<String> expected = new ArrayList<>();
            Batch batch = fill(300, 9, expected);
            BatchResult r = ipvs.apply(batch, BatchOptions.builder().maxMessagesPerSend(3000).build());
            assertTrue(r.repliesLost() > 0, "the kernel was expected to drop ACKs: " + r);
            assertEquals(3000, r.count(BatchResult.Status.APPLIED), r.toString());
            expected.sort(null);
            assertEquals(expected, savedLines());
        } finally {
            System.clearProperty("ipvs4j.batch.ignoreReceiveBufferLimit");
        }
    }

    private static Reconciler.DesiredService desired(int i, int... servers) {
        List<RealServer> list = new ArrayList<>();
        for (int r : servers) {
            list.add(rs(i, r));
        }
        return new Reconciler.DesiredService(VirtualService.builder(key(i)).scheduler(Scheduler.RR).build(), list);
    }

    @Test
    void applyConvergesAndDrainSetsWeightZero() throws Exception {
        Reconciler draining = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withDrain(true));
        Reconciler.Result first = draining.apply(List.of(desired(0, 0, 1, 2), desired(1, 0, 1, 2)));
        assertEquals(8, first.changes().size());
        assertTrue(first.isSuccess());
        assertTrue(draining.apply(List.of(desired(0, 0, 1, 2), desired(1, 0, 1, 2))).changes().isEmpty(),
                "a second apply of the same state changes nothing");

        Reconciler.Result drained = draining.apply(List.of(desired(0, 0, 1), desired(1, 0, 1, 2)));
        assertEquals(1, drained.changes().size(), drained.changes().toString());
        assertTrue(savedLines().contains("-a -t 192.0.2.100:10000 -r 198.51.100.3:10000 -g -w 0"), savedLines().toString());

        Reconciler removing = new Reconciler(ipvs, Reconciler.Options.DEFAULT);
        removing.apply(List.of(desired(0, 0, 1)));
        assertEquals(List.of("-A -t 192.0.2.100:10000 -s rr",
                "-a -t 192.0.2.100:10000 -r 198.51.100.1:10000 -g -w 1",
                "-a -t 192.0.2.100:10000 -r 198.51.100.2:10000 -g -w 1"), savedLines());
        assertTrue(removing.applyIncremental(List.of(desired(0, 0, 1))).changes().isEmpty());
    }
}
