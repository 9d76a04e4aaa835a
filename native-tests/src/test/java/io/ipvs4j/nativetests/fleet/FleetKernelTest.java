package io.ipvs4j.nativetests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet mode against the kernel and a real etcd (Debian's etcd-server): etcd in a namespace of
 * its own, {@value #DIRECTORS} fleet directors ({@code io.ipvs4j.fleet.FleetMain run}, one JVM
 * each) in their namespaces, three real servers (busybox httpd, LVS/DR: the VIP on a dummy
 * interface) and a client. The desired state is written with etcdctl, as an operator would.
 *
 * <p>It proves: every director's {@code ipvsadm -Sn} is identical (service, flags, real servers
 * in the same list order, weights) once they converge; the client's request reaches the same
 * real server whichever director it goes through ({@code mh} hashes the client address); each
 * director publishes its state under a lease; a weight change in etcd reaches every kernel
 * (latency printed); with etcd stopped the directors keep forwarding on their last state, and
 * after etcd comes back a new change (a drain) reaches them all.
 */
@KernelTest
class FleetKernelTest {
    private static final int DIRECTORS = 2;
    private static final String ETCD_IP = "192.0.2.2";
    private static final String ENDPOINT = "http://" + ETCD_IP + ":2379";
    private static final String VIP = "203.0.113.10";
    private static final String P = "/ipvs4j/fleet/";
    private static final List<String> REAL_SERVERS = List.of("192.0.2.21", "192.0.2.22", "192.0.2.23");
    /**
     * JVMs with gRPC, Netty and Vert.x (jetcd) starting from the host's files over 9p in the VM
     * under TCG, two of them and etcd on one CPU: several minutes.
     */
    private static final Duration START_BOUND = Duration.ofMinutes(12);
    private static final Duration CHANGE_BOUND = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 28, unit = TimeUnit.MINUTES)
    void directorsProgramIdenticalTablesFromEtcdAndRideOutItsLoss() throws Exception {
        try (Topology t = new Topology()) {
            Topology.Node etcdNode = t.node("etcd");
            t.link(etcdNode, ETCD_IP + "/24");
            Topology.Background etcd = startEtcd(etcdNode);

            List<Topology.Node> rs = new ArrayList<>();
            for (int i = 0; i < REAL_SERVERS.size(); i++) {
                Topology.Node n = t.node("rs" + (i + 1));
                t.link(n, REAL_SERVERS.get(i) + "/24");
                n.addDummy("vip0", VIP + "/32");   // LVS/DR: the real server accepts the VIP
                n.httpServer(VIP, 80, "rs" + (i + 1) + "\n");
                rs.add(n);
            }
            Topology.Node client = t.node("client");
            t.link(client, "192.0.2.50/24");

            // the desired state first: directors that start later must see it all in their first get
            etcdctl(etcdNode, "put", P + "services/web", "address=" + VIP + " port=80 scheduler=mh flags=mh-fallback");
            for (String ip : REAL_SERVERS) {
                etcdctl(etcdNode, "put", P + "servers/web/" + ip + ":80", "weight=5");
            }

            List<Topology.Node> directors = new ArrayList<>();
            List<Topology.Background> processes = new ArrayList<>();
            for (int i = 1; i <= DIRECTORS; i++) {
                Topology.Node d = t.node("d" + i);
                t.link(d, "192.0.2." + (10 + i) + "/24");
                d.addDummy("vip0", VIP + "/32");
                directors.add(d);
                processes.add(d.start(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                        "-cp", System.getProperty("java.class.path"), "io.ipvs4j.fleet.FleetMain",
                        "--endpoints", ENDPOINT, "run", "--name", d.role()));
            }
            try {
                String first = awaitIdentical(directors, processes, START_BOUND,
                        s -> s.contains("-r " + REAL_SERVERS.get(2) + ":80 -g -w 5"));
                System.out.println("fleet: converged tables:\n" + first);
                assertTrue(first.contains("-A -t " + VIP + ":80 -s mh"), first);
                // kernel list order: the last added first (MhOrder: added in address order)
                assertTrue(first.indexOf(REAL_SERVERS.get(2)) < first.indexOf(REAL_SERVERS.get(0)), first);

                // each director publishes itself under its lease
                await("directors published", CHANGE_BOUND, () -> {
                    String pub = etcdctl(etcdNode, "get", "--prefix", P + "directors/");
                    for (Topology.Node d : directors) {
                        if (!pub.contains(P + "directors/" + d.role() + "\n")) {
                            return false;
                        }
                    }
                    return pub.split("healthy=true", -1).length - 1 == DIRECTORS;
                });

                // the same client reaches the same real server through every director
                String through = null;
                for (Topology.Node d : directors) {
                    String body = via(client, d).trim();
                    assertTrue(body.matches("rs[123]"), body);
                    if (through == null) {
                        through = body;
                    }
                    assertEquals(through, body, "client through " + d.role());
                }
                System.out.println("fleet: client 192.0.2.50 -> " + through + " through every director");

                // a weight change reaches every kernel
                long start = System.nanoTime();
                etcdctl(etcdNode, "put", P + "servers/web/" + REAL_SERVERS.get(1) + ":80", "weight=7");
                long written = System.nanoTime();
                awaitIdentical(directors, processes, CHANGE_BOUND,
                        s -> s.contains("-r " + REAL_SERVERS.get(1) + ":80 -g -w 7"));
                long done = System.nanoTime();
                System.out.printf("fleet: weight change reached all %d kernels %d ms after etcdctl returned"
                        + " (%d ms including etcdctl; polled with ipvsadm -Sn)%n", DIRECTORS,
                        (done - written) / 1_000_000, (done - start) / 1_000_000);

                // etcd lost: the directors keep forwarding on their last state
                etcd.close();
                Thread.sleep(8000);   // past the lease TTL (5 s) and several reconnect attempts
                for (int i = 0; i < directors.size(); i++) {
                    assertTrue(processes.get(i).isAlive(), processes.get(i).output());
                    assertTrue(directors.get(i).exec("ipvsadm", "-Sn").stdout().contains(":80 -g -w 7"),
                            "table kept on " + directors.get(i).role());
                    assertEquals(through, via(client, directors.get(i)).trim(), "forwarding without etcd");
                }
                System.out.println("fleet: etcd down 8 s, every director still forwards on its last state");

                // etcd back (same data): a change made now reaches them all
                etcd = startEtcd(etcdNode);
                long back = System.nanoTime();
                etcdctl(etcdNode, "put", P + "servers/web/" + REAL_SERVERS.get(0) + ":80", "weight=5 drain=true");
                String drained = awaitIdentical(directors, processes, Duration.ofMinutes(2),
                        s -> s.contains("-r " + REAL_SERVERS.get(0) + ":80 -g -w 0"));
                System.out.printf("fleet: after etcd restart, a drain reached all kernels %d ms after etcd was back%n",
                        (System.nanoTime() - back) / 1_000_000);
                assertTrue(drained.contains("-r " + REAL_SERVERS.get(2) + ":80 -g -w 5"), drained);
                await("directors published again", CHANGE_BOUND,
                        () -> etcdctl(etcdNode, "get", "--prefix", P + "directors/").split("healthy=true", -1).length - 1
                                == DIRECTORS);
            } catch (AssertionError | RuntimeException e) {
                for (Topology.Background p : processes) {
                    System.out.println("---- " + p + "\n" + p.output());
                }
                System.out.println("---- etcd\n" + etcd.output());
                throw e;
            }
        }
    }

    private Topology.Background startEtcd(Topology.Node node) throws Exception {
        Path data = tmp.resolve("etcd");
        Files.createDirectories(data);
        Topology.Background etcd = node.start("etcd", "--name", "fleet", "--data-dir", data.toString(),
                "--listen-client-urls", ENDPOINT, "--advertise-client-urls", ENDPOINT,
                "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                "--initial-cluster", "fleet=http://127.0.0.1:2380");
        await("etcd answers", Duration.ofSeconds(60), () -> {
            if (!etcd.isAlive()) {
                fail("etcd exited: " + etcd.output());
            }
            return node.exec("etcdctl", "--endpoints", ENDPOINT, "--dial-timeout", "1s", "endpoint", "health").ok();
        });
        return etcd;
    }

    private static String etcdctl(Topology.Node node, String... args) {
        List<String> argv = new ArrayList<>(List.of("etcdctl", "--endpoints", ENDPOINT));
        argv.addAll(List.of(args));
        return node.exec(Duration.ofSeconds(30), argv.toArray(String[]::new)).check().stdout();
    }

    /** GET http://VIP/ from the client, routed through {@code director}. */
    private static String via(Topology.Node client, Topology.Node director) {
        String gw = director.exec("ip", "-4", "-o", "addr", "show", "dev", "eth0").stdout()
                .replaceAll("(?s).*inet ([0-9.]+)/.*", "$1").trim();
        client.ok("ip", "route", "replace", VIP + "/32", "via", gw);
        return client.httpGet("http://" + VIP + "/");
    }

    /** Waits until every director's {@code ipvsadm -Sn} satisfies {@code ready} and all are equal. */
    private static String awaitIdentical(List<Topology.Node> directors, List<Topology.Background> processes,
            Duration bound, java.util.function.Predicate<String> ready) {
        String[] last = new String[directors.size()];
        await("identical tables", bound, () -> {
            for (int i = 0; i < directors.size(); i++) {
                if (!processes.get(i).isAlive()) {
                    fail(directors.get(i).role() + " exited: " + processes.get(i).output());
                }
                last[i] = directors.get(i).exec("ipvsadm", "-Sn").stdout();
                if (!ready.test(last[i])) {
                    return false;
                }
            }
            for (String s : last) {
                if (!s.equals(last[0])) {
                    return false;
                }
            }
            return true;
        });
        return last[0];
    }

    private static Duration await(String what, Duration timeout, BooleanSupplier condition) {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - start > timeout.toNanos()) {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
