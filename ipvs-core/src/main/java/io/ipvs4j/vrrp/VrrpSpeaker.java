package io.ipvs4j.vrrp;

import java.util.Optional;

/**
 * One running VRRP instance: advertises as MASTER, listens as BACKUP, and moves its virtual
 * addresses with its state. Open one with {@code io.ipvs4j.netlink.VrrpHost.speaker(...)}.
 *
 * <pre>{@code
 * try (VrrpScheduler scheduler = new VrrpScheduler();
 *      VrrpSpeaker vi1 = VrrpHost.speaker(config, scheduler, NetlinkOptions.DEFAULT)) {
 *     vi1.addListener(t -> log.info("VRRP {}", t));
 *     vi1.start();
 *     ...
 * }   // close(): a MASTER sends priority 0 (the backup takes over at once) and removes the VIPs
 * }</pre>
 */
public interface VrrpSpeaker extends AutoCloseable {
    /**
     * The configuration this speaker runs.
     * 
     * @return the instance's configuration
     */
    VrrpInstanceConfig config();

    /**
     * The current state; INIT before {@link #start()} and after {@link #close()}.
     * 
     * @return the current state
     */
    VrrpState state();

    /**
     * The priority advertised now: the configured one changed by the trackers' weights.
     * 
     * @return the effective priority, 1..255
     */
    int effectivePriority();

    /**
     * The address of the current master as last heard (BACKUP), or empty.
     * 
     * @return the master's address, if one was heard
     */
    Optional<java.net.InetAddress> masterAddress();

    /**
     * The counters.
     * 
     * @return the speaker's statistics
     */
    VrrpStats stats();

    /**
     * Adds a listener of transitions; see {@link VrrpListener}.
     * 
     * @param listener called after each state change
     */
    void addListener(VrrpListener listener);

    /** Starts: BACKUP (or MASTER at once for priority 255, FAULT if a tracker says so). Once only. */
    void start();

    /**
     * Stops: a MASTER sends an advert with priority 0 so that the backup takes over after its
     * skew time only, and removes the virtual addresses; then the sockets are closed. Idempotent;
     * waits until done (unless called on the scheduler thread).
     */
    @Override
    void close();
}
