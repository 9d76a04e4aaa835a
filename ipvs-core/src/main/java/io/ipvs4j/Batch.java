package io.ipvs4j;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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
 * <p>Equivalent to feeding the same rules to {@code ipvsadm -R}, without a system call and an
 * ACK wait per rule. Immutable and thread-safe once built.
 */
public final class Batch {
    private final List<Change> changes;

    private Batch(List<Change> changes) {
        this.changes = List.copyOf(changes);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A batch of the given changes, in order. */
    public static Batch of(List<? extends Change> changes) {
        return new Batch(new ArrayList<>(changes));
    }

    public List<Change> changes() {
        return changes;
    }

    public int size() {
        return changes.size();
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    @Override
    public String toString() {
        return "Batch[" + changes.size() + " changes]";
    }

    /** Collects changes in order; the model values are validated when they are built. */
    public static final class Builder {
        private final List<Change> changes = new ArrayList<>();

        private Builder() {}

        public Builder add(Change change) {
            changes.add(Objects.requireNonNull(change, "change"));
            return this;
        }

        public Builder addService(VirtualService service) {
            return add(new Change.AddService(service));
        }

        public Builder updateService(VirtualService service) {
            return add(new Change.UpdateService(service));
        }

        public Builder removeService(ServiceKey key) {
            return add(new Change.RemoveService(key));
        }

        public Builder addRealServer(ServiceKey key, RealServer realServer) {
            return add(new Change.AddRealServer(key, realServer));
        }

        public Builder updateRealServer(ServiceKey key, RealServer realServer) {
            return add(new Change.UpdateRealServer(key, realServer));
        }

        public Builder removeRealServer(ServiceKey key, Endpoint endpoint) {
            return add(new Change.RemoveRealServer(key, endpoint));
        }

        public int size() {
            return changes.size();
        }

        public Batch build() {
            return new Batch(changes);
        }
    }
}
