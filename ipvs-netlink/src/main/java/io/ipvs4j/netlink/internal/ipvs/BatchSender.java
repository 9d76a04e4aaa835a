package io.ipvs4j.netlink.internal.ipvs;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.BatchResult;
import io.ipvs4j.Change;
import io.ipvs4j.Errno;
import io.ipvs4j.IpvsErrors;
import io.ipvs4j.IpvsException;
import io.ipvs4j.NetlinkProtocolException;
import io.ipvs4j.Operation;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.netlink.internal.nl.ErrorReply;
import io.ipvs4j.netlink.internal.nl.MalformedMessageException;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import io.ipvs4j.netlink.internal.nl.NetlinkConnection;
import io.ipvs4j.netlink.internal.nl.Nl;
import io.ipvs4j.netlink.internal.nl.SyscallException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a {@link Batch} many messages per system call and accounts for every message.
 *
 * <p>Messages are encoded back to back into the connection's send buffer, with consecutive
 * sequence numbers, up to a per-send limit that keeps the replies within the socket's receive
 * buffer. The kernel processes the messages of one send in order and answers each with an
 * NLMSG_ERROR: error 0 (if NLM_F_ACK was set) or the errno. Replies are matched by sequence
 * number. If replies are lost anyway (ENOBUFS) or never come, what is queued is drained
 * without waiting (the kernel handled the whole send inside the send system call) and the
 * unanswered changes are checked against the kernel's table.
 */
final class BatchSender {
    private static final Logger LOG = LoggerFactory.getLogger(BatchSender.class);
    /** Conservative kernel memory cost of one queued reply (skb truesize of a small message). */
    private static final int BYTES_PER_QUEUED_REPLY = 2048;
    private static final byte PENDING = 0;
    private static final byte APPLIED = 1;
    private static final byte FAILED = 2;

    private final IpvsNetlinkClient client;
    private final NetlinkConnection connection;
    private final List<Change> changes;
    private final BatchOptions options;
    private final byte[] status;
    private final IpvsException[] errors;
    private int systemCalls;
    private int repliesLost;
    /** Changes of the current send that have an outcome: the send is done when it reaches its size. */
    private int answered;

    BatchSender(IpvsNetlinkClient client, Batch batch, BatchOptions options) {
        this.client = client;
        this.connection = client.connection();
        this.changes = batch.changes();
        this.options = options;
        this.status = new byte[changes.size()];
        this.errors = new IpvsException[changes.size()];
    }

    /** Per-send message limit: the option, the STOP policy, and the receive buffer's room for replies. */
    int messagesPerSend() {
        if (options.errorPolicy() == BatchOptions.ErrorPolicy.STOP) {
            return 1;
        }
        int limit = options.maxMessagesPerSend();
        if (!Boolean.getBoolean("ipvs4j.batch.ignoreReceiveBufferLimit")) {
            int room = Math.max(1, connection.channel().receiveBufferBytes() / BYTES_PER_QUEUED_REPLY);
            limit = Math.min(limit, room);
        }
        return limit;
    }

    BatchResult run() throws IpvsException {
        int perSend = messagesPerSend();
        int next = 0;
        boolean stopped = false;
        while (next < changes.size() && !stopped) {
            int sent = sendChunk(next, perSend);
            for (int i = next; i < next + sent; i++) {
                if (status[i] == FAILED && options.errorPolicy() == BatchOptions.ErrorPolicy.STOP) {
                    stopped = true;
                }
            }
            next += sent;
        }
        List<BatchResult.Outcome> outcomes = new ArrayList<>(changes.size());
        for (int i = 0; i < changes.size(); i++) {
            BatchResult.Status s = status[i] == APPLIED ? BatchResult.Status.APPLIED
                    : status[i] == FAILED ? BatchResult.Status.FAILED : BatchResult.Status.NOT_ATTEMPTED;
            outcomes.add(new BatchResult.Outcome(i, changes.get(i), s, Optional.ofNullable(errors[i])));
        }
        return new BatchResult(outcomes, systemCalls, repliesLost);
    }

    /** Encodes, sends and accounts for up to {@code max} changes from {@code first}; returns how many were sent. */
    private int sendChunk(int first, int max) throws IpvsException {
        for (int attempt = 0; ; attempt++) {
            MessageWriter w = connection.writer();
            w.clear();
            int wanted = Math.min(max, changes.size() - first);
            int base = connection.reserveSeqs(wanted);
            int count = 0;
            int lastStart = -1;
            boolean ackEvery = options.ackMode() == BatchOptions.AckMode.EVERY;
            while (count < wanted) {
                Change change = changes.get(first + count);
                int start = w.size();
                try {
                    int msg = IpvsCodec.begin(w, client.familyId(), IpvsCodec.command(change),
                            ackEvery ? Nl.NLM_F_ACK : 0, base + count);
                    IpvsCodec.encodeChange(w, change);
                    w.endMessage(msg);
                } catch (BufferOverflowException e) {
                    w.rollback(start);
                    if (count == 0) {
                        throw new IllegalStateException(change.subject() + ": message larger than the "
                                + w.capacity() + "-byte send buffer");
                    }
                    break;
                }
                lastStart = start;
                count++;
            }
            ByteBuffer out = w.buffer();
            // The last message always asks for an ACK: its reply marks the end of this send.
            out.putShort(lastStart + 6, (short) (out.getShort(lastStart + 6) | Nl.NLM_F_ACK));
            out.flip();
            try {
                systemCalls++;
                connection.channel().send(out);
            } catch (SyscallException e) {
                throw e.toTyped(Operation.APPLY_BATCH, changes.size() + " changes");
            } finally {
                w.clear();
            }
            boolean complete = collect(first, count, base, ackEvery);
            if (!complete) {
                recoverLostReplies(first, count);
            }
            if (attempt == 0 && status[first] == FAILED && errors[first].errno() == Errno.ENOENT
                    && allFailedWith(first, count, Errno.ENOENT)
                    && client.familyChanged(Operation.APPLY_BATCH, changes.size() + " changes")) {
                // Every message went to a family id the kernel no longer knows: resend them.
                for (int i = first; i < first + count; i++) {
                    status[i] = PENDING;
                    errors[i] = null;
                }
                continue;
            }
            return count;
        }
    }

    private boolean allFailedWith(int first, int count, int errno) {
        for (int i = first; i < first + count; i++) {
            if (status[i] != FAILED || errors[i].errno() != errno) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads replies until every message of the send is accounted for. The kernel handles the
     * whole send inside the send system call, so by now every reply is queued or was dropped.
     * Returns false if some were dropped (ENOBUFS): then the queue is drained without waiting
     * and the changes still unanswered are left PENDING for {@link #recoverLostReplies}.
     */
    private boolean collect(int first, int count, int base, boolean ackEvery) throws IpvsException {
        answered = 0;
        boolean draining = false;
        ByteBuffer in = connection.receiveBuffer();
        while (true) {
            in.clear();
            try {
                systemCalls++;
                boolean got = draining ? connection.channel().receiveQueued(in) : connection.channel().receive(in);
                if (!got) {
                    if (!draining) {
                        LOG.warn("no reply within the receive timeout in a send of {} changes", count);
                    }
                    return false;
                }
            } catch (SyscallException e) {
                if (e.errno() == Errno.ENOBUFS) {
                    LOG.warn("the kernel dropped replies (ENOBUFS) in a send of {} changes: recovering", count);
                    draining = true;
                    continue;
                }
                throw e.toTyped(Operation.APPLY_BATCH, changes.size() + " changes");
            }
            if (accountFor(in, first, count, base, ackEvery) && !draining) {
                return true;
            }
        }
    }

    /** Records the outcomes in one received datagram; true once the send is fully accounted for. */
    private boolean accountFor(ByteBuffer in, int first, int count, int base, boolean ackEvery) throws IpvsException {
        int last = base + count - 1;
        try {
            int limit = in.limit();
            int offset = 0;
            while (offset < limit) {
                int length = NetlinkConnection.checkedLength(in, offset, limit);
                int type = Short.toUnsignedInt(in.getShort(offset + 4));
                int flags = Short.toUnsignedInt(in.getShort(offset + 6));
                int seq = in.getInt(offset + 8);
                int payload = offset + Nl.NLMSG_HDRLEN;
                int end = offset + length;
                offset = Math.min(limit, offset + Nl.align(length));
                int index = seq - base;
                if (type != Nl.NLMSG_ERROR || index < 0 || index >= count) {
                    continue;   // not a reply to this send
                }
                ErrorReply reply = ErrorReply.parse(in, payload, end, flags);
                int i = first + index;
                if (status[i] == PENDING) {
                    answered++;
                    if (reply.errno() == 0) {
                        status[i] = APPLIED;
                    } else {
                        status[i] = FAILED;
                        errors[i] = IpvsErrors.fromErrno(changes.get(i), reply.errno(), reply.message());
                    }
                }
                if (seq == last) {
                    if (!ackEvery) {
                        // In order: everything before the last message without an error was applied.
                        for (int j = first; j < first + count; j++) {
                            if (status[j] == PENDING) {
                                status[j] = APPLIED;
                                answered++;
                            }
                        }
                    }
                    return answered == count;
                }
            }
            return ackEvery && answered == count;
        } catch (MalformedMessageException e) {
            throw e.toTyped(Operation.APPLY_BATCH, changes.size() + " changes");
        }
    }

    /** Decides each change whose reply was lost by reading the kernel's table. */
    private void recoverLostReplies(int first, int count) throws IpvsException {
        for (int i = first; i < first + count; i++) {
            if (status[i] != PENDING) {
                continue;
            }
            Change c = changes.get(i);
            repliesLost++;
            boolean visible = isVisible(c);
            systemCalls += 2;
            if (visible) {
                status[i] = APPLIED;
            } else {
                status[i] = FAILED;
                errors[i] = new NetlinkProtocolException(c.operation(), c.subject(),
                        "the kernel dropped its reply (ENOBUFS) and the change is not visible in its table", null);
            }
        }
    }

    private boolean isVisible(Change c) throws IpvsException {
        if (c instanceof Change.AddService a) {
            return client.service(a.service().key()).map(s -> s.service().equals(a.service())).orElse(false);
        } else if (c instanceof Change.UpdateService u) {
            return client.service(u.service().key()).map(s -> s.service().equals(u.service())).orElse(false);
        } else if (c instanceof Change.RemoveService r) {
            return client.service(r.key()).isEmpty();
        }
        List<RealServerStatus> servers = client.service(c.serviceKey()).isPresent()
                ? client.realServers(c.serviceKey()) : List.of();
        if (c instanceof Change.AddRealServer a) {
            return servers.stream().anyMatch(s -> s.realServer().equals(a.realServer()));
        } else if (c instanceof Change.UpdateRealServer u) {
            return servers.stream().anyMatch(s -> s.realServer().equals(u.realServer()));
        } else {
            Change.RemoveRealServer r = (Change.RemoveRealServer) c;
            return servers.stream().noneMatch(s -> s.realServer().endpoint().equals(r.endpoint()));
        }
    }
}
