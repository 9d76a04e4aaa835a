package io.ipvs4j.netlink.internal.icmp;

import io.ipvs4j.Errno;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.netlink.IcmpEchoException.Reason;
import io.ipvs4j.netlink.IcmpEchoException;
import io.ipvs4j.netlink.NetlinkOptions;
import io.ipvs4j.netlink.internal.nl.SyscallException;
import io.ipvs4j.netlink.internal.sys.Native;
import io.ipvs4j.netlink.internal.sys.NetNs;
import io.ipvs4j.netlink.internal.sys.Sock;
import io.ipvs4j.netlink.internal.sys.ffi.LibC;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ICMP echo engine behind {@code IcmpPinger}: one raw ICMP and one raw ICMPv6 socket shared
 * by every echo, one receive thread polling both, one timer thread for the timeouts. Echoes are
 * told apart by identifier (one, random, per pinger) + sequence (16 bits, shared by both
 * families), then checked against the target address and a per-pinger random cookie in the
 * payload: every raw ICMP socket of the namespace receives a copy of every echo reply, so a
 * reply to another pinger that happens to use the same identifier is recognised and ignored.
 *
 * <p>Why raw sockets rather than the unprivileged {@code SOCK_DGRAM} "ping socket" that
 * keepalived's check_ping.c opens per checker: a ping socket is allowed only to groups in
 * {@code net.ipv4.ping_group_range}, with no capability bypass, and every new network namespace
 * starts with "1 0" (nobody) — exactly where a director runs; the director needs CAP_NET_ADMIN
 * for IPVS anyway, and CAP_NET_RAW comes with it. A raw socket also receives destination
 * unreachable and time exceeded as ordinary messages quoting our request, without IP_RECVERR
 * error-queue handling. The costs are taken here: the ICMPv4 checksum is computed (the kernel
 * always computes and verifies ICMPv6 checksums on raw ICMPv6 sockets, RFC 3542 section 3.1:
 * net/ipv6/raw.c rawv6_init_sk sets checksum offset 2 for IPPROTO_ICMPV6, and setting
 * IPV6_CHECKSUM on such a socket is EINVAL), received ICMPv4 checksums are verified, and ICMP_FILTER
 * / ICMPV6_FILTER keep all other ICMP types out of the sockets.
 */
public final class KernelPinger implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelPinger.class);
    private static final int POLL_MILLIS = 100;
    private static final int COOKIE = 8;
    private static final int PAYLOAD = 56;                 // ping(8)'s default
    private static final int MAX_DATAGRAM = 65536;         // the largest IPv4 datagram, so nothing is cut
    private static final int DRAIN = 256;                  // datagrams per socket per wake-up
    // struct msghdr (LP64): name @0, namelen @8, iov @16, iovlen @24, control @32, controllen @40, flags @48
    private static final int MSGHDR = 56;
    private static final int IOVEC = 16;
    private static final int CMSG_HEADER = 16;             // struct cmsghdr: len (size_t), level, type
    private static final int IN_PKTINFO = 12;              // ifindex, spec_dst (the source), addr
    private static final int IN6_PKTINFO = 20;             // addr (the source), ifindex
    private static final int EIO = 5;
    private static final Duration MAX_TIMEOUT = Duration.ofDays(1);

    private final int identifier;
    private final byte[] payload;
    private final Family v4;
    private final Family v6;
    private final ConcurrentHashMap<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicInteger nextSequence = new AtomicInteger(ThreadLocalRandom.current().nextInt(0x10000));
    private final ScheduledThreadPoolExecutor timer;
    private final Thread receiver;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong replies = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong sendFailures = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong unmatched = new AtomicLong();
    private volatile boolean closed;

    /** The counters; see {@code IcmpPinger.Stats}. */
    public record Counters(long sent, long replies, long timeouts, long errors, long sendFailures, long malformed,
            long unmatched) {}

    private KernelPinger(Family v4, Family v6) {
        this.v4 = v4;
        this.v6 = v6;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        this.identifier = random.nextInt(0x10000);
        this.payload = new byte[PAYLOAD];
        random.nextBytes(payload);
        for (int i = COOKIE; i < PAYLOAD; i++) {
            payload[i] = (byte) i;
        }
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ipvs4j-icmp-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        this.receiver = new Thread(this::receiveLoop, "ipvs4j-icmp-receive");
        receiver.setDaemon(true);
        receiver.start();
    }

    /**
     * Opens both sockets in the options' namespace; a family the kernel does not support
     * (EAFNOSUPPORT, e.g. IPv6 disabled at boot) is left out and its echoes fail.
     */
    public static KernelPinger open(NetlinkOptions options) throws IOException {
        Optional<java.nio.file.Path> ns = options.namespace();
        NetNs.Action<int[]> create = () -> {
            int[] fds = {-1, -1, 0, 0};
            try {
                fds[0] = socketOrUnsupported(Native.AF_INET, Native.IPPROTO_ICMP, "raw ICMP");
                fds[1] = socketOrUnsupported(Native.AF_INET6, Native.IPPROTO_ICMPV6, "raw ICMPv6");
            } catch (SyscallException | RuntimeException e) {
                Sock.close(fds[0]);
                throw e;
            }
            return fds;
        };
        int[] fds = ns.isPresent() ? NetNs.callIn(ns.get(), create) : create.run();
        if (fds[0] < 0 && fds[1] < 0) {
            throw new SyscallException("socket(raw ICMP and raw ICMPv6)", Errno.EAFNOSUPPORT);
        }
        try {
            if (fds[0] >= 0) {
                configure(fds[0], false, options);
            }
            if (fds[1] >= 0) {
                configure(fds[1], true, options);
            }
        } catch (SyscallException | RuntimeException e) {
            Sock.close(fds[0]);
            Sock.close(fds[1]);
            throw e;
        }
        return new KernelPinger(new Family(fds[0], false), new Family(fds[1], true));
    }

    private static int socketOrUnsupported(int domain, int protocol, String what) throws SyscallException {
        try {
            return Sock.socket(domain, Native.SOCK_RAW, protocol, what);
        } catch (SyscallException e) {
            if (e.errno() == Errno.EAFNOSUPPORT) {
                LOG.info("{} not supported by the kernel: echoes of that family will fail", what);
                return -1;
            }
            if (e.errno() == Errno.EPERM || e.errno() == Errno.EACCES) {
                throw new SyscallException("socket(" + what + ") needs CAP_NET_RAW in the network namespace",
                        e.errno());
            }
            throw e;
        }
    }

    private static void configure(int fd, boolean v6, NetlinkOptions options) throws SyscallException {
        if (!v6) {
            // pass echo reply, destination unreachable, time exceeded; drop every other type < 32
            int pass = (1 << IcmpCodec.V4_ECHO_REPLY) | (1 << IcmpCodec.V4_DEST_UNREACHABLE)
                    | (1 << IcmpCodec.V4_TIME_EXCEEDED);
            Sock.setInt(fd, Native.SOL_RAW, Native.ICMP_FILTER, ~pass, "ICMP_FILTER");
        } else {
            ByteBuffer filter = Sock.direct(32);   // struct icmp6_filter { __u32 data[8]; }: 256 types
            for (int i = 0; i < 8; i++) {
                filter.putInt(4 * i, -1);
            }
            for (int type : new int[] {IcmpCodec.V6_ECHO_REPLY, IcmpCodec.V6_DEST_UNREACHABLE, IcmpCodec.V6_TIME_EXCEEDED}) {
                int word = 4 * (type >> 5);
                filter.putInt(word, filter.getInt(word) & ~(1 << (type & 31)));
            }
            Sock.set(fd, Native.IPPROTO_ICMPV6, Native.ICMPV6_FILTER, filter, 32, "ICMPV6_FILTER");
        }
        // a burst of replies (one per echo in flight) must not overflow the default buffer
        bufferSize(fd, Native.SO_RCVBUFFORCE, Native.SO_RCVBUF, options.receiveBufferBytes(), "SO_RCVBUF");
        bufferSize(fd, Native.SO_SNDBUFFORCE, Native.SO_SNDBUF, options.sendBufferBytes(), "SO_SNDBUF");
    }

    /** The FORCE variant (CAP_NET_ADMIN) first, else the plain one, capped by net.core.*mem_max. */
    private static void bufferSize(int fd, int force, int plain, int bytes, String what) throws SyscallException {
        try {
            Sock.setInt(fd, Native.SOL_SOCKET, force, bytes, what + "FORCE");
        } catch (SyscallException e) {
            Sock.setInt(fd, Native.SOL_SOCKET, plain, bytes, what);
        }
    }

    /** See {@code IcmpPinger.echo}. */
    public CompletableFuture<Duration> echo(InetAddress target, InetAddress source, Duration timeout) {
        if (target == null) {
            throw new IllegalArgumentException("target must not be null");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout must be positive and at most " + MAX_TIMEOUT + ", was " + timeout);
        }
        boolean isV6 = target instanceof Inet6Address;
        if (source != null && (source instanceof Inet6Address) != isV6) {
            throw new IllegalArgumentException("source " + InetAddresses.toText(source) + " is not of the family of target "
                    + InetAddresses.toText(target));
        }
        if (target.isAnyLocalAddress()) {
            throw new IllegalArgumentException("target must not be the wildcard address, was " + InetAddresses.toText(target));
        }
        if (closed) {
            return CompletableFuture.failedFuture(new IcmpEchoException(target, Reason.CLOSED, "the pinger is closed",
                    -1, -1, null, null));
        }
        Family family = isV6 ? v6 : v4;
        Pending p = new Pending(target, new CompletableFuture<>());
        if (family.fd < 0) {
            return fail(p, Reason.SEND_FAILED, "the kernel does not support " + (isV6 ? "IPv6" : "IPv4") + " raw sockets");
        }
        int key = register(p, isV6);
        if (key < 0) {
            return fail(p, Reason.SEND_FAILED, "65536 echoes of this pinger are already in flight");
        }
        try {
            p.timeoutTask = timer.schedule(() -> timedOut(key, p, timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {   // close() shut the timer down meanwhile
            if (pending.remove(key, p)) {
                p.future.completeExceptionally(new IcmpEchoException(target, Reason.CLOSED, "the pinger was closed",
                        -1, -1, null, null));
            }
            return p.future;
        }
        int errno = family.send(target, source, identifier, key & 0xffff, payload, p);
        if (errno != 0) {
            if (pending.remove(key, p)) {
                p.cancelTimeout();
                sendFailures.incrementAndGet();
                String call = errno < 0 ? "the pinger is closed" : "sendmsg to " + InetAddresses.toText(target)
                        + (source == null ? "" : " from " + InetAddresses.toText(source));
                SyscallException cause = errno < 0 ? null : new SyscallException(call, errno);
                p.future.completeExceptionally(new IcmpEchoException(target, errno < 0 ? Reason.CLOSED : Reason.SEND_FAILED,
                        cause == null ? call : cause.getMessage(), -1, -1, null, cause));
            }
            return p.future;
        }
        sent.incrementAndGet();
        if (closed && pending.remove(key, p)) {   // close() may have drained the map before we registered
            p.cancelTimeout();
            p.future.completeExceptionally(new IcmpEchoException(target, Reason.CLOSED, "the pinger was closed", -1, -1,
                    null, null));
        }
        return p.future;
    }

    private CompletableFuture<Duration> fail(Pending p, Reason reason, String detail) {
        sendFailures.incrementAndGet();
        p.future.completeExceptionally(new IcmpEchoException(p.target, reason, detail, -1, -1, null, null));
        return p.future;
    }

    /** A free sequence number for {@code p}: the key {@code family bit 16 | sequence}, or -1 if all 65,536 are taken. */
    private int register(Pending p, boolean isV6) {
        for (int i = 0; i < 0x10000; i++) {
            int key = (isV6 ? 0x10000 : 0) | (nextSequence.getAndIncrement() & 0xffff);
            if (pending.putIfAbsent(key, p) == null) {
                return key;
            }
        }
        return -1;
    }

    private void timedOut(int key, Pending p, Duration timeout) {
        if (pending.remove(key, p)) {
            timeouts.incrementAndGet();
            p.future.completeExceptionally(new IcmpEchoException(p.target, Reason.TIMEOUT, "no echo reply within "
                    + timeout.toMillis() + " ms", -1, -1, null, null));
        }
    }

    private void receiveLoop() {
        LibC libc = Native.libc();
        ByteBuffer pollfds = Sock.direct(16);
        long pollAddress = Sock.address(pollfds);
        ByteBuffer buffer = Sock.direct(MAX_DATAGRAM);
        ByteBuffer msg = Sock.direct(MSGHDR + IOVEC + Sock.SOCKADDR_IN6);
        Family[] polled = Arrays.stream(new Family[] {v4, v6}).filter(f -> f.fd >= 0).toArray(Family[]::new);
        while (!closed) {
            for (int i = 0; i < polled.length; i++) {
                pollfds.putInt(8 * i, polled[i].fd);
                pollfds.putShort(8 * i + 4, (short) Native.POLLIN);
                pollfds.putShort(8 * i + 6, (short) 0);
            }
            int n = libc.poll(pollAddress, polled.length, POLL_MILLIS);
            if (n <= 0) {
                continue;
            }
            for (int i = 0; i < polled.length && !closed; i++) {
                if ((pollfds.getShort(8 * i + 6) & Native.POLLIN) != 0) {
                    try {
                        drain(polled[i], libc, buffer, msg);
                    } catch (RuntimeException e) {
                        LOG.warn("ICMP receive failed: {}", e.toString());
                    }
                }
            }
        }
    }

    private void drain(Family family, LibC libc, ByteBuffer buffer, ByteBuffer msg) {
        long bufferAddress = Sock.address(buffer);
        for (int i = 0; i < DRAIN && !closed; i++) {
            IcmpCodec.Received received;
            if (!family.v6) {
                long n = libc.recv(family.fd, bufferAddress, buffer.capacity(), Native.MSG_DONTWAIT);
                if (n < 0) {
                    return;
                }
                received = IcmpCodec.parseIpv4(buffer, (int) n);
            } else {
                long base = Sock.address(msg);
                int nameAt = MSGHDR + IOVEC;
                for (int b = 0; b < msg.capacity(); b++) {
                    msg.put(b, (byte) 0);
                }
                msg.putLong(0, base + nameAt);
                msg.putInt(8, Sock.SOCKADDR_IN6);
                msg.putLong(16, base + MSGHDR);
                msg.putLong(24, 1);
                msg.putLong(MSGHDR, bufferAddress);
                msg.putLong(MSGHDR + 8, buffer.capacity());
                long n = libc.recvmsg(family.fd, base, Native.MSG_DONTWAIT);
                if (n < 0) {
                    return;
                }
                int nameLength = msg.getInt(8);
                if (nameLength < 24 || nameLength > Sock.SOCKADDR_IN6 || msg.getShort(nameAt) != Native.AF_INET6) {
                    received = new IcmpCodec.Malformed("source address of " + nameLength + " bytes is no sockaddr_in6");
                } else {
                    byte[] source = new byte[16];
                    msg.get(nameAt + 8, source);
                    received = IcmpCodec.parseIpv6(buffer, (int) Math.min(n, buffer.capacity()),
                            InetAddresses.fromBytes(source));
                }
            }
            handle(received, family.v6, System.nanoTime());
        }
    }

    /** Matches one received message to its echo in flight, or counts it. */
    private void handle(IcmpCodec.Received received, boolean isV6, long receivedNanos) {
        int familyBit = isV6 ? 0x10000 : 0;
        if (received instanceof IcmpCodec.EchoReply r) {
            Pending p = r.identifier() == identifier ? pending.get(familyBit | r.sequence()) : null;
            if (p == null || !p.target.equals(r.source()) || !cookieMatches(r.payload())) {
                unmatched.incrementAndGet();   // another pinger's, or ours after its timeout
                return;
            }
            if (pending.remove(familyBit | r.sequence(), p)) {
                p.cancelTimeout();
                replies.incrementAndGet();
                p.future.complete(Duration.ofNanos(Math.max(0, receivedNanos - p.sentNanos)));
            }
        } else if (received instanceof IcmpCodec.Error e) {
            Pending p = e.identifier() == identifier ? pending.get(familyBit | e.sequence()) : null;
            if (p == null || !p.target.equals(e.originalDestination())) {
                unmatched.incrementAndGet();
                return;
            }
            if (pending.remove(familyBit | e.sequence(), p)) {
                p.cancelTimeout();
                errors.incrementAndGet();
                boolean unreachable = e.type() == (isV6 ? IcmpCodec.V6_DEST_UNREACHABLE : IcmpCodec.V4_DEST_UNREACHABLE);
                String detail = IcmpCodec.describeError(isV6, e.type(), e.code()) + " from " + InetAddresses.toText(e.reporter());
                p.future.completeExceptionally(new IcmpEchoException(p.target,
                        unreachable ? Reason.UNREACHABLE : Reason.TIME_EXCEEDED, detail, e.type(), e.code(), e.reporter(),
                        null));
            }
        } else if (received instanceof IcmpCodec.Malformed m) {
            malformed.incrementAndGet();
            LOG.debug("ignored a malformed ICMP{} datagram: {}", isV6 ? "v6" : "", m.why());
        }
        // IcmpCodec.Other: a type the filter let through that is not about us; nothing to do
    }

    private boolean cookieMatches(byte[] echoed) {
        return echoed.length == PAYLOAD && Arrays.equals(echoed, 0, COOKIE, payload, 0, COOKIE);
    }

    /** The counters so far. */
    public Counters counters() {
        return new Counters(sent.get(), replies.get(), timeouts.get(), errors.get(), sendFailures.get(), malformed.get(),
                unmatched.get());
    }

    /** The number of echoes in flight. */
    public int inFlight() {
        return pending.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean interrupted = false;
        try {
            receiver.join(2L * POLL_MILLIS + 1000);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        v4.close();
        v6.close();
        timer.shutdownNow();
        for (Integer key : pending.keySet()) {
            Pending p = pending.remove(key);
            if (p != null) {
                p.cancelTimeout();
                p.future.completeExceptionally(new IcmpEchoException(p.target, Reason.CLOSED, "the pinger was closed",
                        -1, -1, null, null));
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** One echo in flight. */
    private static final class Pending {
        final InetAddress target;
        final CompletableFuture<Duration> future;
        volatile long sentNanos;
        volatile ScheduledFuture<?> timeoutTask;

        Pending(InetAddress target, CompletableFuture<Duration> future) {
            this.target = target;
            this.future = future;
        }

        void cancelTimeout() {
            ScheduledFuture<?> t = timeoutTask;
            if (t != null) {   // null only while echo() is still scheduling it: the timer then finds nothing
                t.cancel(false);
            }
        }
    }

    /** One socket with its send buffers; sends are serialised on it, and close waits for a send in progress. */
    private static final class Family {
        final int fd;
        final boolean v6;
        private final ByteBuffer packet = Sock.direct(IcmpCodec.HEADER + PAYLOAD);
        private final ByteBuffer address = Sock.direct(Sock.SOCKADDR_IN6);
        private final ByteBuffer msg = Sock.direct(MSGHDR + IOVEC + CMSG_HEADER + 24);
        private boolean socketClosed;

        Family(int fd, boolean v6) {
            this.fd = fd;
            this.v6 = v6;
        }

        /** Sends one echo request; returns 0, the errno of a failed sendmsg, or -1 if the socket is closed. */
        synchronized int send(InetAddress target, InetAddress source, int identifier, int sequence, byte[] payload,
                Pending p) {
            if (socketClosed) {
                return -1;
            }
            int length = IcmpCodec.writeEchoRequest(packet, v6, identifier, sequence, payload);
            int scope = v6 ? ((Inet6Address) target).getScopeId() : 0;
            int addressLength = Sock.putSockaddr(address, target, scope);
            long base = Sock.address(msg);
            for (int i = 0; i < msg.capacity(); i++) {
                msg.put(i, (byte) 0);
            }
            msg.putLong(0, Sock.address(address));
            msg.putInt(8, addressLength);
            msg.putLong(16, base + MSGHDR);
            msg.putLong(24, 1);
            msg.putLong(MSGHDR, Sock.address(packet));
            msg.putLong(MSGHDR + 8, length);
            if (source != null) {
                // the source rides along as a pktinfo control message: one socket serves every source
                int c = MSGHDR + IOVEC;
                int info = v6 ? IN6_PKTINFO : IN_PKTINFO;
                msg.putLong(32, base + c);
                msg.putLong(40, CMSG_HEADER + ((info + 7) & ~7));   // CMSG_SPACE
                msg.putLong(c, CMSG_HEADER + info);                   // CMSG_LEN
                if (v6) {
                    msg.putInt(c + 8, Native.IPPROTO_IPV6);
                    msg.putInt(c + 12, Native.IPV6_PKTINFO);
                    msg.put(c + CMSG_HEADER, source.getAddress());   // ipi6_addr; ipi6_ifindex 0: any
                } else {
                    msg.putInt(c + 8, Native.IPPROTO_IP);
                    msg.putInt(c + 12, Native.IP_PKTINFO);
                    msg.put(c + CMSG_HEADER + 4, source.getAddress());   // ipi_spec_dst: the source
                }
            }
            p.sentNanos = System.nanoTime();
            long n = Native.libc().sendmsg(fd, base, Native.MSG_DONTWAIT);
            if (n < 0) {
                int errno = Native.errno();
                return errno > 0 ? errno : EIO;
            }
            return 0;
        }

        synchronized void close() {
            if (!socketClosed) {
                socketClosed = true;
                Sock.close(fd);
            }
        }
    }

}
