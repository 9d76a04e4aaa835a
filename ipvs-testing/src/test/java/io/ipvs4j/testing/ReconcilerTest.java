package io.ipvs4j.testing;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.BatchResult;
import io.ipvs4j.Change;
import io.ipvs4j.Errno;
import io.ipvs4j.KernelRejectedException;
import io.ipvs4j.Operation;
import io.ipvs4j.Reconciler;
import io.ipvs4j.ServiceNotFoundException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
    private static final ServiceKey WEB = ServiceKey.tcp("192.0.2.100", 80);
    private static final ServiceKey DNS = ServiceKey.udp("192.0.2.100", 53);
    private static final RealServer A = RealServer.builder(Endpoint.of("198.51.100.3", 80)).weight(1).build();
    private static final RealServer B = RealServer.builder(Endpoint.of("198.51.100.4", 80)).weight(1).build();

    private static Reconciler.DesiredService web(RealServer... servers) {
        return new Reconciler.DesiredService(VirtualService.builder(WEB).scheduler(Scheduler.RR).build(), List.of(servers));
    }

    @Test
    void firstApplyAddsEverythingAndSecondApplyConverges() throws Exception {
        try (InMemoryIpvs ipvs = new InMemoryIpvs()) {
            Reconciler r = new Reconciler(ipvs, Reconciler.Options.DEFAULT);
            Reconciler.Result first = r.apply(List.of(web(A, B)));
            assertEquals(3, first.changes().size());
            assertTrue(first.isSuccess());
            assertEquals(2, ipvs.realServers(WEB).size());
            Reconciler.Result second = r.apply(List.of(web(A, B)));
            assertTrue(second.changes().isEmpty(), "converged: " + second.changes());
        }
    }

    @Test
    void updatesOnlyWhatDiffers() throws Exception {
        try (InMemoryIpvs ipvs = new InMemoryIpvs()) {
            Reconciler r = new Reconciler(ipvs, Reconciler.Options.DEFAULT);
            r.apply(List.of(web(A, B)));
            Reconciler.Result result = r.apply(List.of(web(A, B.withWeight(7))));
            assertEquals(List.of(new Change.UpdateRealServer(WEB, B.withWeight(7))), result.changes());
            Reconciler.DesiredService wrr = new Reconciler.DesiredService(
                    VirtualService.builder(WEB).scheduler(Scheduler.WRR).build(), List.of(A, B.withWeight(7)));
            assertEquals(List.of(new Change.UpdateService(wrr.service())), r.apply(List.of(wrr)).changes());
        }
    }

    @Test
    void removesWhatIsNotWantedUnlessNotOwned() throws Exception {
        try (InMemoryIpvs ipvs = new InMemoryIpvs()) {
            ipvs.addService(VirtualService.builder(DNS).scheduler(Scheduler.RR).build());
            Reconciler notOwning = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withOwned(k -> !k.equals(DNS)));
            notOwning.apply(List.of(web(A, B)));
            assertTrue(ipvs.service(DNS).isPresent(), "a service the reconciler does not own stays");
            Reconciler.Result r = new Reconciler(ipvs, Reconciler.Options.DEFAULT).apply(List.of(web(A)));
            assertEquals(List.of(new Change.RemoveService(DNS), new Change.RemoveRealServer(WEB, B.endpoint())), r.changes());
            assertEquals(List.of(WEB), ipvs.services().stream().map(s -> s.service().key()).toList());
        }
    }

    @Test
    void drainSetsWeightZeroInsteadOfRemovingThenRemovesWhenIdle() throws Exception {
        try (InMemoryIpvs ipvs = new InMemoryIpvs()) {
            Reconciler r = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withDrain(true));
            r.apply(List.of(web(A, B)));
            Reconciler.Result drained = r.apply(List.of(web(A)));
            assertEquals(List.of(new Change.UpdateRealServer(WEB, B.withWeight(0))), drained.changes());
            RealServerStatus b = ipvs.realServers(WEB).stream()
                    .filter(s -> s.realServer().endpoint().equals(B.endpoint())).findFirst().orElseThrow();
            assertEquals(0, b.realServer().weight());
            assertTrue(r.apply(List.of(web(A))).changes().isEmpty(), "a drained server is left alone");
            Reconciler idleRemover = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withDrain(true).withRemoveDrainedWhenIdle(true));
            assertEquals(List.of(new Change.RemoveRealServer(WEB, B.endpoint())), idleRemover.apply(List.of(web(A))).changes());
        }
    }

    @Test
    void incrementalAppliesWithoutReadingAndResyncsPeriodically() throws Exception {
        try (InMemoryIpvs ipvs = new InMemoryIpvs()) {
            Reconciler r = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withFullResyncEvery(3));
            assertTrue(r.applyIncremental(List.of(web(A))).fullSync(), "the first apply reads the kernel");
            Reconciler.Result inc = r.applyIncremental(List.of(web(A, B)));
            assertFalse(inc.fullSync());
            assertEquals(List.of(new Change.AddRealServer(WEB, B)), inc.changes());
            // Someone else removes B behind the reconciler's back: incremental mode cannot see it...
            ipvs.removeRealServer(WEB, B.endpoint());
            assertTrue(r.applyIncremental(List.of(web(A, B))).changes().isEmpty());
            // ...until the periodic full resync repairs it.
            Reconciler.Result resync = r.applyIncremental(List.of(web(A, B)));
            assertTrue(resync.fullSync());
            assertEquals(List.of(new Change.AddRealServer(WEB, B)), resync.changes());
        }
    }

    @Test
    void deltaTouchesOnlyTheNamedServices() throws Exception {
        try (InMemoryIpvs ipvs = new InMemoryIpvs()) {
            Reconciler r = new Reconciler(ipvs, Reconciler.Options.DEFAULT);
            Reconciler.DesiredService dns = new Reconciler.DesiredService(
                    VirtualService.builder(DNS).scheduler(Scheduler.RR).build(), List.of());
            r.apply(List.of(web(A), dns));
            Reconciler.Result delta = r.applyIncremental(List.of(web(A, B)), List.of());
            assertFalse(delta.fullSync());
            assertEquals(List.of(new Change.AddRealServer(WEB, B)), delta.changes());
            assertTrue(ipvs.service(DNS).isPresent(), "a service not named in the delta is left alone");
            Reconciler.Result removal = r.applyIncremental(List.of(), List.of(DNS));
            assertEquals(List.of(new Change.RemoveService(DNS)), removal.changes());
            assertThrows(IllegalArgumentException.class, () -> r.applyIncremental(List.of(web(A)), List.of(WEB)));
        }
    }

    @Test
    void aFailedChangeForcesTheNextIncrementalApplyToReadTheKernel() throws Exception {
        try (InMemoryIpvs ipvs = new InMemoryIpvs()) {
            Reconciler r = new Reconciler(ipvs, Reconciler.Options.DEFAULT);
            r.apply(List.of(web(A)));
            ipvs.failNext(Operation.ADD_REAL_SERVER, Errno.EINVAL);
            Reconciler.Result failed = r.applyIncremental(List.of(web(A, B)));
            assertFalse(failed.isSuccess());
            assertInstanceOf(KernelRejectedException.class, failed.batch().failures().get(0).error().orElseThrow());
            assertTrue(r.applyIncremental(List.of(web(A, B))).fullSync());
        }
    }

    @Test
    void rejectsDuplicatesInTheDesiredState() {
        assertThrows(IllegalArgumentException.class, () -> web(A, A));
        try (InMemoryIpvs ipvs = new InMemoryIpvs()) {
            Reconciler r = new Reconciler(ipvs, Reconciler.Options.DEFAULT);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.apply(List.of(web(A), web(B))));
            assertTrue(e.getMessage().contains("twice"), e.getMessage());
        }
    }

    @Test
    void batchDefaultHonoursStopPolicy() throws Exception {
        try (InMemoryIpvs ipvs = new InMemoryIpvs()) {
            Batch batch = Batch.builder()
                    .addService(VirtualService.builder(WEB).scheduler(Scheduler.RR).build())
                    .addRealServer(DNS, RealServer.builder(Endpoint.of("198.51.100.5", 53)).build())
                    .addRealServer(WEB, A)
                    .build();
            BatchResult cont = ipvs.apply(batch);
            assertEquals(List.of(BatchResult.Status.APPLIED, BatchResult.Status.FAILED, BatchResult.Status.APPLIED),
                    cont.outcomes().stream().map(BatchResult.Outcome::status).toList());
            assertInstanceOf(ServiceNotFoundException.class, cont.outcome(1).error().orElseThrow());
            ipvs.flush();
            BatchResult stop = ipvs.apply(batch, BatchOptions.builder().errorPolicy(BatchOptions.ErrorPolicy.STOP).build());
            assertEquals(List.of(BatchResult.Status.APPLIED, BatchResult.Status.FAILED, BatchResult.Status.NOT_ATTEMPTED),
                    stop.outcomes().stream().map(BatchResult.Outcome::status).toList());
            assertThrows(ServiceNotFoundException.class, stop::throwIfFailed);
        }
    }
}
