package io.ipvs4j.netlink.internal.nl;

import io.ipvs4j.NetlinkProtocolException;
import io.ipvs4j.Operation;
import java.io.IOException;

/** A message from the kernel broke the netlink framing rules: a length, type or sequence was wrong. */
public final class MalformedMessageException extends IOException {
    public MalformedMessageException(String message) {
        super(message);
    }

    /** The typed exception for {@code op} on {@code subject}. */
    public NetlinkProtocolException toTyped(Operation op, String subject) {
        return new NetlinkProtocolException(op, subject, getMessage(), this);
    }
}
