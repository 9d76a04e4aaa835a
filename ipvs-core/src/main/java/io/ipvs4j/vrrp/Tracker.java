package io.ipvs4j.vrrp;

/**
 * Something a VRRP instance tracks: an interface's link ({@code track_interface}), a health
 * check ({@code vrrp_script} / {@code track_script}), a file ({@code track_file}). With weight
 * 0 a tracker that is down puts the instance into FAULT; with a positive weight the weight is
 * added to the priority while it is up; with a negative weight it is subtracted while it is
 * down (keepalived's semantics).
 *
 * <pre>{@code
 * SettableTracker http = new SettableTracker("chk_http", true);
 * VrrpInstanceConfig.builder("VI_1", "eth0", 51)
 *         .track(http, -20)   // priority 100 -> 80 while the check fails
 *         ...
 * http.set(false);
 * }</pre>
 *
 * <p>Implementations call every registered change callback when {@link #up()} may have
 * changed, from any thread; the speaker then reads {@link #up()} on its own thread.
 */
public interface Tracker {
    /**
     * A name for logs and transitions, e.g. {@code chk_http} or {@code eth0}.
     * 
     * @return the tracker's name
     */
    String name();

    /**
     * The current status; must not block.
     * 
     * @return true while the tracked thing is up
     */
    boolean up();

    /**
     * True while the tracker has no result yet (keepalived's INIT state of a {@code vrrp_script}
     * that has not reported): it is then neither up nor down. An initializing tracker adds no
     * positive weight and subtracts no negative one; with weight 0 it keeps the instance in FAULT
     * until it reports. The default is false: a tracker that always knows its state.
     *
     * <pre>{@code
     * if (tracker.initializing()) { ... no result yet ... }
     * }</pre>
     *
     * @return true while no result is known
     */
    default boolean initializing() {
        return false;
    }

    /**
     * Registers {@code onChange}, run whenever {@link #up()} may have changed.
     * 
     * @param onChange the callback, run from any thread
     */
    void addChangeCallback(Runnable onChange);
}
