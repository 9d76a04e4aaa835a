package io.ipvs4j.director.fleet;

import io.ipvs4j.Reconciler;
import io.ipvs4j.director.check.HttpGetCheck;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.Protocol;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The fleet's desired state as read from etcd: its services, each with its real servers in
 * {@link MhOrder#ORDER}.
 *
 * <h2>Schema</h2>
 * Under a key prefix {@code P} (e.g. {@code /ipvs4j/fleet/}, ending in {@code /}):
 * <table>
 *   <caption>fleet keys</caption>
 *   <tr><th>key</th><th>value</th></tr>
 *   <tr><td>{@code P services/<id>}</td><td>{@code address=192.0.2.100 port=80 protocol=tcp
 *       scheduler=mh flags=mh-fallback,mh-port}</td></tr>
 *   <tr><td>{@code P servers/<id>/<address:port>}</td><td>{@code weight=5 drain=false
 *       forward=dr}</td></tr>
 *   <tr><td>{@code P directors/<name>}</td><td>written by each director under its lease
 *       (health, revision applied); never read as desired state</td></tr>
 * </table>
 * A value is fields {@code name=value} separated by white space. {@code <id>} is
 * {@code [A-Za-z0-9_.-]{1,64}}; {@code <address:port>} is {@code 198.51.100.3:80} or
 * {@code [2001:db8::3]:80}. Service fields: {@code address} and {@code port} (required),
 * {@code protocol} {@code tcp|udp|sctp} (default tcp), {@code scheduler} (default {@code mh}),
 * {@code flags} a comma list of {@code mh-fallback}, {@code mh-port}, {@code one-packet}
 * (default none). Real-server fields: {@code weight} 0..2147483647 (default 1), {@code drain}
 * {@code true|false} (default false), {@code forward} {@code dr|nat|tun} (default dr). A real
 * server's key names its service's id, which must exist. Any other key under the prefix, an
 * unknown field, or a value out of range is a {@link FleetStateException} naming key and field:
 * the whole state is refused (a director keeps the last state it could read).
 *
 * <h2>Health check fields</h2>
 * Optional service fields, with keepalived's names and defaults (times in whole seconds); every
 * director checks each real server of the service itself and programs a server that is DOWN
 * with weight 0 on that director only, as a drain ({@link FleetHealth}, {@link #withDown}):
 * <table>
 *   <caption>service check fields</caption>
 *   <tr><th>field</th><th>values</th><th>default</th><th>keepalived</th></tr>
 *   <tr><td>{@code check}</td><td>{@code none|tcp|http}</td><td>{@code none}: every server is up</td>
 *       <td>no checker / {@code TCP_CHECK} / {@code HTTP_GET}</td></tr>
 *   <tr><td>{@code check_port}</td><td>1..65535</td><td>each real server's own port</td>
 *       <td>{@code connect_port}</td></tr>
 *   <tr><td>{@code check_path}</td><td>a path from {@code /} (http only)</td><td>{@code /}</td>
 *       <td>{@code url { path }}</td></tr>
 *   <tr><td>{@code check_status}</td><td>100..999 (http only)</td><td>any 2xx (keepalived's default)</td>
 *       <td>{@code url { status_code }}</td></tr>
 *   <tr><td>{@code delay_loop}</td><td>1..2147483647</td><td>60</td><td>{@code delay_loop}</td></tr>
 *   <tr><td>{@code connect_timeout}</td><td>1..2147483647</td><td>5</td><td>{@code connect_timeout}</td></tr>
 *   <tr><td>{@code retry}</td><td>0..2147483647</td><td>1</td><td>{@code retry}</td></tr>
 *   <tr><td>{@code delay_before_retry}</td><td>0..2147483647</td><td>3 for http, 1 for tcp</td>
 *       <td>{@code delay_before_retry}</td></tr>
 * </table>
 * The defaults are those of the director's keepalived.conf import ({@code KeepalivedParser}:
 * {@link io.ipvs4j.director.check.CheckPolicy#DEFAULT_INTERVAL},
 * {@link io.ipvs4j.director.check.TcpConnectCheck#DEFAULT_CONNECT_TIMEOUT},
 * {@link io.ipvs4j.director.check.CheckPolicy#DEFAULT_RETRIES}, and
 * {@link FleetCheck#defaultDelayBeforeRetry}); as keepalived's default {@code warmup}, the first
 * check of a server waits a random time up to the {@code delay_loop}. A server starts UP
 * (keepalived without {@code alpha}), so a restarted director drains nothing before its checks
 * ran. A check field without {@code check=tcp|http}, or {@code check_path}/{@code check_status}
 * with {@code check=tcp}, is refused like any bad field; so is a check of a real server whose
 * port is 0 without {@code check_port}.
 *
 * <pre>{@code
 * FleetState s = FleetState.parse("/ipvs4j/fleet/", Map.of(
 *         "/ipvs4j/fleet/services/web", "address=192.0.2.100 port=80 scheduler=mh flags=mh-fallback",
 *         "/ipvs4j/fleet/servers/web/198.51.100.3:80", "weight=5",
 *         "/ipvs4j/fleet/servers/web/198.51.100.4:80", "weight=5 drain=true",
 *         "/ipvs4j/fleet/services/api", "address=192.0.2.101 port=443 check=http check_port=8080 check_path=/health",
 *         "/ipvs4j/fleet/servers/api/198.51.100.5:443", "weight=1"));
 * reconciler.apply(s.desired());
 * }</pre>
 *
 * @param services the services by id (sorted by id)
 */
public record FleetState(Map<String, FleetService> services) {
    /** The sub-prefix of service keys. */
    public static final String SERVICES = "services/";
    /** The sub-prefix of real-server keys. */
    public static final String SERVERS = "servers/";
    /** The sub-prefix where directors publish themselves (ignored as desired state). */
    public static final String DIRECTORS = "directors/";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    /** The health check's service fields ({@code check} and those that tune it). */
    private static final Set<String> CHECK_FIELDS = Set.of("check", "check_port", "check_path", "check_status",
            "delay_loop", "connect_timeout", "retry", "delay_before_retry");
    /** The fields that only an HTTP check has. */
    private static final Set<String> HTTP_FIELDS = Set.of("check_path", "check_status");

    /**
     * A service and its real servers.
     *
     * @param id its id (the last part of its key)
     * @param service the virtual service
     * @param servers its real servers in {@link MhOrder#ORDER}
     * @param check the health check of its real servers ({@link FleetCheck#NONE} without one)
     */
    public record FleetService(String id, VirtualService service, List<FleetServer> servers, FleetCheck check) {
        /**
         * Checks and copies.
         *
         * @param id its id
         * @param service the virtual service
         * @param servers its real servers in {@link MhOrder#ORDER}
         * @param check the health check of its real servers
         */
        public FleetService {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(check, "check");
            servers = List.copyOf(servers);
        }

        /**
         * A service without a health check.
         *
         * @param id its id
         * @param service the virtual service
         * @param servers its real servers in {@link MhOrder#ORDER}
         */
        public FleetService(String id, VirtualService service, List<FleetServer> servers) {
            this(id, service, servers, FleetCheck.NONE);
        }

        /**
         * This service with the health checks' verdict on its servers.
         *
         * @param down the servers found DOWN (of any service; the others are ignored)
         * @return the service whose servers in {@code down} are {@link FleetServer#down()}, the others not
         */
        public FleetService withDown(Set<ServerId> down) {
            List<FleetServer> list = new ArrayList<>(servers.size());
            for (FleetServer s : servers) {
                list.add(s.withDown(down.contains(new ServerId(id, s.configured().endpoint()))));
            }
            return list.equals(servers) ? this : new FleetService(id, service, list, check);
        }

        /** {@return the Reconciler's view: the servers at the weight they should finally have} */
        public Reconciler.DesiredService desired() {
            List<RealServer> list = new ArrayList<>(servers.size());
            for (FleetServer s : servers) {
                list.add(s.programmed());
            }
            return new Reconciler.DesiredService(service, list);
        }
    }

    /**
     * Copies.
     *
     * @param services the services by id
     */
    public FleetState {
        services = Collections.unmodifiableMap(new TreeMap<>(services));
    }

    /**
     * One real server of one service: what a health check is kept for, and what
     * {@link #withDown} takes. Prints as its key under {@link #SERVERS}, e.g.
     * {@code web/198.51.100.3:80}.
     *
     * <pre>{@code
     * FleetState overlaid = state.withDown(Set.of(new FleetState.ServerId("web", Endpoint.of("198.51.100.3", 80))));
     * }</pre>
     *
     * @param service the service's id
     * @param endpoint the real server's address and port
     */
    public record ServerId(String service, Endpoint endpoint) {
        /**
         * Checks the parts.
         *
         * @param service the service's id
         * @param endpoint the real server
         */
        public ServerId {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(endpoint, "endpoint");
        }

        @Override
        public String toString() {
            return service + "/" + endpoint;
        }
    }

    /**
     * This state as this director programs it: the servers in {@code down} (its health checks
     * found them DOWN) at weight 0, kept in the table as if drained; every other server as etcd
     * says. The state itself is not changed, so the same etcd state can be overlaid again with
     * the next verdict.
     *
     * <pre>{@code
     * applier.apply(parsed.withDown(health.down()));
     * }</pre>
     *
     * @param down the servers found DOWN; ids of servers the state does not hold are ignored
     * @return the overlaid state ({@code this} when nothing changes)
     */
    public FleetState withDown(Set<ServerId> down) {
        Objects.requireNonNull(down, "down");
        Map<String, FleetService> next = new TreeMap<>();
        boolean changed = false;
        for (FleetService s : services.values()) {
            FleetService o = s.withDown(down);
            changed |= o != s;
            next.put(s.id(), o);
        }
        return changed ? new FleetState(next) : this;
    }

    /** {@return the number of real servers programmed at weight 0 because they are DOWN} */
    public int downCount() {
        int n = 0;
        for (FleetService s : services.values()) {
            for (FleetServer f : s.servers()) {
                n += f.down() ? 1 : 0;
            }
        }
        return n;
    }

    /** {@return the empty state} */
    public static FleetState empty() {
        return new FleetState(Map.of());
    }

    /** {@return the desired services as the Reconciler takes them} */
    public List<Reconciler.DesiredService> desired() {
        List<Reconciler.DesiredService> list = new ArrayList<>(services.size());
        for (FleetService s : services.values()) {
            list.add(s.desired());
        }
        return list;
    }

    /**
     * Reads the fleet state from all the key/values under {@code prefix}.
     *
     * @param prefix the key prefix, ending in {@code /}
     * @param entries every key (with the prefix) and its value
     * @return the state
     * @throws FleetStateException naming key and field for the first bad entry (in key order)
     */
    public static FleetState parse(String prefix, Map<String, String> entries) {
        Objects.requireNonNull(prefix, "prefix");
        if (!prefix.endsWith("/")) {
            throw new IllegalArgumentException("fleet prefix must end in /, was \"" + prefix + "\"");
        }
        Map<String, String> sorted = new TreeMap<>(entries);
        Map<String, VirtualService> services = new LinkedHashMap<>();
        Map<String, FleetCheck> checks = new LinkedHashMap<>();
        Map<String, List<FleetServer>> servers = new LinkedHashMap<>();
        Map<String, String> serverKeys = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(prefix)) {
                throw new FleetStateException(key, "-", "not under the prefix " + prefix);
            }
            String rest = key.substring(prefix.length());
            if (rest.startsWith(SERVICES)) {
                String id = rest.substring(SERVICES.length());
                checkId(key, id);
                Map<String, String> f = fields(key, e.getValue());
                services.put(id, parseService(key, f));
                checks.put(id, parseCheck(key, f));
            } else if (rest.startsWith(SERVERS)) {
                String tail = rest.substring(SERVERS.length());
                int slash = tail.indexOf('/');
                if (slash < 0) {
                    throw new FleetStateException(key, "-", "a real server's key is servers/<service id>/<address:port>");
                }
                String id = tail.substring(0, slash);
                checkId(key, id);
                Endpoint endpoint;
                try {
                    endpoint = Endpoint.parse(tail.substring(slash + 1));
                } catch (IllegalArgumentException ex) {
                    throw new FleetStateException(key, "-", ex.getMessage());
                }
                servers.computeIfAbsent(id, x -> new ArrayList<>()).add(parseServer(key, endpoint, fields(key, e.getValue())));
                serverKeys.putIfAbsent(id, key);
            } else if (!rest.startsWith(DIRECTORS)) {
                throw new FleetStateException(key, "-", "unknown key: expected " + prefix + SERVICES + "<id>, "
                        + prefix + SERVERS + "<id>/<address:port> or " + prefix + DIRECTORS + "<name>");
            }
        }
        Map<String, FleetService> result = new TreeMap<>();
        for (Map.Entry<String, List<FleetServer>> e : servers.entrySet()) {
            if (!services.containsKey(e.getKey())) {
                throw new FleetStateException(serverKeys.get(e.getKey()), "-", "no service "
                        + prefix + SERVICES + e.getKey());
            }
        }
        for (Map.Entry<String, VirtualService> e : services.entrySet()) {
            List<FleetServer> list = new ArrayList<>(servers.getOrDefault(e.getKey(), List.of()));
            list.sort((a, b) -> MhOrder.ORDER.compare(a.configured().endpoint(), b.configured().endpoint()));
            for (FleetServer s : list) {
                try {
                    RealServer.checkCompatible(e.getValue(), s.configured());
                } catch (IllegalArgumentException ex) {
                    throw new FleetStateException(prefix + SERVERS + e.getKey() + "/" + s.configured().endpoint(),
                            "forward", ex.getMessage());
                }
            }
            FleetCheck check = checks.get(e.getKey());
            if (check.kind() != FleetCheck.Kind.NONE && check.port().isEmpty()) {
                for (FleetServer s : list) {
                    if (s.configured().endpoint().port() == 0) {
                        throw new FleetStateException(prefix + SERVICES + e.getKey(), "check_port",
                                "real server " + s.configured().endpoint() + " has port 0: set check_port");
                    }
                }
            }
            result.put(e.getKey(), new FleetService(e.getKey(), e.getValue(), list, check));
        }
        Map<ServiceKey, String> byKey = new LinkedHashMap<>();
        for (FleetService s : result.values()) {
            String other = byKey.put(s.service().key(), s.id());
            if (other != null) {
                throw new FleetStateException(prefix + SERVICES + s.id(), "address",
                        "service " + s.service().key() + " is also " + prefix + SERVICES + other);
            }
        }
        return new FleetState(result);
    }

    private static void checkId(String key, String id) {
        if (!ID.matcher(id).matches()) {
            throw new FleetStateException(key, "-", "service id must be [A-Za-z0-9_.-]{1,64}, was \"" + id + "\"");
        }
    }

    private static Map<String, String> fields(String key, String value) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String token : value.trim().split("\\s+")) {
            if (token.isEmpty()) {
                continue;
            }
            int eq = token.indexOf('=');
            if (eq <= 0) {
                throw new FleetStateException(key, token, "fields are name=value, was \"" + token + "\"");
            }
            String name = token.substring(0, eq);
            if (fields.put(name, token.substring(eq + 1)) != null) {
                throw new FleetStateException(key, name, "given twice");
            }
        }
        return fields;
    }

    private static VirtualService parseService(String key, Map<String, String> f) {
        Set<String> known = new HashSet<>(Set.of("address", "port", "protocol", "scheduler", "flags"));
        known.addAll(CHECK_FIELDS);
        unknown(key, f, known);
        String address = required(key, f, "address");
        int port = integer(key, "port", required(key, f, "port"), 0, 65535);
        Protocol protocol = switch (f.getOrDefault("protocol", "tcp")) {
            case "tcp" -> Protocol.TCP;
            case "udp" -> Protocol.UDP;
            case "sctp" -> Protocol.SCTP;
            default -> throw new FleetStateException(key, "protocol", "must be tcp, udp or sctp, was \""
                    + f.get("protocol") + "\"");
        };
        ServiceKey serviceKey;
        try {
            serviceKey = ServiceKey.inet(protocol, InetAddresses.parse(address), port);
        } catch (IllegalArgumentException ex) {
            throw new FleetStateException(key, "address", ex.getMessage());
        }
        Scheduler scheduler;
        try {
            scheduler = Scheduler.of(f.getOrDefault("scheduler", "mh"));
        } catch (IllegalArgumentException ex) {
            throw new FleetStateException(key, "scheduler", ex.getMessage());
        }
        Set<ServiceFlag> flags = EnumSet.noneOf(ServiceFlag.class);
        String flagText = f.getOrDefault("flags", "");
        for (String name : flagText.isEmpty() ? new String[0] : flagText.split(",")) {
            ServiceFlag flag = switch (name) {
                case "mh-fallback" -> ServiceFlag.MH_FALLBACK;
                case "mh-port" -> ServiceFlag.MH_PORT;
                case "one-packet" -> ServiceFlag.ONE_PACKET;
                default -> throw new FleetStateException(key, "flags", "must be a comma list of mh-fallback,"
                        + " mh-port, one-packet; unknown \"" + name + "\"");
            };
            if ((flag == ServiceFlag.MH_FALLBACK || flag == ServiceFlag.MH_PORT) && !scheduler.equals(Scheduler.MH)) {
                throw new FleetStateException(key, "flags", name + " needs scheduler=mh, was " + scheduler.name());
            }
            flags.add(flag);
        }
        try {
            return VirtualService.builder(serviceKey).scheduler(scheduler).flags(flags).build();
        } catch (IllegalArgumentException ex) {
            throw new FleetStateException(key, "-", ex.getMessage());
        }
    }

    private static FleetCheck parseCheck(String key, Map<String, String> f) {
        FleetCheck.Kind kind = switch (f.getOrDefault("check", "none")) {
            case "none" -> FleetCheck.Kind.NONE;
            case "tcp" -> FleetCheck.Kind.TCP;
            case "http" -> FleetCheck.Kind.HTTP;
            default -> throw new FleetStateException(key, "check", "must be none, tcp or http, was \""
                    + f.get("check") + "\"");
        };
        for (String name : new TreeSet<>(f.keySet())) {
            if (!name.equals("check") && CHECK_FIELDS.contains(name)) {
                if (kind == FleetCheck.Kind.NONE) {
                    // a field that would silently do nothing is more likely a forgotten check=
                    throw new FleetStateException(key, name, "needs check=tcp or check=http, was check=none (value \""
                            + f.get(name) + "\")");
                }
                if (kind == FleetCheck.Kind.TCP && HTTP_FIELDS.contains(name)) {
                    throw new FleetStateException(key, name, "needs check=http, was check=tcp (value \""
                            + f.get(name) + "\")");
                }
            }
        }
        if (kind == FleetCheck.Kind.NONE) {
            return FleetCheck.NONE;
        }
        OptionalInt port = f.containsKey("check_port")
                ? OptionalInt.of(integer(key, "check_port", f.get("check_port"), 1, 65535))
                : OptionalInt.empty();
        String path = f.getOrDefault("check_path", FleetCheck.DEFAULT_PATH);
        OptionalInt status = f.containsKey("check_status")
                ? OptionalInt.of(integer(key, "check_status", f.get("check_status"), 100, 999))
                : OptionalInt.empty();   // keepalived's HTTP_GET without status_code: any 2xx
        try {
            HttpGetCheck.Url.of(path, 200);   // the path's rules
        } catch (IllegalArgumentException ex) {
            throw new FleetStateException(key, "check_path", ex.getMessage());
        }
        Duration delayLoop = seconds(key, f, "delay_loop", FleetCheck.NONE.delayLoop(), 1);
        Duration connectTimeout = seconds(key, f, "connect_timeout", FleetCheck.NONE.connectTimeout(), 1);
        int retries = integer(key, "retry", f.getOrDefault("retry", String.valueOf(FleetCheck.NONE.retries())),
                0, Integer.MAX_VALUE);
        Duration delayBeforeRetry = seconds(key, f, "delay_before_retry",
                FleetCheck.defaultDelayBeforeRetry(kind), 0);
        return new FleetCheck(kind, port, path, status, delayLoop, connectTimeout, retries, delayBeforeRetry);
    }

    private static Duration seconds(String key, Map<String, String> f, String name,
            Duration defaultValue, int min) {
        String text = f.get(name);
        return text == null ? defaultValue
                : Duration.ofSeconds(integer(key, name, text, min, Integer.MAX_VALUE));
    }

    private static FleetServer parseServer(String key, Endpoint endpoint, Map<String, String> f) {
        unknown(key, f, Set.of("weight", "drain", "forward"));
        int weight = integer(key, "weight", f.getOrDefault("weight", "1"), 0, Integer.MAX_VALUE);
        boolean drain = switch (f.getOrDefault("drain", "false")) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new FleetStateException(key, "drain", "must be true or false, was \"" + f.get("drain") + "\"");
        };
        ForwardingMethod forward = switch (f.getOrDefault("forward", "dr")) {
            case "dr" -> ForwardingMethod.DIRECT_ROUTE;
            case "nat" -> ForwardingMethod.MASQUERADE;
            case "tun" -> ForwardingMethod.TUNNEL;
            default -> throw new FleetStateException(key, "forward", "must be dr, nat or tun, was \""
                    + f.get("forward") + "\"");
        };
        return new FleetServer(RealServer.builder(endpoint).weight(weight).forwarding(forward).build(), drain);
    }

    private static void unknown(String key, Map<String, String> f, Set<String> known) {
        for (String name : f.keySet()) {
            if (!known.contains(name)) {
                throw new FleetStateException(key, name, "unknown field; known: " + new java.util.TreeSet<>(known));
            }
        }
    }

    private static String required(String key, Map<String, String> f, String name) {
        String v = f.get(name);
        if (v == null || v.isEmpty()) {
            throw new FleetStateException(key, name, "required");
        }
        return v;
    }

    private static int integer(String key, String name, String text, int min, int max) {
        long v;
        try {
            v = Long.parseLong(text);
        } catch (NumberFormatException ex) {
            throw new FleetStateException(key, name, "must be an integer, was \"" + text + "\"");
        }
        if (v < min || v > max) {
            throw new FleetStateException(key, name, "must be " + min + ".." + max + ", was " + v);
        }
        return (int) v;
    }
}
