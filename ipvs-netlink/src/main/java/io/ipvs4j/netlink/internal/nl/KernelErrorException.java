package io.ipvs4j.netlink.internal.nl;

import io.ipvs4j.Errno;
import io.ipvs4j.IpvsErrors;
import io.ipvs4j.IpvsException;
import io.ipvs4j.Operation;
import java.io.IOException;

/**
 * The kernel answered a request with {@code NLMSG_ERROR} and a negative error. Carries the
 * positive errno and the extended-ack text (or null). The client turns it into a typed
 * exception naming the operation and the object.
 */
public final class KernelErrorException extends IOException {
    private final int errno;
    private final String extAck;

    public KernelErrorException(int errno, String extAck) {
        super(Errno.name(errno) + (extAck == null ? "" : ": " + extAck));
        this.errno = errno;
        this.extAck = extAck;
    }

    public int errno() {
        return errno;
    }

    public String extAck() {
        return extAck;
    }

    /** The exception named by meaning for this errno in {@code op} on {@code subject}. */
    public IpvsException toTyped(Operation op, String subject) {
        return IpvsErrors.fromErrno(op, subject, errno, extAck);
    }
}
