package io.ipvs4j.director.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.check.CheckPolicy;
import io.ipvs4j.director.check.CheckSpec;
import io.ipvs4j.director.check.HttpGetCheck;
import io.ipvs4j.director.check.TcpConnectCheck;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FleetStateTest {
    private static final String P = "/ipvs4j/fleet/";

    @Test
    void parsesServicesAndServersInCanonicalOrder() {
        FleetState s = FleetState.parse(P, Map.of(
                P + "services/web", "address=192.0.2.100 port=80 flags=mh-fallback,mh-port",
                P + "servers/web/198.51.100.20:80", "weight=5",
                P + "servers/web/198.51.100.3:80", "weight=5 drain=true",
                P + "servers/web/198.51.100.3:79", "",
                P + "services/dns", "protocol=udp address=2001:db8::53 port=53 scheduler=rr",
                P + "servers/dns/[2001:db8::2]:53", "forward=nat weight=0",
                P + "directors/d1", "state=healthy"));
        FleetState.FleetService web = s.services().get("web");
        assertEquals(ServiceKey.tcp("192.0.2.100", 80), web.service().key());
        assertEquals(Scheduler.MH, web.service().scheduler());
        assertTrue(web.service().flags().containsAll(List.of(ServiceFlag.MH_FALLBACK, ServiceFlag.MH_PORT)));
        // unsigned byte order: .3 before .20 (a string sort would put 20 first), then port
        assertEquals(List.of(Endpoint.of("198.51.100.3", 79), Endpoint.of("198.51.100.3", 80), Endpoint.of("198.51.100.20", 80)),
                web.servers().stream().map(f -> f.configured().endpoint()).toList());
        FleetServer drained = web.servers().get(1);
        assertTrue(drained.drained());
        assertEquals(5, drained.configured().weight());
        assertEquals(0, drained.programmedWeight());
        assertEquals(1, web.servers().get(0).configured().weight());
        assertEquals(ForwardingMethod.DIRECT_ROUTE, web.servers().get(0).configured().forwarding());
        FleetState.FleetService dns = s.services().get("dns");
        assertEquals(Scheduler.RR, dns.service().scheduler());
        assertEquals(ForwardingMethod.MASQUERADE, dns.servers().get(0).configured().forwarding());
        assertEquals(2, s.desired().size());
        assertEquals(0, s.desired().get(1).realServers().get(1).weight());   // web sorted after dns; drained at 0
    }

    private static FleetStateException bad(Map<String, String> entries) {
        return assertThrows(FleetStateException.class, () -> FleetState.parse(P, entries));
    }

    @Test
    void errorsNameKeyAndField() {
        FleetStateException e = bad(Map.of(P + "services/web", "address=192.0.2.100 port=70000"));
        assertEquals(P + "services/web", e.key());
        assertEquals("port", e.field());
        assertTrue(e.getMessage().contains("70000"), e.getMessage());

        e = bad(Map.of(P + "services/web", "address=192.0.2.100 port=80",
                P + "servers/web/198.51.100.3:80", "weight=-1"));
        assertEquals(P + "servers/web/198.51.100.3:80", e.key());
        assertEquals("weight", e.field());

        e = bad(Map.of(P + "services/web", "address=192.0.2.100 port=80",
                P + "servers/web/198.51.100.3:80", "drain=yes"));
        assertEquals("drain", e.field());

        e = bad(Map.of(P + "services/web", "address=192.0.2.100 port=80 colour=blue"));
        assertEquals("colour", e.field());

        e = bad(Map.of(P + "services/web", "port=80"));
        assertEquals("address", e.field());

        e = bad(Map.of(P + "services/web", "address=not-an-ip port=80"));
        assertEquals("address", e.field());

        e = bad(Map.of(P + "services/web", "address=192.0.2.100 port=80 scheduler=rr flags=mh-port"));
        assertEquals("flags", e.field());

        e = bad(Map.of(P + "servers/nope/198.51.100.3:80", "weight=1"));
        assertEquals(P + "servers/nope/198.51.100.3:80", e.key());
        assertTrue(e.getMessage().contains("no service"), e.getMessage());

        e = bad(Map.of(P + "services/web", "address=192.0.2.100 port=80",
                P + "servers/web/2001:db8::1:80", "weight=1"));
        assertEquals("-", e.field());

        e = bad(Map.of(P + "services/web", "address=192.0.2.100 port=80",
                P + "services/www", "address=192.0.2.100 port=80"));
        assertEquals(P + "services/www", e.key());

        e = bad(Map.of(P + "other/x", "y"));
        assertEquals(P + "other/x", e.key());

        e = bad(Map.of(P + "services/we b", "address=192.0.2.100 port=80"));
        assertEquals("-", e.field());

        e = bad(Map.of(P + "services/web", "address=192.0.2.100 port=80",
                P + "servers/web/[2001:db8::3]:80", "weight=1"));   // IPv6 server of an IPv4 service, not tunnelled
        assertEquals("forward", e.field());
    }

    @Test
    void emptyStateHasNoServices() {
        assertFalse(FleetState.parse(P, Map.of()).services().containsKey("web"));
        assertThrows(IllegalArgumentException.class, () -> FleetState.parse("/no-slash", Map.of()));
    }
    @Test
    void checkFieldsTakeKeepalivedsDefaults() {
        FleetState s = FleetState.parse(P, Map.of(
                P + "services/plain", "address=192.0.2.100 port=80",
                P + "services/tcp", "address=192.0.2.101 port=80 check=tcp",
                P + "services/http", "address=192.0.2.102 port=80 check=http",
                P + "services/tuned", "address=192.0.2.103 port=443 check=http check_port=8080 check_path=/health"
                        + " check_status=204 delay_loop=6 connect_timeout=2 retry=3 delay_before_retry=0"));
        assertEquals(FleetCheck.NONE, s.services().get("plain").check());
        assertEquals(FleetCheck.Kind.NONE, s.services().get("plain").check().kind());

        FleetCheck tcp = s.services().get("tcp").check();
        assertEquals(FleetCheck.Kind.TCP, tcp.kind());
        assertTrue(tcp.port().isEmpty());                       // each server's own port
        assertEquals(Duration.ofSeconds(60), tcp.delayLoop());  // delay_loop 60
        assertEquals(Duration.ofSeconds(5), tcp.connectTimeout());
        assertEquals(1, tcp.retries());
        assertEquals(Duration.ofSeconds(1), tcp.delayBeforeRetry());   // TCP_CHECK: 1 s

        FleetCheck http = s.services().get("http").check();
        assertEquals(FleetCheck.Kind.HTTP, http.kind());
        assertEquals("/", http.path());
        assertEquals(OptionalInt.empty(), http.status(), "any 2xx, as keepalived's HTTP_GET without status_code");
        assertEquals(1, http.retries());
        assertEquals(Duration.ofSeconds(3), http.delayBeforeRetry());  // HTTP_GET: 3 s

        FleetCheck tuned = s.services().get("tuned").check();
        assertEquals(new FleetCheck(FleetCheck.Kind.HTTP, OptionalInt.of(8080), "/health", OptionalInt.of(204), Duration.ofSeconds(6),
                Duration.ofSeconds(2), 3, Duration.ZERO), tuned);
        assertEquals("check=http check_port=8080 check_path=/health check_status=204 delay_loop=6 connect_timeout=2"
                + " retry=3 delay_before_retry=0", tuned.toString());
    }

    @Test
    void checkSpecIsTheDirectorsOwnCheck() {
        FleetCheck http = FleetState.parse(P, Map.of(P + "services/web",
                "address=192.0.2.100 port=80 check=http check_port=8080 check_path=/health delay_loop=6"))
                .services().get("web").check();
        CheckSpec spec = http.spec(Endpoint.of("198.51.100.3", 80)).orElseThrow();
        HttpGetCheck check = (HttpGetCheck) spec.check();
        assertEquals(8080, check.target().getPort());
        assertEquals(List.of(new HttpGetCheck.Url("/health", java.util.Set.of(), java.util.Optional.empty())), check.urls(),
                "no check_status: any 2xx");
        assertEquals(new CheckPolicy(Duration.ofSeconds(6), 1, Duration.ofSeconds(3), Duration.ofSeconds(6)), spec.policy());

        FleetCheck tcp = FleetState.parse(P, Map.of(P + "services/web", "address=192.0.2.100 port=80 check=tcp"))
                .services().get("web").check();
        TcpConnectCheck t = (TcpConnectCheck) tcp.spec(Endpoint.of("198.51.100.3", 81)).orElseThrow().check();
        assertEquals(81, t.target().getPort());   // the server's port, not the service's
        assertTrue(FleetCheck.NONE.spec(Endpoint.of("198.51.100.3", 80)).isEmpty());
    }

    @Test
    void badCheckFieldsNameKeyFieldAndValue() {
        String key = P + "services/web";
        String[][] cases = {
            {"check=ping", "check", "ping"},
            {"check=tcp check_port=0", "check_port", "0"},
            {"check=tcp check_port=http", "check_port", "http"},
            {"check=tcp delay_loop=0", "delay_loop", "0"},
            {"check=tcp delay_loop=1.5", "delay_loop", "1.5"},
            {"check=tcp connect_timeout=0", "connect_timeout", "0"},
            {"check=tcp retry=-1", "retry", "-1"},
            {"check=tcp delay_before_retry=-1", "delay_before_retry", "-1"},
            {"check=http check_status=99", "check_status", "99"},
            {"check=http check_path=health", "check_path", "health"},
            {"check_port=8080", "check_port", "8080"},                  // no check: the field would do nothing
            {"check=none delay_loop=6", "delay_loop", "6"},
            {"check=tcp check_path=/health", "check_path", "/health"},  // http only
            {"check=tcp check_status=200", "check_status", "200"},
        };
        for (String[] c : cases) {
            FleetStateException e = bad(Map.of(key, "address=192.0.2.100 port=80 " + c[0]));
            assertEquals(key, e.key(), c[0]);
            assertEquals(c[1], e.field(), c[0]);
            assertTrue(e.getMessage().contains(c[2]), c[0] + ": " + e.getMessage());
        }
        // a real server without a port has nothing to connect to unless check_port says where
        FleetStateException e = bad(Map.of(key, "address=192.0.2.100 port=80 check=tcp",
                P + "servers/web/198.51.100.3:0", "weight=1"));
        assertEquals("check_port", e.field());
        assertTrue(e.getMessage().contains("198.51.100.3:0"), e.getMessage());
        FleetState.parse(P, Map.of(key, "address=192.0.2.100 port=80 check=tcp check_port=22",
                P + "servers/web/198.51.100.3:0", "weight=1"));
    }

    @Test
    void downOverlayHoldsServersAtZeroAndLeavesTheParsedStateAlone() {
        FleetState parsed = FleetState.parse(P, Map.of(
                P + "services/web", "address=192.0.2.100 port=80 check=tcp",
                P + "servers/web/198.51.100.3:80", "weight=5",
                P + "servers/web/198.51.100.4:80", "weight=5"));
        FleetState.ServerId three = new FleetState.ServerId("web", Endpoint.of("198.51.100.3", 80));
        assertEquals("web/198.51.100.3:80", three.toString());
        FleetState overlaid = parsed.withDown(Set.of(three, new FleetState.ServerId("gone", Endpoint.of("198.51.100.9", 80))));
        List<FleetServer> servers = overlaid.services().get("web").servers();
        assertTrue(servers.get(0).down());
        assertFalse(servers.get(0).drained());
        assertEquals(0, servers.get(0).programmedWeight());
        assertEquals(5, servers.get(0).configured().weight());   // its weight returns when it is up
        assertEquals(5, servers.get(1).programmedWeight());
        assertEquals(1, overlaid.downCount());
        assertEquals(0, parsed.downCount());
        assertEquals(0, overlaid.desired().get(0).realServers().get(0).weight());
        // a later verdict replaces the overlay: back up is the parsed state again
        assertEquals(parsed, overlaid.withDown(Set.of()));
        assertTrue(parsed == parsed.withDown(Set.of()));
    }
}
