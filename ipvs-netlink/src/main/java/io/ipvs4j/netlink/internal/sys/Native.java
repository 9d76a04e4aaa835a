package io.ipvs4j.netlink.internal.sys;

import io.ipvs4j.netlink.internal.sys.ffi.LibC;
import java.nio.ByteBuffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** Loads libc once (netlink, VRRP and ICMP sockets alike) and gives access to errno and direct-buffer addresses. */
public final class Native {
    // Values from the Linux x86_64/generic ABI headers named in each comment.
    public static final int AF_NETLINK = 16;          // linux/socket.h
    public static final int SOCK_RAW = 3;             // linux/net.h
    public static final int SOCK_CLOEXEC = 0x80000;   // asm-generic/fcntl.h O_CLOEXEC
    public static final int SOL_SOCKET = 1;           // asm-generic/socket.h
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_RCVTIMEO = 20;         // SO_RCVTIMEO_OLD, struct timeval
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SOL_NETLINK = 270;        // linux/socket.h
    public static final int NETLINK_CAP_ACK = 10;     // linux/netlink.h
    public static final int NETLINK_EXT_ACK = 11;
    public static final int MSG_PEEK = 0x2;           // linux/socket.h
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_WAITFORONE = 0x10000;
    public static final int O_RDONLY = 0;             // asm-generic/fcntl.h
    public static final int O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000; // linux/sched.h
    // raw sockets of VRRP and the ICMP echo pinger: linux/socket.h, in.h, in6.h, icmp.h, icmpv6.h,
    // if_ether.h, sockios.h, poll.h
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_PACKET = 17;
    public static final int SO_BINDTODEVICE = 25;
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_IPV6 = 41;
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_ICMPV6 = 58;
    public static final int IPPROTO_VRRP = 112;
    public static final int IP_TOS = 1;
    public static final int IP_TTL = 2;
    public static final int IP_PKTINFO = 8;                 // linux/in.h; struct in_pktinfo as a send cmsg picks the source
    public static final int SOL_RAW = 255;                  // linux/socket.h
    public static final int ICMP_FILTER = 1;                // linux/icmp.h, level SOL_RAW: a set bit drops that ICMP type
    public static final int ICMPV6_FILTER = 1;              // linux/icmpv6.h, level IPPROTO_ICMPV6: a set bit drops the type
    public static final int IP_MULTICAST_IF = 32;
    public static final int IP_MULTICAST_TTL = 33;
    public static final int IP_MULTICAST_LOOP = 34;
    public static final int IP_ADD_MEMBERSHIP = 35;
    public static final int IPV6_CHECKSUM = 7;
    public static final int IPV6_UNICAST_HOPS = 16;
    public static final int IPV6_MULTICAST_IF = 17;
    public static final int IPV6_MULTICAST_HOPS = 18;
    public static final int IPV6_MULTICAST_LOOP = 19;
    public static final int IPV6_JOIN_GROUP = 20;
    public static final int IPV6_RECVPKTINFO = 49;
    public static final int IPV6_PKTINFO = 50;
    public static final int IPV6_RECVHOPLIMIT = 51;
    public static final int IPV6_HOPLIMIT = 52;
    public static final int IPV6_TCLASS = 67;
    public static final int ETH_P_ARP = 0x0806;
    public static final long SIOCGIFHWADDR = 0x8927;
    public static final long SIOCGIFINDEX = 0x8933;
    public static final int POLLIN = 1;

    private static final class Holder {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    }

    private Native() {}

    /** Loads libc; throws {@link UnsatisfiedLinkError} or another {@link LinkageError} if impossible. */
    public static LibC libc() {
        return Holder.LIBC;
    }

    /** The errno saved by the last call on this thread. */
    public static int errno() {
        return Holder.RUNTIME.getLastError();
    }

    /** The native address of element 0 of a direct buffer (not its position). */
    public static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("buffer must be direct");
        }
        return Pointer.wrap(Holder.RUNTIME, direct.duplicate().clear()).address();
    }
}
