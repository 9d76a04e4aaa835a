package io.ipvs4j.netlink.internal.nl;

import io.ipvs4j.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Request/reply over a {@link NetlinkChannel}: owns one reusable send buffer (a
 * {@link MessageWriter}) and one reusable receive buffer, allocates sequence numbers, and reads
 * replies until the request's ACK, error or end of dump.
 *
 * <p>{@link #receive} is the one receive path of every netlink client (single requests, dumps,
 * batches; IPVS and rtnetlink): it checks each message's framing (length within the received
 * bytes, port id, sequence range, NLMSG_ERROR and NLMSG_DONE payloads, NLMSG_OVERRUN) before
 * any byte of it is interpreted, and hands the messages to the caller as bounded regions of the
 * receive buffer: nothing is copied.
 *
 * <p>Dumps are always read to their end before an error is reported: a decode error or an
 * interrupted dump ({@code NLM_F_DUMP_INTR}, ENOBUFS) keeps reading until NLMSG_DONE, and a
 * dump abandoned because nothing arrived is drained before the next request is sent; otherwise
 * the kernel would still be dumping on this socket and refuse the next dump with EBUSY. An
 * interrupted dump is started again, at most {@link #MAX_DUMP_ATTEMPTS} times.
 *
 * <p>Not thread-safe: callers serialise requests (the IPVS client holds a lock per socket).
 */
public final class NetlinkConnection implements AutoCloseable {
    /** How many times a dump is started before an interruption is reported (first try included). */
    public static final int MAX_DUMP_ATTEMPTS = 5;
    /** Bound of the receive calls that read one exchange (or one abandoned dump) to its end. */
    static final int MAX_RECEIVES_PER_EXCHANGE = 1 << 20;

    private final NetlinkChannel channel;
    private final MessageWriter writer;
    private final ByteBuffer receive;
    private final DecodeScratch scratch = new DecodeScratch();
    private final Frame frame = new Frame();
    private int seq;
    /** Sequence number of a dump left before its NLMSG_DONE (nothing arrived in time), or 0. */
    private int unfinishedDumpSeq;

    /** Receives one data message of a reply: {@code [payload, end)} is the bytes after nlmsghdr. */
    @FunctionalInterface
    public interface ReplyHandler {
        void onMessage(int type, int flags, ByteBuffer buffer, int payload, int end) throws MalformedMessageException;
    }

    /** Receives validated messages from {@link #receive}; returns true when the exchange is complete. */
    @FunctionalInterface
    public interface FrameHandler {
        boolean onFrame(Frame frame) throws MalformedMessageException;
    }

    /** What one {@link #receive} call got. */
    public enum Receipt {
        /** Nothing arrived (the receive timeout expired, or nothing was queued). */
        NOTHING,
        /** Messages arrived; the handler has not completed the exchange yet. */
        MORE,
        /** The handler completed the exchange. */
        COMPLETE
    }

    /**
     * One reply message whose framing was checked, as a view of the receive buffer; valid
     * until the handler returns.
     */
    public static final class Frame {
        private ByteBuffer buffer;
        private int type;
        private int flags;
        private int seq;
        private int payload;
        private int end;
        private ErrorReply error;
        private int doneErrno;

        public ByteBuffer buffer() {
            return buffer;
        }

        public int type() {
            return type;
        }

        public int flags() {
            return flags;
        }

        public int seq() {
            return seq;
        }

        /** Offset of the bytes after nlmsghdr. */
        public int payload() {
            return payload;
        }

        /** End of this message (nlmsg_len after its start). */
        public int end() {
            return end;
        }

        /** True if the kernel marked the message NLM_F_DUMP_INTR (the dumped table changed meanwhile). */
        public boolean dumpInterrupted() {
            return (flags & Nl.NLM_F_DUMP_INTR) != 0;
        }

        /** The parsed NLMSG_ERROR (ACK when errno is 0), or null for other types. */
        public ErrorReply error() {
            return error;
        }

        /** For NLMSG_DONE: the positive errno that ended the dump, or 0. */
        public int doneErrno() {
            return doneErrno;
        }

        /** True for NLMSG_ERROR and NLMSG_DONE, which end a request's replies. */
        public boolean terminal() {
            return type == Nl.NLMSG_ERROR || type == Nl.NLMSG_DONE;
        }
    }

    public NetlinkConnection(NetlinkChannel channel, int sendCapacity, int receiveCapacity) {
        this.channel = channel;
        this.writer = new MessageWriter(sendCapacity);
        this.receive = ByteBuffer.allocateDirect(receiveCapacity).order(ByteOrder.nativeOrder());
        this.seq = (int) (System.nanoTime() & 0x3fffffff) + 1;
    }

    public MessageWriter writer() {
        return writer;
    }

    public NetlinkChannel channel() {
        return channel;
    }

    /** Reusable decoding state for replies on this connection (same threading rule as the connection). */
    public DecodeScratch scratch() {
        return scratch;
    }

    /** Capacity of the receive buffer. */
    public int receiveCapacity() {
        return receive.capacity();
    }

    /** A fresh sequence number (never 0: the kernel uses 0 for notifications). */
    public int nextSeq() {
        if (++seq == 0) {
            seq = 1;
        }
        return seq;
    }

    /**
     * Reserves {@code count} consecutive sequence numbers (none of them 0) and returns the first,
     * so that a batch can map each reply back to its message by subtraction.
     */
    public int reserveSeqs(int count) {
        if (seq < 0 || seq > Integer.MAX_VALUE - count - 1) {
            seq = 0;
        }
        int first = seq + 1;
        seq += count;
        return first;
    }

    /**
     * Sends the bytes between the buffer's position and limit as one datagram, after reading an
     * abandoned dump to its end (see the class comment).
     */
    public void send(ByteBuffer out) throws SyscallException, MalformedMessageException {
        drainUnfinishedDump();
        channel.send(out);
    }

    /**
     * The one receive path. Receives what the channel has (waiting up to its timeout if
     * {@code wait}, else only what is queued), checks the framing of every message, skips
     * messages that are not for this socket or whose sequence number is outside
     * {@code [firstSeq, lastSeq]} (late replies to an earlier request that timed out), and hands
     * the others to {@code handler} in order until it completes the exchange.
     *
     * @throws MalformedMessageException if a message's framing is broken (then the rest of the
     *     datagram cannot be read either) or the handler rejects a message
     * @throws SyscallException if the receive failed (ENOBUFS: the kernel dropped messages)
     */
    public Receipt receive(boolean wait, int firstSeq, int lastSeq, FrameHandler handler)
            throws SyscallException, MalformedMessageException {
        receive.clear();
        boolean got = wait ? channel.receiveQueuedToo(receive) : channel.receiveQueued(receive);
        if (!got) {
            return Receipt.NOTHING;
        }
        int limit = receive.limit();
        int span = lastSeq - firstSeq;
        int offset = 0;
        while (offset < limit) {
            int length = checkedLength(receive, offset, limit);
            int type = Short.toUnsignedInt(receive.getShort(offset + 4));
            int flags = Short.toUnsignedInt(receive.getShort(offset + 6));
            int replySeq = receive.getInt(offset + 8);
            int pid = receive.getInt(offset + 12);
            int payload = offset + Nl.NLMSG_HDRLEN;
            int end = offset + length;
            offset = Math.min(limit, offset + Nl.align(length));
            if (pid != channel.portId() || Integer.compareUnsigned(replySeq - firstSeq, span) > 0) {
                continue;   // not ours, or a late reply to an earlier request
            }
            Frame f = frame;
            f.buffer = receive;
            f.type = type;
            f.flags = flags;
            f.seq = replySeq;
            f.payload = payload;
            f.end = end;
            f.error = null;
            f.doneErrno = 0;
            switch (type) {
                case Nl.NLMSG_ERROR -> f.error = ErrorReply.parse(receive, payload, end, flags);
                case Nl.NLMSG_DONE -> {
                    // A dump's DONE carries an int: 0, or the negative errno that ended it.
                    if (end - payload >= 4) {
                        int status = receive.getInt(payload);
                        if (status > 0) {
                            throw new MalformedMessageException("NLMSG_DONE carries a positive status " + status);
                        }
                        f.doneErrno = -status;
                    }
                }
                case Nl.NLMSG_OVERRUN -> throw new MalformedMessageException("NLMSG_OVERRUN: the kernel lost data");
                default -> { }
            }
            if (handler.onFrame(f)) {
                return Receipt.COMPLETE;
            }
        }
        return Receipt.MORE;
    }

    /** {@link #execute(int, ReplyHandler, Runnable)} for a request whose dump is not started again. */
    public void execute(int seq, ReplyHandler handler) throws SyscallException, MalformedMessageException,
            KernelErrorException, DumpInterruptedException {
        execute(seq, handler, null);
    }

    /**
     * Sends the writer's contents as one request with sequence number {@code seq} and processes
     * every reply: data messages go to {@code handler}; returns on the ACK (error 0) or on
     * NLMSG_DONE; throws on a kernel error. A dump is read to its end even after a failure.
     * An interrupted dump (NLM_F_DUMP_INTR or lost messages) is sent again with a new sequence
     * number after {@code restart} discarded what the handler collected, up to
     * {@link #MAX_DUMP_ATTEMPTS} times; without {@code restart} it is reported at once.
     */
    public void execute(int seq, ReplyHandler handler, Runnable restart) throws SyscallException,
            MalformedMessageException, KernelErrorException, DumpInterruptedException {
        ByteBuffer out = writer.buffer();
        out.flip();
        boolean dump = out.remaining() >= Nl.NLMSG_HDRLEN
                && (Short.toUnsignedInt(out.getShort(out.position() + 6)) & Nl.NLM_F_DUMP) == Nl.NLM_F_DUMP;
        int start = out.position();
        try {
            int current = seq;
            for (int attempt = 1; ; attempt++) {
                out.position(start);
                send(out);
                String interruption = exchange(current, dump, handler);
                if (interruption == null) {
                    return;
                }
                if (restart == null || attempt >= MAX_DUMP_ATTEMPTS) {
                    throw new DumpInterruptedException(attempt, interruption);
                }
                restart.run();
                current = nextSeq();
                out.putInt(start + 8, current);
            }
        } finally {
            writer.clear();
        }
    }

    /**
     * Reads the replies to request {@code seq} up to its ACK, error or NLMSG_DONE. Returns null
     * when complete, or why the dump was interrupted (it was read to its end all the same).
     */
    private String exchange(int seq, boolean dump, ReplyHandler handler) throws SyscallException,
            MalformedMessageException, KernelErrorException {
        ExchangeState state = new ExchangeState(dump, handler);
        try {
            for (int receives = 0; receives < MAX_RECEIVES_PER_EXCHANGE; receives++) {
                Receipt r;
                try {
                    r = receive(true, seq, seq, state);
                } catch (SyscallException e) {
                    // ENOBUFS: the kernel dropped part of the dump; truncation: one datagram lost
                    // its tail. Both leave the socket usable: read on to the end.
                    if (dump && e.errno() == Errno.ENOBUFS) {
                        if (state.interruption == null) {
                            state.interruption = "the kernel dropped part of it (ENOBUFS)";
                        }
                        continue;
                    }
                    if (dump && e.isTruncation()) {
                        if (state.failure == null) {
                            state.failure = e;
                        }
                        continue;
                    }
                    throw e;
                }
                if (r == Receipt.NOTHING) {
                    throw new SyscallException("recv(netlink)", "no reply from the kernel within the receive timeout");
                }
                if (r == Receipt.COMPLETE) {
                    state.finished = true;
                    break;
                }
            }
        } finally {
            if (dump && !state.finished) {
                unfinishedDumpSeq = seq;
            }
        }
        if (!state.finished) {
            throw new SyscallException("recv(netlink)", "no end of the reply after " + MAX_RECEIVES_PER_EXCHANGE + " receives");
        }
        state.rethrow();
        return state.interruption;
    }

    /** What one exchange has seen so far; the first failure wins and is reported after the end. */
    private static final class ExchangeState implements FrameHandler {
        final boolean dump;
        final ReplyHandler handler;
        boolean finished;
        String interruption;
        Exception failure;

        ExchangeState(boolean dump, ReplyHandler handler) {
            this.dump = dump;
            this.handler = handler;
        }

        @Override
        public boolean onFrame(Frame f) throws MalformedMessageException {
            // Only dumps are interrupted; the flag on any other reply means nothing.
            if (dump && f.dumpInterrupted() && interruption == null) {
                interruption = "the table changed while it was dumped (NLM_F_DUMP_INTR)";
            }
            switch (f.type) {
                case Nl.NLMSG_ERROR -> {
                    if (f.error.errno() != 0 && failure == null) {
                        failure = new KernelErrorException(f.error.errno(), f.error.message());
                    }
                    return true;
                }
                case Nl.NLMSG_DONE -> {
                    if (f.doneErrno != 0 && failure == null) {
                        failure = new KernelErrorException(f.doneErrno, null);
                    }
                    return true;
                }
                case Nl.NLMSG_NOOP -> {
                    return false;
                }
                default -> {
                    if (failure != null || interruption != null) {
                        return false;   // read on to the end; this attempt's data is not used
                    }
                    try {
                        handler.onMessage(f.type, f.flags, f.buffer, f.payload, f.end);
                    } catch (MalformedMessageException | RuntimeException e) {
                        if (!dump) {
                            throw e;
                        }
                        failure = e;
                    }
                    return false;
                }
            }
        }

        void rethrow() throws SyscallException, MalformedMessageException, KernelErrorException {
            if (failure == null) {
                return;
            }
            // A kernel error or decode failure of an interrupted dump says nothing: start again.
            if (interruption != null && !(failure instanceof RuntimeException)) {
                return;
            }
            if (failure instanceof MalformedMessageException e) {
                throw e;
            }
            if (failure instanceof KernelErrorException e) {
                throw e;
            }
            if (failure instanceof SyscallException e) {
                throw e;
            }
            throw (RuntimeException) failure;
        }
    }

    /**
     * Reads a dump that was left before its end (nothing arrived within the receive timeout)
     * up to its NLMSG_DONE, discarding it, so that the kernel accepts the next dump.
     */
    private void drainUnfinishedDump() throws SyscallException, MalformedMessageException {
        int abandoned = unfinishedDumpSeq;
        if (abandoned == 0) {
            return;
        }
        FrameHandler untilEnd = Frame::terminal;
        try {
            for (int receives = 0; receives < MAX_RECEIVES_PER_EXCHANGE; receives++) {
                Receipt r;
                try {
                    r = receive(true, abandoned, abandoned, untilEnd);
                } catch (SyscallException e) {
                    if (e.errno() == Errno.ENOBUFS || e.isTruncation()) {
                        continue;
                    }
                    throw e;
                }
                if (r != Receipt.MORE) {
                    // COMPLETE: drained. NOTHING: the kernel has nothing more for that dump.
                    return;
                }
            }
        } finally {
            unfinishedDumpSeq = 0;
        }
    }

    /** Validates the nlmsghdr at {@code offset} and returns its nlmsg_len. */
    public static int checkedLength(ByteBuffer buffer, int offset, int limit) throws MalformedMessageException {
        if (limit - offset < Nl.NLMSG_HDRLEN) {
            throw new MalformedMessageException("netlink header at offset " + offset + " cut short: "
                    + (limit - offset) + " of 16 bytes");
        }
        int length = buffer.getInt(offset);
        if (length < Nl.NLMSG_HDRLEN || length > limit - offset) {
            throw new MalformedMessageException("netlink message at offset " + offset + " claims length "
                    + Integer.toUnsignedString(length) + " but " + (limit - offset) + " bytes were received");
        }
        return length;
    }

    @Override
    public void close() {
        channel.close();
    }
}
