package io.ipvs4j.director.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.testing.InMemoryIpvs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FleetHealth against real TCP listeners on 127.0.0.1: a listener that is closed refuses the
 * check's connection at once, so a check with {@code delay_loop=1 connect_timeout=1 retry=0}
 * goes DOWN within about two seconds (a random warmup up to 1 s, then 1 s apart).
 */
class FleetHealthTest {
    private static final String P = "/ipvs4j/fleet/";
    private static final ServiceKey WEB = ServiceKey.tcp("192.0.2.100", 80);
    /** Far above the ~2 s a transition takes, for a loaded machine; a pass returns as soon as it happens. */
    private static final long TRANSITION_SECONDS = 20;
    private static final String FAST = "delay_loop=1 connect_timeout=1 retry=0";

    /** What the listener was told, in order: "web/127.0.0.1:port DOWN". */
    private final BlockingQueue<String> transitions = new LinkedBlockingQueue<>();
    private FleetHealth health;
    private ServerSocket first;
    private ServerSocket second;

    @BeforeEach
    void open() throws IOException {
        health = new FleetHealth((id, old, now) -> transitions.add(id + " " + now));
        first = listen(0);
        second = listen(0);
    }

    @AfterEach
    void close() throws IOException {
        health.close();
        first.close();
        second.close();
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);   // to listen again on the port of a listener just closed
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return s;
    }

    private static Endpoint endpoint(ServerSocket s) {
        return new Endpoint(InetAddress.getLoopbackAddress(), s.getLocalPort());
    }

    private static FleetState.ServerId id(ServerSocket s) {
        return new FleetState.ServerId("web", endpoint(s));
    }

    /** The service web (VIP 192.0.2.100:80) with {@code checkFields} and servers at weight 5. */
    private static FleetState state(String checkFields, ServerSocket... servers) {
        Map<String, String> kv = new HashMap<>();
        kv.put(P + "services/web", "address=192.0.2.100 port=80 " + checkFields);
        for (ServerSocket s : servers) {
            kv.put(P + "servers/web/" + endpoint(s), "weight=5");
        }
        return FleetState.parse(P, kv);
    }

    private void awaitTransition(String expected) throws InterruptedException {
        String got = transitions.poll(TRANSITION_SECONDS, TimeUnit.SECONDS);
        assertEquals(expected, got, "transition within " + TRANSITION_SECONDS + " s");
    }

    private static int weight(InMemoryIpvs ipvs, Endpoint ep) throws Exception {
        return ipvs.realServers(WEB).stream().filter(r -> r.realServer().endpoint().equals(ep)).findFirst()
                .orElseThrow(() -> new AssertionError(ep + " is not in the table")).realServer().weight();
    }

    @Test
    void serverThatStopsListeningIsProgrammedAtZeroAndGetsItsWeightBack() throws Exception {
        FleetState parsed = state("check=tcp " + FAST, first, second);
        assertEquals(2, health.update(parsed));
        assertEquals(Set.of(id(first), id(second)), health.checked().keySet());
        assertTrue(health.down().isEmpty());   // UP before any check ran
        InMemoryIpvs ipvs = new InMemoryIpvs();
        FleetApplier applier = new FleetApplier(ipvs);
        assertTrue(applier.apply(parsed.withDown(health.down())).isSuccess());
        assertEquals(5, weight(ipvs, endpoint(first)));

        int port = first.getLocalPort();
        first.close();
        awaitTransition(id(first) + " DOWN");
        assertEquals(Set.of(id(first)), health.down());
        assertTrue(applier.apply(parsed.withDown(health.down())).isSuccess());
        assertEquals(0, weight(ipvs, endpoint(first)));    // held in the table at 0, as a drain
        assertEquals(5, weight(ipvs, endpoint(second)));
        assertEquals(1, applier.applied().downCount());

        first = listen(port);
        awaitTransition(id(first) + " UP");
        assertTrue(health.down().isEmpty());
        assertTrue(applier.apply(parsed.withDown(health.down())).isSuccess());
        assertEquals(5, weight(ipvs, endpoint(first)));
        assertNull(transitions.poll(), "the other server never changed");
    }

    @Test
    void changedCheckReplacesTheTargetAndTheNewCheckIsTheOneRun() throws Exception {
        assertEquals(1, health.update(state("check=tcp " + FAST, first)));
        assertEquals(0, health.update(state("check=tcp " + FAST, first)), "same check: target kept");
        // the same server, now checked on a port where nothing listens
        second.close();
        FleetState moved = state("check=tcp check_port=" + second.getLocalPort() + " " + FAST, first);
        assertEquals(1, health.update(moved));
        assertEquals(moved.services().get("web").check(), health.checked().get(id(first)));
        awaitTransition(id(first) + " DOWN");
        assertEquals(Set.of(id(first)), health.down());

        // back to its own port: replaced again, and it keeps its DOWN state until the new check passes
        assertEquals(1, health.update(state("check=tcp " + FAST, first)));
        assertEquals(Set.of(id(first)), health.down());
        awaitTransition(id(first) + " UP");
    }

    @Test
    void removedServerOrCheckRemovesTheTarget() throws Exception {
        assertEquals(2, health.update(state("check=tcp " + FAST, first, second)));
        first.close();
        awaitTransition(id(first) + " DOWN");

        assertEquals(1, health.update(state("check=tcp " + FAST, second)));
        assertEquals(Set.of(id(second)), health.checked().keySet());
        assertTrue(health.down().isEmpty(), "a server that is gone is not DOWN");

        assertEquals(1, health.update(state("", second)));   // check=none: nothing to check
        assertTrue(health.checked().isEmpty());
        assertNull(transitions.poll(), "a removed target tells nothing");
    }

    @Test
    void closedHealthKeepsItsLastVerdictAndChecksNoMore() throws Exception {
        health.update(state("check=tcp " + FAST, first));
        first.close();
        awaitTransition(id(first) + " DOWN");
        health.close();
        // a director still applying while it shuts down programs the last verdict, not "all up"
        assertEquals(Set.of(id(first)), health.down());
        assertEquals(0, health.update(state("check=tcp " + FAST, first, second)));
        assertFalse(health.checked().containsKey(id(second)));
    }
}
