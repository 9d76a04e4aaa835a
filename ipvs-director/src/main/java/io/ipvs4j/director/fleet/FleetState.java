package io.ipvs4j.director.fleet;

import io.ipvs4j.Reconciler;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.Protocol;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
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
 * <pre>{@code
 * FleetState s = FleetState.parse("/ipvs4j/fleet/", Map.of(
 *         "/ipvs4j/fleet/services/web", "address=192.0.2.100 port=80 scheduler=mh flags=mh-fallback",
 *         "/ipvs4j/fleet/servers/web/198.51.100.3:80", "weight=5",
 *         "/ipvs4j/fleet/servers/web/198.51.100.4:80", "weight=5 drain=true"));
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

    /**
     * A service and its real servers.
     *
     * @param id its id (the last part of its key)
     * @param service the virtual service
     * @param servers its real servers in {@link MhOrder#ORDER}
     */
    public record FleetService(String id, VirtualService service, List<FleetServer> servers) {
        /**
         * Checks and copies.
         *
         * @param id its id
         * @param service the virtual service
         * @param servers its real servers in {@link MhOrder#ORDER}
         */
        public FleetService {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(service, "service");
            servers = List.copyOf(servers);
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
                services.put(id, parseService(key, fields(key, e.getValue())));
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
            result.put(e.getKey(), new FleetService(e.getKey(), e.getValue(), list));
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
        Set<String> known = Set.of("address", "port", "protocol", "scheduler", "flags");
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
