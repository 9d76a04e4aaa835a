package io.ipvs4j.netlink.internal.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.AlreadyExistsException;
import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.BatchResult;
import io.ipvs4j.Change;
import io.ipvs4j.IpvsException;
import io.ipvs4j.NetlinkIoException;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A batch accounts for every change even when the transport fails in the middle: earlier sends
 * keep their outcomes, the failed send is decided against the table, the rest is NOT_ATTEMPTED;
 * and a lost error reply is never reported APPLIED, whatever the ACK mode.
 */
class BatchTransportFailureTest {
    private static VirtualService service(int i, Scheduler scheduler) {
        return VirtualService.builder(ServiceKey.tcp("192.0.2." + i, 80)).scheduler(scheduler).build();
    }

    private static Batch adds(int n) {
        List<Change> changes = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            changes.add(new Change.AddService(service(i, Scheduler.RR)));
        }
        return Batch.of(changes);
    }

    private static final BatchOptions TWO_PER_SEND = BatchOptions.builder().maxMessagesPerSend(2).build();

    private static List<BatchResult.Status> statuses(BatchResult r) {
        return r.outcomes().stream().map(BatchResult.Outcome::status).toList();
    }

    @Test
    void aReceiveErrorInTheSecondSendKeepsTheFirstAndDecidesTheSecondByReadingBack() throws Exception {
        FakeIpvsKernel kernel = new FakeIpvsKernel();
        try (IpvsNetlinkClient ipvs = IpvsNetlinkClient.open(kernel, 64 << 10)) {
            int sendsBefore = kernel.sends;
            kernel.failReceiveAfterSend = sendsBefore + 2;
            BatchResult r = ipvs.apply(adds(6), TWO_PER_SEND);   // threw NetlinkIoException before
            assertEquals(List.of(BatchResult.Status.APPLIED, BatchResult.Status.APPLIED,
                    BatchResult.Status.APPLIED, BatchResult.Status.APPLIED,
                    BatchResult.Status.NOT_ATTEMPTED, BatchResult.Status.NOT_ATTEMPTED), statuses(r));
            assertEquals(2, r.repliesLost(), "the second send was read back");
            assertInstanceOf(NetlinkIoException.class, r.transportFailure().orElseThrow());
            assertFalse(r.isSuccess());
            assertThrows(NetlinkIoException.class, r::throwIfFailed);
            assertEquals(4, kernel.services.size(), "exactly the APPLIED changes are in the table");
        }
    }

    @Test
    void aSendErrorMarksTheUnsentChangesByTheTableAndTheRestNotAttempted() throws Exception {
        FakeIpvsKernel kernel = new FakeIpvsKernel();
        try (IpvsNetlinkClient ipvs = IpvsNetlinkClient.open(kernel, 64 << 10)) {
            kernel.failSend = kernel.sends + 2;
            BatchResult r = ipvs.apply(adds(6), TWO_PER_SEND);
            assertEquals(List.of(BatchResult.Status.APPLIED, BatchResult.Status.APPLIED,
                    BatchResult.Status.FAILED, BatchResult.Status.FAILED,
                    BatchResult.Status.NOT_ATTEMPTED, BatchResult.Status.NOT_ATTEMPTED), statuses(r));
            assertTrue(r.outcome(2).error().orElseThrow().getMessage().contains("not visible"),
                    r.outcome(2).error().orElseThrow().getMessage());
            assertEquals(2, kernel.services.size());
        }
    }

    @Test
    void whenTheReadBackFailsTooTheUnansweredChangesAreFailedNeverApplied() throws Exception {
        FakeIpvsKernel kernel = new FakeIpvsKernel();
        try (IpvsNetlinkClient ipvs = IpvsNetlinkClient.open(kernel, 64 << 10)) {
            kernel.failReceiveAfterSend = kernel.sends + 2;
            kernel.failReadBack = n -> true;
            BatchResult r = ipvs.apply(adds(6), TWO_PER_SEND);
            assertEquals(List.of(BatchResult.Status.APPLIED, BatchResult.Status.APPLIED,
                    BatchResult.Status.FAILED, BatchResult.Status.FAILED,
                    BatchResult.Status.NOT_ATTEMPTED, BatchResult.Status.NOT_ATTEMPTED), statuses(r));
            assertTrue(r.outcome(3).error().orElseThrow().getMessage().contains("could not be read back"),
                    r.outcome(3).error().orElseThrow().getMessage());
            assertTrue(r.transportFailure().isPresent());
        }
    }

    @Test
    void lastOfEachSendWithADroppedErrorReplyReportsTheChangeFailedNotApplied() throws Exception {
        for (BatchOptions.AckMode mode : BatchOptions.AckMode.values()) {
            FakeIpvsKernel kernel = new FakeIpvsKernel();
            VirtualService existing = service(2, Scheduler.WLC);
            kernel.services.put(existing.key(), existing);
            try (IpvsNetlinkClient ipvs = IpvsNetlinkClient.open(kernel, 64 << 10)) {
                kernel.dropReplyOfMessage = 1;   // the EEXIST of the second add is lost (ENOBUFS)
                BatchResult r = ipvs.apply(adds(3), BatchOptions.builder().ackMode(mode).build());
                assertEquals(List.of(BatchResult.Status.APPLIED, BatchResult.Status.FAILED, BatchResult.Status.APPLIED),
                        statuses(r), mode + ": was APPLIED in LAST_OF_EACH_SEND before");
                // EVERY: only the dropped reply is unanswered; LAST_OF_EACH_SEND: the first add
                // (no ACK asked) is unanswered too once a reply was lost, and is verified as well.
                assertEquals(mode == BatchOptions.AckMode.EVERY ? 1 : 2, r.repliesLost(), mode.toString());
                assertTrue(r.transportFailure().isEmpty());
                assertEquals(Scheduler.WLC, kernel.services.get(existing.key()).scheduler());
            }
        }
    }

    @Test
    void anErrorThatArrivesIsStillReportedWithItsTypeInLastOfEachSend() throws Exception {
        FakeIpvsKernel kernel = new FakeIpvsKernel();
        VirtualService existing = service(2, Scheduler.WLC);
        kernel.services.put(existing.key(), existing);
        try (IpvsNetlinkClient ipvs = IpvsNetlinkClient.open(kernel, 64 << 10)) {
            BatchResult r = ipvs.apply(adds(3),
                    BatchOptions.builder().ackMode(BatchOptions.AckMode.LAST_OF_EACH_SEND).build());
            assertEquals(List.of(BatchResult.Status.APPLIED, BatchResult.Status.FAILED, BatchResult.Status.APPLIED),
                    statuses(r));
            IpvsException e = r.outcome(1).error().orElseThrow();
            assertInstanceOf(AlreadyExistsException.class, e);
            assertEquals(0, r.repliesLost());
        }
    }
}
