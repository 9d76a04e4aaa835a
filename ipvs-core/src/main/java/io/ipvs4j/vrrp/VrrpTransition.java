package io.ipvs4j.vrrp;

import java.util.Objects;

/**
 * One state change of a VRRP instance, as delivered to a {@link VrrpListener}.
 *
 * @param instance the instance name ({@link VrrpInstanceConfig#name()})
 * @param from the previous state
 * @param to the new state
 * @param priority the instance's effective priority at the time of the change
 * @param reason why, for logs: e.g. {@code "master down timer expired"},
 *     {@code "higher priority 150 from 192.0.2.2"}, {@code "tracker chk_http down"}
 */
public record VrrpTransition(String instance, VrrpState from, VrrpState to, int priority, String reason) {
    /**
     * Validates that no field is null.
     * 
     * @param instance the instance name
     * @param from the previous state
     * @param to the new state
     * @param priority the effective priority at the time of the change
     * @param reason why, for logs
     */
    public VrrpTransition {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return "(" + instance + ") " + from + " -> " + to + " (priority " + priority + "): " + reason;
    }
}
