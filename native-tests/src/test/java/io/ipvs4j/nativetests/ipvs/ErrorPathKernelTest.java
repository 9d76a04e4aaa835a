package io.ipvs4j.nativetests.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.AlreadyExistsException;
import io.ipvs4j.Errno;
import io.ipvs4j.IpvsException;
import io.ipvs4j.KernelRejectedException;
import io.ipvs4j.ModuleNotFoundException;
import io.ipvs4j.NotFoundException;
import io.ipvs4j.Operation;
import io.ipvs4j.RealServerNotFoundException;
import io.ipvs4j.ServiceNotFoundException;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.model.SyncState;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.KernelTest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every typed error a real kernel produces, each checked for its class, errno, operation and
 * subject, and for a message that starts "VERB SUBJECT failed:". Also checks that ipvsadm sees
 * the same failure, so the expectation is the kernel's, not the library's.
 */
@KernelTest
class ErrorPathKernelTest extends NamespaceFixture {
    private static final ServiceKey.Inet WEB = ServiceKey.tcp("192.0.2.100", 80);
    private static final ServiceKey.Inet MISSING = ServiceKey.tcp("192.0.2.200", 80);
    private static final Endpoint RS = Endpoint.of("198.51.100.3", 80);

    private static <T extends IpvsException> T expect(Class<T> type, Operation op, String subject, int errno,
                                                      Executable call) {
        T e = assertThrows(type, call);
        assertEquals(type, e.getClass(), "exact exception class: " + e);
        assertEquals(op, e.operation(), e.getMessage());
        assertEquals(subject, e.subject(), e.getMessage());
        assertEquals(errno, e.errno(), e.getMessage());
        assertTrue(e.getMessage().startsWith(op.verb() + " " + subject + " failed: "), e.getMessage());
        return e;
    }

    @Test
    void alreadyExists() throws Exception {
        topology.link(director, "192.0.2.1/24");
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        AlreadyExistsException e = expect(AlreadyExistsException.class, Operation.ADD_SERVICE, "TCP 192.0.2.100:80",
                Errno.EEXIST, () -> ipvs.addService(VirtualService.of(WEB, Scheduler.WLC)));
        assertTrue(e.getMessage().contains("service already exists"), e.getMessage());

        ipvs.addRealServer(WEB, RealServer.of(RS));
        e = expect(AlreadyExistsException.class, Operation.ADD_REAL_SERVER, "198.51.100.3:80 to TCP 192.0.2.100:80",
                Errno.EEXIST, () -> ipvs.addRealServer(WEB, RealServer.of(RS).withWeight(4)));
        assertTrue(e.getMessage().contains("real server already exists"), e.getMessage());

        SyncDaemon master = SyncDaemon.builder(SyncState.MASTER, "eth0", 1).build();
        ipvs.startSyncDaemon(master);
        e = expect(AlreadyExistsException.class, Operation.START_SYNC_DAEMON, "MASTER eth0 syncid 1", Errno.EEXIST,
                () -> ipvs.startSyncDaemon(master));
        assertTrue(e.getMessage().contains("sync daemon already running"), e.getMessage());
        // the first of each still stands
        assertEquals(1, ipvs.syncDaemons().size());
        assertEquals("-A -t 192.0.2.100:80 -s rr\n-a -t 192.0.2.100:80 -r 198.51.100.3:80 -g -w 1\n", ipvsadm.save());
    }

    @Test
    void serviceNotFound() throws Exception {
        assertTrue(ipvsadm.run("-E", "-t", "192.0.2.200:80", "-s", "rr").stderr().contains("No such service"));
        String s = "TCP 192.0.2.200:80";
        expect(ServiceNotFoundException.class, Operation.UPDATE_SERVICE, s, Errno.ESRCH,
                () -> ipvs.updateService(VirtualService.of(MISSING, Scheduler.RR)));
        expect(ServiceNotFoundException.class, Operation.UPDATE_SERVICE, s, Errno.ESRCH,
                () -> ipvs.updateServiceFlags(MISSING, Set.of(ServiceFlag.SH_PORT), Set.of()));
        expect(ServiceNotFoundException.class, Operation.REMOVE_SERVICE, s, Errno.ESRCH, () -> ipvs.removeService(MISSING));
        expect(ServiceNotFoundException.class, Operation.ZERO, s, Errno.ESRCH, () -> ipvs.zero(MISSING));
        expect(ServiceNotFoundException.class, Operation.ADD_REAL_SERVER, "198.51.100.3:80 to " + s, Errno.ESRCH,
                () -> ipvs.addRealServer(MISSING, RealServer.of(RS)));
        // the kernel's GET_DEST dump answers "no entries" for a missing service; the client must tell
        expect(ServiceNotFoundException.class, Operation.LIST_REAL_SERVERS, s, Errno.ESRCH, () -> ipvs.realServers(MISSING));
        // a missing service is no error for service(key): empty
        assertTrue(ipvs.service(MISSING).isEmpty());
        // and an existing one without real servers lists none
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        assertEquals(List.of(), ipvs.realServers(WEB));
    }

    @Test
    void realServerNotFound() throws Exception {
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        assertTrue(ipvsadm.run("-d", "-t", "192.0.2.100:80", "-r", "198.51.100.3:80").stderr().contains("No such destination"));
        expect(RealServerNotFoundException.class, Operation.UPDATE_REAL_SERVER, "198.51.100.3:80 in TCP 192.0.2.100:80",
                Errno.ENOENT, () -> ipvs.updateRealServer(WEB, RealServer.of(RS)));
        expect(RealServerNotFoundException.class, Operation.REMOVE_REAL_SERVER, "198.51.100.3:80 from TCP 192.0.2.100:80",
                Errno.ENOENT, () -> ipvs.removeRealServer(WEB, RS));
        // same address, other port: still another real server
        ipvs.addRealServer(WEB, RealServer.of(Endpoint.of("198.51.100.3", 81)));
        expect(RealServerNotFoundException.class, Operation.REMOVE_REAL_SERVER, "198.51.100.3:80 from TCP 192.0.2.100:80",
                Errno.ENOENT, () -> ipvs.removeRealServer(WEB, RS));
    }

    @Test
    void syncDaemonNotRunning() throws Exception {
        assertTrue(ipvsadm.run("--stop-daemon", "backup").stderr().contains("No daemon is running"));
        expect(NotFoundException.class, Operation.STOP_SYNC_DAEMON, "BACKUP sync daemon", Errno.ESRCH,
                () -> ipvs.stopSyncDaemon(SyncState.BACKUP));
    }

    @Test
    void moduleNotFound() throws Exception {
        ModuleNotFoundException e = expect(ModuleNotFoundException.class, Operation.ADD_SERVICE, "TCP 192.0.2.100:80",
                Errno.ENOENT, () -> ipvs.addService(VirtualService.of(WEB, Scheduler.of("nosuchsched"))));
        assertEquals(List.of("ip_vs_nosuchsched"), e.moduleNames());
        assertTrue(e.getMessage().contains("modprobe ip_vs_nosuchsched"), e.getMessage());

        VirtualService badPe = VirtualService.builder(WEB).scheduler(Scheduler.RR)
                .persistence(Persistence.of(Duration.ofSeconds(60))).persistenceEngine("nosuchpe").build();
        e = expect(ModuleNotFoundException.class, Operation.ADD_SERVICE, "TCP 192.0.2.100:80", Errno.ENOENT,
                () -> ipvs.addService(badPe));
        assertEquals(List.of("ip_vs_rr", "ip_vs_pe_nosuchpe"), e.moduleNames());
        assertTrue(ipvsadm.table().isEmpty(), ipvsadm.save());

        // updating an existing service to a missing scheduler: same mapping, service unchanged
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        e = expect(ModuleNotFoundException.class, Operation.UPDATE_SERVICE, "TCP 192.0.2.100:80", Errno.ENOENT,
                () -> ipvs.updateService(VirtualService.of(WEB, Scheduler.of("nosuchsched"))));
        assertEquals(List.of("ip_vs_nosuchsched"), e.moduleNames());
        assertEquals(VirtualService.of(WEB, Scheduler.RR), ipvs.service(WEB).orElseThrow().service());
    }

    @Test
    void kernelRejected() throws Exception {
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        // the model takes any address; the kernel refuses non-unicast real servers
        for (String address : List.of("224.0.0.5", "255.255.255.255")) {
            assertTrue(ipvsadm.run("-a", "-t", "192.0.2.100:80", "-r", address + ":80", "-m").stderr()
                    .contains("Invalid operation"), "ipvsadm accepted " + address);
            KernelRejectedException e = expect(KernelRejectedException.class, Operation.ADD_REAL_SERVER,
                    address + ":80 to TCP 192.0.2.100:80", Errno.EINVAL,
                    () -> ipvs.addRealServer(WEB, RealServer.builder(Endpoint.of(address, 80))
                            .forwarding(ForwardingMethod.MASQUERADE).build()));
            assertTrue(e.getMessage().contains("address not unicast"), e.getMessage());
        }
        // a sync daemon cannot start while mixed-family real servers exist (EINVAL)
        topology.link(director, "192.0.2.2/24");
        ipvs.addRealServer(WEB, RealServer.builder(Endpoint.of("2001:db8:1::5", 80)).forwarding(ForwardingMethod.TUNNEL).build());
        KernelRejectedException e = expect(KernelRejectedException.class, Operation.START_SYNC_DAEMON,
                "MASTER eth0 syncid 1", Errno.EINVAL,
                () -> ipvs.startSyncDaemon(SyncDaemon.builder(SyncState.MASTER, "eth0", 1).build()));
        assertTrue(e.getMessage().contains("mixed-address-family real servers exist"), e.getMessage());
        assertEquals(List.of(), ipvs.syncDaemons());
        // and conversely: no mixed-family real server while a daemon runs
        ipvs.removeRealServer(WEB, Endpoint.of("2001:db8:1::5", 80));
        ipvs.startSyncDaemon(SyncDaemon.builder(SyncState.MASTER, "eth0", 1).build());
        expect(KernelRejectedException.class, Operation.ADD_REAL_SERVER, "[2001:db8:1::6]:80 to TCP 192.0.2.100:80",
                Errno.EINVAL, () -> ipvs.addRealServer(WEB, RealServer.builder(Endpoint.of("2001:db8:1::6", 80))
                        .forwarding(ForwardingMethod.TUNNEL).build()));
        // a daemon on an interface that does not exist
        ipvs.stopSyncDaemon(SyncState.MASTER);
        NotFoundException nodev = expect(NotFoundException.class, Operation.START_SYNC_DAEMON, "BACKUP nosuch0 syncid 1",
                Errno.ENODEV, () -> ipvs.startSyncDaemon(SyncDaemon.builder(SyncState.BACKUP, "nosuch0", 1).build()));
        assertTrue(nodev.getMessage().contains("no such interface"), nodev.getMessage());
    }
}
