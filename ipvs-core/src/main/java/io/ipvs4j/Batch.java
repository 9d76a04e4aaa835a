package io.ipvs4j;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An ordered list of changes sent to the kernel together by {@link Ipvs#apply(Batch)}. The
 * netlink client packs many changes into each system call; the kernel applies them in order,
 * each on its own (there is no transaction), and the {@link BatchResult} reports every one.
 *
 * <pre>{@code
 * ServiceKey web = ServiceKey.tcp("192.0.2.100", 80);
 * Batch batch = Batch.builder()
 *         .addService(VirtualService.builder(web).scheduler(Scheduler.RR).build())
 *         .addRealServer(web, RealServer.of(Endpoint.of("198.51.100.3", 80)))
 *         .addRealServer(web, RealServer.of(Endpoint.of("198.51.100.4", 80)))
 *         .build();
 * ipvs.apply(batch).throwIfFailed();
 * }</pre>
 *
 * <p>A change can carry a tag of the caller's, e.g. the line of a rule file it came from,
 * to match its outcome to its source:
 *
 * <pre>{@code
 * Batch batch = Batch.builder().add(new Change.AddService(svc), "rules.txt:3").build();
 * for (BatchResult.Outcome o : ipvs.apply(batch).failures()) {
 *     System.err.println(batch.tag(o).orElse("?") + ": " + o.error().orElseThrow().getMessage());
 * }
 * }</pre>
 *
 * <p>Equivalent to feeding the same rules to {@code ipvsadm -R}, without a system call and an
 * ACK wait per rule. Immutable and thread-safe once built.
 */
public final class Batch {
    private final List<Change> changes;
    /** Tags by change index; {@code null} when no change has one (the common case). */
    private final Object[] tags;

    private Batch(List<Change> changes, Object[] tags) {
        this.changes = List.copyOf(changes);
        this.tags = tags;
    }

    /**
     * An empty builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A batch of the given changes, in order.
     *
     * @param changes the changes
     * @return the batch
     */
    public static Batch of(List<? extends Change> changes) {
        return new Batch(new ArrayList<>(changes), null);
    }

    /**
     * The tag given with the change at {@code index}, if any.
     *
     * @param index the change's index
     * @return the tag, or empty
     * @throws IndexOutOfBoundsException if there is no change at {@code index}
     */
    public Optional<Object> tag(int index) {
        Objects.checkIndex(index, changes.size());
        return tags == null ? Optional.empty() : Optional.ofNullable(tags[index]);
    }

    /**
     * The tag of the change whose outcome is {@code outcome} (a result of applying this batch).
     *
     * @param outcome an outcome of applying this batch
     * @return the tag, or empty
     * @throws IllegalArgumentException if the outcome's change is not this batch's change at its index
     */
    public Optional<Object> tag(BatchResult.Outcome outcome) {
        Objects.requireNonNull(outcome, "outcome");
        if (outcome.index() < 0 || outcome.index() >= changes.size()
                || !changes.get(outcome.index()).equals(outcome.change())) {
            throw new IllegalArgumentException("outcome " + outcome.index() + " (" + outcome.change()
                    + ") is not a result of this batch");
        }
        return tag(outcome.index());
    }

    /** {@return the changes, in order, unmodifiable} */
    public List<Change> changes() {
        return changes;
    }

    /** {@return the number of changes} */
    public int size() {
        return changes.size();
    }

    /** {@return whether the batch has no change} */
    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /** {@return the number of changes, as {@code Batch[3 changes]}} */
    @Override
    public String toString() {
        return "Batch[" + changes.size() + " changes]";
    }

    /** Collects changes in order; the model values are validated when they are built. */
    public static final class Builder {
        private final List<Change> changes = new ArrayList<>();
        private Object[] tags;

        private Builder() {}

        /**
         * Adds a change.
         *
         * @param change the change
         * @return this builder
         */
        public Builder add(Change change) {
            changes.add(Objects.requireNonNull(change, "change"));
            return this;
        }

        /**
         * Adds a change with a tag of the caller's (e.g. a line number) that
         * {@link Batch#tag(BatchResult.Outcome)} gives back with its outcome.
         *
         * @param change the change
         * @param tag the caller's tag, or null
         * @return this builder
         */
        public Builder add(Change change, Object tag) {
            add(change);
            if (tag != null) {
                if (tags == null) {
                    tags = new Object[Math.max(16, changes.size() * 2)];
                } else if (tags.length < changes.size()) {
                    tags = Arrays.copyOf(tags, Math.max(changes.size(), tags.length * 2));
                }
                tags[changes.size() - 1] = tag;
            }
            return this;
        }

        /**
         * Adds {@code ipvsadm -A}: see {@link Ipvs#addService}.
         *
         * @param service the service to add
         * @return this builder
         */
        public Builder addService(VirtualService service) {
            return add(new Change.AddService(service));
        }

        /**
         * Adds {@code ipvsadm -E}: see {@link Ipvs#updateService}.
         *
         * @param service the service's new settings
         * @return this builder
         */
        public Builder updateService(VirtualService service) {
            return add(new Change.UpdateService(service));
        }

        /**
         * Adds {@code ipvsadm -D}: see {@link Ipvs#removeService}.
         *
         * @param key the service to remove
         * @return this builder
         */
        public Builder removeService(ServiceKey key) {
            return add(new Change.RemoveService(key));
        }

        /**
         * Adds {@code ipvsadm -a}: see {@link Ipvs#addRealServer}.
         *
         * @param key the service
         * @param realServer the real server to add
         * @return this builder
         * @throws IllegalArgumentException if the real server does not fit the service's family
         *     ({@link RealServer#checkCompatible(ServiceKey, RealServer)})
         */
        public Builder addRealServer(ServiceKey key, RealServer realServer) {
            return add(new Change.AddRealServer(key, realServer));
        }

        /**
         * Adds {@code ipvsadm -e}: see {@link Ipvs#updateRealServer}.
         *
         * @param key the service
         * @param realServer the real server's new settings
         * @return this builder
         * @throws IllegalArgumentException if the real server does not fit the service's family
         */
        public Builder updateRealServer(ServiceKey key, RealServer realServer) {
            return add(new Change.UpdateRealServer(key, realServer));
        }

        /**
         * Adds {@code ipvsadm -d}: see {@link Ipvs#removeRealServer}.
         *
         * @param key the service
         * @param endpoint the real server's address and port
         * @return this builder
         */
        public Builder removeRealServer(ServiceKey key, Endpoint endpoint) {
            return add(new Change.RemoveRealServer(key, endpoint));
        }

        /** {@return the number of changes added so far} */
        public int size() {
            return changes.size();
        }

        /** {@return the batch of the changes added so far, in order} */
        public Batch build() {
            return new Batch(changes, tags == null ? null : Arrays.copyOf(tags, changes.size()));
        }
    }
}
