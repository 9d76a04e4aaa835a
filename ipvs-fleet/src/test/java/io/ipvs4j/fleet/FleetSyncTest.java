package io.ipvs4j.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.fleet.FleetApplier;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.testing.InMemoryIpvs;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetSyncTest {
    private static final String P = "/ipvs4j/fleet/";
    private static final ServiceKey WEB = ServiceKey.tcp("192.0.2.100", 80);

    @Test
    void snapshotThenEventsThenBadValueKeepsLastGoodState() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        FleetSync sync = new FleetSync(P, new FleetApplier(ipvs));
        FleetSync.Status s = sync.reset(Map.of(P + "services/web", "address=192.0.2.100 port=80",
                P + "servers/web/198.51.100.3:80", "weight=5"), 7);
        assertEquals("revision=7 applied=7 services=1 healthy=true", s.line());
        assertEquals(5, ipvs.realServers(WEB).get(0).realServer().weight());

        sync.put(P + "servers/web/198.51.100.3:80", "weight=9");
        sync.put(P + "servers/web/198.51.100.4:80", "weight=1");
        s = sync.commit(8);
        assertEquals(8, s.appliedRevision());
        assertEquals(2, ipvs.realServers(WEB).size());

        sync.put(P + "servers/web/198.51.100.4:80", "weight=lots");
        s = sync.commit(9);
        assertEquals(8, s.appliedRevision());
        assertTrue(s.error().orElseThrow().contains("field weight"), s.line());
        assertTrue(s.line().contains("healthy=false"), s.line());
        assertEquals(2, ipvs.realServers(WEB).size());   // the kernel keeps revision 8

        sync.delete(P + "servers/web/198.51.100.4:80");
        s = sync.commit(10);
        assertEquals(10, s.appliedRevision());
        assertTrue(s.error().isEmpty());
        assertEquals(Endpoint.of("198.51.100.3", 80), ipvs.realServers(WEB).get(0).realServer().endpoint());
        assertEquals(1, ipvs.realServers(WEB).size());

        // a revision with no desired-state change (e.g. a director's own key) only moves the revision
        s = sync.commit(11);
        assertEquals(11, s.appliedRevision());
    }
}
