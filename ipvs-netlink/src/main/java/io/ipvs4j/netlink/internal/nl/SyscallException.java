package io.ipvs4j.netlink.internal.nl;

import io.ipvs4j.Errno;
import io.ipvs4j.NetlinkIoException;
import io.ipvs4j.Operation;
import java.io.IOException;

/** A system call on a netlink socket failed; carries the call's name and errno. */
public final class SyscallException extends IOException {
    private final String call;
    private final int errno;
    private final boolean truncated;

    public SyscallException(String call, int errno) {
        super(call + " failed: " + Errno.name(errno) + " (errno " + errno + ")");
        this.call = call;
        this.errno = errno;
        this.truncated = false;
    }

    public SyscallException(String call, String detail) {
        this(call, detail, false, null);
    }

    /** A failure without errno, e.g. an {@link Error} on a helper thread, with its cause. */
    public SyscallException(String call, String detail, Throwable cause) {
        this(call, detail, false, cause);
    }

    private SyscallException(String call, String detail, boolean truncated, Throwable cause) {
        super(call + " failed: " + detail, cause);
        this.call = call;
        this.errno = 0;
        this.truncated = truncated;
    }

    /**
     * A datagram was larger than the room given to it: the kernel discarded its tail, but the
     * socket is still usable (the next datagram is whole).
     */
    public static SyscallException truncated(String call, String detail) {
        return new SyscallException(call, detail, true, null);
    }

    /** True if a datagram was truncated (see {@link #truncated(String, String)}). */
    public boolean isTruncation() {
        return truncated;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    /** The typed exception for {@code op} on {@code subject}; a failure without errno keeps its detail. */
    public NetlinkIoException toTyped(Operation op, String subject) {
        return new NetlinkIoException(op, subject, errno == 0 ? getMessage() : call, errno);
    }
}
