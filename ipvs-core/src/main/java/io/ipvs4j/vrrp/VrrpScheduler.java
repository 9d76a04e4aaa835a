package io.ipvs4j.vrrp;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The real {@link VrrpTimers}: one daemon thread ({@code ipvs4j-vrrp}) for any number of VRRP
 * instances, on {@link System#nanoTime()}.
 *
 * <pre>{@code
 * try (VrrpScheduler scheduler = new VrrpScheduler()) {
 *     VrrpSpeaker a = VrrpHost.speaker(configA, scheduler, options);
 *     VrrpSpeaker b = VrrpHost.speaker(configB, scheduler, options);
 * }
 * }</pre>
 */
public final class VrrpScheduler implements VrrpTimers, AutoCloseable {
    // ipvs-core has no dependencies: System.Logger (routed to slf4j by the application if it wants)
    private static final System.Logger LOG = System.getLogger(VrrpScheduler.class.getName());
    private final ScheduledThreadPoolExecutor executor;

    /**
     * Starts the scheduler's daemon thread.
     */
    public VrrpScheduler() {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ipvs4j-vrrp");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        var future = executor.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "VRRP task failed", e);
            }
        }, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    /** Stops the thread; speakers should be closed first (they send their priority-0 adverts on it). */
    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
