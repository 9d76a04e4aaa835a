package io.ipvs4j.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.Batch;
import io.ipvs4j.Change;
import io.ipvs4j.IpvsException;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Thresholds;
import io.ipvs4j.model.Tunnel;
import io.ipvs4j.model.TunnelFlag;
import io.ipvs4j.model.VirtualService;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rule syntax on the host; the same scenarios run against ipvsadm in the VM (native-tests).
 * Applying rules to the fake is tested in ipvs-testing ({@code IpvsadmRulesOnFakeTest}).
 */
class IpvsadmRulesTest {
    private static final ServiceKey WEB = ServiceKey.tcp("192.0.2.1", 80);

    @Test
    void ipvsadmDefaults() {
        IpvsadmCommand c = IpvsadmCommand.parse("-A", "-t", "192.0.2.1:80", "-p");
        assertEquals(VirtualService.builder(WEB).scheduler(Scheduler.WLC)
                .persistence(Persistence.of(Duration.ofSeconds(360))).build(), c.service());
        IpvsadmCommand a = IpvsadmCommand.parse("-a", "-t", "192.0.2.1:80", "-r", "198.51.100.1:8080");
        // -g (the default) forces the service's port
        assertEquals(RealServer.builder(Endpoint.of("198.51.100.1", 80)).weight(1)
                .forwarding(ForwardingMethod.DIRECT_ROUTE).build(), a.realServer());
        IpvsadmCommand m = IpvsadmCommand.parse("-a", "-t", "192.0.2.1:80", "-r", "198.51.100.1", "-m");
        assertEquals(Endpoint.of("198.51.100.1", 80), m.realServer().endpoint());
        IpvsadmCommand f = IpvsadmCommand.parse("-a", "-f", "7", "-6", "-r", "[2001:db8::1]:99", "-g");
        assertEquals(ServiceKey.fwmark(7, AddressFamily.INET6), f.serviceKey().orElseThrow());
        assertEquals(Endpoint.of("2001:db8::1", 99), f.realServer().endpoint(), "fwmark keeps the given port");
        IpvsadmCommand f0 = IpvsadmCommand.parse("-a", "-f", "7", "-r", "198.51.100.2", "-m");
        assertEquals(0, f0.realServer().endpoint().port());
        IpvsadmCommand tun = IpvsadmCommand.parse("-a", "-t", "192.0.2.1:80", "-r", "2001:db8::10", "-i");
        assertEquals(Tunnel.ipip(), tun.realServer().tunnel().orElseThrow());
    }

    @Test
    void longShortAndClusteredSpellings() {
        VirtualService expected = VirtualService.builder(WEB).scheduler(Scheduler.RR)
                .persistence(Persistence.of(Duration.ofSeconds(10), 16)).flag(ServiceFlag.FLAG_1).build();
        assertEquals(expected, IpvsadmCommand.parse("-A", "-t", "192.0.2.1:80", "-s", "rr", "-p", "10", "-M",
                "255.255.0.0", "-b", "flag-1").service());
        assertEquals(expected, IpvsadmCommand.parse("--add-service", "--tcp-service", "192.0.2.1:80", "--scheduler=rr",
                "--persistent=10", "--netmask", "255.255.0.0", "--sched-flags", "flag-1").service());
        assertEquals(expected, IpvsadmCommand.parse("-A", "-t192.0.2.1:80", "-srr", "-p10", "-M/16", "-bflag-1").service());
        RealServer r = IpvsadmCommand.parse("-a", "-t", "192.0.2.1:80", "-r", "198.51.100.3", "-mw", "5").realServer();
        assertEquals(5, r.weight());
        assertEquals(ForwardingMethod.MASQUERADE, r.forwarding());
        IpvsadmCommand l = IpvsadmCommand.parse("-Ln", "--stats", "--exact");
        assertEquals(Set.of(IpvsadmCommand.ListOption.NUMERIC, IpvsadmCommand.ListOption.STATS,
                IpvsadmCommand.ListOption.EXACT), l.listOptions());
    }

    @Test
    void schedulerFlagsOnAnySchedulerAndShMhNames() {
        assertEquals(Set.of(ServiceFlag.FLAG_2, ServiceFlag.FLAG_3),
                IpvsadmCommand.parse("-A", "-t", "192.0.2.1:80", "-s", "wlc", "-b", "flag-2,flag-3").service().flags());
        assertEquals(Set.of(ServiceFlag.SH_FALLBACK), IpvsadmCommand.parse("-A", "-t", "192.0.2.1:80", "-s", "sh",
                "-b", "flag-1").service().flags());
        assertEquals(0x38, IpvsadmCommand.parse("-A", "-t", "192.0.2.1:80", "-s", "mh", "-b",
                "mh-fallback,mh-port,flag-3").service().flagBits());
        syntax("incompatible scheduler flag `sh-port'", "-A", "-t", "192.0.2.1:80", "-s", "rr", "-b", "sh-port");
        syntax("invalid scheduler flag `foo'", "-A", "-t", "192.0.2.1:80", "-b", "foo");
        syntax("multiple 'sched-flags' options specified", "-A", "-t", "192.0.2.1:80", "-b", "flag-1", "-b", "flag-2");
    }

    @Test
    void ipvsadmsRefusals() {
        syntax("Illegal 'weight' option with the 'add-service' command", "-A", "-t", "192.0.2.1:80", "-w", "5");
        syntax("You need to supply the 'real-server' option for the 'add-server' command", "-a", "-t", "192.0.2.1:80");
        syntax("You need to supply the 'service-address' option for the 'add-service' command", "-A");
        syntax("Zero port specified for non-persistent service", "-A", "-t", "192.0.2.1");
        syntax("illegal virtual server address[:port] specified", "-A", "-t", "192.0.2.1:x");
        syntax("illegal virtual server address[:port] specified", "-A", "-t", "[2001:db8::5]", "-p");
        syntax("-6 used before -f", "-A", "-6", "-f", "1");
        syntax("invalid fwmark value `0' specified", "-A", "-f", "0");
        syntax("invalid fwmark value `4294967296' specified", "-A", "-f", "4294967296");
        syntax("invalid timeout value `2678401' specified", "-A", "-t", "192.0.2.1:80", "-p", "2678401");
        syntax("illegal weight specified", "-a", "-t", "192.0.2.1:80", "-r", "198.51.100.1", "-w", "-1");
        syntax("illegal u_threshold specified", "-a", "-t", "192.0.2.1:80", "-r", "198.51.100.1", "-x", "2147483648");
        syntax("One-Packet Scheduling is only for UDP virtual services", "-A", "-t", "192.0.2.1:80", "-o");
        syntax("Different address family is allowed only for tunneling servers",
                "-a", "-t", "192.0.2.1:80", "-r", "2001:db8::9", "-m");
        syntax("illegal ipv6 netmask specified", "-A", "-t", "[2001:db8::1]:80", "-p", "5", "-M", "0");
        syntax("illegal ipv6 netmask specified", "-A", "-t", "[2001:db8::1]:80", "-p", "5", "-M", "255.255.255.0");
        syntax("You need to supply the 'tun-port' option for the 'gue' tunnel type",
                "-a", "-t", "192.0.2.1:80", "-r", "198.51.100.1", "-i", "--tun-type", "gue");
        syntax("Illegal 'tun-port' option with the 'gre' tunnel type",
                "-a", "-t", "192.0.2.1:80", "-r", "198.51.100.1", "-i", "--tun-type", "gre", "--tun-port", "5");
        syntax("Tunnel options conflict with forward method",
                "-a", "-t", "192.0.2.1:80", "-r", "198.51.100.1", "--tun-type", "gre");
        syntax("--set option requires 3 timeout values", "--set", "1", "2");
        IpvsadmSyntaxException e = assertThrows(IpvsadmSyntaxException.class,
                () -> IpvsadmCommand.parse("-A", "-t", "192.0.2.1:80", "-M", "24", "-p"));
        assertTrue(e.getMessage().contains("0.0.0.24"), e.getMessage());
    }

    @Test
    void rulesFileParsesToTaggedBatchAndErrorsNameLineAndToken() throws IpvsException {
        String text = "-A -t 192.0.2.1:80 -s rr\n\n  ipvsadm -a -t 192.0.2.1:80 -r 198.51.100.1 -m -w 3\n"
                + "# a comment\n\t-A\t-u 192.0.2.2:53   -p\n";
        List<IpvsadmRules.Rule> rules = IpvsadmRules.parse(text);
        assertEquals(List.of(1, 3, 5), rules.stream().map(IpvsadmRules.Rule::line).toList());
        Batch batch = IpvsadmRules.toBatch(rules);
        assertEquals(3, batch.size());
        assertEquals(3, batch.tag(1).orElseThrow());
        IpvsadmSyntaxException e = assertThrows(IpvsadmSyntaxException.class,
                () -> IpvsadmRules.parse("-A -t 192.0.2.1:80\n-A -t 192.0.2.2:80 -w 4\n"));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().startsWith("line 2: "), e.getMessage());
        IpvsadmSyntaxException t = assertThrows(IpvsadmSyntaxException.class,
                () -> IpvsadmRules.parse("-A -t 192.0.2.1:80 -s rr -p 99999999\n"));
        assertEquals("-p 99999999", t.token().orElseThrow());
    }

    @Test
    void saveIsIpvsadmsTextInIpvsadmsOrder() {
        ServiceKey any = ServiceKey.tcp("0.0.0.0", 80);
        ServiceKey v6 = ServiceKey.tcp("2001:db8::1", 80);
        List<ServiceSnapshot> table = List.of(
                snap(VirtualService.of(any, Scheduler.RR)),
                snap(VirtualService.builder(ServiceKey.fwmark(0xFFFF_FFFFL, AddressFamily.INET)).scheduler(Scheduler.RR).build()),
                snap(VirtualService.builder(v6).scheduler(Scheduler.RR).persistence(Persistence.of(Duration.ofSeconds(10), 64)).build()),
                snap(VirtualService.builder(ServiceKey.udp("192.0.2.9", 53)).scheduler(Scheduler.RR)
                        .persistence(Persistence.of(Duration.ofSeconds(30))).persistenceEngine("sip")
                        .flag(ServiceFlag.ONE_PACKET).build()),
                snap(VirtualService.builder(WEB).scheduler(Scheduler.MH).flag(ServiceFlag.FLAG_3).build()),
                new ServiceSnapshot(new io.ipvs4j.model.ServiceStatus(VirtualService.builder(ServiceKey.tcp("192.0.2.8", 0))
                        .scheduler(Scheduler.RR).persistence(Persistence.of(Duration.ofSeconds(20), 24)).build(),
                        io.ipvs4j.model.Stats.ZERO), List.of(
                        dest(RealServer.builder(Endpoint.of("2001:db8::10", 0)).forwarding(ForwardingMethod.TUNNEL)
                                .tunnel(Tunnel.gue(6080, TunnelFlag.CHECKSUM)).build()),
                        dest(RealServer.builder(Endpoint.of("198.51.100.2", 0)).forwarding(ForwardingMethod.MASQUERADE)
                                .weight(0).thresholds(new Thresholds(10, 5)).build()))));
        assertEquals("""
                -A -f -1 -s rr
                -A -t 192.0.2.1:80 -s mh -b\s
                -A -t 192.0.2.8:0 -s rr -p 20 -M 255.255.255.0
                -a -t 192.0.2.8:0 -r 198.51.100.2:0 -m -w 0
                -a -t 192.0.2.8:0 -r [2001:db8::10]:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum
                -A -t 0.0.0.0:80 -s rr
                -A -u 192.0.2.9:53 -s rr -p 30 --pe sip -o
                -A -t [2001:db8::1]:80 -s rr -p 10 -M 64
                """, IpvsadmRules.save(table));
        String complete = IpvsadmRules.saveComplete(table);
        assertTrue(complete.contains("-A -t 192.0.2.1:80 -s mh -b flag-3\n"), complete);
        assertTrue(complete.startsWith("-A -f 4294967295 -s rr\n"), complete);
        assertTrue(complete.contains("-a -t 192.0.2.8:0 -r 198.51.100.2:0 -m -w 0 -x 10 -y 5\n"), complete);
    }

    @Test
    void endpointAndNetmaskParsing() {
        assertEquals(Endpoint.of("192.0.2.1", 80), Endpoint.parse("192.0.2.1:80"));
        assertEquals(Endpoint.of("2001:db8::1", 80), Endpoint.parse("[2001:db8::1]:80"));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("2001:db8::1:80"));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("192.0.2.1"));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("192.0.2.1:65536"));
        assertEquals(24, Persistence.parseNetmask("255.255.255.0", AddressFamily.INET));
        assertEquals(24, Persistence.parseNetmask("/24", AddressFamily.INET));
        assertEquals(64, Persistence.parseNetmask("64", AddressFamily.INET6));
        assertThrows(IllegalArgumentException.class, () -> Persistence.parseNetmask("255.0.255.0", AddressFamily.INET));
        assertThrows(IllegalArgumentException.class, () -> Persistence.parseNetmask("0", AddressFamily.INET6));
    }

    private static ServiceSnapshot snap(VirtualService v) {
        return new ServiceSnapshot(new io.ipvs4j.model.ServiceStatus(v, io.ipvs4j.model.Stats.ZERO), List.of());
    }

    private static io.ipvs4j.model.RealServerStatus dest(RealServer r) {
        return new io.ipvs4j.model.RealServerStatus(r, 0, 0, 0, io.ipvs4j.model.Stats.ZERO);
    }

    private static void syntax(String reason, String... args) {
        IpvsadmSyntaxException e = assertThrows(IpvsadmSyntaxException.class, () -> IpvsadmCommand.parse(args),
                String.join(" ", args));
        // ipvsadm's words first; ipvs4j may add why in parentheses
        assertTrue(e.reason().equals(reason) || e.reason().startsWith(reason + " ("),
                String.join(" ", args) + ": " + e.reason());
    }

    @SuppressWarnings("unused")
    private static Change unused() {
        return null;
    }
}
