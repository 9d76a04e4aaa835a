package io.ipvs4j.director.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.IpvsException;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.testing.InMemoryIpvs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetApplierTest {
    private static final String P = "/ipvs4j/fleet/";
    private static final ServiceKey WEB = ServiceKey.tcp("192.0.2.100", 80);

    /**
     * The fake (which lists real servers newest first, as the kernel's list_add does) plus the
     * other kernel fact the mh table depends on (ip_vs_ctl.c): last_weight is set on add and on
     * an update to a weight that is not 0.
     */
    static final class KernelOrderIpvs extends InMemoryIpvs {
        final Map<ServiceKey, Map<Endpoint, Integer>> lastWeight = new HashMap<>();

        @Override
        public synchronized void addRealServer(ServiceKey key, RealServer rs) throws IpvsException {
            super.addRealServer(key, rs);
            lastWeight.computeIfAbsent(key, k -> new HashMap<>()).put(rs.endpoint(), rs.weight());
        }

        @Override
        public synchronized void updateRealServer(ServiceKey key, RealServer rs) throws IpvsException {
            super.updateRealServer(key, rs);
            if (rs.weight() != 0) {
                lastWeight.computeIfAbsent(key, k -> new HashMap<>()).put(rs.endpoint(), rs.weight());
            }
        }

        /** What ip_vs_mh_populate reads: the list order, each server's last_weight, and its weight. */
        List<String> mhInputs(ServiceKey key) throws IpvsException {
            List<String> out = new ArrayList<>();
            for (RealServerStatus rs : realServers(key)) {
                Endpoint ep = rs.realServer().endpoint();
                out.add(ep + " last_weight=" + lastWeight.get(key).get(ep) + " weight=" + rs.realServer().weight());
            }
            return out;
        }
    }

    private static FleetState state(String... servers) {
        Map<String, String> kv = new HashMap<>();
        kv.put(P + "services/web", "address=192.0.2.100 port=80 scheduler=mh flags=mh-fallback");
        for (String s : servers) {
            int sp = s.indexOf(' ');
            kv.put(P + "servers/web/" + (sp < 0 ? s : s.substring(0, sp)), sp < 0 ? "" : s.substring(sp + 1));
        }
        return FleetState.parse(P, kv);
    }

    @Test
    void directorsWithDifferentHistoriesHoldTheSameMhInputs() throws Exception {
        KernelOrderIpvs a = new KernelOrderIpvs();
        FleetApplier fa = new FleetApplier(a);
        assertTrue(fa.apply(state("198.51.100.3:80 weight=5", "198.51.100.5:80 weight=5", "198.51.100.7:80 weight=5")).isSuccess());
        // drain .5, add .4 in the middle, change .7's weight, remove .3 then bring it back
        assertTrue(fa.apply(state("198.51.100.3:80 weight=5", "198.51.100.5:80 weight=5 drain=true",
                "198.51.100.7:80 weight=5")).isSuccess());
        FleetApplier.Result r = fa.apply(state("198.51.100.3:80 weight=5", "198.51.100.4:80 weight=5",
                "198.51.100.5:80 weight=5 drain=true", "198.51.100.7:80 weight=9"));
        assertTrue(r.isSuccess());
        assertEquals(2, r.readded());   // .5 and .7 were added after .3, before the new .4
        assertEquals(1, r.changedServices());
        assertTrue(fa.apply(state("198.51.100.4:80 weight=5", "198.51.100.5:80 weight=5 drain=true",
                "198.51.100.7:80 weight=9")).isSuccess());
        FleetState last = state("198.51.100.3:80 weight=5", "198.51.100.4:80 weight=5",
                "198.51.100.5:80 weight=3 drain=true", "198.51.100.7:80 weight=9");
        assertTrue(fa.apply(last).isSuccess());

        KernelOrderIpvs b = new KernelOrderIpvs();   // a director started now, from the last state only
        FleetApplier fb = new FleetApplier(b);
        FleetApplier.Result rb = fb.apply(last);
        assertTrue(rb.isSuccess());
        assertEquals(1, rb.bumped());   // the drained .5 is added at its weight, then set to 0

        List<String> expected = List.of(   // kernel list order: the last added first
                "198.51.100.7:80 last_weight=9 weight=9",
                "198.51.100.5:80 last_weight=3 weight=0",
                "198.51.100.4:80 last_weight=5 weight=5",
                "198.51.100.3:80 last_weight=5 weight=5");
        assertEquals(expected, b.mhInputs(WEB));
        assertEquals(expected, a.mhInputs(WEB));
    }

    @Test
    void restartedDirectorRepairsAKernelItDidNotProgram() throws Exception {
        KernelOrderIpvs k = new KernelOrderIpvs();
        FleetApplier first = new FleetApplier(k);
        first.apply(state("198.51.100.3:80 weight=5", "198.51.100.4:80 weight=5"));
        // by hand: .4 removed and added again at weight 7 (now at the head, last_weight 7); etcd says weight 0
        k.removeRealServer(WEB, Endpoint.of("198.51.100.4", 80));
        k.addRealServer(WEB, RealServer.builder(Endpoint.of("198.51.100.4", 80)).weight(7).build());
        FleetApplier restarted = new FleetApplier(k);
        FleetState s = state("198.51.100.3:80 weight=5", "198.51.100.4:80 weight=0");
        assertTrue(restarted.apply(s).isSuccess());
        assertEquals(List.of("198.51.100.4:80 last_weight=0 weight=0", "198.51.100.3:80 last_weight=5 weight=5"),
                k.mhInputs(WEB));
        // same input again: nothing to do
        FleetApplier.Result again = restarted.apply(s);
        assertEquals(0, again.changedServices());
        assertTrue(again.results().stream().allMatch(x -> x.changes().isEmpty()));
    }

    @Test
    void removedServiceIsRemovedAndForeignServicesStay() throws Exception {
        KernelOrderIpvs k = new KernelOrderIpvs();
        ServiceKey other = ServiceKey.tcp("192.0.2.200", 80);
        k.addService(io.ipvs4j.model.VirtualService.of(other, io.ipvs4j.model.Scheduler.RR));
        FleetApplier f = new FleetApplier(k);
        f.apply(state("198.51.100.3:80"));
        assertTrue(f.apply(FleetState.empty()).isSuccess());
        assertTrue(k.service(WEB).isEmpty());
        assertTrue(k.service(other).isPresent());
    }
    @Test
    void downServerIsHeldAtZeroLikeADrainAndGetsItsWeightBack() throws Exception {
        FleetState parsed = state("198.51.100.3:80 weight=5", "198.51.100.4:80 weight=5");
        FleetState.ServerId four = new FleetState.ServerId("web", Endpoint.of("198.51.100.4", 80));
        KernelOrderIpvs k = new KernelOrderIpvs();
        FleetApplier f = new FleetApplier(k);
        assertTrue(f.apply(parsed).isSuccess());
        assertTrue(f.apply(parsed.withDown(java.util.Set.of(four))).isSuccess());
        List<String> heldAtZero = List.of("198.51.100.4:80 last_weight=5 weight=0", "198.51.100.3:80 last_weight=5 weight=5");
        assertEquals(heldAtZero, k.mhInputs(WEB));   // kept in the table, not removed

        // a director that starts while .4 is DOWN builds the same table (added at 5, then set to 0)
        KernelOrderIpvs fresh = new KernelOrderIpvs();
        FleetApplier.Result r = new FleetApplier(fresh).apply(parsed.withDown(java.util.Set.of(four)));
        assertEquals(1, r.bumped());
        assertEquals(heldAtZero, fresh.mhInputs(WEB));

        assertTrue(f.apply(parsed).isSuccess());   // UP again
        assertEquals(List.of("198.51.100.4:80 last_weight=5 weight=5", "198.51.100.3:80 last_weight=5 weight=5"),
                k.mhInputs(WEB));
    }
}
