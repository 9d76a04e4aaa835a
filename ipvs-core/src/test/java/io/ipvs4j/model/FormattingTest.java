package io.ipvs4j.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class FormattingTest {

    @Test
    void serviceKeysPrintLikeIpvsadm() {
        assertEquals("TCP 192.0.2.100:80", ServiceKey.tcp("192.0.2.100", 80).toString());
        assertEquals("TCP [2001:db8::1]:443", ServiceKey.tcp("2001:db8::1", 443).toString());
        assertEquals("UDP 192.0.2.1:53", ServiceKey.udp("192.0.2.1", 53).toString());
        assertEquals("SCTP 192.0.2.1:38412", ServiceKey.sctp("192.0.2.1", 38412).toString());
        assertEquals("FWM 1 IPv4", ServiceKey.fwmark(1, AddressFamily.INET).toString());
        assertEquals("FWM 4294967295 IPv6", ServiceKey.fwmark(4294967295L, AddressFamily.INET6).toString());
    }

    @Test
    void endpoints() {
        assertEquals("198.51.100.3:80", Endpoint.of("198.51.100.3", 80).toString());
        assertEquals("[2001:db8::3]:80", Endpoint.of("[2001:db8::3]", 80).toString());
        assertEquals(AddressFamily.INET6, Endpoint.of("2001:db8::3", 80).family());
        assertEquals(Endpoint.of("2001:DB8:0:0::3", 80), Endpoint.of("2001:db8::3", 80));
    }

    @ParameterizedTest
    @CsvSource({
            "2001:db8:0:0:0:0:0:1, 2001:db8::1",
            "0:0:0:0:0:0:0:0, ::",
            "0:0:0:0:0:0:0:1, ::1",
            "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
            "2001:db8:1:1:1:1:1:1, 2001:db8:1:1:1:1:1:1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "fe80:0:0:0:0:0:0:0, fe80::",
            "2001:DB8::A, 2001:db8::a",
    })
    void ipv6Rfc5952(String in, String out) {
        assertEquals(out, InetAddresses.toText(InetAddresses.parse(in)));
    }

    @Test
    void parseKeepsFamily() {
        assertInstanceOf(Inet4Address.class, InetAddresses.parse("192.0.2.1"));
        InetAddress mapped = InetAddresses.parse("::ffff:192.0.2.1");
        assertEquals(4, mapped.getAddress().length);  // the JDK maps these to IPv4
        assertInstanceOf(Inet6Address.class, InetAddresses.fromBytes(new byte[16]));
        assertEquals("0.0.0.0", InetAddresses.toText(InetAddresses.parse("0.0.0.0")));
    }

    @Test
    void infoVersion() {
        assertEquals("1.2.1", new IpvsInfo(0x010201, 4096).version());
        assertEquals("255.0.16", new IpvsInfo(0xff0010, 1).version());
    }

    @Test
    void servicesAndServers() {
        VirtualService s = VirtualService.builder(ServiceKey.tcp("192.0.2.100", 80)).scheduler(Scheduler.RR)
                .persistence(Persistence.of(java.time.Duration.ofSeconds(300))).build();
        assertEquals("TCP 192.0.2.100:80 rr persistent 300 mask /32 flags [PERSISTENT]", s.toString());
        RealServer r = RealServer.builder(Endpoint.of("198.51.100.3", 80)).forwarding(ForwardingMethod.TUNNEL)
                .tunnel(Tunnel.gue(6080)).weight(3).build();
        assertEquals("198.51.100.3:80 TUNNEL GUE port 6080 weight 3", r.toString());
    }
}
