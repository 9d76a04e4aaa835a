package io.ipvs4j;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns an errno from the kernel into the {@link IpvsException} that says what it means for
 * the operation. The same errno means different things per operation (uapi doc §10.8):
 * ENOENT is a missing scheduler module when adding a service but a missing real server when
 * removing one, so the mapping looks at both.
 *
 * <pre>{@code
 * throw IpvsErrors.fromErrno(Operation.ADD_REAL_SERVER,
 *         IpvsErrors.subject(Operation.ADD_REAL_SERVER, key, endpoint), nlError.errno(), nlError.extAck());
 * // add real server 198.51.100.3:80 to TCP 192.0.2.100:80 failed: service not found (ESRCH, errno 3)
 * }</pre>
 */
public final class IpvsErrors {
    private IpvsErrors() {
    }

    /**
     * The exception for {@code errno} returned to {@code operation}.
     *
     * @param operation what was being done
     * @param subject the key or endpoint text, see {@link #subject(ServiceKey)} and
     *     {@link #subject(Operation, ServiceKey, Endpoint)}
     * @param errno the error, positive or negative (netlink carries {@code -errno}); not 0
     * @param kernelMessage the extended-ACK text, or {@code null}
     * @return the typed exception (a subclass of {@link IpvsException} for known errnos)
     */
    public static IpvsException fromErrno(Operation operation, String subject, int errno, String kernelMessage) {
        return map(operation, subject, errno, kernelMessage, List.of());
    }

    /**
     * Like {@link #fromErrno(Operation, String, int, String)} for adding or updating
     * {@code service}: a missing module is then reported with its name
     * ({@code modprobe ip_vs_rr}).
     *
     * @param operation what was being done
     * @param service the service being added or updated
     * @param errno the error, positive or negative; not 0
     * @param kernelMessage the extended-ACK text, or {@code null}
     * @return the typed exception
     */
    public static IpvsException fromErrno(Operation operation, VirtualService service, int errno, String kernelMessage) {
        Objects.requireNonNull(service, "service");
        List<String> modules = new ArrayList<>();
        modules.add(service.scheduler().moduleName());
        service.persistenceEngine().ifPresent(pe -> modules.add("ip_vs_pe_" + pe));
        return map(operation, subject(service.key()), errno, kernelMessage, modules);
    }

    /**
     * The error of {@code change} failing with {@code errno}, worded as the single call that
     * makes the same change reports it: a batch's "scheduler module missing" names the module
     * just as {@link Ipvs#addService} does. Batch implementations use this for every failed
     * change.
     *
     * <pre>{@code
     * IpvsErrors.fromErrno(new Change.AddService(svc), Errno.ENOENT, null); // ModuleNotFoundException [ip_vs_rr]
     * }</pre>
     *
     * @param change the change that failed
     * @param errno the error, positive or negative; not 0
     * @param kernelMessage the extended-ACK text, or {@code null}
     * @return the typed exception
     */
    public static IpvsException fromErrno(Change change, int errno, String kernelMessage) {
        Objects.requireNonNull(change, "change");
        if (change instanceof Change.AddService c) {
            return fromErrno(change.operation(), c.service(), errno, kernelMessage);
        }
        if (change instanceof Change.UpdateService c) {
            return fromErrno(change.operation(), c.service(), errno, kernelMessage);
        }
        return fromErrno(change.operation(), change.subject(), errno, kernelMessage);
    }

    /**
     * The subject text for a service operation: {@code TCP 192.0.2.100:80}.
     *
     * @param key the service
     * @return its text
     */
    public static String subject(ServiceKey key) {
        return key.toString();
    }

    /**
     * The subject text for a real-server operation, with the preposition the operation's verb
     * needs: {@code 198.51.100.3:80 to TCP 192.0.2.100:80} (add), {@code ... in ...} (update),
     * {@code ... from ...} (remove).
     *
     * @param operation the real-server operation
     * @param key the service
     * @param endpoint the real server
     * @return the text
     */
    public static String subject(Operation operation, ServiceKey key, Endpoint endpoint) {
        String prep = switch (operation) {
            case ADD_REAL_SERVER -> " to ";
            case REMOVE_REAL_SERVER -> " from ";
            default -> " in ";
        };
        return endpoint + prep + key;
    }

    private static IpvsException map(Operation op, String subject, int errno, String kmsg, List<String> modules) {
        Objects.requireNonNull(op, "operation");
        int e = Math.abs(errno);
        if (e == 0) {
            throw new IllegalArgumentException("errno must be non-zero, was 0");
        }
        switch (e) {
            case Errno.EPERM, Errno.EACCES -> {
                return new PermissionDeniedException(op, subject, e, kmsg);
            }
            case Errno.ESRCH -> {
                if (op == Operation.STOP_SYNC_DAEMON) {
                    return new NotFoundException(op, subject, "no sync daemon running", e, kmsg);
                }
                return new ServiceNotFoundException(op, subject, e, kmsg);
            }
            case Errno.ENOENT -> {
                return switch (op) {
                    case ADD_SERVICE, UPDATE_SERVICE -> new ModuleNotFoundException(op, subject, modules, e, kmsg);
                    case UPDATE_REAL_SERVER, REMOVE_REAL_SERVER -> new RealServerNotFoundException(op, subject, e, kmsg);
                    case ADD_ADDRESS, REMOVE_ADDRESS, LIST_ADDRESSES, LIST_LINKS, ADD_LINK, SET_LINK ->
                            new NotFoundException(op, subject, "not found", e, kmsg);
                    case RESOLVE_FAMILY -> new IpvsUnavailableException(op, e, kmsg);
                    // genl answers ENOENT for a family id it does not know: ip_vs was
                    // unloaded or reloaded (new id) since the client resolved it.
                    default -> new IpvsUnavailableException(op,
                            "generic netlink family IPVS is gone; was ip_vs unloaded or reloaded?", e, kmsg, null);
                };
            }
            case Errno.ENODEV -> {
                if (isRtnetlink(op)) {
                    return new NotFoundException(op, subject, "no such interface", e, kmsg);
                }
                if (op == Operation.START_SYNC_DAEMON) {
                    return new NotFoundException(op, subject, "no such interface", e, kmsg);
                }
            }
            case Errno.EADDRNOTAVAIL -> {
                if (op == Operation.REMOVE_ADDRESS) {
                    return new NotFoundException(op, subject, "address not assigned to the interface", e, kmsg);
                }
            }
            case Errno.EEXIST -> {
                String what = switch (op) {
                    case ADD_SERVICE -> "service already exists";
                    case ADD_REAL_SERVER -> "real server already exists";
                    case START_SYNC_DAEMON -> "sync daemon already running";
                    case ADD_ADDRESS -> "address already assigned";
                    case ADD_LINK -> "an interface of that name exists";
                    default -> "already exists";
                };
                return new AlreadyExistsException(op, subject, what, e, kmsg);
            }
            case Errno.ENOPROTOOPT -> {
                if (!isRtnetlink(op)) {
                    return new IpvsUnavailableException(op, "the ip_vs module is being unloaded", e, kmsg, null);
                }
            }
            default -> {
            }
        }
        return new KernelRejectedException(op, subject, rejectReason(op, e), e, kmsg);
    }

    private static boolean isRtnetlink(Operation op) {
        return op == Operation.ADD_ADDRESS || op == Operation.REMOVE_ADDRESS
                || op == Operation.LIST_ADDRESSES || op == Operation.LIST_LINKS
                || op == Operation.ADD_LINK || op == Operation.SET_LINK;
    }

    /** A reason with the likely causes, from ip_vs_ctl.c's error paths and ipvsadm's ipvs_strerror. */
    private static String rejectReason(Operation op, int e) {
        String base = Errno.description(e);
        String hint = switch (e) {
            case Errno.EINVAL -> switch (op) {
                case ADD_REAL_SERVER, UPDATE_REAL_SERVER ->
                        "address not unicast, lo down in this namespace, or mixed address family without tunnel"
                                + " (or with a sync daemon running)";
                case ADD_SERVICE, UPDATE_SERVICE -> "missing or malformed attribute, or IPv6 netmask outside 1..128";
                case START_SYNC_DAEMON -> "multicast group not multicast, or mixed-address-family real servers exist";
                case SET_TIMEOUTS -> "timeout out of range";
                default -> "missing or malformed attribute";
            };
            case Errno.ERANGE -> "negative weight, or lower threshold above upper threshold";
            case Errno.EAFNOSUPPORT -> "address family not supported; IPv6 disabled or not built into IPVS?";
            case Errno.EOPNOTSUPP -> "operation not supported by this kernel";
            case Errno.ENOMEM -> "kernel out of memory";
            case Errno.EMSGSIZE -> "reply did not fit the kernel's message buffer";
            case Errno.EBUSY -> "another dump is already running on this socket";
            case Errno.ENODEV -> "no such device";
            default -> null;
        };
        return hint == null ? base : base + ": " + hint;
    }
}
