package io.ipvs4j.testing;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.BatchResult;
import io.ipvs4j.Change;
import io.ipvs4j.IpvsException;
import io.ipvs4j.NetlinkIoException;
import io.ipvs4j.Operation;
import io.ipvs4j.Reconciler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Reconciler forgets what it last applied after any failure, including an exception thrown
 * from {@code apply} after the kernel took part of the batch: the next incremental apply reads
 * the kernel instead of trusting a cache that no longer matches it.
 */
class ReconcilerFailureCacheTest {
    private static final ServiceKey WEB = ServiceKey.tcp("192.0.2.100", 80);
    private static final ServiceKey API = ServiceKey.tcp("192.0.2.101", 443);
    private static final RealServer A = RealServer.builder(Endpoint.of("198.51.100.3", 80)).weight(1).build();

    /** Applies the first change of the next batch, then fails as a broken socket would. */
    private static final class FailingMidBatch extends InMemoryIpvs {
        boolean failNext;

        @Override
        public BatchResult apply(Batch batch, BatchOptions options) throws IpvsException {
            if (failNext) {
                failNext = false;
                super.apply(Batch.of(List.of(batch.changes().get(0))), options);
                throw new NetlinkIoException(Operation.APPLY_BATCH, batch.size() + " changes", "recvmsg", 5);
            }
            return super.apply(batch, options);
        }
    }

    private static Reconciler.DesiredService service(ServiceKey key, RealServer... servers) {
        return new Reconciler.DesiredService(VirtualService.builder(key).scheduler(Scheduler.RR).build(), List.of(servers));
    }

    @Test
    void anExceptionFromApplyDropsTheCachedState() throws Exception {
        try (FailingMidBatch ipvs = new FailingMidBatch()) {
            Reconciler r = new Reconciler(ipvs, Reconciler.Options.DEFAULT);
            List<Reconciler.DesiredService> before = List.of(service(WEB, A));
            assertTrue(r.apply(before).isSuccess());
            ipvs.failNext = true;
            assertThrows(NetlinkIoException.class,
                    () -> r.applyIncremental(List.of(service(WEB, A), service(API, A))));
            // The kernel now has API (added before the failure). Going back to the old desired
            // state must remove it: before the fix the stale cache said "nothing to do".
            Reconciler.Result back = r.applyIncremental(before);
            assertTrue(back.isSuccess());
            assertEquals(List.of(new Change.RemoveService(API)), back.changes());
            assertEquals(List.of(WEB), ipvs.services().stream().map(s -> s.service().key()).toList());
        }
    }
}
