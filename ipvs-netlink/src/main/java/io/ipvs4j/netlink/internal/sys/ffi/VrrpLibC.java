package io.ipvs4j.netlink.internal.sys.ffi;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * The libc calls of the raw sockets (VRRP: raw IP, AF_PACKET, ICMPv6; the ICMP echo pinger: raw
 * ICMP and ICMPv6), separate from the netlink socket's {@code LibC} so that the two evolve
 * independently. Buffers are raw addresses of
 * direct buffers owned by the caller.
 */
public interface VrrpLibC {
    int socket(int domain, int type, int protocol);

    int bind(int fd, long sockaddr, int addrlen);

    int setsockopt(int fd, int level, int optname, long optval, int optlen);

    long sendmsg(int fd, long msghdr, int flags);

    long recv(int fd, long buf, long len, int flags);

    long recvmsg(int fd, long msghdr, int flags);

    int poll(long fds, long nfds, int timeoutMillis);

    int ioctl(int fd, long request, long arg);

    int close(int fd);

    /** Loads libc once. */
    final class Holder {
        static final VrrpLibC LIBC = LibraryLoader.create(VrrpLibC.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

        private Holder() {}
    }

    static VrrpLibC get() {
        return Holder.LIBC;
    }

    static int errno() {
        return Holder.RUNTIME.getLastError();
    }

    // Linux values (include/linux/socket.h, in.h, in6.h, if_ether.h, sockios.h, asm-generic/socket.h)
    int AF_INET = 2;
    int AF_INET6 = 10;
    int AF_PACKET = 17;
    int SOCK_RAW = 3;
    int SOCK_CLOEXEC = 0x80000;
    int SOL_SOCKET = 1;
    int SO_SNDBUF = 7;
    int SO_RCVBUF = 8;
    int SO_SNDBUFFORCE = 32;
    int SO_RCVBUFFORCE = 33;
    int SO_BINDTODEVICE = 25;
    int IPPROTO_IP = 0;
    int IPPROTO_IPV6 = 41;
    int IPPROTO_ICMP = 1;
    int IPPROTO_ICMPV6 = 58;
    int IPPROTO_VRRP = 112;
    int IP_TOS = 1;
    int IP_TTL = 2;
    int IP_PKTINFO = 8;                 // linux/in.h; struct in_pktinfo as a send cmsg picks the source
    int SOL_RAW = 255;                  // linux/socket.h
    int ICMP_FILTER = 1;                // linux/icmp.h, level SOL_RAW: a set bit drops that ICMP type
    int ICMPV6_FILTER = 1;              // linux/icmpv6.h, level IPPROTO_ICMPV6: a set bit drops the type
    int IP_MULTICAST_IF = 32;
    int IP_MULTICAST_TTL = 33;
    int IP_MULTICAST_LOOP = 34;
    int IP_ADD_MEMBERSHIP = 35;
    int IPV6_CHECKSUM = 7;
    int IPV6_UNICAST_HOPS = 16;
    int IPV6_MULTICAST_IF = 17;
    int IPV6_MULTICAST_HOPS = 18;
    int IPV6_MULTICAST_LOOP = 19;
    int IPV6_JOIN_GROUP = 20;
    int IPV6_RECVPKTINFO = 49;
    int IPV6_PKTINFO = 50;
    int IPV6_RECVHOPLIMIT = 51;
    int IPV6_HOPLIMIT = 52;
    int IPV6_TCLASS = 67;
    int ETH_P_ARP = 0x0806;
    long SIOCGIFHWADDR = 0x8927;
    long SIOCGIFINDEX = 0x8933;
    int POLLIN = 1;
    int MSG_DONTWAIT = 0x40;
    int EAGAIN = 11;
    int EINTR = 4;
    int EPERM = 1;
    int EACCES = 13;
    int EAFNOSUPPORT = 97;
}
