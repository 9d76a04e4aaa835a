package io.ipvs4j.netlink.internal.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.AlreadyExistsException;
import io.ipvs4j.IpvsException;
import io.ipvs4j.IpvsUnavailableException;
import io.ipvs4j.ModuleNotFoundException;
import io.ipvs4j.Operation;
import io.ipvs4j.RealServerNotFoundException;
import io.ipvs4j.ServiceNotFoundException;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.IpvsInfo;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.model.SyncState;
import io.ipvs4j.model.Timeouts;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.netlink.internal.nl.ReplayKernel;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client against the kernel's captured answers: decoding and error mapping end to end. */
class ReplayClientTest {
    private static final ServiceKey WEB = ServiceKey.tcp("192.0.2.100", 80);
    private static final ServiceKey DNS = ServiceKey.udp("192.0.2.100", 53);

    private static IpvsNetlinkClient client(String... fixtures) throws IpvsException {
        return IpvsNetlinkClient.open(new ReplayKernel(fixtures), 64 << 10);
    }

    @Test
    void listsServicesAndRealServersAsIpvsadmShowedThem() throws Exception {
        try (IpvsNetlinkClient ipvs = client("13-list")) {
            List<ServiceStatus> services = ipvs.services();
            assertEquals(2, services.size());
            ServiceStatus dns = services.get(0);
            assertEquals(DNS, dns.service().key());
            assertEquals(Scheduler.RR, dns.service().scheduler());
            assertTrue(dns.service().flags().isEmpty(), "HASHED must not leak into the model");
            assertEquals(3, dns.stats().connections());
            assertEquals(93, dns.stats().bytesIn());
            assertEquals(WEB, services.get(1).service().key());

            List<RealServerStatus> web = ipvs.realServers(WEB);
            assertEquals(2, web.size());
            RealServerStatus masq = web.stream().filter(r -> r.realServer().endpoint().port() == 8080).findFirst().orElseThrow();
            assertEquals(ForwardingMethod.MASQUERADE, masq.realServer().forwarding());
            assertEquals(2, masq.realServer().weight());
            assertEquals(1, masq.activeConnections());
            List<RealServerStatus> dnsServers = ipvs.realServers(DNS);
            assertEquals(1, dnsServers.size());
            assertEquals(Endpoint.of("198.51.100.5", 53), dnsServers.get(0).realServer().endpoint());
            assertEquals(ForwardingMethod.DIRECT_ROUTE, dnsServers.get(0).realServer().forwarding());
            assertEquals(3, dnsServers.get(0).inactiveConnections());
        }
    }

    @Test
    void emptyTableAndInfo() throws Exception {
        try (IpvsNetlinkClient ipvs = client("01-family-lookup")) {
            assertTrue(ipvs.services().isEmpty());
            IpvsInfo info = ipvs.info();
            assertEquals("1.2.1", info.version());
            assertEquals(4096, info.connectionTableSize());
        }
    }

    @Test
    void oneServiceWithStats() throws Exception {
        try (IpvsNetlinkClient ipvs = client("15-list-one-service")) {
            ServiceStatus web = ipvs.service(WEB).orElseThrow();
            assertEquals(Scheduler.RR, web.service().scheduler());
            assertEquals(2, web.stats().connections());
            assertEquals(120, web.stats().bytesIn());
        }
    }

    @Test
    void timeoutsAndDaemons() throws Exception {
        try (IpvsNetlinkClient ipvs = client("17-get-timeouts", "19-get-daemon")) {
            assertEquals(Timeouts.ofSeconds(900, 120, 300), ipvs.timeouts());
            List<SyncDaemon> daemons = ipvs.syncDaemons();
            assertEquals(1, daemons.size());
            SyncDaemon d = daemons.get(0);
            assertEquals(SyncState.MASTER, d.state());
            assertEquals("lo", d.interfaceName());
            assertEquals(5, d.syncId());
            assertEquals(1472, d.maxLength().getAsInt());
            assertEquals(8848, d.multicastPort().getAsInt());
            assertEquals(1, d.multicastTtl().getAsInt());
            assertEquals(InetAddress.getByName("224.0.0.81"), d.multicastGroup().orElseThrow());
        }
    }

    @Test
    void kernelErrorsBecomeTypedExceptionsNamingOperationAndObject() throws Exception {
        try (IpvsNetlinkClient ipvs = client("23-error-service-exists")) {
            AlreadyExistsException e = assertThrows(AlreadyExistsException.class,
                    () -> ipvs.addService(VirtualService.builder(WEB).scheduler(Scheduler.RR).build()));
            assertEquals(Operation.ADD_SERVICE, e.operation());
            assertEquals(17, e.errno());
            assertTrue(e.getMessage().contains("192.0.2.100:80"), e.getMessage());
        }
        try (IpvsNetlinkClient ipvs = client("24-error-dest-missing")) {
            RealServerNotFoundException e = assertThrows(RealServerNotFoundException.class,
                    () -> ipvs.removeRealServer(WEB, Endpoint.of("198.51.100.9", 80)));
            assertTrue(e.getMessage().contains("198.51.100.9:80"), e.getMessage());
        }
        try (IpvsNetlinkClient ipvs = client("25-error-service-missing")) {
            ServiceNotFoundException e = assertThrows(ServiceNotFoundException.class,
                    () -> ipvs.addRealServer(ServiceKey.tcp("192.0.2.200", 80),
                            RealServer.builder(Endpoint.of("198.51.100.3", 80)).weight(1).build()));
            assertEquals(3, e.errno());
        }
        try (IpvsNetlinkClient ipvs = client("26-error-bad-scheduler")) {
            ModuleNotFoundException e = assertThrows(ModuleNotFoundException.class,
                    () -> ipvs.addService(VirtualService.builder(ServiceKey.tcp("192.0.2.101", 80))
                            .scheduler(Scheduler.of("nosuch")).build()));
            // found on a real kernel: the module names were lost (execute() does not know the service)
            assertEquals(List.of("ip_vs_nosuch"), e.moduleNames());
            assertTrue(e.getMessage().contains("modprobe ip_vs_nosuch"), e.getMessage());
        }
    }

    @Test
    void partialFlagUpdateThatBreaksTheModelIsRefusedBeforeSetService() throws Exception {
        // Found on a real kernel: the flags were sent unchecked and the kernel stored SH_PORT on
        // an rr service. The fixture's GET answers WEB with scheduler rr; no SET may follow.
        ReplayKernel kernel = new ReplayKernel("15-list-one-service");
        try (IpvsNetlinkClient ipvs = IpvsNetlinkClient.open(kernel, 64 << 10)) {
            int before = kernel.requests().size();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ipvs.updateServiceFlags(WEB, java.util.Set.of(io.ipvs4j.model.ServiceFlag.SH_PORT), java.util.Set.of()));
            assertEquals("flag SH_PORT needs scheduler sh, was rr", e.getMessage());
            assertEquals(before + 1, kernel.requests().size(), "only the GET_SERVICE may have been sent");
            assertEquals(IpvsUapi.CMD_GET_SERVICE, kernel.requests().get(before)[16]);
        }
    }

    @Test
    void missingFamilyMeansIpvsUnavailable() {
        IpvsUnavailableException e = assertThrows(IpvsUnavailableException.class, () -> client("00-family-lookup-enoent"));
        assertTrue(e.getMessage().contains("ip_vs"), e.getMessage());
    }
}
