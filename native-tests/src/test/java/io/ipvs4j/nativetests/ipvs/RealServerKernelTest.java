package io.ipvs4j.nativetests.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Stats;
import io.ipvs4j.model.Thresholds;
import io.ipvs4j.model.Tunnel;
import io.ipvs4j.model.TunnelFlag;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.IpvsadmOracle.Forwarding;
import io.ipvs4j.nativetests.support.KernelTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Real servers on a real kernel: every forwarding method and tunnel type, weights including 0,
 * thresholds, mixed address families; each write cross-checked with ipvsadm both ways.
 */
@KernelTest
class RealServerKernelTest extends NamespaceFixture {
    private static final ServiceKey.Inet WEB = ServiceKey.tcp("192.0.2.100", 80);
    private static final IpvsadmOracle.ServiceKey O_WEB = IpvsadmOracle.ServiceKey.tcp("192.0.2.100:80");

    private record Case(RealServer model, IpvsadmOracle.RealServer oracle, List<String> ipvsadmOptions) {}

    private static IpvsadmOracle.RealServer tun(String address, int weight, String type, int port, String csum) {
        return new IpvsadmOracle.RealServer(address, Forwarding.TUNNEL, weight, type, port, csum);
    }

    /** Every forwarding method and tunnel variant ipvsadm can express, as model, oracle line and ipvsadm options. */
    private static List<Case> everyMethod() {
        List<Case> c = new ArrayList<>();
        c.add(new Case(RealServer.of(Endpoint.of("198.51.100.3", 80)),
                IpvsadmOracle.RealServer.of("198.51.100.3:80", Forwarding.ROUTE, 1), List.of("-r", "198.51.100.3:80", "-g", "-w", "1")));
        c.add(new Case(RealServer.builder(Endpoint.of("198.51.100.4", 8080)).forwarding(ForwardingMethod.MASQUERADE).weight(2).build(),
                IpvsadmOracle.RealServer.of("198.51.100.4:8080", Forwarding.MASQ, 2), List.of("-r", "198.51.100.4:8080", "-m", "-w", "2")));
        // weight 0: quiesced, must stay 0 (not ipvsadm's default 1)
        c.add(new Case(RealServer.builder(Endpoint.of("198.51.100.5", 80)).forwarding(ForwardingMethod.TUNNEL).weight(0).build(),
                tun("198.51.100.5:80", 0, "ipip", 0, null), List.of("-r", "198.51.100.5:80", "-i", "-w", "0", "--tun-type", "ipip")));
        // GUE port is big-endian on the wire: 6080 = 0x17c0 would read 49175 if swapped
        c.add(new Case(RealServer.builder(Endpoint.of("198.51.100.6", 80)).forwarding(ForwardingMethod.TUNNEL).weight(3)
                        .tunnel(Tunnel.gue(6080)).build(),
                tun("198.51.100.6:80", 3, "gue", 6080, "nocsum"),
                List.of("-r", "198.51.100.6:80", "-i", "-w", "3", "--tun-type", "gue", "--tun-port", "6080", "--tun-nocsum")));
        c.add(new Case(RealServer.builder(Endpoint.of("198.51.100.7", 80)).forwarding(ForwardingMethod.TUNNEL)
                        .tunnel(Tunnel.gre(TunnelFlag.CHECKSUM)).build(),
                tun("198.51.100.7:80", 1, "gre", 0, "csum"),
                List.of("-r", "198.51.100.7:80", "-i", "-w", "1", "--tun-type", "gre", "--tun-csum")));
        c.add(new Case(RealServer.builder(Endpoint.of("198.51.100.8", 80)).forwarding(ForwardingMethod.TUNNEL)
                        .tunnel(Tunnel.gue(5555, TunnelFlag.REMOTE_CHECKSUM)).build(),
                tun("198.51.100.8:80", 1, "gue", 5555, "remcsum"),
                List.of("-r", "198.51.100.8:80", "-i", "-w", "1", "--tun-type", "gue", "--tun-port", "5555", "--tun-remcsum")));
        c.add(new Case(RealServer.builder(Endpoint.of("198.51.100.9", 80)).forwarding(ForwardingMethod.TUNNEL)
                        .tunnel(Tunnel.gue(6081, TunnelFlag.CHECKSUM)).build(),
                tun("198.51.100.9:80", 1, "gue", 6081, "csum"),
                List.of("-r", "198.51.100.9:80", "-i", "-w", "1", "--tun-type", "gue", "--tun-port", "6081", "--tun-csum")));
        c.add(new Case(RealServer.builder(Endpoint.of("198.51.100.10", 80)).forwarding(ForwardingMethod.TUNNEL)
                        .tunnel(Tunnel.gre()).weight(Integer.MAX_VALUE).build(),
                tun("198.51.100.10:80", Integer.MAX_VALUE, "gre", 0, "nocsum"),
                List.of("-r", "198.51.100.10:80", "-i", "-w", Integer.toString(Integer.MAX_VALUE), "--tun-type", "gre", "--tun-nocsum")));
        return c;
    }

    private static IpvsadmOracle.Service webWith(List<IpvsadmOracle.RealServer> servers) {
        return new IpvsadmOracle.Service(O_WEB, "rr", 0, null, null, false, Set.of(), servers);
    }

    private Set<RealServer> listed(ServiceKey key) throws Exception {
        return ipvs.realServers(key).stream().map(RealServerStatus::realServer).collect(Collectors.toSet());
    }

    @Test
    void ipvs4jWritesEveryMethodAndIpvsadmReadsIt() throws Exception {
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        List<Case> cases = everyMethod();
        for (Case c : cases) {
            ipvs.addRealServer(WEB, c.model());
        }
        assertEquals(webWith(cases.stream().map(Case::oracle).toList()), ipvsadm.table().service(O_WEB),
                "ipvsadm -Sn:\n" + ipvsadm.save());
        List<RealServerStatus> statuses = ipvs.realServers(WEB);
        assertEquals(cases.stream().map(Case::model).collect(Collectors.toSet()),
                statuses.stream().map(RealServerStatus::realServer).collect(Collectors.toSet()));
        for (RealServerStatus s : statuses) {
            assertEquals(0, s.activeConnections() + s.inactiveConnections() + s.persistentConnections(), s.toString());
            assertEquals(Stats.ZERO, s.stats(), s.toString());
        }
    }

    @Test
    void ipvsadmWritesEveryMethodAndIpvs4jReadsIt() throws Exception {
        ipvsadm.ok("-A", "-t", "192.0.2.100:80", "-s", "rr");
        List<Case> cases = everyMethod();
        for (Case c : cases) {
            List<String> args = new ArrayList<>(List.of("-a", "-t", "192.0.2.100:80"));
            args.addAll(c.ipvsadmOptions());
            ipvsadm.ok(args.toArray(String[]::new));
        }
        assertEquals(webWith(cases.stream().map(Case::oracle).toList()), ipvsadm.table().service(O_WEB));
        assertEquals(cases.stream().map(Case::model).collect(Collectors.toSet()), listed(WEB));
    }

    @Test
    void localForwarding() throws Exception {
        // LOCAL (IP_VS_CONN_F_LOCALNODE) cannot be requested with ipvsadm; ipvsadm -Ln lists it
        // as "Local" and its restore format (-Sn) falls back to -g (fwd_switch in ipvsadm.c).
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        RealServer local = RealServer.builder(Endpoint.of("127.0.0.1", 80)).forwarding(ForwardingMethod.LOCAL).build();
        ipvs.addRealServer(WEB, local);
        String listing = ipvsadm.ok("-L", "-n");
        assertTrue(Pattern.compile("(?m)^  -> 127\\.0\\.0\\.1:80 +Local +1 +0 +0 *$").matcher(listing).find(), listing);
        assertEquals("-A -t 192.0.2.100:80 -s rr\n-a -t 192.0.2.100:80 -r 127.0.0.1:80 -g -w 1\n", ipvsadm.save());
        assertEquals(Set.of(local), listed(WEB));
    }

    @Test
    void updateAndRemoveBothWays() throws Exception {
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        RealServer a = RealServer.builder(Endpoint.of("198.51.100.3", 80)).forwarding(ForwardingMethod.MASQUERADE).weight(5).build();
        RealServer b = RealServer.of(Endpoint.of("198.51.100.4", 80));
        ipvs.addRealServer(WEB, a);
        ipvs.addRealServer(WEB, b);

        // ipvs4j: drain a (weight 0), turn b into a GUE tunnel; an update is a full replace
        ipvs.updateRealServer(WEB, a.withWeight(0));
        RealServer bTunnel = b.toBuilder().forwarding(ForwardingMethod.TUNNEL).tunnel(Tunnel.gue(7000, TunnelFlag.CHECKSUM)).build();
        ipvs.updateRealServer(WEB, bTunnel);
        assertEquals(webWith(List.of(IpvsadmOracle.RealServer.of("198.51.100.3:80", Forwarding.MASQ, 0),
                tun("198.51.100.4:80", 1, "gue", 7000, "csum"))), ipvsadm.table().service(O_WEB));
        // back to DR: the tunnel settings must be gone, not left behind
        ipvs.updateRealServer(WEB, b);
        assertEquals(IpvsadmOracle.RealServer.of("198.51.100.4:80", Forwarding.ROUTE, 1),
                ipvsadm.table().service(O_WEB).realServer("198.51.100.4:80"));

        // ipvsadm edits, ipvs4j reads
        ipvsadm.ok("-e", "-t", "192.0.2.100:80", "-r", "198.51.100.3:80", "-i", "-w", "9", "--tun-type", "gre", "--tun-csum");
        assertEquals(Set.of(a.toBuilder().forwarding(ForwardingMethod.TUNNEL).weight(9).tunnel(Tunnel.gre(TunnelFlag.CHECKSUM)).build(), b),
                listed(WEB));

        // remove both ways
        ipvs.removeRealServer(WEB, Endpoint.of("198.51.100.3", 80));
        assertEquals(webWith(List.of(IpvsadmOracle.RealServer.of("198.51.100.4:80", Forwarding.ROUTE, 1))),
                ipvsadm.table().service(O_WEB));
        ipvsadm.ok("-d", "-t", "192.0.2.100:80", "-r", "198.51.100.4:80");
        assertEquals(List.of(), ipvs.realServers(WEB));
    }

    private static final Pattern THRESHOLD_LINE =
            Pattern.compile("(?m)^  -> (\\S+) +(\\d+) +(\\d+) +(\\d+) +(\\d+) *$");

    /** Endpoint -> "upper lower" from {@code ipvsadm -Ln --thresholds} (-Sn does not carry thresholds). */
    private List<String> thresholdsByIpvsadm() {
        Matcher m = THRESHOLD_LINE.matcher(ipvsadm.ok("-L", "-n", "--thresholds"));
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1) + " " + m.group(2) + " " + m.group(3));
        }
        out.sort(null);
        return out;
    }

    @Test
    void thresholdsBothWays() throws Exception {
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        ipvs.addRealServer(WEB, RealServer.builder(Endpoint.of("198.51.100.3", 80)).thresholds(new Thresholds(100, 50)).build());
        ipvs.addRealServer(WEB, RealServer.builder(Endpoint.of("198.51.100.4", 80))
                .thresholds(new Thresholds(Integer.MAX_VALUE, 7)).build());
        ipvs.addRealServer(WEB, RealServer.of(Endpoint.of("198.51.100.5", 80)));
        assertEquals(List.of("198.51.100.3:80 100 50", "198.51.100.4:80 2147483647 7", "198.51.100.5:80 0 0"),
                thresholdsByIpvsadm());
        ipvs.updateRealServer(WEB, RealServer.builder(Endpoint.of("198.51.100.5", 80)).thresholds(new Thresholds(10, 10)).build());
        assertEquals("198.51.100.5:80 10 10", thresholdsByIpvsadm().get(2));

        ipvsadm.ok("-e", "-t", "192.0.2.100:80", "-r", "198.51.100.3:80", "-x", "200", "-y", "150");
        RealServer read = ipvs.realServers(WEB).stream().map(RealServerStatus::realServer)
                .filter(r -> r.endpoint().equals(Endpoint.of("198.51.100.3", 80))).findFirst().orElseThrow();
        assertEquals(new Thresholds(200, 150), read.thresholds());
    }

    @Test
    void mixedFamilyRealServersOnlyThroughTunnels() throws Exception {
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        ServiceKey.Inet web6 = ServiceKey.tcp("2001:db8::100", 80);
        ipvs.addService(VirtualService.of(web6, Scheduler.RR));
        RealServer v6OnV4 = RealServer.builder(Endpoint.of("2001:db8:1::5", 80)).forwarding(ForwardingMethod.TUNNEL).build();
        RealServer v4OnV6 = RealServer.builder(Endpoint.of("198.51.100.5", 80)).forwarding(ForwardingMethod.TUNNEL)
                .tunnel(Tunnel.gue(6080)).build();
        ipvs.addRealServer(WEB, v6OnV4);
        ipvs.addRealServer(web6, v4OnV6);
        assertEquals(List.of(tun("[2001:db8:1::5]:80", 1, "ipip", 0, null)), ipvsadm.table().service(O_WEB).realServers());
        assertEquals(List.of(tun("198.51.100.5:80", 1, "gue", 6080, "nocsum")),
                ipvsadm.table().service(IpvsadmOracle.ServiceKey.tcp("[2001:db8::100]:80")).realServers());
        // the address family comes from DEST_ATTR_ADDR_FAMILY, not from the service
        assertEquals(Set.of(v6OnV4), listed(WEB));
        assertEquals(Set.of(v4OnV6), listed(web6));

        // ipvsadm adds another mixed one; ipvs4j reads it
        ipvsadm.ok("-a", "-t", "192.0.2.100:80", "-r", "[2001:db8:1::6]:80", "-i", "-w", "4");
        assertEquals(Set.of(v6OnV4, RealServer.builder(Endpoint.of("2001:db8:1::6", 80)).forwarding(ForwardingMethod.TUNNEL)
                .weight(4).build()), listed(WEB));

        // without a tunnel the families must match: refused before sending, the table unchanged
        String before = ipvsadm.save();
        for (ForwardingMethod m : List.of(ForwardingMethod.MASQUERADE, ForwardingMethod.DIRECT_ROUTE, ForwardingMethod.LOCAL)) {
            RealServer bad = RealServer.builder(Endpoint.of("2001:db8:1::7", 80)).forwarding(m).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ipvs.addRealServer(WEB, bad));
            assertEquals("real server [2001:db8:1::7]:80 is IPv6 but service TCP 192.0.2.100:80 is IPv4;"
                    + " mixing families needs forwarding TUNNEL, was " + m, e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ipvs.updateRealServer(WEB, bad.toBuilder().build()));
        }
        assertEquals(before, ipvsadm.save());
    }

    @Test
    void realServersOfIpv6AndFwmarkServices() throws Exception {
        // GET_DEST identifies fwmark services by FWMARK + AF only; a client that sends the wrong
        // identity gets an empty list, not an error (uapi doc §10.5), so list both kinds.
        ServiceKey.FwMark mark6 = ServiceKey.fwmark(2, AddressFamily.INET6);
        ServiceKey.FwMark mark4 = ServiceKey.fwmark(0xFFFF_FFFEL, AddressFamily.INET);
        ServiceKey.Inet udp6 = ServiceKey.udp("2001:db8::53", 53);
        ipvs.addService(VirtualService.of(mark6, Scheduler.WRR));
        ipvs.addService(VirtualService.of(mark4, Scheduler.WRR));
        ipvs.addService(VirtualService.of(udp6, Scheduler.WRR));
        RealServer r6 = RealServer.builder(Endpoint.of("2001:db8:1::5", 0)).weight(3).build();
        RealServer r4 = RealServer.builder(Endpoint.of("198.51.100.3", 0)).forwarding(ForwardingMethod.MASQUERADE).build();
        RealServer r53 = RealServer.builder(Endpoint.of("2001:db8:1::53", 5353)).forwarding(ForwardingMethod.MASQUERADE).build();
        ipvs.addRealServer(mark6, r6);
        ipvs.addRealServer(mark4, r4);
        ipvs.addRealServer(udp6, r53);
        assertEquals(List.of(IpvsadmOracle.RealServer.of("[2001:db8:1::5]:0", Forwarding.ROUTE, 3)),
                ipvsadm.table().service(IpvsadmOracle.ServiceKey.fwmark(2, true)).realServers());
        // ipvsadm prints marks >= 2^31 as negative numbers (uapi doc §12)
        assertEquals(List.of(IpvsadmOracle.RealServer.of("198.51.100.3:0", Forwarding.MASQ, 1)),
                ipvsadm.table().service(IpvsadmOracle.ServiceKey.fwmark(-2, false)).realServers());
        assertEquals(List.of(IpvsadmOracle.RealServer.of("[2001:db8:1::53]:5353", Forwarding.MASQ, 1)),
                ipvsadm.table().service(IpvsadmOracle.ServiceKey.udp("[2001:db8::53]:53")).realServers());
        assertEquals(Set.of(r6), listed(mark6));
        assertEquals(Set.of(r4), listed(mark4));
        assertEquals(Set.of(r53), listed(udp6));
        ipvs.removeRealServer(mark6, r6.endpoint());
        assertEquals(List.of(), ipvs.realServers(mark6));
        assertEquals(List.of(), ipvsadm.table().service(IpvsadmOracle.ServiceKey.fwmark(2, true)).realServers());
    }
}
