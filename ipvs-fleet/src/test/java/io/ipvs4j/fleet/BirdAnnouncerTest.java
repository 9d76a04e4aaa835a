package io.ipvs4j.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ipvs4j.director.fleet.FleetState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BirdAnnouncerTest {
    private static final String P = "/ipvs4j/fleet/";

    @Test
    void announcesVipsWithAServerTakingConnectionsOnlyWhileHealthy() {
        FleetState s = FleetState.parse(P, Map.of(
                P + "services/web", "address=203.0.113.10 port=80",
                P + "servers/web/192.0.2.21:80", "weight=5 drain=true",
                P + "servers/web/192.0.2.22:80", "weight=5",
                P + "services/web6", "address=2001:db8::10 port=80",
                P + "servers/web6/[2001:db8::21]:80", "weight=1",
                P + "services/dark", "address=203.0.113.11 port=80",
                P + "servers/dark/192.0.2.21:80", "weight=5 drain=true"));
        assertEquals(Set.of("203.0.113.10/32", "2001:db8::10/128"), BirdAnnouncer.announceable(s, true));
        assertEquals(Set.of(), BirdAnnouncer.announceable(s, false));
    }

    @Test
    void rendersOneStaticProtocolPerFamily() {
        BirdAnnouncer b = new BirdAnnouncer(Path.of("/nonexistent/vips.conf"), List.of("birdc"), "d1");
        assertEquals("""
                # ipvs4j fleet director d1: the VIPs it announces (written by ipvs4j; do not edit)
                protocol static ipvs4j_vips {
                    ipv4;
                    route 203.0.113.10/32 blackhole;
                }
                protocol static ipvs4j_vips6 {
                    ipv6;
                    route 2001:db8::10/128 blackhole;
                }
                """, b.render(Set.of("2001:db8::10/128", "203.0.113.10/32")));
        assertThrows(IllegalArgumentException.class, () -> b.announce(Set.of("203.0.113.10")));
    }

    @Test
    void routesThroughTheLivenessInterfaceWhenOneIsNamed() {
        BirdAnnouncer b = new BirdAnnouncer(Path.of("/nonexistent/vips.conf"), List.of("birdc"), "d1",
                java.util.Optional.of("ipvs4j-live"));
        String text = b.render(Set.of("2001:db8::10/128", "203.0.113.10/32"));
        assertEquals(true, text.contains("    route 203.0.113.10/32 via \"ipvs4j-live\";\n"), text);
        assertEquals(true, text.contains("    route 2001:db8::10/128 via \"ipvs4j-live\";\n"), text);
        assertThrows(IllegalArgumentException.class, () -> new BirdAnnouncer(Path.of("/x"), List.of("birdc"), "d1",
                java.util.Optional.of("a name that is not an interface")));
    }
}
