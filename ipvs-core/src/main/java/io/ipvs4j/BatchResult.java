package io.ipvs4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of every change of a {@link Batch}, in batch order. Nothing is lost silently:
 * each change is {@link Status#APPLIED}, {@link Status#FAILED} (with its typed exception) or
 * {@link Status#NOT_ATTEMPTED} (after a failure under {@link BatchOptions.ErrorPolicy#STOP},
 * or after a {@linkplain #transportFailure() transport failure}).
 *
 * <p>A failure of the transport in the middle of a batch (a send or receive error, a malformed
 * reply) is not thrown: {@code apply} returns the result so far. The changes sent before it
 * keep the outcomes the kernel reported; the changes whose replies were lost with it are
 * decided by reading the kernel's table back (APPLIED only when the change is visible there),
 * or FAILED if that is impossible too; the rest are NOT_ATTEMPTED; and the failure itself is
 * {@link #transportFailure()}. Such a result is never {@link #isSuccess()}, and
 * {@link #throwIfFailed()} throws.
 *
 * <pre>{@code
 * BatchResult result = ipvs.apply(batch);
 * for (BatchResult.Outcome failed : result.failures()) {
 *     log.warn("{} failed: {}", failed.change(), failed.error().orElseThrow().getMessage());
 * }
 * result.transportFailure().ifPresent(e -> log.warn("batch stopped early: {}", e.getMessage()));
 * List<Change> retry = result.outcomes().stream()
 *         .filter(o -> o.status() == BatchResult.Status.NOT_ATTEMPTED).map(BatchResult.Outcome::change).toList();
 * }</pre>
 */
public final class BatchResult {
    /** What happened to one change. */
    public enum Status {
        /** The kernel (or the fake) applied the change. */
        APPLIED,
        /** The change was refused; {@link Outcome#error()} says why. */
        FAILED,
        /** The change was not sent: an earlier one failed under {@code STOP}, or the transport failed. */
        NOT_ATTEMPTED
    }

    /**
     * One change's outcome.
     *
     * @param index position in the batch
     * @param change the change
     * @param status what happened
     * @param error the typed error when {@code status} is FAILED
     */
    public record Outcome(int index, Change change, Status status, Optional<IpvsException> error) {
        /**
         * Checks the parts.
         *
         * @param change the change
         * @param error the typed error when {@code status} is FAILED
         * @param index position in the batch
         * @param status what happened
         * @throws NullPointerException if the change, status or error is null
         * @throws IllegalArgumentException unless the error is present exactly when the status is FAILED
         */
        public Outcome {
            Objects.requireNonNull(change, "change");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(error, "error");
            if ((status == Status.FAILED) != error.isPresent()) {
                throw new IllegalArgumentException("an error is present exactly when the status is FAILED: " + status);
            }
        }
    }

    private final List<Outcome> outcomes;
    private final int systemCalls;
    private final int repliesLost;
    private final IpvsException transportFailure;

    /**
     * A result with no reply lost and no transport failure.
     *
     * @param outcomes one outcome per change, in order
     * @param systemCalls sends plus receives made for the batch (0 for in-memory implementations)
     */
    public BatchResult(List<Outcome> outcomes, int systemCalls) {
        this(outcomes, systemCalls, 0);
    }

    /**
     * A result with the replies lost counted and no transport failure.
     *
     * @param outcomes one outcome per change, in order
     * @param systemCalls sends plus receives made for the batch
     * @param repliesLost how many changes' replies the kernel dropped (ENOBUFS) or never sent, so
     *     that their outcome was established by reading the kernel's table back
     */
    public BatchResult(List<Outcome> outcomes, int systemCalls, int repliesLost) {
        this(outcomes, systemCalls, repliesLost, null);
    }

    /**
     * A result, possibly ended early by a transport failure.
     *
     * @param outcomes one outcome per change, in order
     * @param systemCalls sends plus receives made for the batch
     * @param repliesLost how many changes' replies were lost and decided by reading the table back
     * @param transportFailure the failure that ended the batch early (see the class comment), or null
     */
    public BatchResult(List<Outcome> outcomes, int systemCalls, int repliesLost, IpvsException transportFailure) {
        this.outcomes = List.copyOf(outcomes);
        this.systemCalls = systemCalls;
        this.repliesLost = repliesLost;
        this.transportFailure = transportFailure;
    }

    /**
     * The transport failure (typed: {@link NetlinkIoException}, {@link NetlinkProtocolException}
     * ...) that stopped the batch before its end, if any: the changes after it are
     * NOT_ATTEMPTED.
     *
     * @return the transport failure, or empty
     */
    public Optional<IpvsException> transportFailure() {
        return Optional.ofNullable(transportFailure);
    }

    /**
     * How many changes had their reply lost (the kernel dropped it for lack of receive buffer,
     * or it never came) and were decided by reading the table back: APPLIED if the change is
     * visible there, FAILED otherwise. 0 in normal operation.
     *
     * @return the number of changes whose reply was lost
     */
    public int repliesLost() {
        return repliesLost;
    }

    /** {@return every change's outcome, in batch order} */
    public List<Outcome> outcomes() {
        return outcomes;
    }

    /**
     * The outcome of the change at {@code index}.
     *
     * @param index the change's position in the batch
     * @return its outcome
     * @throws IndexOutOfBoundsException if there is no such change
     */
    public Outcome outcome(int index) {
        return outcomes.get(index);
    }

    /**
     * Sends plus receives the client made for this batch (0 for in-memory implementations).
     *
     * @return the number of system calls
     */
    public int systemCalls() {
        return systemCalls;
    }

    /**
     * How many changes ended with {@code status}.
     *
     * @param status the status
     * @return the count
     */
    public long count(Status status) {
        return outcomes.stream().filter(o -> o.status() == status).count();
    }

    /** {@return the outcomes with status FAILED, in batch order} */
    public List<Outcome> failures() {
        List<Outcome> out = new ArrayList<>();
        for (Outcome o : outcomes) {
            if (o.status() == Status.FAILED) {
                out.add(o);
            }
        }
        return out;
    }

    /**
     * True if every change was applied (so there was no transport failure either).
     *
     * @return whether every change was applied
     */
    public boolean isSuccess() {
        return transportFailure == null && count(Status.APPLIED) == outcomes.size();
    }

    /**
     * Throws the first failure's exception (others attached as suppressed) if any change failed,
     * else the {@linkplain #transportFailure() transport failure} if there was one.
     *
     * @return this result, when every change was applied
     * @throws IpvsException the first failure, or the transport failure
     */
    public BatchResult throwIfFailed() throws IpvsException {
        IpvsException first = null;
        for (Outcome o : outcomes) {
            if (o.error().isPresent()) {
                if (first == null) {
                    first = o.error().get();
                } else if (first.getSuppressed().length < 20 && first != o.error().get()) {
                    first.addSuppressed(o.error().get());
                }
            }
        }
        if (first == null) {
            first = transportFailure;
        }
        if (first != null) {
            throw first;
        }
        return this;
    }

    /** {@return the counts per status} */
    @Override
    public String toString() {
        return "BatchResult[applied=" + count(Status.APPLIED) + ", failed=" + count(Status.FAILED)
                + ", notAttempted=" + count(Status.NOT_ATTEMPTED)
                + (transportFailure == null ? "" : ", transportFailure=" + transportFailure.getMessage()) + "]";
    }
}
