package io.ipvs4j.netlink.internal.sys;

import io.ipvs4j.Errno;
import io.ipvs4j.IpvsException;
import io.ipvs4j.IpvsUnavailableException;
import io.ipvs4j.Operation;
import io.ipvs4j.netlink.NetlinkOptions;
import io.ipvs4j.netlink.internal.nl.NetlinkChannel;
import io.ipvs4j.netlink.internal.nl.SyscallException;
import io.ipvs4j.netlink.internal.sys.ffi.LibC;
import java.nio.ByteBuffer;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * A netlink socket owned by this object. Sends and receives go straight between the caller's
 * direct buffers and the kernel: the buffers' native addresses are passed to
 * {@code send}/{@code recv}, and positions are advanced here.
 *
 * <p>Not thread-safe: the owner serialises use (one request at a time per socket).
 */
public final class NativeNetlinkSocket implements NetlinkChannel {
    private static final int SOCKADDR_NL_LEN = 12;
    // struct mmsghdr { struct msghdr msg_hdr (56 bytes); unsigned int msg_len; } padded to 64;
    // in struct msghdr: msg_iov at 16, msg_iovlen at 24, msg_flags at 48 (x86_64/aarch64 LP64)
    private static final int MMSGHDR = 64;
    private static final int IOVEC = 16;
    // Datagrams taken per recvmmsg: a dump queues its next chunk while the previous one is copied
    // out, so one call collects a small dump's data and its NLMSG_DONE, up to 128 KiB of a large
    // dump in page-sized chunks, or many ACKs.
    private static final int MAX_SLOTS = 32;
    /** Diagnostic override of {@link #dumpDatagramBytes()}, for the listing benchmark's sweep. */
    public static final String DATAGRAM_BYTES_PROPERTY = "ipvs4j.netlink.datagramBytes";

    /**
     * The receive length per datagram for sockets that mostly read dumps: the page size, at most 8 KiB. The kernel never
     * makes a dump chunk smaller than NLMSG_GOODSIZE (a page less the skb overhead, or 8 KiB
     * less it with larger pages), so this always fits one; larger lengths only make every
     * dump chunk a larger allocation, which the kernel may also zero (measured in the VM:
     * listing 11,000 real servers took 166 ms with 4 KiB, 186-300 ms with 8 KiB, 250-265 ms
     * with 16-32 KiB; BENCHMARKS.md).
     */
    public static int dumpDatagramBytes() {
        Integer override = Integer.getInteger(DATAGRAM_BYTES_PROPERTY);
        if (override != null) {
            if (override < 4096 || override > (1 << 20)) {
                throw new IllegalArgumentException(DATAGRAM_BYTES_PROPERTY + " must be 4096..1048576, was " + override);
            }
            return override;
        }
        int page = Native.libc().getpagesize();
        return page <= 0 ? 8192 : Math.min(page, 8192);
    }

    /** Closes the descriptors of sockets that became unreachable without {@link #close()}. */
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "ipvs4j-socket-cleaner");
        t.setDaemon(true);
        return t;
    });

    /** The descriptor, shared with the cleaner (which must not reach the socket itself). */
    private static final class Descriptor implements Runnable {
        private final LibC libc;
        private int fd;

        Descriptor(LibC libc, int fd) {
            this.libc = libc;
            this.fd = fd;
        }

        @Override
        public synchronized void run() {
            if (fd >= 0) {
                libc.close(fd);
                fd = -1;
            }
        }
    }

    private final LibC libc;
    private final ByteBuffer scratch;   // sockaddr_nl, socklen_t and option values
    private final long scratchAddress;
    private final int portId;
    // The most any receive offers the kernel for one datagram; see dumpDatagramBytes(): the
    // kernel sizes dump chunks to the largest receive length a socket has used.
    private final int datagramBytes;
    // MAX_SLOTS struct mmsghdr (64 bytes each on LP64) and their struct iovec, for recvmmsg.
    private final ByteBuffer mmsg = ByteBuffer.allocateDirect(MAX_SLOTS * (MMSGHDR + IOVEC)).order(ByteOrder.nativeOrder());
    private final long mmsgAddress = Native.address(mmsg);
    private long preparedBase = -1;   // the receive layout currently in mmsg (see prepareSlots)
    private int preparedSlots;
    private int fd;
    private final Descriptor descriptor;
    private final Cleaner.Cleanable cleanable;
    // Cached addresses of the last buffers used, so steady-state sends/receives allocate nothing.
    private ByteBuffer lastSend;
    private long lastSendAddress;
    private ByteBuffer lastReceive;
    private long lastReceiveAddress;

    private NativeNetlinkSocket(LibC libc, int fd, ByteBuffer scratch, long scratchAddress, int portId,
            int datagramBytes) {
        this.datagramBytes = datagramBytes;
        this.libc = libc;
        this.fd = fd;
        this.scratch = scratch;
        this.scratchAddress = scratchAddress;
        this.portId = portId;
        this.descriptor = new Descriptor(libc, fd);
        this.cleanable = CLEANER.register(this, descriptor);
    }

    /**
     * Opens and binds a netlink socket of the given protocol (NETLINK_ROUTE 0, NETLINK_GENERIC 16)
     * in the calling thread's network namespace.
     */
    public static NativeNetlinkSocket open(int protocol, SocketOptions options) throws SyscallException {
        LibC libc = Native.libc();
        int fd = libc.socket(Native.AF_NETLINK, Native.SOCK_RAW | Native.SOCK_CLOEXEC, protocol);
        if (fd < 0) {
            throw new SyscallException("socket(AF_NETLINK, " + protocol + ")", Native.errno());
        }
        ByteBuffer scratch = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
        long scratchAddress = Native.address(scratch);
        try {
            setInt(libc, fd, scratch, scratchAddress, Native.SOL_NETLINK, Native.NETLINK_EXT_ACK, 1, false);
            // Error ACKs then carry only the header of the failed request, not all of it: a batch
            // of failures does not fill the receive buffer with copies of its own requests.
            setInt(libc, fd, scratch, scratchAddress, Native.SOL_NETLINK, Native.NETLINK_CAP_ACK, 1, false);
            setBuffer(libc, fd, scratch, scratchAddress, Native.SO_RCVBUFFORCE, Native.SO_RCVBUF, options.receiveBufferBytes());
            setBuffer(libc, fd, scratch, scratchAddress, Native.SO_SNDBUFFORCE, Native.SO_SNDBUF, options.sendBufferBytes());
            setTimeout(libc, fd, scratch, scratchAddress, options.receiveTimeout());
            scratch.clear();
            scratch.putShort(0, (short) Native.AF_NETLINK).putShort(2, (short) 0).putInt(4, 0).putInt(8, 0);
            if (libc.bind(fd, scratchAddress, SOCKADDR_NL_LEN) < 0) {
                throw new SyscallException("bind(AF_NETLINK)", Native.errno());
            }
            scratch.putInt(16, SOCKADDR_NL_LEN);
            if (libc.getsockname(fd, scratchAddress, scratchAddress + 16) < 0) {
                throw new SyscallException("getsockname(AF_NETLINK)", Native.errno());
            }
            int portId = scratch.getInt(4);
            return new NativeNetlinkSocket(libc, fd, scratch, scratchAddress, portId, options.datagramBytes());
        } catch (SyscallException | RuntimeException e) {
            libc.close(fd);
            throw e;
        }
    }

    /**
     * Opens a socket as {@code options} say, inside their network namespace if one is set, that
     * receives at most {@code datagramBytes} per datagram (the largest message the caller's
     * protocol may send it; see {@link #dumpDatagramBytes()}); failures become typed exceptions
     * for {@code op} on {@code subject} (a libc that cannot be loaded is
     * {@link IpvsUnavailableException}).
     */
    public static NativeNetlinkSocket open(int protocol, int datagramBytes, NetlinkOptions options, Operation op,
            String subject) throws IpvsException {
        SocketOptions socketOptions = new SocketOptions(
                options.receiveBufferBytes(), options.sendBufferBytes(), options.receiveTimeout(), datagramBytes);
        try {
            return options.namespace().isPresent()
                    ? NetNs.callIn(options.namespace().get(), () -> open(protocol, socketOptions))
                    : open(protocol, socketOptions);
        } catch (SyscallException e) {
            throw e.toTyped(op, subject);
        } catch (LinkageError e) {
            throw new IpvsUnavailableException(op, "cannot load libc through jnr-ffi: " + e.getMessage(), 0, null, e);
        }
    }

    private static void setInt(LibC libc, int fd, ByteBuffer scratch, long address, int level, int option,
            int value, boolean required) throws SyscallException {
        scratch.putInt(32, value);
        if (libc.setsockopt(fd, level, option, address + 32, 4) < 0 && required) {
            throw new SyscallException("setsockopt(" + level + ", " + option + ")", Native.errno());
        }
    }

    /** Tries the privileged FORCE variant first (ignores rmem_max), then the capped one. */
    private static void setBuffer(LibC libc, int fd, ByteBuffer scratch, long address, int force, int plain, int bytes)
            throws SyscallException {
        scratch.putInt(32, bytes);
        if (libc.setsockopt(fd, Native.SOL_SOCKET, force, address + 32, 4) == 0) {
            return;
        }
        if (libc.setsockopt(fd, Native.SOL_SOCKET, plain, address + 32, 4) < 0) {
            throw new SyscallException("setsockopt(SO_RCVBUF/SO_SNDBUF, " + bytes + ")", Native.errno());
        }
    }

    private static void setTimeout(LibC libc, int fd, ByteBuffer scratch, long address, Duration timeout)
            throws SyscallException {
        // struct timeval { long tv_sec; long tv_usec; } on LP64
        scratch.putLong(32, timeout.getSeconds());
        scratch.putLong(40, timeout.getNano() / 1000);
        if (libc.setsockopt(fd, Native.SOL_SOCKET, Native.SO_RCVTIMEO, address + 32, 16) < 0) {
            throw new SyscallException("setsockopt(SO_RCVTIMEO)", Native.errno());
        }
    }

    /** The receive buffer size the kernel granted (it reports twice the requested value). */
    @Override
    public synchronized int receiveBufferBytes() {
        scratch.putInt(56, 4);
        if (fd < 0 || libc.getsockopt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, scratchAddress + 48, scratchAddress + 56) < 0) {
            return 0;
        }
        return scratch.getInt(48);
    }

    // The public I/O methods keep this socket reachable until the system call returned, so that
    // the cleaner cannot close the descriptor under a call in progress.
    @Override
    public void send(ByteBuffer buffer) throws SyscallException {
        try {
            sendOnce(buffer);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private void sendOnce(ByteBuffer buffer) throws SyscallException {
        ensureOpen();
        long base = sendAddress(buffer);
        int length = buffer.remaining();
        while (true) {
            long sent = libc.send(fd, base + buffer.position(), length, 0);
            if (sent >= 0) {
                if (sent != length) {
                    throw new SyscallException("send(netlink)", "sent " + sent + " of " + length + " bytes");
                }
                buffer.position(buffer.position() + length);
                return;
            }
            int errno = Native.errno();
            if (errno != Errno.EINTR) {
                throw new SyscallException("send(netlink)", errno);
            }
        }
    }

    @Override
    public boolean receive(ByteBuffer buffer) throws SyscallException {
        return receive(buffer, 0);
    }

    @Override
    public boolean receiveQueued(ByteBuffer buffer) throws SyscallException {
        return receive(buffer, Native.MSG_DONTWAIT);
    }

    private boolean receive(ByteBuffer buffer, int flags) throws SyscallException {
        try {
            return receiveOnce(buffer, flags);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private boolean receiveOnce(ByteBuffer buffer, int flags) throws SyscallException {
        ensureOpen();
        long base = receiveAddress(buffer);
        int room = Math.min(buffer.remaining(), datagramBytes);
        while (true) {
            // MSG_TRUNC makes the call return the datagram's real length, so truncation is detected.
            long got = libc.recv(fd, base + buffer.position(), room, Native.MSG_TRUNC | flags);
            if (got >= 0) {
                if (got > room) {
                    throw SyscallException.truncated("recv(netlink)",
                            "datagram of " + got + " bytes truncated to the " + room + " bytes of the receive buffer");
                }
                buffer.limit(buffer.position() + (int) got);
                return true;
            }
            int errno = Native.errno();
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno == Errno.EAGAIN) {
                return false;
            }
            throw new SyscallException("recv(netlink)", errno);
        }
    }

    @Override
    public boolean receiveQueuedToo(ByteBuffer buffer) throws SyscallException {
        try {
            return receiveMany(buffer);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private boolean receiveMany(ByteBuffer buffer) throws SyscallException {
        ensureOpen();
        int slots = Math.min(MAX_SLOTS, buffer.remaining() / datagramBytes);
        if (slots < 2) {
            return receive(buffer);
        }
        int start = buffer.position();
        long base = receiveAddress(buffer) + start;
        if (base != preparedBase || slots != preparedSlots) {
            prepareSlots(base, slots);
        }
        while (true) {
            int got = libc.recvmmsg(fd, mmsgAddress, slots, Native.MSG_WAITFORONE, 0L);
            if (got >= 1) {
                if (got > slots) {
                    throw new SyscallException("recvmmsg(netlink)", "returned " + got + " of " + slots + " datagrams");
                }
                int end = start;
                for (int i = 0; i < got; i++) {
                    int length = mmsg.getInt(i * MMSGHDR + 56);
                    checkNotTruncated(mmsg.getInt(i * MMSGHDR + 48), length);
                    // Netlink datagrams are whole 4-aligned messages: each goes right after the previous.
                    int at = i == 0 ? start : io.ipvs4j.netlink.internal.nl.Nl.align(end);
                    for (int pad = end; pad < at; pad++) {
                        buffer.put(pad, (byte) 0);
                    }
                    if (i > 0) {
                        moveLeft(buffer, start + i * datagramBytes, at, length);
                    }
                    end = at + length;
                }
                buffer.limit(end);
                return true;
            }
            int errno = Native.errno();
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno == Errno.EAGAIN) {
                return false;
            }
            throw new SyscallException("recvmmsg(netlink)", errno);
        }
    }

    /**
     * Lays out {@code slots} struct mmsghdr, each with one iovec of {@link #datagramBytes} at
     * {@code base + i * datagramBytes}. The kernel only writes results back (msg_len, msg_flags,
     * zero name and control lengths), so the layout is reused while the buffer stays the same.
     */
    private void prepareSlots(long base, int slots) {
        long iovs = mmsgAddress + MAX_SLOTS * MMSGHDR;
        mmsg.clear();
        for (int i = 0; i < slots; i++) {
            int h = i * MMSGHDR;
            for (int b = 0; b < MMSGHDR; b += 8) {
                mmsg.putLong(h + b, 0L);
            }
            mmsg.putLong(h + 16, iovs + (long) i * IOVEC);   // msg_iov
            mmsg.putLong(h + 24, 1L);                        // msg_iovlen
            mmsg.putLong(MAX_SLOTS * MMSGHDR + i * IOVEC, base + (long) i * datagramBytes);
            mmsg.putLong(MAX_SLOTS * MMSGHDR + i * IOVEC + 8, datagramBytes);
        }
        preparedBase = base;
        preparedSlots = slots;
    }

    /** Copies {@code length} bytes from {@code from} down to {@code to < from}; safe when the ranges overlap. */
    private static void moveLeft(ByteBuffer buffer, int from, int to, int length) {
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            buffer.putLong(to + i, buffer.getLong(from + i));
        }
        for (; i < length; i++) {
            buffer.put(to + i, buffer.get(from + i));
        }
    }

    private void checkNotTruncated(int msgFlags, int length) throws SyscallException {
        if ((msgFlags & Native.MSG_TRUNC) != 0 || length > datagramBytes) {
            throw SyscallException.truncated("recvmmsg(netlink)",
                    "a datagram did not fit into the " + datagramBytes + " bytes given to it and was truncated");
        }
    }

    private long sendAddress(ByteBuffer buffer) {
        if (buffer != lastSend) {
            lastSendAddress = Native.address(buffer);
            lastSend = buffer;
        }
        return lastSendAddress;
    }

    private long receiveAddress(ByteBuffer buffer) {
        if (buffer != lastReceive) {
            lastReceiveAddress = Native.address(buffer);
            lastReceive = buffer;
        }
        return lastReceiveAddress;
    }

    private void ensureOpen() throws SyscallException {
        if (fd < 0) {
            throw new SyscallException("netlink socket", "socket is closed");
        }
    }

    @Override
    public int portId() {
        return portId;
    }

    @Override
    public synchronized void close() {
        fd = -1;
        cleanable.clean();
    }

    /** Socket settings applied at open. */
    public record SocketOptions(int receiveBufferBytes, int sendBufferBytes, Duration receiveTimeout, int datagramBytes) {
        public static SocketOptions defaults() {
            return new SocketOptions(4 << 20, 1 << 20, Duration.ofSeconds(10), dumpDatagramBytes());
        }
    }
}
