package io.ipvs4j.director.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.check.CheckPolicy;
import io.ipvs4j.director.check.CheckSpec;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.director.check.HttpGetCheck;
import io.ipvs4j.director.check.TcpConnectCheck;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Thresholds;
import io.ipvs4j.model.VirtualService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeepalivedConverterTest {

    @Test
    void seedBecomesADirectRoutingRoundRobinService() throws Exception {
        DesiredState d = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(KeepalivedParserTest.SEED));
        assertEquals(1, d.staticAddresses().size());
        assertEquals(1, d.services().size());
        DesiredState.Service s = d.services().get(0);
        assertEquals(VirtualService.builder(ServiceKey.tcp("192.168.159.100", 80)).scheduler(Scheduler.RR).build(),
                s.service());
        assertTrue(s.service().persistence().isEmpty());
        assertEquals(d.service("TCP 192.168.159.100:80").orElseThrow(), s);

        assertEquals(2, s.realServers().size());
        for (int i = 0; i < 2; i++) {
            DesiredState.Backend b = s.realServers().get(i);
            assertEquals(RealServer.builder(Endpoint.of("192.168.159." + (32 + i), 80))
                    .weight(1).forwarding(ForwardingMethod.DIRECT_ROUTE).build(), b.server());
            assertEquals(CheckState.UP, b.initialState());
            assertFalse(b.inhibitOnFailure());
            assertEquals(1, b.checks().size());
            CheckSpec spec = b.checks().get(0);
            assertEquals(new CheckPolicy(Duration.ofSeconds(6), 3, Duration.ofSeconds(3)).withWarmup(Duration.ofSeconds(6)), spec.policy());
            HttpGetCheck http = assertInstanceOf(HttpGetCheck.class, spec.check());
            assertEquals(new InetSocketAddress(InetAddresses.parse("192.168.159." + (32 + i)), 80), http.target());
            assertEquals(List.of(HttpGetCheck.Url.of("/", 200)), http.urls());
            assertEquals(Duration.ofSeconds(3), http.connectTimeout());
        }
    }

    @Test
    void optionsMapToTheModel() throws Exception {
        String text = """
                virtual_server 192.0.2.1 443 {
                  persistence_timeout 600
                  persistence_granularity 255.255.0.0
                  alpha
                  inhibit_on_failure
                  lb_kind NAT
                  real_server 198.51.100.1 8443 {
                    weight 7 uthreshold 10 lthreshold 5
                    TCP_CHECK { connect_timeout 2 connect_port 9000 delay_before_retry 0.5 retry 2 }
                  }
                  real_server 198.51.100.2 { lvs_method DR }
                }
                virtual_server 192.0.2.2 53 { protocol UDP ops lvs_sched sh sh-port real_server 198.51.100.3 53 { } }
                virtual_server fwmark 5 { persistence_timeout 60 real_server 2001:db8::5 { } }
                """;
        DesiredState d = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(text));
        DesiredState.Service https = d.services().get(0);
        assertEquals(Persistence.of(Duration.ofSeconds(600), 16), https.service().persistence().orElseThrow());
        assertEquals(Scheduler.WLC, https.service().scheduler(), "ipvsadm's default when lb_algo is unset");
        DesiredState.Backend b1 = https.realServers().get(0);
        assertEquals(ForwardingMethod.MASQUERADE, b1.server().forwarding());
        assertEquals(7, b1.server().weight());
        assertEquals(new Thresholds(10, 5), b1.server().thresholds());
        assertEquals(CheckState.DOWN, b1.initialState(), "alpha");
        assertTrue(b1.inhibitOnFailure());
        TcpConnectCheck tcp = assertInstanceOf(TcpConnectCheck.class, b1.checks().get(0).check());
        assertEquals(9000, tcp.target().getPort());
        assertEquals(new CheckPolicy(Duration.ofSeconds(60), 2, Duration.ofMillis(500)).withWarmup(Duration.ofSeconds(60)), b1.checks().get(0).policy());
        DesiredState.Backend b2 = https.realServers().get(1);
        assertEquals(Endpoint.of("198.51.100.2", 443), b2.server().endpoint(), "no port: the service's");
        assertEquals(ForwardingMethod.DIRECT_ROUTE, b2.server().forwarding());
        assertEquals(CheckState.UP, b2.initialState(), "no checks: always up, even with alpha");

        DesiredState.Service dns = d.services().get(1);
        assertEquals(Set.of(ServiceFlag.ONE_PACKET, ServiceFlag.SH_PORT), dns.service().flags());
        assertEquals(ServiceKey.udp("192.0.2.2", 53), dns.service().key());

        DesiredState.Service fw = d.services().get(2);
        assertEquals(ServiceKey.fwmark(5, AddressFamily.INET6), fw.service().key());
        assertEquals(0, fw.realServers().get(0).server().endpoint().port());
    }

    @Test
    void groupsExpandToOneServicePerMember() throws Exception {
        String text = """
                virtual_server_group G { 192.0.2.1-2 80 }
                virtual_server group G { lb_algo rr protocol TCP real_server 198.51.100.1 80 { } }
                """;
        DesiredState d = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(text));
        assertEquals(List.of(ServiceKey.tcp("192.0.2.1", 80), ServiceKey.tcp("192.0.2.2", 80)),
                d.services().stream().map(s -> s.service().key()).toList());
    }

    @Test
    void modelViolationsNameTheLine() throws Exception {
        KeepalivedConfig dup = KeepalivedParser.parse("""
                virtual_server_group G { 192.0.2.1 80 }
                virtual_server 192.0.2.1 80 { }
                virtual_server group G { }
                """);
        ConfigParseException e = assertThrows(ConfigParseException.class, () -> KeepalivedConverter.toDesiredState(dup));
        assertEquals(3, e.line(), "the group that repeats the address");

        KeepalivedConfig mixed = KeepalivedParser.parse("""
                virtual_server 192.0.2.1 80 {
                  lb_kind DR
                  real_server 2001:db8::1 80 { }
                }
                """);
        e = assertThrows(ConfigParseException.class, () -> KeepalivedConverter.toDesiredState(mixed));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("TUNNEL"), e.getMessage());

        KeepalivedConfig noPort = KeepalivedParser.parse("""
                virtual_server fwmark 1 {
                  real_server 192.0.2.5 {
                    TCP_CHECK { connect_timeout 1 }
                  }
                }
                """);
        e = assertThrows(ConfigParseException.class, () -> KeepalivedConverter.toDesiredState(noPort));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("connect_port"), e.getMessage());
    }
}
