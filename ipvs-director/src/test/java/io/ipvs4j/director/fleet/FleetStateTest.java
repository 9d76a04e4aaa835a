package io.ipvs4j.director.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import java.util.List;
import java.util.Map;
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
}
