package io.ipvs4j.model;

/**
 * The role of a connection-synchronisation daemon ({@code IPVS_DAEMON_ATTR_STATE};
 * {@code IP_VS_STATE_MASTER 0x0001}, {@code IP_VS_STATE_BACKUP 0x0002} in ip_vs.h).
 * One of each may run per network namespace.
 */
public enum SyncState {
    /** Sends connection state; ipvsadm {@code --start-daemon master}. */
    MASTER(1),
    /** Receives connection state; ipvsadm {@code --start-daemon backup}. */
    BACKUP(2);

    private final int value;

    SyncState(int value) {
        this.value = value;
    }

    /** {@return the kernel value} */
    public int value() {
        return value;
    }

    /**
     * The state with kernel value {@code value}.
     *
     * @param value the kernel's value
     * @return the constant
     * @throws IllegalArgumentException for anything but 1 and 2
     */
    public static SyncState fromValue(int value) {
        for (SyncState s : values()) {
            if (s.value == value) {
                return s;
            }
        }
        throw new IllegalArgumentException("sync state must be 1 (MASTER) or 2 (BACKUP), was " + value);
    }
}
