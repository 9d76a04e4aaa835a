package io.ipvs4j.nativetests.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.examples.demo.LvsDrDemo;
import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.KernelTest;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The main demo's scenario end to end ({@link LvsDrDemo}): namespaces for client, director and
 * two real servers, the keepalived.conf-driven controller in the director, traffic through the
 * VIP. Asserts the round-robin distribution, the failover when one real server's web server
 * stops (removed within a bound, all answers from the other) and its return, each time also
 * against {@code ipvsadm} in the director's namespace, and that the demo leaves nothing behind.
 */
@KernelTest
class LvsDrDemoKernelTest {
    private static final String VIP_SERVICE = LvsDrDemo.VIP + ":80";
    private static final String RS1 = LvsDrDemo.REAL_SERVERS.get(0) + ":80";
    private static final String RS2 = LvsDrDemo.REAL_SERVERS.get(1) + ":80";
    /** Checks every 1 s with 1 retry 1 s apart: DOWN ~2 s after the failure; the VM is slow, so allow plenty. */
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(20);

    @Test
    @Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
    void balancesFailsOverAndRecovers() throws Exception {
        Map<LvsDrDemo.Phase, IpvsadmOracle.Table> tables = new EnumMap<>(LvsDrDemo.Phase.class);
        Map<LvsDrDemo.Phase, String> listings = new EnumMap<>(LvsDrDemo.Phase.class);
        String[] director = new String[1];
        LvsDrDemo.Options options = LvsDrDemo.Options.defaults(System.out).withListener((phase, env) -> {
            director[0] = env.directorNamespace();
            IpvsadmOracle ipvsadm = IpvsadmOracle.inNamespace(env.directorNamespace());
            tables.put(phase, ipvsadm.table());
            listings.put(phase, ipvsadm.ok("-L", "-n"));
            System.out.println("ipvsadm -Ln in the director at " + phase + ":\n" + listings.get(phase));
        });

        LvsDrDemo.Observations o = LvsDrDemo.run(options);

        // distribution: round robin over two equal weights alternates
        Map<String, Long> initial = o.initial().counts();
        assertEquals(Set.of("rs1", "rs2"), initial.keySet(), "both real servers answer: " + o.initial());
        assertTrue(Math.abs(initial.get("rs1") - initial.get("rs2")) <= 1, "rr is even: " + o.initial());

        // failover: removed within the bound, every answer from rs1, none failed
        assertTrue(o.removalTime().compareTo(FAILOVER_BOUND) < 0,
                "rs2 removed after " + o.removalTime() + ", bound " + FAILOVER_BOUND);
        assertEquals(Map.of("rs1", (long) o.afterFailure().answers().size()), o.afterFailure().counts(),
                "all answers from rs1 while rs2 is down: " + o.afterFailure());

        // return
        Map<String, Long> back = o.afterReturn().counts();
        assertEquals(Set.of("rs1", "rs2"), back.keySet(), "rs2 answers again: " + o.afterReturn());
        assertTrue(Math.abs(back.get("rs1") - back.get("rs2")) <= 1, "rr is even again: " + o.afterReturn());
        assertTrue(o.finalTable().contains("rs " + RS2 + " check=UP"), o.finalTable());

        // the kernel's table as ipvsadm sees it at each phase
        IpvsadmOracle.ServiceKey key = IpvsadmOracle.ServiceKey.tcp(VIP_SERVICE);
        IpvsadmOracle.Service up = tables.get(LvsDrDemo.Phase.BOTH_UP).service(key);
        assertEquals("rr", up.scheduler());
        assertEquals(0, up.persistence());
        assertEquals(List.of(IpvsadmOracle.RealServer.of(RS1, IpvsadmOracle.Forwarding.ROUTE, 1),
                IpvsadmOracle.RealServer.of(RS2, IpvsadmOracle.Forwarding.ROUTE, 1)), up.realServers());
        assertEquals(List.of(IpvsadmOracle.RealServer.of(RS1, IpvsadmOracle.Forwarding.ROUTE, 1)),
                tables.get(LvsDrDemo.Phase.ONE_DOWN).service(key).realServers());
        assertEquals(up, tables.get(LvsDrDemo.Phase.BOTH_BACK).service(key));
        String down = listings.get(LvsDrDemo.Phase.ONE_DOWN);
        assertTrue(down.contains("TCP  " + VIP_SERVICE + " rr"), down);
        assertTrue(down.contains("-> " + RS1) && !down.contains(RS2), down);

        // SIGTERM: the controller (--remove-on-exit) removed its service and VIP
        assertEquals(List.of(), o.leftAfterStop());
        // the demo cleaned up after itself
        String namespaces = Commands.run("ip", "netns", "list").check().stdout();
        assertFalse(namespaces.contains(director[0]), "namespaces left behind: " + namespaces);
    }
}
