package io.ipvs4j.director.fleet;

/**
 * A desired-state key or value under the fleet prefix that cannot be read. Names the etcd key
 * and the field ({@code "-"} when the key itself is wrong), so an operator finds the bad entry.
 *
 * <pre>{@code
 * try {
 *     FleetState.parse("/ipvs4j/fleet/", entries);
 * } catch (FleetStateException e) {
 *     log.error("key {} field {}: {}", e.key(), e.field(), e.getMessage());
 * }
 * }</pre>
 */
public final class FleetStateException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The etcd key of the bad entry. */
    private final String key;
    /** The field of its value, or {@code "-"} for the key itself. */
    private final String field;

    /**
     * Creates the exception.
     *
     * @param key the etcd key of the bad entry
     * @param field the field of its value, or {@code "-"} for the key itself
     * @param problem what is wrong
     */
    public FleetStateException(String key, String field, String problem) {
        super("fleet key " + key + (field.equals("-") ? "" : ", field " + field) + ": " + problem);
        this.key = key;
        this.field = field;
    }

    /** {@return the etcd key of the bad entry} */
    public String key() {
        return key;
    }

    /** {@return the field of its value, or {@code "-"} when the key itself is wrong} */
    public String field() {
        return field;
    }
}
