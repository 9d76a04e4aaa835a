package io.ipvs4j.testing;

import io.ipvs4j.Errno;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsUnavailableException;
import io.ipvs4j.KernelRejectedException;
import io.ipvs4j.ModuleNotFoundException;
import io.ipvs4j.Operation;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Stats;
import io.ipvs4j.model.VirtualService;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract, plus what only the fake has: scripted failures, set counters, modules, close. */
class InMemoryIpvsTest extends IpvsContract {
    InMemoryIpvs fake;

    @Override
    protected Ipvs open() {
        fake = new InMemoryIpvs();
        return fake;
    }

    @Test
    void kernelDefaults() throws Exception {
        assertEquals(io.ipvs4j.model.Timeouts.KERNEL_DEFAULTS, fake.timeouts());
        assertEquals(4096, fake.info().connectionTableSize());
    }

    @Test
    void scriptedFailureIsTypedAndOneShot() throws Exception {
        fake.failNext(Operation.LIST_SERVICES, Errno.EPERM);
        assertThrows(io.ipvs4j.PermissionDeniedException.class, () -> fake.services());
        assertEquals(List.of(), fake.services());

        fake.failNext(Operation.ADD_REAL_SERVER, -Errno.EINVAL, "bad dest");
        fake.addService(rr(WEB));
        KernelRejectedException e = assertThrows(KernelRejectedException.class,
                () -> fake.addRealServer(WEB, RealServer.of(RS1)));
        assertEquals("bad dest", e.kernelMessage().orElseThrow());
        assertEquals("198.51.100.3:80 to TCP 192.0.2.100:80", e.subject());
        assertEquals(List.of(), fake.realServers(WEB));

        fake.failNext(Operation.GET_INFO, Errno.ENOENT);
        assertThrows(IpvsUnavailableException.class, () -> fake.info());
    }

    @Test
    void missingPersistenceEngineModule() throws Exception {
        fake.setModuleAvailable("ip_vs_pe_sip", false);
        VirtualService sip = VirtualService.builder(ServiceKey.udp("192.0.2.1", 5060))
                .persistence(Persistence.of(Duration.ofSeconds(60))).persistenceEngine("sip").build();
        ModuleNotFoundException e = assertThrows(ModuleNotFoundException.class, () -> fake.addService(sip));
        assertTrue(e.getMessage().contains("modprobe ip_vs_pe_sip"), e.getMessage());
        fake.setModuleAvailable("ip_vs_pe_sip", true);
        fake.addService(sip);
        assertDoesNotThrow(() -> fake.addService(VirtualService.of(WEB, Scheduler.of("none"))));
    }

    @Test
    void zeroResetsCountersButNotConnections() throws Exception {
        Stats some = new Stats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        fake.addService(rr(WEB));
        fake.addRealServer(WEB, RealServer.of(RS1));
        fake.setStats(WEB, some);
        fake.setRealServerStatus(WEB, RS1, 4, 5, 6, some);
        assertEquals(some, fake.service(WEB).orElseThrow().stats());
        fake.zero(WEB);
        assertEquals(Stats.ZERO, fake.service(WEB).orElseThrow().stats());
        assertEquals(Stats.ZERO, fake.realServers(WEB).get(0).stats());
        assertEquals(4, fake.realServers(WEB).get(0).activeConnections());
    }

    @Test
    void closedRejectsCalls() {
        InMemoryIpvs other = new InMemoryIpvs();
        other.close();
        other.close();
        assertTrue(other.isClosed());
        assertThrows(IllegalStateException.class, () -> other.services());
    }

    @Test
    void concurrentAddsAreAllKept() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 1; i <= 200; i++) {
                int port = i;
                futures.add(pool.submit(() -> {
                    fake.addService(rr(ServiceKey.tcp("192.0.2.1", port)));
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(200, fake.services().size());
    }
}
