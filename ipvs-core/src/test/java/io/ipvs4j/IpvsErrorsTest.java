package io.ipvs4j;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpvsErrorsTest {
    static final ServiceKey KEY = ServiceKey.tcp("192.0.2.100", 80);
    static final Endpoint EP = Endpoint.of("198.51.100.3", 80);

    @Test
    void messageFormat() {
        IpvsException e = IpvsErrors.fromErrno(Operation.ADD_REAL_SERVER,
                IpvsErrors.subject(Operation.ADD_REAL_SERVER, KEY, EP), -Errno.ESRCH, null);
        assertInstanceOf(ServiceNotFoundException.class, e);
        assertEquals("add real server 198.51.100.3:80 to TCP 192.0.2.100:80 failed: service not found (ESRCH, errno 3)",
                e.getMessage());
        assertSame(Operation.ADD_REAL_SERVER, e.operation());
        assertEquals("198.51.100.3:80 to TCP 192.0.2.100:80", e.subject());
        assertEquals(3, e.errno());
        assertEquals("ESRCH", e.errnoName());
        assertTrue(e.kernelMessage().isEmpty());
    }

    @Test
    void kernelMessageIsAppended() {
        IpvsException e = IpvsErrors.fromErrno(Operation.ADD_SERVICE, "TCP 192.0.2.100:80", Errno.EINVAL,
                "Attribute failed policy validation");
        assertInstanceOf(KernelRejectedException.class, e);
        assertEquals("Attribute failed policy validation", e.kernelMessage().orElseThrow());
        assertTrue(e.getMessage().endsWith("(EINVAL, errno 22); kernel says: Attribute failed policy validation"),
                e.getMessage());
    }

    @Test
    void enoentDependsOnOperation() {
        assertInstanceOf(ModuleNotFoundException.class, IpvsErrors.fromErrno(Operation.ADD_SERVICE, "x", Errno.ENOENT, null));
        assertInstanceOf(ModuleNotFoundException.class, IpvsErrors.fromErrno(Operation.UPDATE_SERVICE, "x", Errno.ENOENT, null));
        assertInstanceOf(RealServerNotFoundException.class, IpvsErrors.fromErrno(Operation.UPDATE_REAL_SERVER, "x", Errno.ENOENT, null));
        assertInstanceOf(RealServerNotFoundException.class, IpvsErrors.fromErrno(Operation.REMOVE_REAL_SERVER, "x", Errno.ENOENT, null));
        assertInstanceOf(IpvsUnavailableException.class, IpvsErrors.fromErrno(Operation.RESOLVE_FAMILY, "", Errno.ENOENT, null));
        assertInstanceOf(IpvsUnavailableException.class, IpvsErrors.fromErrno(Operation.LIST_SERVICES, "", Errno.ENOENT, null));
    }

    @Test
    void moduleNotFoundNamesTheModule() {
        VirtualService svc = VirtualService.builder(KEY).scheduler(Scheduler.MH).build();
        IpvsException e = IpvsErrors.fromErrno(Operation.ADD_SERVICE, svc, Errno.ENOENT, null);
        ModuleNotFoundException m = assertInstanceOf(ModuleNotFoundException.class, e);
        assertEquals(List.of("ip_vs_mh"), m.moduleNames());
        assertEquals("add service TCP 192.0.2.100:80 failed: scheduler module not found; load it with modprobe ip_vs_mh"
                + " (ENOENT, errno 2)", e.getMessage());
        VirtualService sip = VirtualService.builder(ServiceKey.udp("192.0.2.1", 5060))
                .persistence(io.ipvs4j.model.Persistence.of(Duration.ofSeconds(60))).persistenceEngine("sip").build();
        ModuleNotFoundException m2 = (ModuleNotFoundException) IpvsErrors.fromErrno(Operation.UPDATE_SERVICE, sip, Errno.ENOENT, null);
        assertEquals(List.of("ip_vs_wlc", "ip_vs_pe_sip"), m2.moduleNames());
        assertTrue(m2.getMessage().contains("modprobe ip_vs_pe_sip"), m2.getMessage());
        // Without the service the message still tells the user what to do.
        assertTrue(IpvsErrors.fromErrno(Operation.ADD_SERVICE, "x", Errno.ENOENT, null).getMessage()
                .contains("modprobe ip_vs_<name>"));
    }

    @Test
    void esrch() {
        for (Operation op : List.of(Operation.UPDATE_SERVICE, Operation.REMOVE_SERVICE, Operation.ADD_REAL_SERVER,
                Operation.ZERO, Operation.GET_SERVICE)) {
            assertInstanceOf(ServiceNotFoundException.class, IpvsErrors.fromErrno(op, "x", Errno.ESRCH, null));
        }
        IpvsException stop = IpvsErrors.fromErrno(Operation.STOP_SYNC_DAEMON, "master", Errno.ESRCH, null);
        assertEquals(NotFoundException.class, stop.getClass());
        assertEquals("stop sync daemon master failed: no sync daemon running (ESRCH, errno 3)", stop.getMessage());
    }

    @Test
    void eexist() {
        assertEquals("add service TCP 192.0.2.100:80 failed: service already exists (EEXIST, errno 17)",
                IpvsErrors.fromErrno(Operation.ADD_SERVICE, KEY.toString(), Errno.EEXIST, null).getMessage());
        IpvsException d = IpvsErrors.fromErrno(Operation.START_SYNC_DAEMON, "master", Errno.EEXIST, null);
        assertInstanceOf(AlreadyExistsException.class, d);
        assertTrue(d.getMessage().contains("sync daemon already running"));
        assertInstanceOf(AlreadyExistsException.class, IpvsErrors.fromErrno(Operation.ADD_REAL_SERVER, "x", Errno.EEXIST, null));
    }

    @Test
    void permission() {
        for (int errno : new int[] {Errno.EPERM, Errno.EACCES}) {
            IpvsException e = IpvsErrors.fromErrno(Operation.LIST_SERVICES, "", errno, null);
            assertInstanceOf(PermissionDeniedException.class, e);
            assertTrue(e.getMessage().startsWith("list services failed: permission denied; needs CAP_NET_ADMIN"), e.getMessage());
        }
    }

    @Test
    void rejectedWithHints() {
        IpvsException e = IpvsErrors.fromErrno(Operation.ADD_REAL_SERVER,
                IpvsErrors.subject(Operation.ADD_REAL_SERVER, KEY, EP), Errno.EINVAL, null);
        assertInstanceOf(KernelRejectedException.class, e);
        assertTrue(e.getMessage().contains("address not unicast, lo down in this namespace, or mixed address family without tunnel"),
                e.getMessage());
        for (int errno : new int[] {Errno.ERANGE, Errno.EOPNOTSUPP, Errno.EAFNOSUPPORT, Errno.ENOMEM, Errno.EMSGSIZE,
                Errno.EBUSY, 200}) {
            IpvsException r = IpvsErrors.fromErrno(Operation.UPDATE_REAL_SERVER, "x", errno, null);
            assertInstanceOf(KernelRejectedException.class, r);
            assertEquals(errno, r.errno());
        }
        assertTrue(IpvsErrors.fromErrno(Operation.UPDATE_REAL_SERVER, "x", Errno.ERANGE, null).getMessage()
                .contains("negative weight"));
        assertEquals("errno 200", IpvsErrors.fromErrno(Operation.FLUSH, "", 200, null).errnoName());
    }

    @Test
    void unavailable() {
        IpvsException e = IpvsErrors.fromErrno(Operation.ADD_SERVICE, "x", Errno.ENOPROTOOPT, null);
        assertInstanceOf(IpvsUnavailableException.class, e);
        IpvsUnavailableException u = new IpvsUnavailableException(Operation.RESOLVE_FAMILY, Errno.ENOENT, null);
        assertTrue(u.getMessage().contains("modprobe ip_vs"), u.getMessage());
    }

    @Test
    void rtnetlinkErrors() {
        assertInstanceOf(NotFoundException.class, IpvsErrors.fromErrno(Operation.ADD_ADDRESS, "eth9", Errno.ENODEV, null));
        assertInstanceOf(NotFoundException.class, IpvsErrors.fromErrno(Operation.REMOVE_ADDRESS, "x", Errno.EADDRNOTAVAIL, null));
        assertInstanceOf(AlreadyExistsException.class, IpvsErrors.fromErrno(Operation.ADD_ADDRESS, "x", Errno.EEXIST, null));
        assertInstanceOf(KernelRejectedException.class, IpvsErrors.fromErrno(Operation.ADD_ADDRESS, "x", Errno.EADDRNOTAVAIL, null));
    }

    @Test
    void zeroErrnoRejected() {
        assertThrows(IllegalArgumentException.class, () -> IpvsErrors.fromErrno(Operation.FLUSH, "", 0, null));
    }

    @Test
    void transportExceptions() {
        NetlinkProtocolException p = new NetlinkProtocolException("truncated attribute 3 at offset 20");
        assertEquals("truncated attribute 3 at offset 20", p.getMessage());
        assertEquals(0, p.errno());
        assertEquals("", p.errnoName());
        NetlinkProtocolException c = p.withContext(Operation.LIST_SERVICES, "");
        assertEquals("list services failed: truncated attribute 3 at offset 20", c.getMessage());
        assertSame(p, c.getCause());

        NetlinkIoException io = new NetlinkIoException(Operation.FLUSH, "", "sendmsg", Errno.ENOBUFS);
        assertEquals("flush failed: sendmsg: no buffer space available (ENOBUFS, errno 105)", io.getMessage());
        assertEquals("sendmsg", io.call());
        assertEquals("socket: address family not supported by protocol (EAFNOSUPPORT, errno 97)",
                new NetlinkIoException("socket", Errno.EAFNOSUPPORT).getMessage());
    }

    @Test
    void errnoNames() {
        int[] all = {Errno.EPERM, Errno.ENOENT, Errno.ESRCH, Errno.EINTR, Errno.EAGAIN, Errno.ENOMEM, Errno.EACCES,
                Errno.EBUSY, Errno.EEXIST, Errno.ENODEV, Errno.EINVAL, Errno.ERANGE, Errno.EMSGSIZE, Errno.ENOPROTOOPT,
                Errno.EOPNOTSUPP, Errno.EAFNOSUPPORT, Errno.EADDRNOTAVAIL, Errno.ENOBUFS};
        int[] numbers = {1, 2, 3, 4, 11, 12, 13, 16, 17, 19, 22, 34, 90, 92, 95, 97, 99, 105};
        for (int i = 0; i < all.length; i++) {
            assertEquals(numbers[i], all[i]);
            assertTrue(Errno.name(all[i]).startsWith("E"), Errno.name(all[i]));
        }
        assertEquals("EOPNOTSUPP", Errno.name(95));
    }
}
