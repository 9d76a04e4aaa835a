package io.ipvs4j.director.controller;

import io.ipvs4j.director.check.PingCheck;
import io.ipvs4j.netlink.IcmpPinger;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The director's PING_CHECK pinger: ipvs4j's native ICMP sockets ({@link IcmpPinger}, one
 * shared socket per family and one receive thread for all checks), opened at the first echo so
 * that a configuration without PING_CHECK (and {@code -t}) opens none. Raw sockets need
 * CAP_NET_RAW; without it the echoes go through the system's {@code ping} command instead
 * ({@link PingCheck#commandPinger()}), with one warning saying so.
 */
final class NativePinger implements PingCheck.Pinger {
    private static final Logger log = LoggerFactory.getLogger(NativePinger.class);

    private PingCheck.Pinger delegate;

    @Override
    public CompletableFuture<Duration> echo(InetAddress target, InetAddress sourceOrNull, Duration timeout) {
        return delegate().echo(target, sourceOrNull, timeout);
    }

    private synchronized PingCheck.Pinger delegate() {
        if (delegate == null) {
            try {
                delegate = IcmpPinger.open()::echo;
            } catch (IOException | RuntimeException | LinkageError e) {
                log.warn("PING_CHECK: no native ICMP socket ({}); each echo runs the ping command instead", e.getMessage());
                delegate = PingCheck.commandPinger();
            }
        }
        return delegate;
    }
}
