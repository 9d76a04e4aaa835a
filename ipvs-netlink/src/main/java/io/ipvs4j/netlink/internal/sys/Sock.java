package io.ipvs4j.netlink.internal.sys;

import io.ipvs4j.netlink.internal.nl.SyscallException;
import io.ipvs4j.netlink.internal.sys.ffi.LibC;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Small helpers around {@link LibC} for the raw sockets (VRRP, ICMP echo): socket options,
 * sockaddr layouts, interface ioctls.
 */
public final class Sock {
    public static final int SOCKADDR_IN = 16;
    public static final int SOCKADDR_IN6 = 28;
    public static final int SOCKADDR_LL = 20;

    private Sock() {}

    public static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    public static long address(ByteBuffer b) {
        return Native.address(b);
    }

    public static int socket(int domain, int type, int protocol, String what) throws SyscallException {
        int fd = Native.libc().socket(domain, type | Native.SOCK_CLOEXEC, protocol);
        if (fd < 0) {
            throw new SyscallException("socket(" + what + ")", Native.errno());
        }
        return fd;
    }

    public static void setInt(int fd, int level, int option, int value, String what) throws SyscallException {
        ByteBuffer b = direct(4);
        b.putInt(0, value);
        set(fd, level, option, b, 4, what + "=" + value);
    }

    public static void set(int fd, int level, int option, ByteBuffer value, int length, String what) throws SyscallException {
        if (Native.libc().setsockopt(fd, level, option, address(value), length) < 0) {
            throw new SyscallException("setsockopt(" + what + ")", Native.errno());
        }
    }

    public static void bindToDevice(int fd, String interfaceName) throws SyscallException {
        byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = direct(16);
        b.put(0, name, 0, name.length);
        set(fd, Native.SOL_SOCKET, Native.SO_BINDTODEVICE, b, name.length + 1, "SO_BINDTODEVICE " + interfaceName);
    }

    /** Writes a sockaddr_in / sockaddr_in6 (network order port 0, IPv6 scope {@code ifindex}) at 0; returns its length. */
    public static int putSockaddr(ByteBuffer b, InetAddress address, int ifindex) {
        for (int i = 0; i < SOCKADDR_IN6; i++) {
            b.put(i, (byte) 0);
        }
        if (address instanceof Inet4Address) {
            b.putShort(0, (short) Native.AF_INET);
            b.put(4, address.getAddress());
            return SOCKADDR_IN;
        }
        b.putShort(0, (short) Native.AF_INET6);
        b.put(8, address.getAddress());
        boolean linkScope = ((Inet6Address) address).isLinkLocalAddress() || address.isMulticastAddress();
        b.putInt(24, linkScope ? ifindex : 0);
        return SOCKADDR_IN6;
    }

    /** struct ifreq with the name, for SIOCGIFINDEX / SIOCGIFHWADDR. */
    private static ByteBuffer ifreq(int fd, String interfaceName, long request, String what) throws SyscallException {
        ByteBuffer b = direct(40);
        byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
        b.put(0, name, 0, name.length);
        if (Native.libc().ioctl(fd, request, address(b)) < 0) {
            throw new SyscallException("ioctl(" + what + " " + interfaceName + ")", Native.errno());
        }
        return b;
    }

    public static int ifindex(int fd, String interfaceName) throws SyscallException {
        return ifreq(fd, interfaceName, Native.SIOCGIFINDEX, "SIOCGIFINDEX").getInt(16);
    }

    /** The 6-byte hardware address (ifr_hwaddr.sa_data). */
    public static byte[] mac(int fd, String interfaceName) throws SyscallException {
        ByteBuffer b = ifreq(fd, interfaceName, Native.SIOCGIFHWADDR, "SIOCGIFHWADDR");
        byte[] mac = new byte[6];
        b.get(18, mac);
        return mac;
    }

    public static void close(int fd) {
        if (fd >= 0) {
            Native.libc().close(fd);
        }
    }
}
