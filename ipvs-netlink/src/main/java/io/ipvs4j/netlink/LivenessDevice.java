package io.ipvs4j.netlink;

import io.ipvs4j.IpvsException;
import io.ipvs4j.Operation;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.host.InterfaceNames;
import io.ipvs4j.netlink.internal.nl.SyscallException;
import io.ipvs4j.netlink.internal.route.RtnetlinkClient;
import io.ipvs4j.netlink.internal.sys.NetNs;
import io.ipvs4j.netlink.internal.sys.Native;
import io.ipvs4j.netlink.internal.sys.Sock;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A network interface that exists exactly as long as this process holds it: a {@code tun}
 * device created without {@code IFF_PERSIST}, which the kernel deletes when its last file
 * descriptor closes, whatever ends the process (SIGKILL and crashes included). Something
 * that watches interfaces can so tell whether the process is alive without asking it.
 *
 * <p>The use it was made for: a fleet director announces its VIPs through BIRD with static
 * routes {@code via "ipvs4j-live"}. BIRD keeps a static device route only while its interface
 * exists and is up, so when the director's JVM dies the device goes, BIRD withdraws the routes
 * and the upstream router stops sending the director traffic that nobody health-checks any
 * more; a static {@code blackhole} route would be announced until BIRD itself died.
 *
 * <pre>{@code
 * try (LivenessDevice live = LivenessDevice.hold("ipvs4j-live")) {
 *     // bird.conf: protocol static { ipv4; route 203.0.113.10/32 via "ipvs4j-live"; }
 *     runDirector();
 * }   // closed (or the process died): the interface is gone
 * }</pre>
 *
 * <p>The device carries no traffic: nothing reads or writes the descriptor, and a packet
 * routed to it is dropped once its small queue is full. Only one process can hold a name at a
 * time, so holding it also keeps a second director from starting in the same namespace
 * ({@code EBUSY}). Needs CAP_NET_ADMIN and {@code /dev/net/tun} (module {@code tun}).
 */
public final class LivenessDevice implements AutoCloseable {
    // linux/if_tun.h: TUNSETIFF = _IOW('T', 202, int); IFF_TUN, IFF_NO_PI in ifr_flags
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_NO_PI = 0x1000;
    private static final int O_RDWR = 2;   // asm-generic/fcntl.h
    private static final int IFREQ_SIZE = 40;   // struct ifreq on 64-bit Linux: name[16] + a 24-byte union
    private static final int IFR_FLAGS_OFFSET = 16;

    private final String name;
    private int fd;

    private LivenessDevice(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    /**
     * Creates the device {@code name} in the calling thread's network namespace and brings it up.
     *
     * @param name the interface name (at most 15 characters)
     * @return the held device; close it to delete the interface
     * @throws IpvsException if it cannot be created (another process holds the name: EBUSY; an
     *     interface of that name that is not a tun device: EINVAL; no tun support: ENOENT on
     *     {@code /dev/net/tun}) or brought up
     */
    public static LivenessDevice hold(String name) throws IpvsException {
        return hold(name, NetlinkOptions.DEFAULT);
    }

    /**
     * Creates the device {@code name} in the network namespace of {@code options} (a tun
     * device belongs to the namespace of the thread that creates it) and brings it up.
     *
     * @param name the interface name (at most 15 characters)
     * @param options where: {@link NetlinkOptions#namespace()}
     * @return the held device; close it to delete the interface
     * @throws IpvsException if it cannot be created or brought up; the message names the call and errno
     */
    public static LivenessDevice hold(String name, NetlinkOptions options) throws IpvsException {
        InterfaceNames.checkInterface(name);
        Objects.requireNonNull(options, "options");
        String subject = name + " type tun (liveness)";
        int fd;
        try {
            fd = options.namespace().isPresent() ? NetNs.callIn(options.namespace().get(), () -> create(name))
                    : create(name);
        } catch (SyscallException e) {
            throw e.toTyped(Operation.ADD_LINK, subject);
        }
        LivenessDevice device = new LivenessDevice(name, fd);
        try (InterfaceAddresses links = RtnetlinkClient.open(options)) {
            links.ensureUp(name);
        } catch (IpvsException | RuntimeException e) {
            device.close();
            throw e;
        }
        return device;
    }

    private static int create(String name) throws SyscallException {
        int fd = Native.libc().open("/dev/net/tun", O_RDWR | Native.O_CLOEXEC);
        if (fd < 0) {
            throw new SyscallException("open(/dev/net/tun)", Native.errno());
        }
        ByteBuffer ifreq = Sock.direct(IFREQ_SIZE);
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        ifreq.put(0, bytes, 0, bytes.length);
        ifreq.putShort(IFR_FLAGS_OFFSET, (short) (IFF_TUN | IFF_NO_PI));
        if (Native.libc().ioctl(fd, TUNSETIFF, Sock.address(ifreq)) < 0) {
            int errno = Native.errno();
            Sock.close(fd);
            throw new SyscallException("ioctl(TUNSETIFF " + name + ")", errno);
        }
        return fd;
    }

    /** {@return the interface name} */
    public String name() {
        return name;
    }

    /** {@return whether the device is still held (not closed)} */
    public synchronized boolean isHeld() {
        return fd >= 0;
    }

    /** Closes the descriptor: the kernel deletes the interface (and its routes and addresses). */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            Sock.close(fd);
            fd = -1;
        }
    }

    @Override
    public String toString() {
        return "LivenessDevice[" + name + (isHeld() ? ", held" : ", released") + "]";
    }
}
