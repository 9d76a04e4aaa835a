package io.ipvs4j.vrrp;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link Tracker} whose status the application sets: the bridge from a custom health check
 * (or a checker of the director) to VRRP priorities.
 *
 * <pre>{@code
 * SettableTracker backend = new SettableTracker("backend", true);
 * // ... later, from the health checker:
 * backend.set(false);
 * }</pre>
 */
public final class SettableTracker implements Tracker {
    private final String name;
    private final List<Runnable> callbacks = new CopyOnWriteArrayList<>();
    private volatile boolean up;

    /**
     * A tracker named {@code name} with the given initial status.
     * 
     * @param name the tracker's name, not blank
     * @param initiallyUp the status until the first {@link #set(boolean)}
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public SettableTracker(String name, boolean initiallyUp) {
        if (Objects.requireNonNull(name, "name").isBlank()) {
            throw new IllegalArgumentException("tracker name must not be blank");
        }
        this.name = name;
        this.up = initiallyUp;
    }

    /**
     * Sets the status and tells the speakers if it changed.
     * 
     * @param nowUp the new status
     */
    public void set(boolean nowUp) {
        if (up != nowUp) {
            up = nowUp;
            callbacks.forEach(Runnable::run);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean up() {
        return up;
    }

    @Override
    public void addChangeCallback(Runnable onChange) {
        callbacks.add(Objects.requireNonNull(onChange, "onChange"));
    }

    @Override
    public String toString() {
        return name + (up ? " up" : " down");
    }
}
