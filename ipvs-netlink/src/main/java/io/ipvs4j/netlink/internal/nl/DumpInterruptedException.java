package io.ipvs4j.netlink.internal.nl;

import io.ipvs4j.NetlinkProtocolException;
import io.ipvs4j.Operation;
import java.io.IOException;

/**
 * A dump was interrupted on every one of its attempts: the kernel marked it
 * {@code NLM_F_DUMP_INTR} (the table changed while it was being dumped) or dropped part of it
 * (ENOBUFS). Each attempt was read to its end, so the socket is ready for the next request.
 */
public final class DumpInterruptedException extends IOException {
    private final int attempts;

    public DumpInterruptedException(int attempts, String reason) {
        super("dump interrupted after " + attempts + (attempts == 1 ? " attempt" : " attempts") + ": " + reason);
        this.attempts = attempts;
    }

    /** How many times the dump was started. */
    public int attempts() {
        return attempts;
    }

    /** The typed exception for {@code op} on {@code subject}. */
    public NetlinkProtocolException toTyped(Operation op, String subject) {
        return new NetlinkProtocolException(op, subject, getMessage(), this);
    }
}
