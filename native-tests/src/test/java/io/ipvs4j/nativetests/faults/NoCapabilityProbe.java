package io.ipvs4j.nativetests.faults;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchResult;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.Reconciler;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Timeouts;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * Run by {@link PermissionFaultKernelTest} in a process without capabilities (setpriv), inside
 * the test's namespace: tries every kind of IPVS call and prints one line per call,
 * {@code RESULT name|outcome|operation|errno}, where outcome is {@code ok} or the exception's
 * class. Argument: the namespace's path (tried with {@code NetlinkOptions.namespace}, which
 * needs CAP_SYS_ADMIN for setns).
 */
public final class NoCapabilityProbe {
    private NoCapabilityProbe() {}

    private interface Call {
        Object run() throws Exception;
    }

    private static void attempt(String name, Call call) {
        String line;
        try {
            Object r = call.run();
            line = name + "|ok|" + (r instanceof BatchResult b ? describe(b) : "") + "|";
        } catch (IpvsException e) {
            line = name + "|" + e.getClass().getSimpleName() + "|" + (e.operation() == null ? "" : e.operation().name()) + "|"
                    + e.errno() + "|" + e.getMessage();
        } catch (Throwable t) {
            line = name + "|" + t.getClass().getName() + "||" + "|" + t;
        }
        System.out.println("RESULT " + line.replace('\n', ' '));
    }

    private static String describe(BatchResult r) {
        StringBuilder sb = new StringBuilder();
        for (BatchResult.Outcome o : r.outcomes()) {
            sb.append(o.status()).append(':').append(o.error().map(e -> e.getClass().getSimpleName() + ":"
                    + e.operation().name() + ":" + e.errno()).orElse("-")).append(',');
        }
        return sb.toString();
    }

    public static void main(String[] args) throws Exception {
        System.out.println("CAPEFF " + ProcessResources.effectiveCapabilities());
        Path namespace = Path.of(args[0]);
        attempt("open(namespace)", () -> {
            IpvsNetlink.open(NetlinkOptions.builder().namespace(namespace).build()).close();
            return null;
        });
        Ipvs ipvs;
        try {
            ipvs = IpvsNetlink.open();
            System.out.println("RESULT open()|ok||");
        } catch (IpvsException e) {
            System.out.println("RESULT open()|" + e.getClass().getSimpleName() + "|" + e.operation().name() + "|" + e.errno());
            return;
        }
        ServiceKey web = ServiceKey.tcp("192.0.2.90", 80);
        ServiceKey other = ServiceKey.tcp("192.0.2.91", 80);
        RealServer rs = RealServer.of(Endpoint.of("198.51.100.9", 80));
        try (ipvs) {
            attempt("services()", ipvs::services);
            attempt("service(key)", () -> ipvs.service(web));
            attempt("realServers(key)", () -> ipvs.realServers(web));
            attempt("snapshot()", ipvs::snapshot);
            attempt("info()", ipvs::info);
            attempt("timeouts()", ipvs::timeouts);
            attempt("syncDaemons()", ipvs::syncDaemons);
            attempt("addService", () -> {
                ipvs.addService(VirtualService.of(other, Scheduler.RR));
                return null;
            });
            attempt("updateService", () -> {
                ipvs.updateService(VirtualService.of(web, Scheduler.WRR));
                return null;
            });
            attempt("removeService", () -> {
                ipvs.removeService(web);
                return null;
            });
            attempt("addRealServer", () -> {
                ipvs.addRealServer(web, rs.withWeight(3));
                return null;
            });
            attempt("setTimeouts", () -> {
                ipvs.setTimeouts(new Timeouts(java.time.Duration.ofSeconds(100), java.time.Duration.ofSeconds(10),
                        java.time.Duration.ofSeconds(30)));
                return null;
            });
            attempt("zero()", () -> {
                ipvs.zero();
                return null;
            });
            attempt("flush()", () -> {
                ipvs.flush();
                return null;
            });
            attempt("apply(batch)", () -> ipvs.apply(Batch.builder().addService(VirtualService.of(other, Scheduler.RR))
                    .addRealServer(other, rs).removeService(web).build()));
            attempt("Reconciler.apply", () -> new Reconciler(ipvs, Reconciler.Options.DEFAULT).apply(List.of(
                    new Reconciler.DesiredService(VirtualService.of(other, Scheduler.RR), List.of(rs)))));
        }
    }
}
