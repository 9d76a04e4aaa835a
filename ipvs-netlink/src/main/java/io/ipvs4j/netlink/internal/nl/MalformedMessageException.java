package io.ipvs4j.netlink.internal.nl;

import java.io.IOException;

/** A message from the kernel broke the netlink framing rules: a length, type or sequence was wrong. */
public final class MalformedMessageException extends IOException {
    public MalformedMessageException(String message) {
        super(message);
    }
}
