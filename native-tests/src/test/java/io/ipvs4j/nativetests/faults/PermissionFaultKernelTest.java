package io.ipvs4j.nativetests.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.Errno;
import io.ipvs4j.Ipvs;
import io.ipvs4j.Operation;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A caller without CAP_NET_ADMIN: {@link NoCapabilityProbe} runs in a JVM started by
 * {@code setpriv} with every capability dropped (effective, inheritable, ambient and the
 * bounding set, so root's execve cannot regain them), inside the test's namespace. Every IPVS
 * generic-netlink operation, GETs and dumps included, carries GENL_ADMIN_PERM in
 * {@code net/netfilter/ipvs/ip_vs_ctl.c}: the kernel answers EPERM to all of them, and each must
 * surface as {@link io.ipvs4j.PermissionDeniedException} naming the operation. Resolving the
 * family (nlctrl) needs no capability, so {@code open()} itself succeeds.
 */
@KernelTest
class PermissionFaultKernelTest {

    /** The expected operation of each probe call ({@code null}: must succeed). */
    private static Map<String, Operation> expectations() {
        Map<String, Operation> m = new LinkedHashMap<>();
        m.put("open()", null);
        m.put("services()", Operation.LIST_SERVICES);
        m.put("service(key)", Operation.GET_SERVICE);
        m.put("realServers(key)", Operation.LIST_REAL_SERVERS);
        m.put("snapshot()", Operation.LIST_SERVICES);
        m.put("info()", Operation.GET_INFO);
        m.put("timeouts()", Operation.GET_TIMEOUTS);
        m.put("syncDaemons()", Operation.LIST_SYNC_DAEMONS);
        m.put("addService", Operation.ADD_SERVICE);
        m.put("updateService", Operation.UPDATE_SERVICE);
        m.put("removeService", Operation.REMOVE_SERVICE);
        m.put("addRealServer", Operation.ADD_REAL_SERVER);
        m.put("setTimeouts", Operation.SET_TIMEOUTS);
        m.put("zero()", Operation.ZERO);
        m.put("flush()", Operation.FLUSH);
        m.put("Reconciler.apply", Operation.LIST_SERVICES);
        return m;
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void everyCallWithoutCapNetAdminIsPermissionDeniedNamingTheOperation() throws Exception {
        try (Topology topology = new Topology()) {
            Topology.Node node = topology.node("nocaps");
            IpvsadmOracle ipvsadm = node.ipvsadm();
            ServiceKey web = ServiceKey.tcp("192.0.2.90", 80);
            try (Ipvs root = IpvsNetlink.open(NetlinkOptions.builder()
                    .namespace(NetlinkOptions.namedNamespace(node.name())).build())) {
                root.addService(VirtualService.of(web, Scheduler.RR));
                root.addRealServer(web, RealServer.of(Endpoint.of("198.51.100.9", 80)));
            }
            String before = ipvsadm.save();

            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", node.name(),
                    "setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--",
                    java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                    "-cp", System.getProperty("java.class.path"), NoCapabilityProbe.class.getName(),
                    NetlinkOptions.namedNamespace(node.name()).toString()));
            long start = System.nanoTime();
            Commands.Result r = Commands.run(cmd, Duration.ofSeconds(150));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(0, r.exitCode(), r.toString());

            Map<String, String[]> results = new LinkedHashMap<>();
            String capEff = null;
            for (String line : r.stdout().split("\n")) {
                if (line.startsWith("CAPEFF ")) {
                    capEff = line.substring("CAPEFF ".length()).strip();
                } else if (line.startsWith("RESULT ")) {
                    String[] f = line.substring("RESULT ".length()).split("\\|", -1);
                    results.put(f[0], f);
                }
            }
            assertEquals("0000000000000000", capEff, "the probe must run without any capability: " + r);

            List<String> wrong = new ArrayList<>();
            for (Map.Entry<String, Operation> e : expectations().entrySet()) {
                String[] f = results.get(e.getKey());
                if (f == null) {
                    wrong.add(e.getKey() + ": no result");
                } else if (e.getValue() == null) {
                    if (!f[1].equals("ok")) {
                        wrong.add(e.getKey() + ": " + String.join("|", f));
                    }
                } else if (!f[1].equals("PermissionDeniedException") || !f[2].equals(e.getValue().name())
                        || !f[3].equals(Integer.toString(Errno.EPERM))) {
                    wrong.add(e.getKey() + ": expected PermissionDeniedException of " + e.getValue() + " (EPERM), got "
                            + String.join("|", f));
                }
            }
            // A batch reports each change: all FAILED with PermissionDeniedException of the change's operation.
            String[] batch = results.get("apply(batch)");
            String wantBatch = "FAILED:PermissionDeniedException:ADD_SERVICE:1,FAILED:PermissionDeniedException:ADD_REAL_SERVER:1,"
                    + "FAILED:PermissionDeniedException:REMOVE_SERVICE:1,";
            if (batch == null || !batch[1].equals("ok") || !batch[2].equals(wantBatch)) {
                wrong.add("apply(batch): expected " + wantBatch + ", got " + (batch == null ? "nothing" : String.join("|", batch)));
            }
            // setns into a named namespace needs CAP_SYS_ADMIN: a typed error with EPERM, not anything else
            String[] ns = results.get("open(namespace)");
            if (ns == null || ns[1].equals("ok") || ns[1].contains(".") || !ns[3].equals(Integer.toString(Errno.EPERM))) {
                wrong.add("open(namespace): expected a typed IpvsException with EPERM, got "
                        + (ns == null ? "nothing" : String.join("|", ns)));
            }
            ProcessResources.report("no CAP_NET_ADMIN", results.size() + " calls from a JVM with CapEff=" + capEff
                    + " (probe run " + ms + " ms): " + summary(results) + "; mismatches " + wrong.size());
            assertEquals(List.of(), wrong, r.stdout());
            assertEquals(before, ipvsadm.save(), "the table changed although every write was denied");
        }
    }

    private static String summary(Map<String, String[]> results) {
        StringBuilder sb = new StringBuilder();
        results.forEach((k, f) -> sb.append(k).append('=').append(f[1]).append(f[2].isEmpty() || f[1].equals("ok") ? "" : "(" + f[2] + ")").append(' '));
        return sb.toString().strip();
    }
}
