package io.ipvs4j.netlink;

import io.ipvs4j.netlink.internal.icmp.KernelPinger;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * ICMP echo ("ping") for health checks, asynchronous and shared: one raw ICMP socket and one raw
 * ICMPv6 socket (echo request / reply 8/0 and 128/129) serve every echo, one receive thread
 * matches the replies to the requests (identifier, sequence, source address and a random cookie
 * in the payload), one timer thread times them out. No thread per echo: thousands can be in
 * flight at once.
 *
 * <pre>{@code
 * try (IcmpPinger pinger = IcmpPinger.open()) {
 *     pinger.echo(InetAddress.getByName("192.0.2.11"), null, Duration.ofSeconds(1))
 *           .whenComplete((rtt, failure) -> {
 *               if (failure == null) {
 *                   log.info("192.0.2.11 answered in {} us", rtt.toNanos() / 1000);
 *               } else {
 *                   log.info("down: {}", failure.getMessage());   // an IcmpEchoException
 *               }
 *           });
 *     ...
 * }
 * }</pre>
 *
 * <p>Needs CAP_NET_RAW in the network namespace (root, as for IPVS itself). Raw sockets rather
 * than unprivileged "ping sockets" ({@code SOCK_DGRAM}/{@code IPPROTO_ICMP}, which keepalived's
 * PING_CHECK uses): those are allowed only to the groups of {@code net.ipv4.ping_group_range},
 * root included, and a new network namespace allows nobody; a raw socket also sees the
 * destination unreachable and time exceeded messages about a request directly.
 *
 * <p>Futures complete on the pinger's receive thread (a reply, an ICMP error) or its timer
 * thread (a timeout): keep dependent actions short, or use the {@code ...Async} methods of
 * {@link CompletableFuture} with an executor of your own.
 */
public final class IcmpPinger implements AutoCloseable {
    private final KernelPinger engine;

    private IcmpPinger(KernelPinger engine) {
        this.engine = engine;
    }

    /**
     * A pinger in the calling thread's network namespace.
     *
     * @return the pinger; the caller closes it
     * @throws IOException if a socket cannot be opened (without CAP_NET_RAW: EPERM) or configured;
     *     the message names the call and errno
     */
    public static IcmpPinger open() throws IOException {
        return open(NetlinkOptions.DEFAULT);
    }

    /**
     * A pinger whose sockets live in the network namespace of {@code options}; the sockets' kernel
     * buffers are {@link NetlinkOptions#receiveBufferBytes()} and
     * {@link NetlinkOptions#sendBufferBytes()} (forced when privileged, else capped by
     * {@code net.core.rmem_max}/{@code wmem_max}).
     *
     * @param options the network namespace and socket buffer sizes
     * @return the pinger; the caller closes it
     * @throws IOException if the namespace or a socket cannot be opened or configured (names the
     *     call and errno)
     */
    public static IcmpPinger open(NetlinkOptions options) throws IOException {
        return new IcmpPinger(KernelPinger.open(options));
    }

    /**
     * Sends one ICMP (IPv4 target) or ICMPv6 (IPv6 target) echo request.
     *
     * @param target the address to echo; its reply must come from this address
     * @param sourceOrNull the source address of the request (a local address of the namespace),
     *     or null for the kernel's choice by route
     * @param timeout how long to wait for the reply, positive, at most a day
     * @return a future that completes with the round-trip time when the matching echo reply
     *     arrives, or exceptionally with an {@link IcmpEchoException} naming the target: on
     *     timeout, when an ICMP destination unreachable or time exceeded quotes the request,
     *     when the request cannot be sent (e.g. a source that is not local), or when the pinger
     *     is closed first
     * @throws IllegalArgumentException if target or timeout is null, the timeout is not
     *     positive or longer than a day, the target is a wildcard address, or source and target
     *     differ in family
     */
    public CompletableFuture<Duration> echo(InetAddress target, InetAddress sourceOrNull, Duration timeout) {
        return engine.echo(target, sourceOrNull, timeout);
    }

    /** {@return the counters since the pinger was opened} */
    public Stats stats() {
        KernelPinger.Counters c = engine.counters();
        return new Stats(c.sent(), c.replies(), c.timeouts(), c.errors(), c.sendFailures(), c.malformed(), c.unmatched(),
                engine.inFlight());
    }

    /**
     * The pinger's counters.
     *
     * @param sent echo requests handed to the kernel
     * @param replies echoes completed by their reply
     * @param timeouts echoes failed by their timeout
     * @param errors echoes failed by an ICMP error (destination unreachable, time exceeded)
     * @param sendFailures echoes that could not be sent
     * @param malformed received datagrams ignored as too short, inconsistent or with a bad checksum
     * @param unmatched well-formed replies or errors for no echo in flight (another pinger's, or
     *     late: after the timeout)
     * @param inFlight echoes waiting for their reply now
     */
    public record Stats(long sent, long replies, long timeouts, long errors, long sendFailures, long malformed,
            long unmatched, int inFlight) {}

    /**
     * Stops the receive and timer threads (within about 100 ms), closes the sockets and fails every
     * echo in flight with {@link IcmpEchoException.Reason#CLOSED}. Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }
}
