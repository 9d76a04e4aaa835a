// ipvs4j jshell startup: the common imports, `ipvs` opened on this network namespace's IPVS,
// and two helpers. Run with ./jshell.sh at the repository root, then e.g.
//   ipvs.services()
//   ipvs.addService(VirtualService.of(ServiceKey.tcp("192.0.2.100", 80), Scheduler.RR))
//   ipvs.addRealServer(ServiceKey.tcp("192.0.2.100", 80), RealServer.of(Endpoint.of("192.0.2.32", 80)))
//   table()
import io.ipvs4j.*;
import io.ipvs4j.model.*;
import io.ipvs4j.host.*;
import io.ipvs4j.netlink.*;
import io.ipvs4j.testing.InMemoryIpvs;
import java.time.Duration;

Ipvs ipvs = null;
try {
    ipvs = IpvsNetlink.open();
    System.out.println("ipvs4j: `ipvs` is open on this network namespace's IPVS: " + ipvs.info());
} catch (IpvsException | RuntimeException e) {
    System.out.println("ipvs4j: IPVS is not available here, `ipvs` is null: " + e.getMessage());
    System.out.println("ipvs4j: to experiment anyway:  ipvs = new InMemoryIpvs()");
}

/** Opens IPVS inside the network namespace made by `ip netns add NAME`. */
Ipvs openIn(String namespace) throws IpvsException {
    return IpvsNetlink.open(NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(namespace)).build());
}

/** Prints the table of `ipvs` the way `ipvsadm -Ln` does. */
void table() throws IpvsException {
    if (ipvs == null) {
        System.out.println("ipvs is null (IPVS not available); try ipvs = new InMemoryIpvs()");
        return;
    }
    for (ServiceSnapshot s : ipvs.snapshot()) {
        System.out.println(s.service().service());
        for (var rs : s.realServers()) {
            System.out.println("  -> " + rs.realServer() + "  active " + rs.activeConnections()
                    + " inactive " + rs.inactiveConnections());
        }
    }
}
