package io.ipvs4j.netlink.internal.nl;

import io.ipvs4j.Errno;
import io.ipvs4j.NetlinkIoException;
import io.ipvs4j.Operation;
import java.io.IOException;

/** A system call on a netlink socket failed; carries the call's name and errno. */
public final class SyscallException extends IOException {
    private final String call;
    private final int errno;

    public SyscallException(String call, int errno) {
        super(call + " failed: " + Errno.name(errno) + " (errno " + errno + ")");
        this.call = call;
        this.errno = errno;
    }

    public SyscallException(String call, String detail) {
        super(call + " failed: " + detail);
        this.call = call;
        this.errno = 0;
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
