package io.ipvs4j.netlink.internal.nl;

import java.nio.ByteBuffer;

/**
 * A datagram link to the kernel: the seam between netlink framing (pure Java) and the native
 * socket. Tests replace it with a scripted kernel.
 */
public interface NetlinkChannel extends AutoCloseable {
    /** Sends the bytes between position and limit as one datagram; advances the position. */
    void send(ByteBuffer buffer) throws SyscallException;

    /**
     * Receives one datagram into {@code buffer} starting at its position and sets the limit to
     * the end of the received bytes.
     *
     * @return false if the receive timeout expired before anything arrived
     * @throws SyscallException if the call failed, or the datagram was larger than the space
     *     left (it would have been truncated), or the kernel dropped messages (ENOBUFS)
     */
    boolean receive(ByteBuffer buffer) throws SyscallException;

    /**
     * Like {@link #receive}, but also takes the datagrams the kernel has already queued behind
     * the first (a dump's next chunks and its NLMSG_DONE, the ACK after a reply), a few per
     * system call. The datagrams are placed back to back: the bytes between position and limit
     * are whole netlink messages.
     */
    default boolean receiveQueuedToo(ByteBuffer buffer) throws SyscallException {
        return receive(buffer);
    }

    /**
     * Like {@link #receive} but never waits: false if nothing is queued right now. Used to drain
     * what the kernel queued after it reported lost messages (ENOBUFS).
     */
    default boolean receiveQueued(ByteBuffer buffer) throws SyscallException {
        return receive(buffer);
    }

    /**
     * The socket receive buffer the kernel granted, in bytes: it bounds how many replies may be
     * outstanding before the kernel drops some (ENOBUFS).
     */
    default int receiveBufferBytes() {
        return Integer.MAX_VALUE;
    }

    /** The port id the kernel assigned to this socket. */
    int portId();

    @Override
    void close();
}
