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
 * number through the connection's one receive path, which checks framing, port id and the
 * send's sequence range. If replies are lost anyway (ENOBUFS) or never come, what is queued is
 * drained without waiting (the kernel handled the whole send inside the send system call) and
 * the unanswered changes are checked against the kernel's table; in
 * {@link BatchOptions.AckMode#LAST_OF_EACH_SEND} a lost reply may have been an error, so the
 * final ACK then confirms only its own change.
 *
 * <p>A transport failure (send or receive error, malformed reply) does not throw the result
 * away: the failed send's unanswered changes are decided by reading the table back (or
 * FAILED if that fails too), earlier sends keep their outcomes, later changes are
 * NOT_ATTEMPTED, and the failure is {@link BatchResult#transportFailure()}.
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
    // The send being collected (see collect/accountFor).
    private int sendFirst;
    private int sendCount;
    private int sendBase;
    private boolean sendAcksEvery;
    /** Some reply of the current send was dropped (ENOBUFS): nothing may be inferred from silence. */
    private boolean lostInSend;
    /** The transport failure that ended the batch early, or null. */
    private IpvsException transportFailure;
    private static final int MAX_RECEIVES_PER_SEND = 1 << 20;

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

    BatchResult run() {
        int perSend = messagesPerSend();
        int next = 0;
        boolean stopped = false;
        while (next < changes.size() && !stopped && transportFailure == null) {
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
        return new BatchResult(outcomes, systemCalls, repliesLost, transportFailure);
    }

    private String batchSubject() {
        return changes.size() + " changes";
    }

    /**
     * Encodes, sends and accounts for up to {@code max} changes from {@code first}; returns how
     * many were sent. A transport failure (send or receive error, malformed reply) is recorded
     * in {@link #transportFailure} after the send's unanswered changes were decided.
     */
    private int sendChunk(int first, int max) {
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
            boolean complete = false;
            IpvsException failure = null;
            try {
                systemCalls++;
                connection.send(out);
                complete = collect(first, count, base, ackEvery);
            } catch (SyscallException e) {
                failure = e.toTyped(Operation.APPLY_BATCH, batchSubject());
            } catch (MalformedMessageException e) {
                failure = e.toTyped(Operation.APPLY_BATCH, batchSubject());
            } finally {
                w.clear();
            }
            if (failure != null) {
                LOG.warn("batch of {} changes: transport failure in the send of changes {}..{}: {}; "
                        + "deciding them against the kernel's table", changes.size(), first, first + count - 1,
                        failure.getMessage());
                transportFailure = failure;
            }
            if (!complete) {
                recoverLostReplies(first, count, failure == null ? "its reply was lost (ENOBUFS or no reply)"
                        : "the transport failed (" + failure.getMessage() + ")");
            }
            if (failure == null && attempt == 0 && status[first] == FAILED && errors[first].errno() == Errno.ENOENT
                    && allFailedWith(first, count, Errno.ENOENT)) {
                boolean moved;
                try {
                    moved = client.familyChanged(Operation.APPLY_BATCH, batchSubject());
                } catch (IpvsException e) {
                    // ENOENT meant "no such family", not "no such service": the IPVS family is
                    // gone, so that is each change's error too
                    transportFailure = e;
                    for (int i = first; i < first + count; i++) {
                        errors[i] = e;
                    }
                    return count;
                }
                if (moved) {
                    // Every message went to a family id the kernel no longer knows: resend them.
                    for (int i = first; i < first + count; i++) {
                        status[i] = PENDING;
                        errors[i] = null;
                    }
                    continue;
                }
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
     * Returns false if some were dropped (ENOBUFS) or never came: then the queue is drained
     * without waiting and the changes still unanswered are left PENDING for
     * {@link #recoverLostReplies}. A reply that was lost may have been an error, so after a
     * loss the last message's ACK confirms nothing but its own change.
     */
    private boolean collect(int first, int count, int base, boolean ackEvery)
            throws SyscallException, MalformedMessageException {
        answered = 0;
        sendFirst = first;
        sendCount = count;
        sendBase = base;
        sendAcksEvery = ackEvery;
        lostInSend = false;
        for (int receives = 0; receives < MAX_RECEIVES_PER_SEND; receives++) {
            NetlinkConnection.Receipt r;
            try {
                systemCalls++;
                r = connection.receive(!lostInSend, base, base + count - 1, this::accountFor);
            } catch (SyscallException e) {
                if (e.errno() == Errno.ENOBUFS) {
                    LOG.warn("the kernel dropped replies (ENOBUFS) in a send of {} changes: recovering", count);
                    lostInSend = true;
                    continue;
                }
                throw e;
            }
            if (r == NetlinkConnection.Receipt.NOTHING) {
                if (!lostInSend) {
                    LOG.warn("no reply within the receive timeout in a send of {} changes", count);
                }
                return false;
            }
            if (r == NetlinkConnection.Receipt.COMPLETE) {
                return answered == count;
            }
        }
        return false;
    }

    /** Records the outcome one reply reports; true once the send is complete. */
    private boolean accountFor(NetlinkConnection.Frame f) {
        if (f.type() != Nl.NLMSG_ERROR) {
            return false;   // the kernel answers batch messages with NLMSG_ERROR only
        }
        int index = f.seq() - sendBase;
        int i = sendFirst + index;
        ErrorReply reply = f.error();
        if (status[i] == PENDING) {
            answered++;
            if (reply.errno() == 0) {
                status[i] = APPLIED;
            } else {
                status[i] = FAILED;
                errors[i] = IpvsErrors.fromErrno(changes.get(i), reply.errno(), reply.message());
            }
        }
        if (index == sendCount - 1) {
            if (!sendAcksEvery && !lostInSend) {
                // In order, and no reply lost: every earlier message without an error was applied.
                for (int j = sendFirst; j < sendFirst + sendCount; j++) {
                    if (status[j] == PENDING) {
                        status[j] = APPLIED;
                        answered++;
                    }
                }
            }
            return true;   // the last message's reply: nothing of this send follows it
        }
        return sendAcksEvery && answered == sendCount;
    }

    /**
     * Decides each change of the send still without an outcome by reading the kernel's table.
     * If the table cannot be read either, those changes are FAILED with the reason and the
     * batch stops (the transport is broken).
     */
    private void recoverLostReplies(int first, int count, String reason) {
        for (int i = first; i < first + count; i++) {
            if (status[i] != PENDING) {
                continue;
            }
            Change c = changes.get(i);
            repliesLost++;
            boolean visible;
            try {
                visible = isVisible(c);
            } catch (IpvsException | RuntimeException e) {
                IpvsException cause = e instanceof IpvsException ie ? ie
                        : new NetlinkProtocolException(Operation.APPLY_BATCH, batchSubject(), e.toString(), e);
                if (transportFailure == null) {
                    transportFailure = cause;
                }
                for (int j = i; j < first + count; j++) {
                    if (status[j] == PENDING) {
                        Change u = changes.get(j);
                        if (j > i) {
                            repliesLost++;
                        }
                        status[j] = FAILED;
                        errors[j] = new NetlinkProtocolException(u.operation(), u.subject(), "outcome unknown: "
                                + reason + " and the kernel's table could not be read back: " + cause.getMessage(), cause);
                    }
                }
                return;
            }
            systemCalls += 2;
            if (visible) {
                status[i] = APPLIED;
            } else {
                status[i] = FAILED;
                errors[i] = new NetlinkProtocolException(c.operation(), c.subject(),
                        reason + " and the change is not visible in the kernel's table", null);
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
