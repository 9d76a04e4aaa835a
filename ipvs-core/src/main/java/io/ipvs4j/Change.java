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
    /** {@return the operation, for results and errors} */
    Operation operation();

    /** {@return the service the change applies to} */
    ServiceKey serviceKey();

    /** {@return the human-readable object of the change, as exceptions name it} */
    String subject();

    /**
     * {@code ipvsadm -A}: see {@link Ipvs#addService}.
     *
     * @param service the service, as it is to be
     */
    record AddService(VirtualService service) implements Change {
        /**
         * Checks the parts.
         *
         * @param service the service, as it is to be
         * @throws NullPointerException if a part is null
         */
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

    /**
     * {@code ipvsadm -E}: see {@link Ipvs#updateService}.
     *
     * @param service the service, as it is to be
     */
    record UpdateService(VirtualService service) implements Change {
        /**
         * Checks the parts.
         *
         * @param service the service, as it is to be
         * @throws NullPointerException if a part is null
         */
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

    /**
     * {@code ipvsadm -D}: see {@link Ipvs#removeService}.
     *
     * @param key the service
     */
    record RemoveService(ServiceKey key) implements Change {
        /**
         * Checks the parts.
         *
         * @param key the service
         * @throws NullPointerException if a part is null
         */
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

    /**
     * {@code ipvsadm -a}: see {@link Ipvs#addRealServer}.
     *
     * @param key the service
     * @param realServer the real server, as it is to be
     */
    record AddRealServer(ServiceKey key, RealServer realServer) implements Change {
        /**
         * Checks the parts.
         *
         * @param realServer the real server, as it is to be
         * @param key the service
         * @throws NullPointerException if a part is null
         * @throws IllegalArgumentException if the real server is of another address family than the
         *     service and does not use TUNNEL forwarding
         */
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

    /**
     * {@code ipvsadm -e}: see {@link Ipvs#updateRealServer}.
     *
     * @param key the service
     * @param realServer the real server, as it is to be
     */
    record UpdateRealServer(ServiceKey key, RealServer realServer) implements Change {
        /**
         * Checks the parts.
         *
         * @param realServer the real server, as it is to be
         * @param key the service
         * @throws NullPointerException if a part is null
         * @throws IllegalArgumentException if the real server is of another address family than the
         *     service and does not use TUNNEL forwarding
         */
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

    /**
     * {@code ipvsadm -d}: see {@link Ipvs#removeRealServer}.
     *
     * @param key the service
     * @param endpoint the real server's address and port
     */
    record RemoveRealServer(ServiceKey key, Endpoint endpoint) implements Change {
        /**
         * Checks the parts.
         *
         * @param endpoint the real server's address and port
         * @param key the service
         * @throws NullPointerException if a part is null
         */
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

    /**
     * Applies this change through the single-operation methods of {@code ipvs}.
     *
     * @param ipvs the client to apply it with
     * @throws IpvsException as the single-operation method does
     */
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
