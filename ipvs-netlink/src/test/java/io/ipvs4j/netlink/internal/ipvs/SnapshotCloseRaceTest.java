package io.ipvs4j.netlink.internal.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.IpvsException;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * snapshot() racing close(): whichever wins, no listing socket stays open (before, a snapshot
 * that passed its service dump just before close() opened its extra sockets after close()
 * had closed the others).
 */
class SnapshotCloseRaceTest {
    private static final int RACES = 1000;

    @Test
    void noListingSocketOutlivesClose() throws Exception {
        int leaked = 0;
        int snapshotsDone = 0;
        for (int race = 0; race < RACES; race++) {
            FakeIpvsKernel kernel = new FakeIpvsKernel();
            kernel.messagesPerDumpDatagram = 64;
            for (int i = 1; i <= 64; i++) {
                VirtualService s = VirtualService.builder(ServiceKey.tcp("192.0.2." + i, 80)).scheduler(Scheduler.RR).build();
                kernel.services.put(s.key(), s);
            }
            IpvsNetlinkClient ipvs = IpvsNetlinkClient.open(kernel, 64 << 10);
            List<FakeIpvsKernel> opened = new ArrayList<>();
            ipvs.spreadListingsOver(() -> {
                FakeIpvsKernel k = new FakeIpvsKernel();
                k.services.putAll(kernel.services);
                synchronized (opened) {
                    opened.add(k);
                }
                return k;
            }, 3);
            CountDownLatch start = new CountDownLatch(1);
            boolean[] done = new boolean[1];
            Thread lister = new Thread(() -> {
                try {
                    start.await();
                    ipvs.snapshot();
                    done[0] = true;
                } catch (IpvsException | IllegalStateException | InterruptedException e) {
                    // closed under it: fine, as long as nothing leaks
                }
            });
            lister.start();
            start.countDown();
            if (race % 2 == 0) {
                Thread.onSpinWait();
            }
            ipvs.close();
            lister.join(10_000);
            assertTrue(!lister.isAlive(), "snapshot returned");
            if (done[0]) {
                snapshotsDone++;
            }
            synchronized (opened) {
                leaked += (int) opened.stream().filter(k -> !k.closed).count();
            }
        }
        assertEquals(0, leaked, "listing sockets left open after close() in " + RACES + " races ("
                + snapshotsDone + " snapshots completed)");
    }
}
