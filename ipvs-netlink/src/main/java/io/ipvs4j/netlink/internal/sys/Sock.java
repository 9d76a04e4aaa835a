package io.ipvs4j.netlink.internal.sys;

import io.ipvs4j.netlink.internal.sys.ffi.VrrpLibC;
import io.ipvs4j.netlink.internal.nl.SyscallException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Small helpers around {@link VrrpLibC} for the raw sockets (VRRP, ICMP echo): socket options,
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
        int fd = VrrpLibC.get().socket(domain, type | VrrpLibC.SOCK_CLOEXEC, protocol);
        if (fd < 0) {
            throw new SyscallException("socket(" + what + ")", VrrpLibC.errno());
        }
        return fd;
    }

    public static void setInt(int fd, int level, int option, int value, String what) throws SyscallException {
        ByteBuffer b = direct(4);
        b.putInt(0, value);
        set(fd, level, option, b, 4, what + "=" + value);
    }

    public static void set(int fd, int level, int option, ByteBuffer value, int length, String what) throws SyscallException {
        if (VrrpLibC.get().setsockopt(fd, level, option, address(value), length) < 0) {
            throw new SyscallException("setsockopt(" + what + ")", VrrpLibC.errno());
        }
    }

    public static void bindToDevice(int fd, String interfaceName) throws SyscallException {
        byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = direct(16);
        b.put(0, name, 0, name.length);
        set(fd, VrrpLibC.SOL_SOCKET, VrrpLibC.SO_BINDTODEVICE, b, name.length + 1, "SO_BINDTODEVICE " + interfaceName);
    }

    /** Writes a sockaddr_in / sockaddr_in6 (network order port 0, IPv6 scope {@code ifindex}) at 0; returns its length. */
    public static int putSockaddr(ByteBuffer b, InetAddress address, int ifindex) {
        for (int i = 0; i < SOCKADDR_IN6; i++) {
            b.put(i, (byte) 0);
        }
        if (address instanceof Inet4Address) {
            b.putShort(0, (short) VrrpLibC.AF_INET);
            b.put(4, address.getAddress());
            return SOCKADDR_IN;
        }
        b.putShort(0, (short) VrrpLibC.AF_INET6);
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
        if (VrrpLibC.get().ioctl(fd, request, address(b)) < 0) {
            throw new SyscallException("ioctl(" + what + " " + interfaceName + ")", VrrpLibC.errno());
        }
        return b;
    }

    public static int ifindex(int fd, String interfaceName) throws SyscallException {
        return ifreq(fd, interfaceName, VrrpLibC.SIOCGIFINDEX, "SIOCGIFINDEX").getInt(16);
    }

    /** The 6-byte hardware address (ifr_hwaddr.sa_data). */
    public static byte[] mac(int fd, String interfaceName) throws SyscallException {
        ByteBuffer b = ifreq(fd, interfaceName, VrrpLibC.SIOCGIFHWADDR, "SIOCGIFHWADDR");
        byte[] mac = new byte[6];
        b.get(18, mac);
        return mac;
    }

    public static void close(int fd) {
        if (fd >= 0) {
            VrrpLibC.get().close(fd);
        }
    }
}
