package io.ipvs4j.nativetests.support;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An independent second client: reads the IPVS table with {@code ipvsadm -Sn} (in a given
 * network namespace, or the current one) and parses the restore format into comparable values,
 * so that tests can check what the library wrote without trusting the library's own decoder.
 *
 * <p>{@link Table} equality ignores the order of services and real servers (the kernel lists
 * them in hash and newest-first order). Fields the restore format does not carry (thresholds,
 * statistics) are not in the values; use the raw helpers for those.
 */
public final class IpvsadmOracle {
    private final String namespace; // null: the current network namespace

    private IpvsadmOracle(String namespace) {
        this.namespace = namespace;
    }

    /** Oracle for the network namespace of this process. */
    public static IpvsadmOracle current() {
        return new IpvsadmOracle(null);
    }

    /** Oracle for a named network namespace ({@code ip netns exec NAME ipvsadm ...}). */
    public static IpvsadmOracle inNamespace(String namespace) {
        return new IpvsadmOracle(Objects.requireNonNull(namespace));
    }

    /** Runs {@code ipvsadm ARGS} and returns the result whatever its exit code. */
    public Commands.Result run(String... args) {
        List<String> cmd = new ArrayList<>();
        if (namespace != null) {
            cmd.addAll(List.of("ip", "netns", "exec", namespace));
        }
        cmd.add("ipvsadm");
        cmd.addAll(Arrays.asList(args));
        return Commands.run(cmd);
    }

    /** Runs {@code ipvsadm ARGS}, throwing {@link Commands.CommandFailedException} on a non-zero exit. */
    public String ok(String... args) {
        return run(args).check().stdout();
    }

    /** Reads the whole table: {@code ipvsadm -Sn}, parsed. */
    public Table table() {
        return parse(ok("-S", "-n"));
    }

    /** Raw {@code ipvsadm -Sn}. */
    public String save() {
        return ok("-S", "-n");
    }

    /** Raw {@code ipvsadm -Ln --stats}. */
    public String stats() {
        return ok("-L", "-n", "--stats");
    }

    /** Raw {@code ipvsadm -Ln --rate}. */
    public String rates() {
        return ok("-L", "-n", "--rate");
    }

    /** Raw {@code ipvsadm -L --timeout}, e.g. {@code Timeout (tcp tcpfin udp): 900 120 300}. */
    public String timeouts() {
        return ok("-L", "--timeout");
    }

    /** Raw {@code ipvsadm -L --daemon} (empty if no sync daemon runs). */
    public String daemons() {
        return ok("-L", "--daemon");
    }

    /** {@code ipvsadm -C}: removes every service of the namespace. */
    public void clear() {
        ok("-C");
    }

    // ---------------------------------------------------------------- values

    /** How a real server is reached: -g, -m, -i. */
    public enum Forwarding {
        ROUTE("-g"), MASQ("-m"), TUNNEL("-i");

        private final String option;

        Forwarding(String option) {
            this.option = option;
        }

        public String option() {
            return option;
        }

        static Forwarding of(String option) {
            for (Forwarding f : values()) {
                if (f.option.equals(option)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("not a forwarding option: " + option);
        }
    }

    /**
     * Identifies a virtual service as ipvsadm spells it: protocol {@code tcp}, {@code udp},
     * {@code sctp} with {@code address} "192.0.2.1:80" or "[2001:db8::1]:443", or protocol
     * {@code fwmark} with {@code address} the mark and {@code ipv6} from {@code -6}.
     */
    public record ServiceKey(String protocol, String address, boolean ipv6) implements Comparable<ServiceKey> {
        public static ServiceKey tcp(String address) {
            return new ServiceKey("tcp", address, address.startsWith("["));
        }

        public static ServiceKey udp(String address) {
            return new ServiceKey("udp", address, address.startsWith("["));
        }

        public static ServiceKey sctp(String address) {
            return new ServiceKey("sctp", address, address.startsWith("["));
        }

        public static ServiceKey fwmark(int mark, boolean ipv6) {
            return new ServiceKey("fwmark", Integer.toString(mark), ipv6);
        }

        /** The options that name this service on an ipvsadm command line. */
        public List<String> options() {
            return switch (protocol) {
                case "tcp" -> List.of("-t", address);
                case "udp" -> List.of("-u", address);
                case "sctp" -> List.of("--sctp-service", address);
                case "fwmark" -> ipv6 ? List.of("-f", address, "-6") : List.of("-f", address);
                default -> throw new IllegalStateException(protocol);
            };
        }

        @Override
        public int compareTo(ServiceKey o) {
            return Comparator.comparing(ServiceKey::protocol).thenComparing(ServiceKey::ipv6)
                    .thenComparing(ServiceKey::address).compare(this, o);
        }

        @Override
        public String toString() {
            return String.join(" ", options());
        }
    }

    /**
     * A real server line: address "198.51.100.3:80" or "[2001:db8::3]:80". {@code tunType}
     * (ipip, gue, gre), {@code tunPort} (0 if absent) and {@code tunChecksum} (nocsum, csum,
     * remcsum, or null) only for {@link Forwarding#TUNNEL}.
     */
    public record RealServer(String address, Forwarding forwarding, int weight,
                             String tunType, int tunPort, String tunChecksum) {
        public RealServer {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(forwarding, "forwarding");
        }

        public static RealServer of(String address, Forwarding forwarding, int weight) {
            return new RealServer(address, forwarding, weight,
                    forwarding == Forwarding.TUNNEL ? "ipip" : null, 0, null);
        }
    }

    /**
     * A service line with its real servers (sorted by address). {@code persistence} is the
     * timeout in seconds, 0 if not persistent; {@code netmask} as printed (dotted IPv4 mask or
     * IPv6 prefix length), null if absent; {@code schedFlags} from {@code -b}.
     */
    public record Service(ServiceKey key, String scheduler, int persistence, String netmask,
                          String pe, boolean onePacket, Set<String> schedFlags,
                          List<RealServer> realServers) {
        public Service {
            Objects.requireNonNull(key, "key");
            schedFlags = Collections.unmodifiableSet(new TreeSet<>(schedFlags));
            List<RealServer> sorted = new ArrayList<>(realServers);
            sorted.sort(Comparator.comparing(RealServer::address));
            realServers = List.copyOf(sorted);
        }

        /** A plain service: scheduler only, no real servers. */
        public static Service of(ServiceKey key, String scheduler) {
            return new Service(key, scheduler, 0, null, null, false, Set.of(), List.of());
        }

        public Service withRealServers(RealServer... servers) {
            return new Service(key, scheduler, persistence, netmask, pe, onePacket, schedFlags, List.of(servers));
        }

        public RealServer realServer(String address) {
            return realServers.stream().filter(r -> r.address().equals(address)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no real server " + address + " in " + this));
        }
    }

    /** The whole table, keyed and ordered by {@link ServiceKey}. */
    public record Table(Map<ServiceKey, Service> services) {
        public Table {
            services = Collections.unmodifiableMap(new TreeMap<>(services));
        }

        public static Table of(Service... services) {
            Map<ServiceKey, Service> m = new TreeMap<>();
            for (Service s : services) {
                m.put(s.key(), s);
            }
            return new Table(m);
        }

        public boolean isEmpty() {
            return services.isEmpty();
        }

        public Service service(ServiceKey key) {
            Service s = services.get(key);
            if (s == null) {
                throw new IllegalArgumentException("no service " + key + " in " + services.keySet());
            }
            return s;
        }
    }

    // ---------------------------------------------------------------- parser

    /**
     * Parses {@code ipvsadm -S -n} output. Unknown options are an error (so a changed format is
     * noticed), as is a real server of a service that was not declared before it.
     */
    public static Table parse(String restoreText) {
        Map<ServiceKey, Service> services = new TreeMap<>();
        Map<ServiceKey, List<RealServer>> servers = new TreeMap<>();
        int lineNo = 0;
        for (String raw : restoreText.split("\n")) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                Line l = new Line(line.split("\\s+"));
                String cmd = l.next();
                if (cmd.equals("-A")) {
                    Service s = parseService(l);
                    if (services.put(s.key(), s) != null) {
                        throw new IllegalArgumentException("service declared twice: " + s.key());
                    }
                    servers.put(s.key(), new ArrayList<>());
                } else if (cmd.equals("-a")) {
                    ServiceAndServer ss = parseRealServer(l);
                    List<RealServer> list = servers.get(ss.key);
                    if (list == null) {
                        throw new IllegalArgumentException("real server of an undeclared service " + ss.key);
                    }
                    list.add(ss.server);
                } else {
                    throw new IllegalArgumentException("expected -A or -a, got " + cmd);
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ipvsadm -S line " + lineNo + " '" + line + "': " + e.getMessage(), e);
            }
        }
        Map<ServiceKey, Service> result = new TreeMap<>();
        services.forEach((k, s) -> result.put(k, new Service(k, s.scheduler(), s.persistence(), s.netmask(),
                s.pe(), s.onePacket(), s.schedFlags(), servers.get(k))));
        return new Table(result);
    }

    private static final class Line {
        private final String[] tokens;
        private int pos;

        Line(String[] tokens) {
            this.tokens = tokens;
        }

        boolean hasNext() {
            return pos < tokens.length;
        }

        String next() {
            if (!hasNext()) {
                throw new IllegalArgumentException("unexpected end of line");
            }
            return tokens[pos++];
        }

        String peek() {
            return hasNext() ? tokens[pos] : null;
        }

        int nextInt(String what) {
            String t = next();
            try {
                return Integer.parseInt(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + " is not a number: " + t);
            }
        }
    }

    private record ServiceAndServer(ServiceKey key, RealServer server) {}

    /** Reads -t/-u/--sctp-service ADDR or -f MARK [-6]. */
    private static ServiceKey parseKey(Line l) {
        String opt = l.next();
        String protocol = switch (opt) {
            case "-t", "--tcp-service" -> "tcp";
            case "-u", "--udp-service" -> "udp";
            case "--sctp-service" -> "sctp";
            case "-f", "--fwmark-service" -> "fwmark";
            default -> throw new IllegalArgumentException("expected a service, got " + opt);
        };
        String address = l.next();
        boolean ipv6;
        if (protocol.equals("fwmark")) {
            Integer.parseInt(address);
            ipv6 = "-6".equals(l.peek());
            if (ipv6) {
                l.next();
            }
        } else {
            checkEndpoint(address);
            ipv6 = address.startsWith("[");
        }
        return new ServiceKey(protocol, address, ipv6);
    }

    private static void checkEndpoint(String address) {
        boolean ok = address.startsWith("[") ? address.matches("\\[[0-9a-fA-F:.]+\\]:\\d+")
                : address.matches("\\d+\\.\\d+\\.\\d+\\.\\d+:\\d+");
        if (!ok) {
            throw new IllegalArgumentException("not a numeric address:port (use -n): " + address);
        }
    }

    private static Service parseService(Line l) {
        ServiceKey key = parseKey(l);
        String scheduler = null;
        int persistence = 0;
        String netmask = null;
        String pe = null;
        boolean onePacket = false;
        Set<String> flags = new TreeSet<>();
        while (l.hasNext()) {
            String opt = l.next();
            switch (opt) {
                case "-s", "--scheduler" -> scheduler = l.next();
                case "-p", "--persistent" -> {
                    String next = l.peek();
                    persistence = next != null && next.matches("\\d+") ? l.nextInt("persistence") : 360;
                }
                case "-M", "--netmask" -> netmask = l.next();
                case "--pe" -> pe = l.next();
                case "-o", "--ops" -> onePacket = true;
                case "-b", "--sched-flags" -> flags.addAll(Arrays.asList(l.next().split(",")));
                default -> throw new IllegalArgumentException("unknown service option " + opt);
            }
        }
        if (scheduler == null) {
            throw new IllegalArgumentException("no scheduler (-s)");
        }
        return new Service(key, scheduler, persistence, netmask, pe, onePacket, flags, List.of());
    }

    private static ServiceAndServer parseRealServer(Line l) {
        ServiceKey key = parseKey(l);
        String address = null;
        Forwarding forwarding = null;
        int weight = 1;
        String tunType = null;
        int tunPort = 0;
        String tunCsum = null;
        while (l.hasNext()) {
            String opt = l.next();
            switch (opt) {
                case "-r", "--real-server" -> {
                    address = l.next();
                    checkEndpoint(address);
                }
                case "-g", "--gatewaying", "-m", "--masquerading", "-i", "--ipip" -> forwarding = Forwarding.of(
                        switch (opt) {
                            case "--gatewaying" -> "-g";
                            case "--masquerading" -> "-m";
                            case "--ipip" -> "-i";
                            default -> opt;
                        });
                case "-w", "--weight" -> weight = l.nextInt("weight");
                case "-x", "--u-threshold", "-y", "--l-threshold" -> l.nextInt("threshold"); // not in the value
                case "--tun-type" -> tunType = l.next();
                case "--tun-port" -> tunPort = l.nextInt("tunnel port");
                case "--tun-nocsum", "--tun-csum", "--tun-remcsum" -> tunCsum = opt.substring("--tun-".length());
                case "-6" -> { }
                default -> throw new IllegalArgumentException("unknown real-server option " + opt);
            }
        }
        if (address == null) {
            throw new IllegalArgumentException("no real server (-r)");
        }
        if (forwarding == null) {
            throw new IllegalArgumentException("no forwarding method (-g/-m/-i)");
        }
        if (forwarding == Forwarding.TUNNEL && tunType == null) {
            tunType = "ipip";
        }
        return new ServiceAndServer(key, new RealServer(address, forwarding, weight, tunType, tunPort, tunCsum));
    }
}
