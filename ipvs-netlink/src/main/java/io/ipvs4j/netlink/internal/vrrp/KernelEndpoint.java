package io.ipvs4j.netlink.internal.vrrp;

import io.ipvs4j.IpvsException;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.netlink.internal.nl.SyscallException;
import io.ipvs4j.netlink.internal.sys.Native;
import io.ipvs4j.netlink.internal.sys.Sock;
import io.ipvs4j.netlink.internal.sys.ffi.LibC;
import io.ipvs4j.vrrp.VrrpInstanceConfig;
import io.ipvs4j.vrrp.VrrpNetwork;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One instance's sockets. Sending and announcing run on the speaker's timer thread (their own
 * buffers), receiving on the network's receive thread (its buffers).
 */
final class KernelEndpoint implements VrrpNetwork.Endpoint {
    private static final int TTL = 255;
    private static final int TOS_INTERNETCONTROL = 0xc0;   // keepalived: IPTOS_PREC_INTERNETCONTROL
    // struct msghdr (LP64): name @0, namelen @8, iov @16, iovlen @24, control @32, controllen @40, flags @48
    private static final int MSGHDR = 56;

    private final KernelVrrpNetwork network;
    private final VrrpInstanceConfig config;
    private final InetAddress source;
    private final boolean v6;
    private final int rx;
    private final int tx;
    private final int announce;
    private final int ifindex;
    private final Consumer<VrrpNetwork.ReceivedAdvert> onAdvert;
    private final AtomicLong badTtl = new AtomicLong();
    private final ByteBuffer sendBuffer = Sock.direct(2048);
    private final ByteBuffer sendAddress = Sock.direct(32);
    private final ByteBuffer sendMsg = Sock.direct(MSGHDR + 16 + 64);
    private final Map<String, byte[]> macs = new HashMap<>();
    private final Map<String, Integer> ifindexes = new HashMap<>();
    private volatile boolean closed;
    private boolean socketsClosed;

    KernelEndpoint(KernelVrrpNetwork network, VrrpInstanceConfig config, InetAddress source, int rx, int tx, int announce,
            int ifindex, Consumer<VrrpNetwork.ReceivedAdvert> onAdvert) {
        this.network = network;
        this.config = config;
        this.source = source;
        this.v6 = config.isIpv6();
        this.rx = rx;
        this.tx = tx;
        this.announce = announce;
        this.ifindex = ifindex;
        this.onAdvert = onAdvert;
    }

    void configure() throws SyscallException {
        String ifname = config.interfaceName();
        Sock.bindToDevice(rx, ifname);
        Sock.bindToDevice(tx, ifname);
        // the send socket receives copies of unicast adverts to its address; nobody reads them
        Sock.setInt(tx, Native.SOL_SOCKET, Native.SO_RCVBUF, 0, "SO_RCVBUF");
        ByteBuffer b = Sock.direct(32);
        if (!v6) {
            // struct ip_mreqn { imr_multiaddr; imr_address; int imr_ifindex; }
            b.put(0, VrrpInstanceConfig.MULTICAST_V4.getAddress());
            b.putInt(4, 0);
            b.putInt(8, ifindex);
            if (config.unicastPeers().isEmpty()) {
                Sock.set(rx, Native.IPPROTO_IP, Native.IP_ADD_MEMBERSHIP, b, 12, "IP_ADD_MEMBERSHIP 224.0.0.18 on " + ifname);
            }
            Sock.set(tx, Native.IPPROTO_IP, Native.IP_MULTICAST_IF, b, 12, "IP_MULTICAST_IF " + ifname);
            Sock.setInt(tx, Native.IPPROTO_IP, Native.IP_MULTICAST_TTL, TTL, "IP_MULTICAST_TTL");
            Sock.setInt(tx, Native.IPPROTO_IP, Native.IP_TTL, TTL, "IP_TTL");
            Sock.setInt(tx, Native.IPPROTO_IP, Native.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP");
            Sock.setInt(tx, Native.IPPROTO_IP, Native.IP_TOS, TOS_INTERNETCONTROL, "IP_TOS");
        } else {
            // struct ipv6_mreq { struct in6_addr; int ipv6mr_interface; }
            b.put(0, VrrpInstanceConfig.MULTICAST_V6.getAddress());
            b.putInt(16, ifindex);
            if (config.unicastPeers().isEmpty()) {
                Sock.set(rx, Native.IPPROTO_IPV6, Native.IPV6_JOIN_GROUP, b, 20, "IPV6_JOIN_GROUP ff02::12 on " + ifname);
            }
            // the kernel computes and verifies the checksum at offset 6 (with the pseudo-header)
            Sock.setInt(rx, Native.IPPROTO_IPV6, Native.IPV6_CHECKSUM, 6, "IPV6_CHECKSUM");
            Sock.setInt(rx, Native.IPPROTO_IPV6, Native.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
            Sock.setInt(rx, Native.IPPROTO_IPV6, Native.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
            Sock.setInt(tx, Native.IPPROTO_IPV6, Native.IPV6_CHECKSUM, 6, "IPV6_CHECKSUM");
            Sock.setInt(tx, Native.IPPROTO_IPV6, Native.IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF");
            Sock.setInt(tx, Native.IPPROTO_IPV6, Native.IPV6_MULTICAST_HOPS, TTL, "IPV6_MULTICAST_HOPS");
            Sock.setInt(tx, Native.IPPROTO_IPV6, Native.IPV6_UNICAST_HOPS, TTL, "IPV6_UNICAST_HOPS");
            Sock.setInt(tx, Native.IPPROTO_IPV6, Native.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
            Sock.setInt(tx, Native.IPPROTO_IPV6, Native.IPV6_TCLASS, TOS_INTERNETCONTROL, "IPV6_TCLASS");
            Sock.bindToDevice(announce, ifname);
            Sock.setInt(announce, Native.IPPROTO_IPV6, Native.IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF");
            Sock.setInt(announce, Native.IPPROTO_IPV6, Native.IPV6_MULTICAST_HOPS, TTL, "IPV6_MULTICAST_HOPS");
            Sock.setInt(announce, Native.SOL_SOCKET, Native.SO_RCVBUF, 0, "SO_RCVBUF");
        }
        // bind the sender to the source address, so that a VIP added later never becomes the
        // source (the v3 IPv4 pseudo-header is computed with this address); IPv6 link-local
        // addresses may still be tentative (DAD) for a moment after the link came up
        int len = Sock.putSockaddr(b, source, ifindex);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (Native.libc().bind(tx, Sock.address(b), len) < 0) {
            int errno = Native.errno();
            if (errno != 99 || System.nanoTime() - deadline > 0) {   // EADDRNOTAVAIL
                throw new SyscallException("bind(VRRP send socket, " + InetAddresses.toText(source) + ")", errno);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SyscallException("bind(VRRP send socket)", "interrupted");
            }
        }
    }

    int rxFd() {
        return rx;
    }

    @Override
    public InetAddress sourceAddress() {
        return source;
    }

    @Override
    public synchronized void send(byte[] message, InetAddress destination) throws IOException {
        if (closed) {
            throw new IOException("endpoint of " + config.name() + " is closed");
        }
        sendBuffer.put(0, message);
        int len = Sock.putSockaddr(sendAddress, destination, ifindex);
        long n = sendTo(tx, message.length, len);
        if (n < 0) {
            throw new SyscallException("sendto(" + InetAddresses.toText(destination) + ")", Native.errno());
        }
    }

    @Override
    public void addAddresses(List<InterfaceAddress> addresses) throws IpvsException {
        for (InterfaceAddress a : addresses) {
            network.addresses().ensurePresent(a);
        }
    }

    @Override
    public void removeAddresses(List<InterfaceAddress> addresses) throws IpvsException {
        for (InterfaceAddress a : addresses) {
            network.addresses().ensureAbsent(a);
        }
    }

    @Override
    public synchronized void announce(List<InterfaceAddress> addresses) throws IOException {
        if (closed) {
            return;
        }
        for (InterfaceAddress a : addresses) {
            byte[] mac = macs.get(a.interfaceName());
            if (mac == null) {
                mac = Sock.mac(announce, a.interfaceName());
                macs.put(a.interfaceName(), mac);
                ifindexes.put(a.interfaceName(), Sock.ifindex(announce, a.interfaceName()));
            }
            int index = ifindexes.get(a.interfaceName());
            if (a.address() instanceof Inet4Address v4) {
                sendGratuitousArp(mac, index, v4);
            } else {
                sendNeighbourAdvertisement(mac, index, (Inet6Address) a.address());
            }
        }
    }

    private void sendGratuitousArp(byte[] mac, int index, Inet4Address vip) throws SyscallException {
        byte[] frame = Announcements.gratuitousArp(mac, vip);
        sendBuffer.put(0, frame);
        // struct sockaddr_ll { family; be16 protocol; int ifindex; hatype; pkttype; halen; addr[8] }
        for (int i = 0; i < Sock.SOCKADDR_LL; i++) {
            sendAddress.put(i, (byte) 0);
        }
        sendAddress.putShort(0, (short) Native.AF_PACKET);
        sendAddress.put(2, (byte) (Native.ETH_P_ARP >> 8)).put(3, (byte) Native.ETH_P_ARP);
        sendAddress.putInt(4, index);
        sendAddress.putShort(8, (short) 1);   // ARPHRD_ETHER
        sendAddress.put(11, (byte) 6);
        for (int i = 0; i < 6; i++) {
            sendAddress.put(12 + i, (byte) 0xff);
        }
        long n = sendTo(announce, frame.length, Sock.SOCKADDR_LL);
        if (n < 0) {
            throw new SyscallException("sendto(gratuitous ARP " + InetAddresses.toText(vip) + ")", Native.errno());
        }
    }

    /**
     * sendmsg of {@code length} bytes of sendBuffer to the {@code addressLength}-byte address in
     * sendAddress (sendmsg rather than sendto: jnr-ffi passed a garbage sixth argument to sendto).
     */
    private long sendTo(int fd, int length, int addressLength) {
        ByteBuffer m = sendMsg;
        long base = Sock.address(m);
        for (int i = 0; i < MSGHDR + 16; i++) {
            m.put(i, (byte) 0);
        }
        m.putLong(0, Sock.address(sendAddress));
        m.putInt(8, addressLength);
        m.putLong(16, base + MSGHDR);
        m.putLong(24, 1);
        m.putLong(MSGHDR, Sock.address(sendBuffer));
        m.putLong(MSGHDR + 8, length);
        return Native.libc().sendmsg(fd, base, 0);
    }

    private void sendNeighbourAdvertisement(byte[] mac, int index, Inet6Address vip) throws SyscallException {
        byte[] na = Announcements.neighbourAdvertisement(mac, vip, false);
        ByteBuffer m = sendMsg;
        long base = Sock.address(m);
        // layout in sendMsg: msghdr @0, iovec @56, control (cmsghdr + in6_pktinfo) @72
        sendBuffer.put(0, na);
        Sock.putSockaddr(sendAddress, InetAddresses.parse("ff02::1"), index);
        for (int i = 0; i < m.capacity(); i++) {
            m.put(i, (byte) 0);
        }
        m.putLong(0, Sock.address(sendAddress));
        m.putInt(8, Sock.SOCKADDR_IN6);
        m.putLong(16, base + MSGHDR);
        m.putLong(24, 1);
        m.putLong(32, base + MSGHDR + 16);
        m.putLong(40, 16 + 24);                       // CMSG_SPACE(sizeof(struct in6_pktinfo))
        m.putLong(MSGHDR, Sock.address(sendBuffer));  // iov_base
        m.putLong(MSGHDR + 8, na.length);             // iov_len
        int c = MSGHDR + 16;
        m.putLong(c, 16 + 20);                        // CMSG_LEN(20)
        m.putInt(c + 8, Native.IPPROTO_IPV6);
        m.putInt(c + 12, Native.IPV6_PKTINFO);
        m.put(c + 16, vip.getAddress());              // ipi6_addr: the source, the VIP itself
        m.putInt(c + 32, index);
        long n = Native.libc().sendmsg(announce, base, 0);
        if (n < 0) {
            throw new SyscallException("sendmsg(neighbour advertisement " + InetAddresses.toText(vip) + ")", Native.errno());
        }
    }

    /** Reads every queued datagram of the receive socket (receive thread). */
    void receive(ByteBuffer buffer, ByteBuffer msg) {
        LibC libc = Native.libc();
        long bufAddress = Sock.address(buffer);
        for (int i = 0; i < 64 && !closed; i++) {
            if (!v6) {
                long n = libc.recv(rx, bufAddress, buffer.capacity(), Native.MSG_DONTWAIT);
                if (n < 0) {
                    return;
                }
                receivedIpv4(buffer, (int) n);
            } else {
                long base = Sock.address(msg);
                int nameAt = MSGHDR + 16;
                int controlAt = nameAt + 32;
                int controlLen = msg.capacity() - controlAt;
                msg.putLong(0, base + nameAt);
                msg.putInt(8, Sock.SOCKADDR_IN6);
                msg.putLong(16, base + MSGHDR);
                msg.putLong(24, 1);
                msg.putLong(32, base + controlAt);
                msg.putLong(40, controlLen);
                msg.putInt(48, 0);
                msg.putLong(MSGHDR, bufAddress);
                msg.putLong(MSGHDR + 8, buffer.capacity());
                long n = libc.recvmsg(rx, base, Native.MSG_DONTWAIT);
                if (n < 0) {
                    return;
                }
                receivedIpv6(buffer, (int) n, msg, nameAt, controlAt);
            }
        }
    }

    private void receivedIpv4(ByteBuffer b, int n) {
        if (n < 20) {
            return;
        }
        int ihl = (b.get(0) & 0x0f) * 4;
        int total = networkShort(b, 2);   // Linux hands raw sockets the header as received, in network order
        if (ihl < 20 || n < ihl || total < ihl) {
            return;
        }
        int ttl = b.get(8) & 0xff;
        if (ttl != TTL) {
            badTtl.incrementAndGet();
            return;
        }
        byte[] src = new byte[4];
        byte[] dst = new byte[4];
        b.get(12, src);
        b.get(16, dst);
        int length = Math.min(n, total) - ihl;
        byte[] message = new byte[length];
        b.get(ihl, message);
        onAdvert.accept(new VrrpNetwork.ReceivedAdvert(message, length, InetAddresses.fromBytes(src), InetAddresses.fromBytes(dst)));
    }

    private static int networkShort(ByteBuffer b, int at) {
        return ((b.get(at) & 0xff) << 8) | (b.get(at + 1) & 0xff);
    }

    private void receivedIpv6(ByteBuffer b, int n, ByteBuffer msg, int nameAt, int controlAt) {
        long controlLen = msg.getLong(40);
        int hopLimit = -1;
        InetAddress dst = null;
        int c = controlAt;
        int end = controlAt + (int) Math.min(controlLen, msg.capacity() - controlAt);
        while (c + 16 <= end) {
            long len = msg.getLong(c);
            if (len < 16 || c + len > end) {
                break;
            }
            int level = msg.getInt(c + 8);
            int type = msg.getInt(c + 12);
            if (level == Native.IPPROTO_IPV6 && type == Native.IPV6_HOPLIMIT && len >= 20) {
                hopLimit = msg.getInt(c + 16);
            } else if (level == Native.IPPROTO_IPV6 && type == Native.IPV6_PKTINFO && len >= 36) {
                byte[] a = new byte[16];
                msg.get(c + 16, a);
                dst = InetAddresses.fromBytes(a);
            }
            c += (int) ((len + 7) & ~7L);
        }
        if (hopLimit != TTL) {
            badTtl.incrementAndGet();
            return;
        }
        byte[] src = new byte[16];
        msg.get(nameAt + 8, src);
        byte[] message = new byte[n];
        b.get(0, message);
        onAdvert.accept(new VrrpNetwork.ReceivedAdvert(message, n, InetAddresses.fromBytes(src),
                dst != null ? dst : VrrpInstanceConfig.MULTICAST_V6));
    }

    @Override
    public long badTtl() {
        return badTtl.get();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        network.closing(this);
    }

    synchronized void closeSockets() {
        if (socketsClosed) {
            return;
        }
        socketsClosed = true;
        closed = true;
        Sock.close(rx);
        Sock.close(tx);
        Sock.close(announce);
    }

    @Override
    public String toString() {
        return config.name() + " on " + config.interfaceName() + " from " + InetAddresses.toText(source);
    }
}
