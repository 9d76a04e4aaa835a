package io.ipvs4j.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.fleet.FleetApplier;
import io.ipvs4j.director.fleet.FleetHealth;
import io.ipvs4j.director.fleet.FleetState;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.testing.InMemoryIpvs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
        assertEquals("revision=7 applied=7 services=1 down=0 healthy=true", s.line());
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
    /** Listens on 127.0.0.1 (reusing a port just closed when {@code port} is not 0). */
    private static ServerSocket listen(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return s;
    }

    private static String server(ServerSocket s) {
        return P + "servers/web/" + new Endpoint(InetAddress.getLoopbackAddress(), s.getLocalPort());
    }

    @Test
    void serversThatFailTheirCheckAreHeldAtZeroAndTheVipIsWithdrawnUntilOneIsBack() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        FleetSync sync = new FleetSync(P, new FleetApplier(ipvs));
        // what EtcdFleetDirector does on its worker: each transition re-applies, then the announcer is told
        BlockingQueue<FleetState.ServerId> changed = new LinkedBlockingQueue<>();
        ServerSocket a = listen(0);
        ServerSocket b = listen(0);
        try (FleetHealth health = new FleetHealth((id, old, now) -> changed.add(id))) {
            Map<String, String> kv = new HashMap<>();
            kv.put(P + "services/web", "address=192.0.2.100 port=80 check=tcp delay_loop=1 connect_timeout=1 retry=0");
            kv.put(server(a), "weight=5");
            kv.put(server(b), "weight=3");
            sync.reset(kv, 7);
            FleetSync.Status s = sync.checkHealth(health);
            assertEquals("revision=7 applied=7 services=1 down=0 healthy=true", s.line());
            assertEquals(Set.of("192.0.2.100/32"), BirdAnnouncer.announceable(sync.applied(), s.healthy()));

            a.close();
            assertNotNull(changed.poll(20, TimeUnit.SECONDS), "a DOWN within 20 s");
            s = sync.healthChanged();
            assertEquals("revision=7 applied=7 services=1 down=1 healthy=true", s.line());
            assertEquals(List.of(0, 3), weights(ipvs, a, b));   // a held at 0 on this director, never removed
            assertEquals(Set.of("192.0.2.100/32"), BirdAnnouncer.announceable(sync.applied(), s.healthy()));

            // a later revision keeps the overlay: a's weight changes in etcd, it stays at 0 here
            sync.put(server(a), "weight=9");
            s = sync.commit(8);
            assertEquals(List.of(0, 3), weights(ipvs, a, b));
            assertEquals(1, s.down());
            assertTrue(sync.applied().services().get("web").servers().stream()
                    .anyMatch(f -> f.configured().weight() == 9 && f.down()), "a: configured 9, DOWN");

            b.close();
            assertNotNull(changed.poll(20, TimeUnit.SECONDS), "b DOWN within 20 s");
            s = sync.healthChanged();
            assertEquals(2, s.down());
            assertTrue(s.healthy(), s.line());   // the director holds the latest state: its servers are down
            assertEquals(List.of(0, 0), weights(ipvs, a, b));
            assertEquals(Set.of(), BirdAnnouncer.announceable(sync.applied(), s.healthy()));   // withdrawn

            b = listen(b.getLocalPort());
            assertNotNull(changed.poll(20, TimeUnit.SECONDS), "b UP within 20 s");
            s = sync.healthChanged();
            assertEquals(1, s.down());
            assertEquals(List.of(0, 3), weights(ipvs, a, b));   // its configured weight back
            assertEquals(Set.of("192.0.2.100/32"), BirdAnnouncer.announceable(sync.applied(), s.healthy()));
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void refusedRevisionStaysReportedWhileTheOverlayChanges() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        FleetSync sync = new FleetSync(P, new FleetApplier(ipvs));
        sync.reset(Map.of(P + "services/web", "address=192.0.2.100 port=80",
                P + "servers/web/198.51.100.3:80", "weight=5"), 7);
        sync.put(P + "services/web", "address=192.0.2.100 port=80 check=ping");
        FleetSync.Status refused = sync.commit(8);
        assertTrue(refused.error().orElseThrow().contains("field check"), refused.line());
        // a health change re-applies revision 7 (still programmed) and must not hide the refusal of 8
        FleetSync.Status s = sync.healthChanged();
        assertEquals(7, s.appliedRevision());
        assertEquals(refused.error(), s.error());
        assertFalse(s.healthy());
    }

    /** The kernel weights of the servers listening on {@code a} and {@code b}, in that order. */
    private static List<Integer> weights(InMemoryIpvs ipvs, ServerSocket a, ServerSocket b) throws Exception {
        List<Integer> out = new java.util.ArrayList<>();
        for (ServerSocket s : List.of(a, b)) {
            Endpoint ep = new Endpoint(InetAddress.getLoopbackAddress(), s.getLocalPort());
            out.add(ipvs.realServers(WEB).stream().filter(r -> r.realServer().endpoint().equals(ep)).findFirst()
                    .orElseThrow(() -> new AssertionError(ep + " is not in the table")).realServer().weight());
        }
        return out;
    }
}
