package io.ipvs4j.vrrp;

/**
 * The clock and the single thread that run VRRP instances: every timer, received advert and
 * tracker change of the instances sharing one {@code VrrpTimers} runs on it, one at a time, so
 * the state machines need no locks. {@link VrrpScheduler} is the real one; tests inject a
 * manual clock.
 */
public interface VrrpTimers {
    /**
     * Monotonic time in nanoseconds.
     * 
     * @return the current monotonic time
     */
    long nanoTime();

    /**
     * Runs {@code task} on the timer thread after {@code delayNanos} (0: as soon as possible).
     * 
     * @param task the task to run
     * @param delayNanos the delay in nanoseconds
     * @return a handle that cancels the task if it has not run yet
     */
    Cancellable schedule(Runnable task, long delayNanos);

    /**
     * Runs {@code task} on the timer thread as soon as possible.
     * 
     * @param task the task to run
     */
    default void execute(Runnable task) {
        schedule(task, 0);
    }

    /** A scheduled task. */
    interface Cancellable {
        /**
         * Cancels the task if it has not run yet; no effect otherwise.
         */
        void cancel();
    }
}
