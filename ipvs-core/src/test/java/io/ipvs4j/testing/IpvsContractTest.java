package io.ipvs4j.testing;

import io.ipvs4j.AlreadyExistsException;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.KernelRejectedException;
import io.ipvs4j.ModuleNotFoundException;
import io.ipvs4j.NotFoundException;
import io.ipvs4j.Operation;
import io.ipvs4j.RealServerNotFoundException;
import io.ipvs4j.ServiceNotFoundException;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.Stats;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.model.SyncState;
import io.ipvs4j.model.Thresholds;
import io.ipvs4j.model.Timeouts;
import io.ipvs4j.model.VirtualService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link Ipvs} must do, written against the interface so that the netlink client
 * can run the same suite against a real kernel (in a private netns, with ip_vs loaded).
 * Subclasses supply a fresh, empty instance.
 */
abstract class IpvsContractTest {
    static final ServiceKey.Inet WEB = ServiceKey.tcp("192.0.2.100", 80);
    static final ServiceKey.Inet WEB6 = ServiceKey.tcp("2001:db8::100", 443);
    static final ServiceKey.FwMark MARK = ServiceKey.fwmark(7, AddressFamily.INET);
    static final Endpoint RS1 = Endpoint.of("198.51.100.3", 80);
    static final Endpoint RS2 = Endpoint.of("198.51.100.4", 80);

    Ipvs ipvs;

    abstract Ipvs create() throws IpvsException;

    @BeforeEach
    void open() throws IpvsException {
        ipvs = create();
        ipvs.flush();
    }

    @AfterEach
    void close() {
        ipvs.close();
    }

    static VirtualService rr(ServiceKey key) {
        return VirtualService.of(key, Scheduler.RR);
    }

    @Test
    void addGetListRemoveService() throws IpvsException {
        VirtualService web = VirtualService.builder(WEB).scheduler(Scheduler.WRR)
                .persistence(Persistence.of(Duration.ofSeconds(300), 24)).build();
        ipvs.addService(web);
        ipvs.addService(rr(WEB6));
        ipvs.addService(rr(MARK));

        assertEquals(web, ipvs.service(WEB).orElseThrow().service());
        assertEquals(Set.of(web, rr(WEB6), rr(MARK)),
                Set.copyOf(ipvs.services().stream().map(ServiceStatus::service).toList()));

        ipvs.removeService(WEB);
        assertEquals(Optional.empty(), ipvs.service(WEB));
        assertEquals(2, ipvs.services().size());
    }

    @Test
    void duplicateServiceIsAlreadyExists() throws IpvsException {
        ipvs.addService(rr(WEB));
        AlreadyExistsException e = assertThrows(AlreadyExistsException.class, () -> ipvs.addService(rr(WEB)));
        assertEquals(Operation.ADD_SERVICE, e.operation());
        assertEquals("TCP 192.0.2.100:80", e.subject());
        assertEquals("EEXIST", e.errnoName());
    }

    @Test
    void missingServiceIsServiceNotFound() {
        assertThrows(ServiceNotFoundException.class, () -> ipvs.updateService(rr(WEB)));
        assertThrows(ServiceNotFoundException.class, () -> ipvs.removeService(WEB));
        assertThrows(ServiceNotFoundException.class, () -> ipvs.zero(WEB));
        assertThrows(ServiceNotFoundException.class, () -> ipvs.realServers(WEB));
        assertThrows(ServiceNotFoundException.class, () -> ipvs.addRealServer(WEB, RealServer.of(RS1)));
        assertThrows(ServiceNotFoundException.class, () -> ipvs.updateRealServer(WEB, RealServer.of(RS1)));
        assertThrows(ServiceNotFoundException.class, () -> ipvs.removeRealServer(WEB, RS1));
        ServiceNotFoundException e = assertThrows(ServiceNotFoundException.class,
                () -> ipvs.updateServiceFlags(WEB, Set.of(), Set.of()));
        assertEquals("update service TCP 192.0.2.100:80 failed: service not found (ESRCH, errno 3)", e.getMessage());
    }

    @Test
    void updateServiceReplacesSettings() throws IpvsException {
        VirtualService before = VirtualService.builder(WEB).scheduler(Scheduler.RR)
                .persistence(Persistence.of(Duration.ofSeconds(60))).build();
        ipvs.addService(before);
        VirtualService after = before.toBuilder().scheduler(Scheduler.LC).persistence(null).build();
        ipvs.updateService(after);
        assertEquals(after, ipvs.service(WEB).orElseThrow().service());
    }

    @Test
    void missingSchedulerModule() {
        ModuleNotFoundException e = assertThrows(ModuleNotFoundException.class,
                () -> ipvs.addService(VirtualService.of(WEB, Scheduler.of("nosuchsched"))));
        assertEquals(List.of("ip_vs_nosuchsched"), e.moduleNames());
    }

    @Test
    void flagMaskChangesOnlyNamedFlags() throws IpvsException {
        VirtualService sh = VirtualService.builder(ServiceKey.udp("192.0.2.100", 53)).scheduler(Scheduler.SH)
                .flag(ServiceFlag.SH_FALLBACK).flag(ServiceFlag.ONE_PACKET)
                .persistence(Persistence.of(Duration.ofSeconds(30))).build();
        ipvs.addService(sh);
        ipvs.updateServiceFlags(sh.key(), Set.of(ServiceFlag.SH_PORT), Set.of(ServiceFlag.ONE_PACKET));
        VirtualService now = ipvs.service(sh.key()).orElseThrow().service();
        assertEquals(Set.of(ServiceFlag.PERSISTENT, ServiceFlag.SH_FALLBACK, ServiceFlag.SH_PORT), now.flags());
        assertEquals(sh.persistence(), now.persistence());
        assertEquals(Scheduler.SH, now.scheduler());

        assertThrows(IllegalArgumentException.class,
                () -> ipvs.updateServiceFlags(sh.key(), Set.of(ServiceFlag.SH_PORT), Set.of(ServiceFlag.SH_PORT)));
        assertThrows(IllegalArgumentException.class,
                () -> ipvs.updateServiceFlags(sh.key(), Set.of(ServiceFlag.PERSISTENT), Set.of()));
        assertThrows(IllegalArgumentException.class,
                () -> ipvs.updateServiceFlags(sh.key(), Set.of(ServiceFlag.HASHED), Set.of()));
        assertThrows(IllegalArgumentException.class,
                () -> ipvs.updateServiceFlags(sh.key(), Set.of(ServiceFlag.MH_PORT), Set.of()));
        assertEquals(now, ipvs.service(sh.key()).orElseThrow().service(), "failed updates change nothing");
    }

    @Test
    void realServerLifecycle() throws IpvsException {
        ipvs.addService(rr(WEB));
        RealServer a = RealServer.builder(RS1).weight(5).forwarding(ForwardingMethod.MASQUERADE)
                .thresholds(new Thresholds(100, 50)).build();
        ipvs.addRealServer(WEB, a);
        ipvs.addRealServer(WEB, RealServer.of(RS2));
        assertEquals(List.of(a, RealServer.of(RS2)),
                ipvs.realServers(WEB).stream().map(RealServerStatus::realServer).toList());

        ipvs.updateRealServer(WEB, a.withWeight(0));
        assertEquals(0, ipvs.realServers(WEB).get(0).realServer().weight());

        ipvs.removeRealServer(WEB, RS1);
        assertEquals(List.of(RS2), ipvs.realServers(WEB).stream().map(RealServerStatus::endpoint).toList());
    }

    @Test
    void realServerErrors() throws IpvsException {
        ipvs.addService(rr(WEB));
        ipvs.addRealServer(WEB, RealServer.of(RS1));
        AlreadyExistsException dup = assertThrows(AlreadyExistsException.class,
                () -> ipvs.addRealServer(WEB, RealServer.of(RS1).withWeight(3)));
        assertEquals("add real server 198.51.100.3:80 to TCP 192.0.2.100:80 failed: real server already exists"
                + " (EEXIST, errno 17)", dup.getMessage());
        RealServerNotFoundException upd = assertThrows(RealServerNotFoundException.class,
                () -> ipvs.updateRealServer(WEB, RealServer.of(RS2)));
        assertEquals("ENOENT", upd.errnoName());
        assertThrows(RealServerNotFoundException.class, () -> ipvs.removeRealServer(WEB, RS2));
        assertThrows(IllegalArgumentException.class,
                () -> ipvs.addRealServer(WEB, RealServer.of(Endpoint.of("2001:db8::3", 80))));
    }

    @Test
    void removingServiceRemovesItsRealServers() throws IpvsException {
        ipvs.addService(rr(WEB));
        ipvs.addRealServer(WEB, RealServer.of(RS1));
        ipvs.removeService(WEB);
        ipvs.addService(rr(WEB));
        assertEquals(List.of(), ipvs.realServers(WEB));
    }

    @Test
    void mixedFamilyAndSyncDaemonExcludeEachOther() throws IpvsException {
        ipvs.addService(rr(WEB));
        RealServer v6 = RealServer.builder(Endpoint.of("2001:db8::3", 80)).forwarding(ForwardingMethod.TUNNEL).build();
        ipvs.addRealServer(WEB, v6);
        SyncDaemon master = SyncDaemon.builder(SyncState.MASTER, "lo", 1).build();
        assertThrows(KernelRejectedException.class, () -> ipvs.startSyncDaemon(master));
        ipvs.removeRealServer(WEB, v6.endpoint());
        ipvs.startSyncDaemon(master);
        KernelRejectedException e = assertThrows(KernelRejectedException.class, () -> ipvs.addRealServer(WEB, v6));
        assertEquals("EINVAL", e.errnoName());
        ipvs.stopSyncDaemon(SyncState.MASTER);
    }

    @Test
    void syncDaemons() throws IpvsException {
        assertEquals(List.of(), ipvs.syncDaemons());
        SyncDaemon master = SyncDaemon.builder(SyncState.MASTER, "lo", 1).build();
        SyncDaemon backup = SyncDaemon.builder(SyncState.BACKUP, "lo", 1).build();
        ipvs.startSyncDaemon(master);
        ipvs.startSyncDaemon(backup);
        assertEquals(2, ipvs.syncDaemons().size());
        assertThrows(AlreadyExistsException.class, () -> ipvs.startSyncDaemon(master));
        ipvs.stopSyncDaemon(SyncState.MASTER);
        assertEquals(List.of(SyncState.BACKUP), ipvs.syncDaemons().stream().map(SyncDaemon::state).toList());
        NotFoundException e = assertThrows(NotFoundException.class, () -> ipvs.stopSyncDaemon(SyncState.MASTER));
        assertTrue(e.getMessage().contains("no sync daemon running"), e.getMessage());
        ipvs.stopSyncDaemon(SyncState.BACKUP);
    }

    @Test
    void timeoutsZeroMeansUnchanged() throws IpvsException {
        Timeouts before = ipvs.timeouts();
        ipvs.setTimeouts(Timeouts.ofSeconds(0, 0, 77));
        Timeouts after = ipvs.timeouts();
        assertEquals(before.tcp(), after.tcp());
        assertEquals(before.tcpFin(), after.tcpFin());
        assertEquals(Duration.ofSeconds(77), after.udp());
        ipvs.setTimeouts(before);
        assertEquals(before, ipvs.timeouts());
    }

    @Test
    void info() throws IpvsException {
        assertEquals("1.2.1", ipvs.info().version());
        assertTrue(ipvs.info().connectionTableSize() > 0);
    }

    @Test
    void flushRemovesAllServices() throws IpvsException {
        ipvs.addService(rr(WEB));
        ipvs.addService(rr(MARK));
        ipvs.flush();
        assertEquals(List.of(), ipvs.services());
    }

    @Test
    void zeroOnExistingServicesSucceeds() throws IpvsException {
        ipvs.addService(rr(WEB));
        ipvs.zero();
        ipvs.zero(WEB);
        assertEquals(Stats.ZERO, ipvs.service(WEB).orElseThrow().stats());
    }
}
