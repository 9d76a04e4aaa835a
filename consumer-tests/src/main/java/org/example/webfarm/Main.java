package org.example.webfarm;

import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.IpvsUnavailableException;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.host.Link;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.netlink.HostNetwork;
import io.ipvs4j.netlink.IpvsNetlink;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs the consumer against the real kernel: one rtnetlink call (works on any Linux) and
 * {@code IpvsNetlink.open()}, which either must work (in the project's VM, in a fresh network
 * namespace) or must fail with the typed {@link IpvsUnavailableException} (a kernel without
 * IPVS).
 *
 * <p>Usage: {@code Main class-path|module-path ipvs-required|ipvs-unavailable|rtnetlink-only}. Exit status 0
 * only if everything was as expected, including how this program was loaded.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !List.of("class-path", "module-path").contains(args[0])
                || !List.of("ipvs-required", "ipvs-unavailable", "rtnetlink-only").contains(args[1])) {
            throw new IllegalArgumentException(
                    "usage: Main class-path|module-path ipvs-required|ipvs-unavailable|rtnetlink-only");
        }
        String path = args[0];
        String ipvsExpected = args[1];
        // How were we loaded? A named module only on the module path.
        String where = WebFarm.class.getModule().isNamed()
                ? "module-path (" + WebFarm.class.getModule().getName() + " reads "
                  + IpvsNetlink.class.getModule().getName() + ")"
                : "class-path";
        check(where.startsWith(path), "expected to run on the " + path + ", ran on the " + where);
        check(!path.equals("module-path") || "io.ipvs4j.netlink".equals(IpvsNetlink.class.getModule().getName()),
                "ipvs-netlink is not the named module io.ipvs4j.netlink");
        System.out.println("webfarm: Java " + Runtime.version() + " on the " + where);

        try (InterfaceAddresses host = HostNetwork.addresses()) {
            List<Link> links = host.links();
            check(links.stream().anyMatch(l -> l.name().equals("lo")), "no lo among " + links);
            System.out.println("webfarm: rtnetlink: " + links.size() + " links, "
                    + host.addresses().size() + " addresses");
        }

        if (ipvsExpected.equals("rtnetlink-only")) {
            System.out.println("webfarm: OK");
            return;
        }
        Ipvs ipvs;
        try {
            ipvs = IpvsNetlink.open();
        } catch (IpvsUnavailableException e) {
            check(ipvsExpected.equals("ipvs-unavailable"), "IPVS should be there: " + e);
            System.out.println("webfarm: IpvsNetlink.open(): IpvsUnavailableException as expected: " + e.getMessage());
            System.out.println("webfarm: OK");
            return;
        }
        try (ipvs) {
            check(ipvsExpected.equals("ipvs-required"), "IPVS opened on a kernel expected to lack it");
            System.out.println("webfarm: IPVS " + ipvs.info());
            converge(ipvs);
        }
        System.out.println("webfarm: OK");
    }

    private static void converge(Ipvs ipvs) throws IpvsException {
        ServiceKey vip = ServiceKey.tcp("192.0.2.10", 80);
        Endpoint a = Endpoint.of("198.51.100.1", 80);
        Endpoint b = Endpoint.of("198.51.100.2", 80);
        WebFarm farm = new WebFarm(ipvs, vip);
        check(farm.converge(Set.of(a, b)).equals(List.of("add service " + vip, "add " + a, "add " + b)),
                "first converge");
        check(farm.converge(Set.of(b)).equals(List.of("remove " + a)), "second converge");
        Set<Endpoint> listed = ipvs.realServers(vip).stream().map(RealServerStatus::endpoint).collect(Collectors.toSet());
        check(listed.equals(Set.of(b)), "kernel lists " + listed);
        check(farm.converge(Set.of(b)).isEmpty(), "third converge changed something");
        check(farm.remove() && ipvs.service(vip).isEmpty(), "service still there");
        System.out.println("webfarm: converged a service in the kernel, listed it back, removed it");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("webfarm: FAILED: " + what);
            System.exit(1);
        }
    }
}
