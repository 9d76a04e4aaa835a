package io.ipvs4j.nativetests.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.ModuleNotFoundException;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.Stats;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.IpvsadmOracle.Service;
import io.ipvs4j.nativetests.support.IpvsadmOracle.Table;
import io.ipvs4j.nativetests.support.KernelTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Services on a real kernel, every write cross-checked with ipvsadm: ipvs4j writes and
 * {@code ipvsadm -Sn} must show exactly the expected table; ipvsadm writes and ipvs4j must read
 * exactly the expected model values.
 */
@KernelTest
class ServiceKernelTest extends NamespaceFixture {

    private static Service svc(IpvsadmOracle.ServiceKey key, String sched, int persistence, String netmask,
                               String pe, boolean onePacket, String... schedFlags) {
        return new Service(key, sched, persistence, netmask, pe, onePacket, Set.of(schedFlags), List.of());
    }

    /** One service of every identity kind and option, as ipvs4j models it and as ipvsadm prints it. */
    private record Case(VirtualService model, Service oracle, List<String> ipvsadmAdd) {}

    private static List<Case> everyKind() {
        List<Case> cases = new ArrayList<>();
        ServiceKey.Inet tcp = ServiceKey.tcp("192.0.2.100", 80);
        cases.add(new Case(VirtualService.of(tcp, Scheduler.RR),
                svc(IpvsadmOracle.ServiceKey.tcp("192.0.2.100:80"), "rr", 0, null, null, false),
                List.of("-A", "-t", "192.0.2.100:80", "-s", "rr")));
        // UDP with persistence per /24 and one-packet scheduling (the IPv4 mask travels as a be32 mask)
        cases.add(new Case(VirtualService.builder(ServiceKey.udp("192.0.2.100", 53)).scheduler(Scheduler.WLC)
                        .persistence(Persistence.of(Duration.ofSeconds(300), 24)).flag(ServiceFlag.ONE_PACKET).build(),
                svc(IpvsadmOracle.ServiceKey.udp("192.0.2.100:53"), "wlc", 300, "255.255.255.0", null, true),
                List.of("-A", "-u", "192.0.2.100:53", "-s", "wlc", "-p", "300", "-M", "255.255.255.0", "-o")));
        cases.add(new Case(VirtualService.builder(ServiceKey.sctp("192.0.2.101", 9)).scheduler(Scheduler.SH)
                        .flag(ServiceFlag.SH_FALLBACK).flag(ServiceFlag.SH_PORT).build(),
                svc(IpvsadmOracle.ServiceKey.sctp("192.0.2.101:9"), "sh", 0, null, null, false, "sh-fallback", "sh-port"),
                List.of("-A", "--sctp-service", "192.0.2.101:9", "-s", "sh", "-b", "sh-fallback,sh-port")));
        // IPv6 persistence prefix travels as a host-order prefix length, not a mask
        cases.add(new Case(VirtualService.builder(ServiceKey.tcp("2001:db8::100", 443)).scheduler(Scheduler.WLC)
                        .persistence(Persistence.of(Duration.ofSeconds(300), 48)).build(),
                svc(IpvsadmOracle.ServiceKey.tcp("[2001:db8::100]:443"), "wlc", 300, "48", null, false),
                List.of("-A", "-t", "[2001:db8::100]:443", "-s", "wlc", "-p", "300", "-M", "48")));
        cases.add(new Case(VirtualService.builder(ServiceKey.udp("2001:db8::53", 53)).scheduler(Scheduler.RR)
                        .persistence(Persistence.of(Duration.ofSeconds(200))).flag(ServiceFlag.ONE_PACKET).build(),
                svc(IpvsadmOracle.ServiceKey.udp("[2001:db8::53]:53"), "rr", 200, null, null, true),
                List.of("-A", "-u", "[2001:db8::53]:53", "-s", "rr", "-p", "200", "-o")));
        cases.add(new Case(VirtualService.of(ServiceKey.fwmark(1, AddressFamily.INET), Scheduler.RR),
                svc(IpvsadmOracle.ServiceKey.fwmark(1, false), "rr", 0, null, null, false),
                List.of("-A", "-f", "1", "-s", "rr")));
        cases.add(new Case(VirtualService.builder(ServiceKey.fwmark(2, AddressFamily.INET6)).scheduler(Scheduler.LC)
                        .persistence(Persistence.of(Duration.ofSeconds(100), 64)).build(),
                svc(IpvsadmOracle.ServiceKey.fwmark(2, true), "lc", 100, "64", null, false),
                List.of("-A", "-f", "2", "-6", "-s", "lc", "-p", "100", "-M", "64")));
        cases.add(new Case(VirtualService.builder(ServiceKey.fwmark(3, AddressFamily.INET)).scheduler(Scheduler.MH)
                        .persistence(Persistence.of(Duration.ofSeconds(120), 16)).flag(ServiceFlag.ONE_PACKET)
                        .flag(ServiceFlag.MH_FALLBACK).build(),
                svc(IpvsadmOracle.ServiceKey.fwmark(3, false), "mh", 120, "255.255.0.0", null, true, "mh-fallback"),
                List.of("-A", "-f", "3", "-s", "mh", "-p", "120", "-M", "255.255.0.0", "-o", "-b", "mh-fallback")));
        // the SIP persistence engine (module ip_vs_pe_sip, loaded on demand) with mh-port
        cases.add(new Case(VirtualService.builder(ServiceKey.udp("192.0.2.102", 5060)).scheduler(Scheduler.MH)
                        .persistence(Persistence.of(Duration.ofSeconds(60))).persistenceEngine("sip")
                        .flag(ServiceFlag.MH_PORT).build(),
                svc(IpvsadmOracle.ServiceKey.udp("192.0.2.102:5060"), "mh", 60, null, "sip", false, "mh-port"),
                List.of("-A", "-u", "192.0.2.102:5060", "-s", "mh", "-p", "60", "--pe", "sip", "-b", "mh-port")));
        // port 0 = all ports, allowed with persistence
        cases.add(new Case(VirtualService.builder(ServiceKey.tcp("192.0.2.103", 0)).scheduler(Scheduler.RR)
                        .persistence(Persistence.of(Duration.ofSeconds(360))).build(),
                svc(IpvsadmOracle.ServiceKey.tcp("192.0.2.103:0"), "rr", 360, null, null, false),
                List.of("-A", "-t", "192.0.2.103:0", "-s", "rr", "-p", "360")));
        return cases;
    }

    private static Table oracleTable(List<Case> cases) {
        return Table.of(cases.stream().map(Case::oracle).toArray(Service[]::new));
    }

    private Set<VirtualService> listed() throws Exception {
        return ipvs.services().stream().map(ServiceStatus::service).collect(Collectors.toSet());
    }

    @Test
    void ipvs4jWritesEveryKindAndIpvsadmReadsIt() throws Exception {
        List<Case> cases = everyKind();
        for (Case c : cases) {
            ipvs.addService(c.model());
        }
        assertEquals(oracleTable(cases), ipvsadm.table(), "ipvsadm -Sn after ipvs4j added:\n" + ipvsadm.save());
        // and ipvs4j reads its own writes back, by dump and one by one, with zero counters
        assertEquals(cases.stream().map(Case::model).collect(Collectors.toSet()), listed());
        for (Case c : cases) {
            ServiceStatus s = ipvs.service(c.model().key()).orElseThrow(() -> new AssertionError("no " + c.model().key()));
            assertEquals(c.model(), s.service());
            assertEquals(Stats.ZERO, s.stats(), "fresh service " + c.model().key());
        }
    }

    @Test
    void ipvsadmWritesEveryKindAndIpvs4jReadsIt() throws Exception {
        List<Case> cases = everyKind();
        for (Case c : cases) {
            ipvsadm.ok(c.ipvsadmAdd().toArray(String[]::new));
        }
        assertEquals(oracleTable(cases), ipvsadm.table(), "the ipvsadm commands themselves");
        assertEquals(cases.stream().map(Case::model).collect(Collectors.toSet()), listed());
        for (Case c : cases) {
            assertEquals(c.model(), ipvs.service(c.model().key()).orElseThrow().service());
        }
    }

    @Test
    void updateAndRemoveBothWays() throws Exception {
        ServiceKey.Inet web = ServiceKey.tcp("192.0.2.100", 80);
        ServiceKey.Inet sip = ServiceKey.udp("192.0.2.100", 5060);
        IpvsadmOracle.ServiceKey oWeb = IpvsadmOracle.ServiceKey.tcp("192.0.2.100:80");
        IpvsadmOracle.ServiceKey oSip = IpvsadmOracle.ServiceKey.udp("192.0.2.100:5060");
        ipvs.addService(VirtualService.of(web, Scheduler.RR));
        ipvs.addService(VirtualService.builder(sip).scheduler(Scheduler.RR)
                .persistence(Persistence.of(Duration.ofSeconds(30))).persistenceEngine("sip").build());

        // ipvs4j updates: scheduler + persistence added ...
        ipvs.updateService(VirtualService.builder(web).scheduler(Scheduler.WLC)
                .persistence(Persistence.of(Duration.ofSeconds(600), 24)).build());
        // ... and the PE dropped (an update replaces everything)
        ipvs.updateService(VirtualService.builder(sip).scheduler(Scheduler.RR)
                .persistence(Persistence.of(Duration.ofSeconds(30))).build());
        assertEquals(Table.of(svc(oWeb, "wlc", 600, "255.255.255.0", null, false), svc(oSip, "rr", 30, null, null, false)),
                ipvsadm.table());
        // persistence removed again
        ipvs.updateService(VirtualService.of(web, Scheduler.RR));
        assertEquals(svc(oWeb, "rr", 0, null, null, false), ipvsadm.table().service(oWeb));

        // ipvsadm updates, ipvs4j reads
        ipvsadm.ok("-E", "-t", "192.0.2.100:80", "-s", "sh", "-b", "sh-port", "-p", "50");
        ipvsadm.ok("-E", "-u", "192.0.2.100:5060", "-s", "rr", "-p", "45", "--pe", "sip");
        assertEquals(VirtualService.builder(web).scheduler(Scheduler.SH).flag(ServiceFlag.SH_PORT)
                .persistence(Persistence.of(Duration.ofSeconds(50))).build(), ipvs.service(web).orElseThrow().service());
        assertEquals(VirtualService.builder(sip).scheduler(Scheduler.RR).persistence(Persistence.of(Duration.ofSeconds(45)))
                .persistenceEngine("sip").build(), ipvs.service(sip).orElseThrow().service());

        // ipvs4j removes -> gone for ipvsadm; ipvsadm removes -> gone for ipvs4j
        ipvs.removeService(web);
        assertEquals(Set.of(oSip), ipvsadm.table().services().keySet());
        ipvsadm.ok("-D", "-u", "192.0.2.100:5060");
        assertTrue(ipvs.service(sip).isEmpty(), "service(key) after ipvsadm -D");
        assertEquals(List.of(), ipvs.services());
    }

    @Test
    void partialFlagUpdatesThroughTheMask() throws Exception {
        ServiceKey.Inet sh = ServiceKey.tcp("192.0.2.100", 80);
        ServiceKey.Inet mh = ServiceKey.tcp("192.0.2.101", 80);
        ServiceKey.Inet udp = ServiceKey.udp("192.0.2.100", 53);
        IpvsadmOracle.ServiceKey oSh = IpvsadmOracle.ServiceKey.tcp("192.0.2.100:80");
        IpvsadmOracle.ServiceKey oMh = IpvsadmOracle.ServiceKey.tcp("192.0.2.101:80");
        IpvsadmOracle.ServiceKey oUdp = IpvsadmOracle.ServiceKey.udp("192.0.2.100:53");
        ipvs.addService(VirtualService.builder(sh).scheduler(Scheduler.SH).flag(ServiceFlag.SH_FALLBACK)
                .persistence(Persistence.of(Duration.ofSeconds(100))).build());
        ipvs.addService(VirtualService.of(mh, Scheduler.MH));
        ipvs.addService(VirtualService.of(udp, Scheduler.RR));

        ipvs.updateServiceFlags(sh, Set.of(ServiceFlag.SH_PORT), Set.of());
        // the flag was added, the other flag and the persistence (PERSISTENT bit, timeout) kept
        assertEquals(svc(oSh, "sh", 100, null, null, false, "sh-fallback", "sh-port"), ipvsadm.table().service(oSh));
        ipvs.updateServiceFlags(sh, Set.of(), Set.of(ServiceFlag.SH_FALLBACK));
        assertEquals(svc(oSh, "sh", 100, null, null, false, "sh-port"), ipvsadm.table().service(oSh));
        ipvs.updateServiceFlags(sh, Set.of(ServiceFlag.SH_FALLBACK), Set.of(ServiceFlag.SH_PORT));
        assertEquals(svc(oSh, "sh", 100, null, null, false, "sh-fallback"), ipvsadm.table().service(oSh));

        ipvs.updateServiceFlags(mh, Set.of(ServiceFlag.MH_FALLBACK, ServiceFlag.MH_PORT), Set.of());
        assertEquals(svc(oMh, "mh", 0, null, null, false, "mh-fallback", "mh-port"), ipvsadm.table().service(oMh));
        ipvs.updateServiceFlags(mh, Set.of(), Set.of(ServiceFlag.MH_PORT));
        assertEquals(svc(oMh, "mh", 0, null, null, false, "mh-fallback"), ipvsadm.table().service(oMh));

        ipvs.updateServiceFlags(udp, Set.of(ServiceFlag.ONE_PACKET), Set.of());
        assertEquals(svc(oUdp, "rr", 0, null, null, true), ipvsadm.table().service(oUdp));
        ipvs.updateServiceFlags(udp, Set.of(), Set.of(ServiceFlag.ONE_PACKET));
        assertEquals(svc(oUdp, "rr", 0, null, null, false), ipvsadm.table().service(oUdp));

        // What the model forbids is refused before sending: the kernel would store SH_PORT on rr
        // and ONE_PACKET on TCP (uapi doc §12); the table must stay as it was.
        String before = ipvsadm.save();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ipvs.updateServiceFlags(udp, Set.of(ServiceFlag.SH_PORT), Set.of()));
        assertTrue(e.getMessage().contains("SH_PORT") && e.getMessage().contains("rr"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ipvs.updateServiceFlags(sh, Set.of(ServiceFlag.ONE_PACKET), Set.of()));
        assertTrue(e.getMessage().contains("ONE_PACKET"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ipvs.updateServiceFlags(sh, Set.of(ServiceFlag.PERSISTENT), Set.of()));
        assertTrue(e.getMessage().contains("PERSISTENT"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ipvs.updateServiceFlags(sh, Set.of(ServiceFlag.SH_PORT), Set.of(ServiceFlag.SH_PORT)));
        assertTrue(e.getMessage().contains("SH_PORT"), e.getMessage());
        assertEquals(before, ipvsadm.save(), "a rejected flag update changed the table");
    }

    /** The schedulers of the VM's kernel (Debian 6.1 builds all in-tree ones except twos, added in 6.2). */
    private static final List<String> SCHEDULERS =
            List.of("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh");

    @Test
    void everySchedulerBothWays() throws Exception {
        List<Service> expected = new ArrayList<>();
        for (int i = 0; i < SCHEDULERS.size(); i++) {
            String name = SCHEDULERS.get(i);
            ipvs.addService(VirtualService.of(ServiceKey.tcp("192.0.2.100", 1000 + i), Scheduler.of(name)));
            expected.add(svc(IpvsadmOracle.ServiceKey.tcp("192.0.2.100:" + (1000 + i)), name, 0, null, null, false));
        }
        assertEquals(Table.of(expected.toArray(Service[]::new)), ipvsadm.table());

        // ipvsadm rotates every service to the next scheduler; ipvs4j must read each name back
        Set<VirtualService> rotated = new HashSet<>();
        for (int i = 0; i < SCHEDULERS.size(); i++) {
            String next = SCHEDULERS.get((i + 1) % SCHEDULERS.size());
            ipvsadm.ok("-E", "-t", "192.0.2.100:" + (1000 + i), "-s", next);
            rotated.add(VirtualService.of(ServiceKey.tcp("192.0.2.100", 1000 + i), Scheduler.of(next)));
        }
        assertEquals(rotated, listed());
    }

    @Test
    void twosIsMissingWhereIpvsadmCannotLoadItEither() throws Exception {
        Commands.Result byIpvsadm = ipvsadm.run("-A", "-t", "192.0.2.100:81", "-s", "twos");
        ServiceKey.Inet key = ServiceKey.tcp("192.0.2.100", 80);
        if (byIpvsadm.ok()) {
            // a kernel with ip_vs_twos (6.2+): ipvs4j must manage it too
            ipvs.addService(VirtualService.of(key, Scheduler.TWOS));
            assertEquals(Scheduler.TWOS, ipvs.service(key).orElseThrow().service().scheduler());
            return;
        }
        assertTrue(byIpvsadm.stderr().contains("Scheduler or persistence engine not found"), byIpvsadm.toString());
        ModuleNotFoundException e = assertThrows(ModuleNotFoundException.class,
                () -> ipvs.addService(VirtualService.of(key, Scheduler.TWOS)));
        assertEquals(List.of("ip_vs_twos"), e.moduleNames());
        assertTrue(e.getMessage().contains("modprobe ip_vs_twos"), e.getMessage());
        assertFalse(ipvs.service(key).isPresent());
        assertTrue(ipvsadm.table().isEmpty());
    }
}
