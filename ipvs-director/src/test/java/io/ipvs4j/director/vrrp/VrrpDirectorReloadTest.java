package io.ipvs4j.director.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.director.keepalived.KeepalivedVrrp;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.vrrp.SettableTracker;
import io.ipvs4j.vrrp.Tracker;
import io.ipvs4j.vrrp.VrrpNetwork;
import io.ipvs4j.vrrp.VrrpState;
import io.ipvs4j.vrrp.VrrpTransition;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link VrrpDirector#reload} on a recording network (no peer: every instance becomes MASTER at
 * its master-down time, v3 at 100 ms): what keepalived's reload keeps, changes, stops and starts.
 */
class VrrpDirectorReloadTest {
    /** Each instance's endpoint: the addresses it holds, whether it is closed. */
    static final class Net implements VrrpNetwork {
        final Map<String, Set<String>> held = new ConcurrentHashMap<>();
        final Set<String> closedEndpoints = ConcurrentHashMap.newKeySet();
        final Map<String, Integer> opens = new ConcurrentHashMap<>();

        @Override
        public Endpoint open(io.ipvs4j.vrrp.VrrpInstanceConfig config, Consumer<ReceivedAdvert> receiver) {
            String name = config.name();
            opens.merge(name, 1, Integer::sum);
            closedEndpoints.remove(name);
            Set<String> mine = ConcurrentHashMap.newKeySet();
            held.put(name, mine);
            return new Endpoint() {
                @Override
                public InetAddress sourceAddress() {
                    return InetAddresses.parse("192.0.2.2");
                }

                @Override
                public void send(byte[] message, InetAddress destination) {}

                @Override
                public void addAddresses(List<InterfaceAddress> list) {
                    list.forEach(a -> mine.add(a.cidr()));
                }

                @Override
                public void removeAddresses(List<InterfaceAddress> list) {
                    list.forEach(a -> mine.remove(a.cidr()));
                }

                @Override
                public void announce(List<InterfaceAddress> list) {}

                @Override
                public long badTtl() {
                    return 0;
                }

                @Override
                public void close() {
                    closedEndpoints.add(name);
                }
            };
        }

        @Override
        public Tracker linkTracker(String interfaceName) {
            return new SettableTracker(interfaceName, true);
        }

        @Override
        public void close() {}
    }

    private static String instance(String name, int vrid, int priority, String... vips) {
        StringBuilder b = new StringBuilder("vrrp_instance ").append(name).append(" {\n state BACKUP\n interface eth0\n")
                .append(" version 3\n virtual_router_id ").append(vrid).append("\n priority ").append(priority)
                .append("\n advert_int 0.1\n virtual_ipaddress {\n");
        for (String v : vips) {
            b.append("  ").append(v).append(" dev eth0\n");
        }
        return b.append(" }\n}\n").toString();
    }

    private static KeepalivedVrrp vrrp(String text) throws Exception {
        return KeepalivedParser.parse(text).vrrp();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    private static VrrpState state(VrrpDirector d, String name) {
        return d.status().stream().filter(s -> s.config().name().equals(name)).findFirst().map(VrrpDirector.InstanceStatus::state)
                .orElse(null);
    }

    @Test
    void reloadKeepsMasterChangesPriorityAndVipsStopsAndStartsInstances() throws Exception {
        Net net = new Net();
        List<VrrpTransition> transitions = new CopyOnWriteArrayList<>();
        try (VrrpDirector d = VrrpDirector.create(vrrp(instance("VI_1", 51, 100, "192.0.2.100/24")
                + instance("VI_2", 52, 100, "192.0.2.110/24")), net, null, null)) {
            d.addListener(transitions::add);
            d.start();
            await("both MASTER", () -> state(d, "VI_1") == VrrpState.MASTER && state(d, "VI_2") == VrrpState.MASTER);
            assertEquals(Set.of("192.0.2.100/24"), net.held.get("VI_1"));
            transitions.clear();

            String summary = d.reload(vrrp(instance("VI_1", 51, 120, "192.0.2.101/24", "192.0.2.102/24")
                    + instance("VI_3", 53, 100, "192.0.2.130/24")));
            assertEquals("VI_1 reconfigured (priority 100 -> 120, VIPs [192.0.2.101/24, 192.0.2.102/24]); VI_3 added;"
                    + " VI_2 removed", summary);
            assertEquals(VrrpState.MASTER, state(d, "VI_1"), "VI_1 stays MASTER");
            assertEquals(1, net.opens.get("VI_1"), "VI_1 kept its socket");
            assertEquals(Set.of("192.0.2.101/24", "192.0.2.102/24"), net.held.get("VI_1"), "VIPs diffed on the MASTER");
            assertEquals(120, d.status().stream().filter(s -> s.config().name().equals("VI_1")).findFirst().orElseThrow()
                    .effectivePriority());
            assertTrue(net.held.get("VI_2").isEmpty() && net.closedEndpoints.contains("VI_2"), "VI_2 stopped, VIP removed");
            assertEquals(List.of("VI_1", "VI_3"), d.status().stream().map(s -> s.config().name()).toList());
            await("VI_3 MASTER", () -> state(d, "VI_3") == VrrpState.MASTER);
            assertEquals(Set.of("192.0.2.130/24"), net.held.get("VI_3"));
            assertFalse(transitions.stream().anyMatch(t -> t.instance().equals("VI_1")),
                    "no transition of VI_1: " + transitions);
            assertTrue(transitions.stream().anyMatch(t -> t.instance().equals("VI_2") && t.to() == VrrpState.INIT),
                    transitions.toString());

            // a new virtual_router_id is a new instance: stopped and started anew
            summary = d.reload(vrrp(instance("VI_1", 61, 120, "192.0.2.101/24") + instance("VI_3", 53, 100,
                    "192.0.2.130/24")));
            assertEquals("VI_1 restarted (virtual_router_id 51 -> 61 changed)", summary);
            assertEquals(2, net.opens.get("VI_1"));
            await("the new VI_1 MASTER", () -> state(d, "VI_1") == VrrpState.MASTER);
            assertEquals(Set.of("192.0.2.101/24"), net.held.get("VI_1"));

            // the same file again: nothing
            assertEquals("VRRP unchanged", d.reload(vrrp(instance("VI_1", 61, 120, "192.0.2.101/24")
                    + instance("VI_3", 53, 100, "192.0.2.130/24"))));

            // a sync group appearing is refused, nothing changed
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.reload(vrrp(
                    "vrrp_sync_group G {\n group {\n  VI_1\n  VI_3\n }\n}\n" + instance("VI_1", 61, 90, "192.0.2.101/24")
                            + instance("VI_3", 53, 100, "192.0.2.130/24"))));
            assertTrue(e.getMessage().startsWith("vrrp_sync_group changed"), e.getMessage());
            assertEquals(120, d.status().get(0).effectivePriority(), "the refused reload changed nothing");
            Map<String, VrrpState> states = d.status().stream()
                    .collect(Collectors.toMap(s -> s.config().name(), VrrpDirector.InstanceStatus::state));
            assertEquals(Map.of("VI_1", VrrpState.MASTER, "VI_3", VrrpState.MASTER), states);
        }
    }
}
