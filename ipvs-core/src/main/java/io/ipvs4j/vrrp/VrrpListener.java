package io.ipvs4j.vrrp;

/**
 * Receives the state changes of a {@link VrrpSpeaker}: the hook for keepalived's
 * {@code notify_master}, {@code notify_backup}, {@code notify_fault} and {@code notify_stop}
 * (run a script, start the IPVS sync daemon, update a metric).
 *
 * <pre>{@code
 * speaker.addListener(t -> log.info("VRRP {}", t));
 * }</pre>
 *
 * <p>Called on the speaker's scheduler thread, after the change took effect (on MASTER: the
 * virtual addresses are up; on leaving MASTER: they are gone). A listener must return
 * quickly: it delays every instance on that scheduler. An exception it throws is logged and
 * otherwise ignored.
 */
@FunctionalInterface
public interface VrrpListener {
    /**
     * Called after one state change of the speaker took effect.
     * 
     * @param transition the change: instance, old and new state, priority, reason
     */
    void transition(VrrpTransition transition);
}
