package io.ipvs4j.director.check;

import io.ipvs4j.model.InetAddresses;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * keepalived's {@code PING_CHECK} (check_ping.c): one ICMP (or ICMPv6) echo request to the
 * target; it passes when an echo reply arrives within the connect timeout. The echo itself is
 * the {@link Pinger}'s: ipvs4j's native ICMP socket ({@code io.ipvs4j.netlink.IcmpPinger::echo})
 * in the director, or {@link #commandPinger()} where no native pinger is available.
 *
 * <pre>{@code
 * PingCheck c = new PingCheck(icmpPinger::echo, InetAddresses.parse("192.0.2.32"), null, Duration.ofSeconds(2));
 * CheckResult r = c.start(io).join();
 * }</pre>
 *
 * @param pinger sends the echo and completes with the round-trip time
 * @param target the address pinged (the real server's, or {@code connect_ip})
 * @param source the local address to send from ({@code bindto}), or null
 * @param timeout how long to wait for the reply ({@code connect_timeout})
 */
public record PingCheck(Pinger pinger, InetAddress target, InetAddress source, Duration timeout) implements HealthCheck {
    /** Beyond the pinger's own timeout, how long before the check gives up on a pinger that never completes. */
    static final Duration GRACE = Duration.ofSeconds(1);

    /**
     * Checks the parts.
     *
     * @param pinger sends the echo and completes with the round-trip time
     * @param target the address pinged (the real server's, or {@code connect_ip})
     * @param source the local address to send from ({@code bindto}), or null
     * @param timeout how long to wait for the reply ({@code connect_timeout})
     */
    public PingCheck {
        Objects.requireNonNull(pinger, "pinger");
        Objects.requireNonNull(target, "target");
        Timeouts.positive("timeout", timeout);
    }

    /**
     * Sends one ICMP echo request. The shape of {@code io.ipvs4j.netlink.IcmpPinger#echo}.
     *
     * <pre>{@code
     * PingCheck.Pinger p = icmpPinger::echo;
     * }</pre>
     */
    @FunctionalInterface
    public interface Pinger {
        /**
         * Pings {@code target} once, from {@code sourceOrNull} when given; completes with the
         * round-trip time, or exceptionally on timeout or unreachability. Must not block.
         *
         * @param target the address to ping
         * @param sourceOrNull the source address, or {@code null} to let the kernel choose
         * @param timeout how long to wait for the reply
         * @return the round-trip time
         */
        CompletableFuture<Duration> echo(InetAddress target, InetAddress sourceOrNull, Duration timeout);
    }

    /**
     * A pinger that runs the system's {@code ping} (iputils, or busybox's) once per echo,
     * without a shell, observed with {@link Process#onExit()}: for hosts where the native
     * pinger is not wired in. A process per echo costs far more than a socket; the native
     * pinger is the one to use at scale.
     *
     * @return the pinger; stateless and shared
     */
    public static Pinger commandPinger() {
        return CommandPinger.INSTANCE;
    }

    @Override
    public CompletableFuture<CheckResult> start(CheckIo io) {
        String where = InetAddresses.toText(target);
        CompletableFuture<Duration> echo;
        try {
            echo = pinger.echo(target, source, timeout);
        } catch (RuntimeException e) {
            echo = CompletableFuture.failedFuture(e);
        }
        return io.within(echo, timeout.plus(GRACE), "PING " + where, null).handle((rtt, e) -> {
            if (e == null) {
                return CheckResult.up("PING " + where + " echo reply in " + rtt.toMillis() + " ms");
            }
            Throwable cause = HttpGetCheck.unwrap(e);
            return CheckResult.down("PING " + where + (cause instanceof TimeoutException
                    ? " no echo reply within " + timeout : " failed: " + cause.getMessage()));
        });
    }

    @Override
    public String describe() {
        return "PING_CHECK " + InetAddresses.toText(target);
    }

    @Override
    public String toString() {
        return describe() + (source != null ? " from " + InetAddresses.toText(source) : "") + " connect_timeout "
                + timeout;
    }
}
