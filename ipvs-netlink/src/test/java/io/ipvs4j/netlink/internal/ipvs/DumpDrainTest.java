package io.ipvs4j.netlink.internal.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.NetlinkIoException;
import io.ipvs4j.NetlinkProtocolException;
import io.ipvs4j.Operation;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.netlink.internal.nl.NetlinkConnection;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A dump abandoned in the middle must not leave the kernel dumping on the socket (the next dump
 * would fail with EBUSY): decode errors and interruptions are read to NLMSG_DONE before they
 * are reported, interrupted dumps are retried a bounded number of times, and a dump left
 * because nothing arrived in time is drained before the next request.
 */
class DumpDrainTest {
    private FakeIpvsKernel kernel;
    private IpvsNetlinkClient ipvs;

    @BeforeEach
    void open() throws Exception {
        kernel = new FakeIpvsKernel();
        for (int i = 1; i <= 12; i++) {
            VirtualService s = VirtualService.builder(ServiceKey.tcp("192.0.2." + i, 80)).scheduler(Scheduler.RR).build();
            kernel.services.put(s.key(), s);
        }
        ipvs = IpvsNetlinkClient.open(kernel, 64 << 10);
    }

    @Test
    void aDecodeErrorInTheMiddleIsReportedAfterTheDumpEndedAndTheNextDumpWorks() throws Exception {
        kernel.malformedEntryInNextDump = true;
        NetlinkProtocolException e = assertThrows(NetlinkProtocolException.class, () -> ipvs.services());
        assertEquals(Operation.LIST_SERVICES, e.operation());
        assertTrue(e.getMessage().contains("AF"), e.getMessage());
        assertFalse(kernel.dumpRunning(), "the dump was read to NLMSG_DONE before the error was reported");
        List<ServiceStatus> again = ipvs.services();   // was EBUSY before
        assertEquals(12, again.size());
    }

    @Test
    void anInterruptedDumpIsStartedAgainAndListsEverythingOnce() throws Exception {
        kernel.interruptNextDumps = 2;
        List<ServiceStatus> services = ipvs.services();
        assertEquals(12, services.size(), "the interrupted attempts' entries are discarded");
        assertEquals(3, kernel.dumpRequests);
        assertFalse(kernel.dumpRunning());
    }

    @Test
    void aDumpInterruptedOnEveryAttemptIsATypedErrorAndLeavesNoDumpRunning() throws Exception {
        kernel.interruptNextDumps = 100;
        NetlinkProtocolException e = assertThrows(NetlinkProtocolException.class, () -> ipvs.services());
        assertEquals(Operation.LIST_SERVICES, e.operation());
        assertTrue(e.getMessage().contains("interrupted after " + NetlinkConnection.MAX_DUMP_ATTEMPTS + " attempts"),
                e.getMessage());
        assertEquals(NetlinkConnection.MAX_DUMP_ATTEMPTS, kernel.dumpRequests);
        assertFalse(kernel.dumpRunning());
        kernel.interruptNextDumps = 0;
        assertEquals(12, ipvs.services().size());
    }

    @Test
    void aDumpLeftAfterATimeoutIsDrainedBeforeTheNextRequest() throws Exception {
        kernel.stallInNextDump = true;
        NetlinkIoException e = assertThrows(NetlinkIoException.class, () -> ipvs.services());
        assertTrue(e.getMessage().contains("timeout"), e.getMessage());
        assertTrue(kernel.dumpRunning(), "the kernel is still dumping");
        assertEquals(12, ipvs.services().size());   // was EBUSY before
        assertEquals(12, ipvs.snapshot().size());
    }
}
