package io.ipvs4j.nativetests.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.nativetests.support.IpvsadmOracle.Forwarding;
import io.ipvs4j.nativetests.support.IpvsadmOracle.RealServer;
import io.ipvs4j.nativetests.support.IpvsadmOracle.Service;
import io.ipvs4j.nativetests.support.IpvsadmOracle.ServiceKey;
import io.ipvs4j.nativetests.support.IpvsadmOracle.Table;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Host unit test of the restore-format parser, on output captured from ipvsadm in the VM. */
class IpvsadmOracleParserTest {

    private static String resource(String name) throws IOException {
        try (InputStream in = IpvsadmOracleParserTest.class.getResourceAsStream("/ipvsadm/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void parsesEveryOptionThatIpvsadmPrints() throws IOException {
        Table t = IpvsadmOracle.parse(resource("save-all-options.txt"));
        assertEquals(10, t.services().size());

        Service web = t.service(ServiceKey.tcp("192.0.2.100:80"));
        assertEquals("rr", web.scheduler());
        assertEquals(0, web.persistence());
        assertEquals(6, web.realServers().size());
        assertEquals(RealServer.of("198.51.100.3:80", Forwarding.ROUTE, 1), web.realServer("198.51.100.3:80"));
        assertEquals(RealServer.of("198.51.100.4:8080", Forwarding.MASQ, 2), web.realServer("198.51.100.4:8080"));
        assertEquals(RealServer.of("198.51.100.5:80", Forwarding.TUNNEL, 0), web.realServer("198.51.100.5:80"));
        assertEquals(new RealServer("198.51.100.6:80", Forwarding.TUNNEL, 3, "gue", 6080, "nocsum"),
                web.realServer("198.51.100.6:80"));
        assertEquals(new RealServer("198.51.100.7:80", Forwarding.TUNNEL, 1, "gre", 0, "csum"),
                web.realServer("198.51.100.7:80"));
        assertEquals(new RealServer("198.51.100.8:80", Forwarding.TUNNEL, 1, "gue", 5555, "remcsum"),
                web.realServer("198.51.100.8:80"));

        Service sip = t.service(ServiceKey.tcp("192.0.2.102:5060"));
        assertEquals("mh", sip.scheduler());
        assertEquals(60, sip.persistence());
        assertEquals("sip", sip.pe());
        assertEquals(Set.of("mh-port"), sip.schedFlags());

        Service dns = t.service(ServiceKey.udp("192.0.2.100:53"));
        assertEquals(300, dns.persistence());
        assertEquals("255.255.255.0", dns.netmask());
        assertTrue(dns.onePacket());

        assertEquals(Set.of("sh-fallback", "sh-port"), t.service(ServiceKey.sctp("192.0.2.101:9")).schedFlags());
        assertEquals(360, t.service(ServiceKey.tcp("192.0.2.103:0")).persistence());

        Service v6 = t.service(ServiceKey.tcp("[2001:db8::100]:443"));
        assertTrue(v6.key().ipv6());
        assertEquals("48", v6.netmask());
        assertEquals(List.of(RealServer.of("[2001:db8:1::3]:443", Forwarding.MASQ, 7)), v6.realServers());

        Service fw1 = t.service(ServiceKey.fwmark(1, false));
        assertEquals(Service.of(ServiceKey.fwmark(1, false), "rr"), fw1);
        Service fw2 = t.service(ServiceKey.fwmark(2, true));
        assertEquals("64", fw2.netmask());
        assertEquals(List.of(RealServer.of("[2001:db8:1::5]:0", Forwarding.ROUTE, 1)), fw2.realServers());
        assertNull(fw2.pe());
    }

    @Test
    void equalityIgnoresTheOrderOfServicesAndRealServers() {
        Table a = IpvsadmOracle.parse("""
                -A -t 192.0.2.1:80 -s rr
                -a -t 192.0.2.1:80 -r 198.51.100.1:80 -g -w 1
                -a -t 192.0.2.1:80 -r 198.51.100.2:80 -m -w 2
                -A -u 192.0.2.1:53 -s wrr
                """);
        Table b = IpvsadmOracle.parse("""
                -A -u 192.0.2.1:53 -s wrr
                -A -t 192.0.2.1:80 -s rr
                -a -t 192.0.2.1:80 -r 198.51.100.2:80 -m -w 2
                -a -t 192.0.2.1:80 -r 198.51.100.1:80 -g -w 1
                """);
        assertEquals(a, b);
        Table expected = Table.of(
                Service.of(ServiceKey.tcp("192.0.2.1:80"), "rr").withRealServers(
                        RealServer.of("198.51.100.2:80", Forwarding.MASQ, 2),
                        RealServer.of("198.51.100.1:80", Forwarding.ROUTE, 1)),
                Service.of(ServiceKey.udp("192.0.2.1:53"), "wrr"));
        assertEquals(expected, a);
        assertNotEquals(expected, IpvsadmOracle.parse("-A -t 192.0.2.1:80 -s rr\n-A -u 192.0.2.1:53 -s wrr\n"));
    }

    @Test
    void emptyTable() {
        assertTrue(IpvsadmOracle.parse("").isEmpty());
        assertTrue(IpvsadmOracle.parse("\n").isEmpty());
    }

    @Test
    void rejectsWhatItDoesNotUnderstand() {
        assertThrows(IllegalArgumentException.class, () -> IpvsadmOracle.parse("-A -t 192.0.2.1:80 -s rr --bogus\n"));
        assertThrows(IllegalArgumentException.class, () -> IpvsadmOracle.parse("-A -t 192.0.2.1:http -s rr\n"));
        assertThrows(IllegalArgumentException.class,
                () -> IpvsadmOracle.parse("-a -t 192.0.2.1:80 -r 198.51.100.1:80 -g -w 1\n"));
        assertThrows(IllegalArgumentException.class, () -> IpvsadmOracle.parse("-A -t 192.0.2.1:80\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IpvsadmOracle.parse("-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r 198.51.100.1:80 -w 1\n"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void serviceKeyOptionsRoundTrip() {
        assertEquals(List.of("-t", "192.0.2.1:80"), ServiceKey.tcp("192.0.2.1:80").options());
        assertEquals(List.of("--sctp-service", "192.0.2.1:9"), ServiceKey.sctp("192.0.2.1:9").options());
        assertEquals(List.of("-f", "7", "-6"), ServiceKey.fwmark(7, true).options());
    }
}
