package io.ipvs4j;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import java.util.Objects;

/**
 * One change to the IPVS table, as queued in a {@link Batch}. Each kind mirrors one
 * {@link Ipvs} method and one kernel command.
 *
 * <pre>{@code
 * Change add = new Change.AddRealServer(web, RealServer.of(Endpoint.of("198.51.100.3", 80)));
 * }</pre>
 */
public sealed interface Change {
    /** The operation, for results and errors. */
    Operation operation();

    /** The service the change applies to. */
    ServiceKey serviceKey();

    /** Human-readable object of the change, as exceptions name it. */
    String subject();

    /** {@code ipvsadm -A}: see {@link Ipvs#addService}. */
    record AddService(VirtualService service) implements Change {
        public AddService {
            Objects.requireNonNull(service, "service");
        }

        @Override
        public Operation operation() {
            return Operation.ADD_SERVICE;
        }

        @Override
        public ServiceKey serviceKey() {
            return service.key();
        }

        @Override
        public String subject() {
            return IpvsErrors.subject(service.key());
        }
    }

    /** {@code ipvsadm -E}: see {@link Ipvs#updateService}. */
    record UpdateService(VirtualService service) implements Change {
        public UpdateService {
            Objects.requireNonNull(service, "service");
        }

        @Override
        public Operation operation() {
            return Operation.UPDATE_SERVICE;
        }

        @Override
        public ServiceKey serviceKey() {
            return service.key();
        }

        @Override
        public String subject() {
            return IpvsErrors.subject(service.key());
        }
    }

    /** {@code ipvsadm -D}: see {@link Ipvs#removeService}. */
    record RemoveService(ServiceKey key) implements Change {
        public RemoveService {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public Operation operation() {
            return Operation.REMOVE_SERVICE;
        }

        @Override
        public ServiceKey serviceKey() {
            return key;
        }

        @Override
        public String subject() {
            return IpvsErrors.subject(key);
        }
    }

    /** {@code ipvsadm -a}: see {@link Ipvs#addRealServer}. */
    record AddRealServer(ServiceKey key, RealServer realServer) implements Change {
        public AddRealServer {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(realServer, "realServer");
            RealServer.checkCompatible(key, realServer);
        }

        @Override
        public Operation operation() {
            return Operation.ADD_REAL_SERVER;
        }

        @Override
        public ServiceKey serviceKey() {
            return key;
        }

        @Override
        public String subject() {
            return IpvsErrors.subject(Operation.ADD_REAL_SERVER, key, realServer.endpoint());
        }
    }

    /** {@code ipvsadm -e}: see {@link Ipvs#updateRealServer}. */
    record UpdateRealServer(ServiceKey key, RealServer realServer) implements Change {
        public UpdateRealServer {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(realServer, "realServer");
            RealServer.checkCompatible(key, realServer);
        }

        @Override
        public Operation operation() {
            return Operation.UPDATE_REAL_SERVER;
        }

        @Override
        public ServiceKey serviceKey() {
            return key;
        }

        @Override
        public String subject() {
            return IpvsErrors.subject(Operation.UPDATE_REAL_SERVER, key, realServer.endpoint());
        }
    }

    /** {@code ipvsadm -d}: see {@link Ipvs#removeRealServer}. */
    record RemoveRealServer(ServiceKey key, Endpoint endpoint) implements Change {
        public RemoveRealServer {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(endpoint, "endpoint");
        }

        @Override
        public Operation operation() {
            return Operation.REMOVE_REAL_SERVER;
        }

        @Override
        public ServiceKey serviceKey() {
            return key;
        }

        @Override
        public String subject() {
            return IpvsErrors.subject(Operation.REMOVE_REAL_SERVER, key, endpoint);
        }
    }

    /** Applies this change through the single-operation methods of {@code ipvs}. */
    default void applyTo(Ipvs ipvs) throws IpvsException {
        if (this instanceof AddService c) {
            ipvs.addService(c.service());
        } else if (this instanceof UpdateService c) {
            ipvs.updateService(c.service());
        } else if (this instanceof RemoveService c) {
            ipvs.removeService(c.key());
        } else if (this instanceof AddRealServer c) {
            ipvs.addRealServer(c.key(), c.realServer());
        } else if (this instanceof UpdateRealServer c) {
            ipvs.updateRealServer(c.key(), c.realServer());
        } else if (this instanceof RemoveRealServer c) {
            ipvs.removeRealServer(c.key(), c.endpoint());
        }
    }
}
