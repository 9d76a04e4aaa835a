package io.ipvs4j.director.controller;

import io.ipvs4j.Reconciler;
import io.ipvs4j.director.check.CheckResult;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.director.check.HealthCheck;
import java.time.Duration;

/**
 * Told by an {@link LvsController} what it does, for metrics and status displays; every method
 * does nothing by default.
 *
 * <pre>{@code
 * controller.addListener(new ControllerListener() {
 *     public void reconciled(boolean full, Duration took, Reconciler.Result r, int repairs) {
 *         histogram.record(took);
 *     }
 * });
 * }</pre>
 *
 * <p>Called on the controller's threads (the kernel writer, the checker's notification thread,
 * and for {@code checked}, every attempt, the checker's I/O loop);
 * a listener must return quickly and must not call back into the controller's writing methods.
 * Exceptions it throws are logged and otherwise ignored.
 */
public interface ControllerListener {
    /**
     * An apply to the kernel finished (successfully or with failed changes in {@code result}).
     *
     * @param full whether the kernel table was read for it (start, resync, explicit reconcile)
     * @param took how long the apply took, reading included
     * @param result what was changed and the kernel's outcome of each change
     * @param repairs the changes applied by a full apply whose desired table was the same as the
     *     previous successful apply's: they undo changes made to the kernel table by someone else
     */
    default void reconciled(boolean full, Duration took, Reconciler.Result result, int repairs) {
    }

    /**
     * An apply failed before any outcome was known (e.g. the kernel table could not be read).
     *
     * @param full whether it was a full apply
     * @param took how long it ran until it failed
     * @param error what failed
     */
    default void reconcileFailed(boolean full, Duration took, Exception error) {
    }

    /**
     * A health-checked real server changed state.
     *
     * @param backend the real server and its service
     * @param oldState before
     * @param newState now
     */
    default void checkChanged(LvsController.BackendKey backend, CheckState oldState, CheckState newState) {
    }

    /**
     * One check attempt of a real server finished.
     *
     * @param backend the real server and its service
     * @param check the check that ran; {@link HealthCheck#describe()} names it, e.g.
     *     {@code TCP_CHECK 192.0.2.10:80}
     * @param result its result
     * @param latency from its start to its result
     */
    default void checked(LvsController.BackendKey backend, HealthCheck check, CheckResult result, Duration latency) {
    }
}
