package io.ipvs4j.netlink.internal.nl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Request/reply over a {@link NetlinkChannel}: owns one reusable send buffer (a
 * {@link MessageWriter}) and one reusable receive buffer, allocates sequence numbers, and reads
 * replies until the request's ACK, error or end of dump. Replies are checked (length, sequence
 * number, port id) before any byte of them is interpreted, and handed to the caller as bounded
 * regions of the receive buffer: nothing is copied.
 *
 * <p>Not thread-safe: callers serialise requests (the IPVS client holds a lock per socket).
 */
public final class NetlinkConnection implements AutoCloseable {
    private final NetlinkChannel channel;
    private final MessageWriter writer;
    private final ByteBuffer receive;
    private final DecodeScratch scratch = new DecodeScratch();
    private int seq;

    /** Receives one data message of a reply: {@code [payload, end)} is the bytes after nlmsghdr. */
    @FunctionalInterface
    public interface ReplyHandler {
        void onMessage(int type, int flags, ByteBuffer buffer, int payload, int end) throws MalformedMessageException;
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

    /** The receive buffer, exposed for the batch reader. */
    public ByteBuffer receiveBuffer() {
        return receive;
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
     * Sends the writer's contents as one request with sequence number {@code seq} and processes
     * every reply: data messages go to {@code handler}; returns on the ACK (error 0) or on
     * NLMSG_DONE; throws on a kernel error.
     */
    public void execute(int seq, ReplyHandler handler) throws SyscallException, MalformedMessageException,
            KernelErrorException {
        ByteBuffer out = writer.buffer();
        out.flip();
        try {
            channel.send(out);
        } finally {
            writer.clear();
        }
        while (true) {
            receive.clear();
            if (!channel.receiveQueuedToo(receive)) {
                throw new SyscallException("recv(netlink)", "no reply from the kernel within the receive timeout");
            }
            int limit = receive.limit();
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
                if (replySeq != seq || pid != channel.portId()) {
                    continue; // a late reply to an earlier request that timed out: not ours
                }
                if ((flags & Nl.NLM_F_DUMP_INTR) != 0) {
                    throw new MalformedMessageException("dump was interrupted by a concurrent change (NLM_F_DUMP_INTR)");
                }
                switch (type) {
                    case Nl.NLMSG_NOOP -> { }
                    case Nl.NLMSG_ERROR -> {
                        ErrorReply error = ErrorReply.parse(receive, payload, end, flags);
                        if (error.errno() != 0) {
                            throw new KernelErrorException(error.errno(), error.message());
                        }
                        return;
                    }
                    case Nl.NLMSG_DONE -> {
                        // A dump's DONE carries an int: 0, or the negative errno that ended it.
                        if (end - payload >= 4) {
                            int status = receive.getInt(payload);
                            if (status < 0) {
                                throw new KernelErrorException(-status, null);
                            }
                        }
                        return;
                    }
                    case Nl.NLMSG_OVERRUN -> throw new MalformedMessageException("NLMSG_OVERRUN: data lost");
                    default -> handler.onMessage(type, flags, receive, payload, end);
                }
            }
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
