package io.ipvs4j.netlink;

import io.ipvs4j.model.InetAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * An ICMP echo of {@link IcmpPinger#echo} failed: the target did not answer in time, an ICMP
 * error (destination unreachable, time exceeded) came back for the request, the request could
 * not be sent, or the pinger was closed. The message names the target.
 *
 * <pre>{@code
 * pinger.echo(target, null, Duration.ofSeconds(1)).whenComplete((rtt, e) -> {
 *     if (e instanceof IcmpEchoException f && f.reason() == IcmpEchoException.Reason.UNREACHABLE) {
 *         log.info("{} unreachable (reported by {})", f.target(), f.reporter().orElse(null));
 *     }
 * });
 * }</pre>
 */
public final class IcmpEchoException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why the echo failed. */
    public enum Reason {
        /** No matching echo reply within the timeout. */
        TIMEOUT,
        /** An ICMP destination unreachable (ICMPv4 type 3, ICMPv6 type 1) quoted the request. */
        UNREACHABLE,
        /** An ICMP time exceeded (ICMPv4 type 11, ICMPv6 type 3) quoted the request. */
        TIME_EXCEEDED,
        /** The request could not be sent (the cause, if any, names the call and errno). */
        SEND_FAILED,
        /** The pinger was closed before the echo completed. */
        CLOSED
    }

    private final transient InetAddress target;
    /** Why the echo failed. */
    private final Reason reason;
    /** The ICMP type of the error message, or -1. */
    private final int icmpType;
    /** The ICMP code of the error message, or -1. */
    private final int icmpCode;
    private final transient InetAddress reporter;

    /**
     * An echo failure.
     *
     * @param target the echoed address
     * @param reason why it failed
     * @param detail what happened, appended to "echo to TARGET failed: REASON"; may be empty
     * @param icmpType the ICMP type of the error message, or -1 if none came
     * @param icmpCode the ICMP code of the error message, or -1 if none came
     * @param reporter the source of the ICMP error message (the target or a router), or null
     * @param cause the underlying failure, or null
     */
    public IcmpEchoException(InetAddress target, Reason reason, String detail, int icmpType, int icmpCode,
            InetAddress reporter, Throwable cause) {
        super("ICMP echo to " + InetAddresses.toText(Objects.requireNonNull(target, "target")) + " failed: "
                + Objects.requireNonNull(reason, "reason").name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"), cause);
        this.target = target;
        this.reason = reason;
        this.icmpType = icmpType;
        this.icmpCode = icmpCode;
        this.reporter = reporter;
    }

    /** {@return the echoed address} */
    public InetAddress target() {
        return target;
    }

    /** {@return why the echo failed} */
    public Reason reason() {
        return reason;
    }

    /** {@return the ICMP type of the error that came back, or -1 (timeout, send failure, closed)} */
    public int icmpType() {
        return icmpType;
    }

    /** {@return the ICMP code of the error that came back, or -1 (timeout, send failure, closed)} */
    public int icmpCode() {
        return icmpCode;
    }

    /** {@return the source of the ICMP error that came back: the target itself or a router on the way} */
    public Optional<InetAddress> reporter() {
        return Optional.ofNullable(reporter);
    }
}
