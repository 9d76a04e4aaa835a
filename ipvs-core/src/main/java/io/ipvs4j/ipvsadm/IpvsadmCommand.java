package io.ipvs4j.ipvsadm;

import io.ipvs4j.Change;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.Protocol;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.model.SyncState;
import io.ipvs4j.model.Thresholds;
import io.ipvs4j.model.Timeouts;
import io.ipvs4j.model.Tunnel;
import io.ipvs4j.model.TunnelFlag;
import io.ipvs4j.model.TunnelType;
import io.ipvs4j.model.VirtualService;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One ipvsadm invocation, parsed as ipvsadm 1.31 parses it: the command ({@code -A}, {@code -a},
 * {@code -L}, ...), its options with ipvsadm's defaults filled in, checked with ipvsadm's rules
 * (which options each command takes, which it needs, "multiple ... options specified", the
 * scheduler-flag and tunnel-option checks) and turned into model values.
 *
 * <pre>{@code
 * IpvsadmCommand c = IpvsadmCommand.parse("-A", "-t", "192.0.2.100:80", "-s", "rr", "-p");
 * c.kind();            // ADD_SERVICE
 * c.service();         // TCP 192.0.2.100:80 rr persistent 360 mask /32
 * c.toChange();        // Optional[AddService[...]]
 * }</pre>
 *
 * <p>ipvsadm's defaults: scheduler {@code wlc}; forwarding {@code -g}; weight 1; a real
 * server's port is the service's when not given, and always the service's for {@code -g} and
 * {@code -i} (except on fwmark services, whose port is 0); a bare {@code -p} is 360 seconds;
 * {@code -M} defaults to the host mask; {@code -i} without {@code --tun-type} is IPIP.
 *
 * <p>Differences, all refusals of what ipvsadm would resolve or misread: addresses and ports
 * must be numeric (ipvsadm also looks up host and service names); an IPv4 {@code -M} must be
 * a contiguous dotted mask or {@code /N} (ipvsadm reads {@code -M 24} as the mask
 * {@code 0.0.0.24}); values the model rejects (a scheduler name that is not
 * {@code [a-z0-9_]{1,15}}, a lower threshold above the upper one) are errors here, not
 * kernel errors.
 */
public final class IpvsadmCommand {
    /** The ipvsadm commands, with the names ipvsadm's messages use. */
    public enum Kind {
        /** {@code -A}: add a service. */
        ADD_SERVICE("add-service"),
        /** {@code -E}: edit a service. */
        EDIT_SERVICE("edit-service"),
        /** {@code -D}: delete a service. */
        DELETE_SERVICE("delete-service"),
        /** {@code -C}: clear the table. */
        FLUSH("flush"),
        /** {@code -L} or {@code -l}: list the table. */
        LIST("list"),
        /** {@code -a}: add a real server. */
        ADD_SERVER("add-server"),
        /** {@code -d}: delete a real server. */
        DELETE_SERVER("delete-server"),
        /** {@code -e}: edit a real server. */
        EDIT_SERVER("edit-server"),
        /** {@code --set}: set the connection timeouts. */
        SET("set"),
        /** {@code --start-daemon}: start a connection sync daemon. */
        START_DAEMON("start-daemon"),
        /** {@code --stop-daemon}: stop a connection sync daemon. */
        STOP_DAEMON("stop-daemon"),
        /** {@code -R}: restore rules from standard input. */
        RESTORE("restore"),
        /** {@code -S}: save rules to standard output. */
        SAVE("save"),
        /** {@code -Z}: zero the counters. */
        ZERO("zero"),
        /** {@code -h}: print help. */
        HELP("help"),
        /** {@code -v}: print the version. */
        VERSION("version");

        private final String ipvsadmName;

        Kind(String ipvsadmName) {
            this.ipvsadmName = ipvsadmName;
        }

        /** {@return the name ipvsadm gives the command in its messages, e.g. {@code add-service}} */
        public String ipvsadmName() {
            return ipvsadmName;
        }

        /** {@return whether this command changes the service table ({@code -A -E -D -a -e -d})} */
        public boolean isTableChange() {
            return this == ADD_SERVICE || this == EDIT_SERVICE || this == DELETE_SERVICE
                    || this == ADD_SERVER || this == EDIT_SERVER || this == DELETE_SERVER;
        }
    }

    /** The listing options of {@code -L} (and {@code -n} of {@code -S}). */
    public enum ListOption {
        /** {@code -n}: numeric addresses and ports. */
        NUMERIC,
        /** {@code -c}: the connection table. */
        CONNECTION,
        /** {@code --timeout}: the timeouts. */
        TIMEOUT,
        /** {@code --daemon}: the sync daemons. */
        DAEMON,
        /** {@code --stats}: the counters. */
        STATS,
        /** {@code --rate}: the rates. */
        RATE,
        /** {@code --thresholds}: the real servers' connection thresholds. */
        THRESHOLDS,
        /** {@code --persistent-conn}: persistent connection counts. */
        PERSISTENT_CONN,
        /** {@code --nosort}: in the kernel's order. */
        NOSORT,
        /** {@code -X} / {@code --exact}: exact counter values. */
        EXACT,
        /** {@code --tun-info}: tunnel details of the real servers. */
        TUN_INFO
    }

    /**
     * ipvsadm's options. {@code allowed} has one character per {@link Kind} up to ZERO, as in
     * ipvsadm's {@code commands_v_options}: '+' needed, 'x' illegal, '1' at most one of these,
     * ' ' optional.
     */
    private enum Opt {
        NUMERIC("numeric", "xxxx xxxxxxx x"),
        CONNECTION("connection", "xxxx1xxxxxxxxx"),
        SERVICE("service-address", "+++x1+++xxxxx "),
        SCHEDULER("scheduler", "  xxxxxxxxxxxx"),
        PERSISTENT("persistent", "  xxxxxxxxxxxx"),
        NETMASK("netmask", "  xxxxxxxxxxxx"),
        SERVER("real-server", "xxxxx+++xxxxxx"),
        FORWARD("forwarding-method", "xxxxx x xxxxxx"),
        WEIGHT("weight", "xxxxx x xxxxxx"),
        U_THRESHOLD("u-threshold", "xxxxx x xxxxxx"),
        L_THRESHOLD("l-threshold", "xxxxx x xxxxxx"),
        MCAST_INTERFACE("mcast-interface", "xxxxxxxxx xxxx"),
        TIMEOUT("timeout", "xxxx1xxxxxxxxx"),
        DAEMON("daemon", "xxxx1xxxxxxxxx"),
        STATS("stats", "xxxx xxxxxxxxx"),
        RATE("rate", "xxxx xxxxxxxxx"),
        THRESHOLDS("thresholds", "xxxx xxxxxxxxx"),
        PERSISTENT_CONN("persistent-conn", "xxxx xxxxxxxxx"),
        NOSORT("nosort", "xxxx xxxxxxxxx"),
        SYNCID("syncid", "xxxxxxxxx  xxx"),
        EXACT("exact", "xxxx xxxxxxxxx"),
        OPS("ops", "  xxxxxxxxxxxx"),
        PE("pe", "  xxxxxxxxxxxx"),
        SCHED_FLAGS("sched-flags", "  xxxxxxxxxxxx"),
        MCAST_GROUP("mcast-group", "xxxxxxxxx xxxx"),
        MCAST_PORT("mcast-port", "xxxxxxxxx xxxx"),
        MCAST_TTL("mcast-ttl", "xxxxxxxxx xxxx"),
        SYNC_MAXLEN("sync-maxlen", "xxxxxxxxx xxxx"),
        TUN_TYPE("tun-type", "xxxxx x xxxxxx"),
        TUN_PORT("tun-port", "xxxxx x xxxxxx"),
        TUN_NOCSUM("tun-nocsum", "xxxxx x xxxxxx"),
        TUN_CSUM("tun-csum", "xxxxx x xxxxxx"),
        TUN_REMCSUM("tun-remcsum", "xxxxx x xxxxxx"),
        TUN_INFO("tun-info", "xxxx xxxxxxxxx");

        final String ipvsadmName;
        final String allowed;

        Opt(String ipvsadmName, String allowed) {
            this.ipvsadmName = ipvsadmName;
            this.allowed = allowed;
        }
    }

    private enum Arg { NONE, REQUIRED, OPTIONAL }

    /** One entry of ipvsadm's option table: long name, short letter (or 0), argument. */
    private record Spec(String longName, char shortName, Arg arg) {}

    private static final List<Spec> SPECS = List.of(
            new Spec("add-service", 'A', Arg.NONE), new Spec("edit-service", 'E', Arg.NONE),
            new Spec("delete-service", 'D', Arg.NONE), new Spec("clear", 'C', Arg.NONE),
            new Spec("list", 'L', Arg.NONE), new Spec("list", 'l', Arg.NONE), new Spec("zero", 'Z', Arg.NONE),
            new Spec("add-server", 'a', Arg.NONE), new Spec("edit-server", 'e', Arg.NONE),
            new Spec("delete-server", 'd', Arg.NONE), new Spec("set", '\0', Arg.NONE),
            new Spec("help", 'h', Arg.NONE), new Spec("version", 'v', Arg.NONE),
            new Spec("restore", 'R', Arg.NONE), new Spec("save", 'S', Arg.NONE),
            new Spec("start-daemon", '\0', Arg.REQUIRED), new Spec("stop-daemon", '\0', Arg.REQUIRED),
            new Spec("tcp-service", 't', Arg.REQUIRED), new Spec("udp-service", 'u', Arg.REQUIRED),
            new Spec("sctp-service", '\0', Arg.REQUIRED), new Spec("fwmark-service", 'f', Arg.REQUIRED),
            new Spec("scheduler", 's', Arg.REQUIRED), new Spec("persistent", 'p', Arg.OPTIONAL),
            new Spec("netmask", 'M', Arg.REQUIRED), new Spec("real-server", 'r', Arg.REQUIRED),
            new Spec("masquerading", 'm', Arg.NONE), new Spec("ipip", 'i', Arg.NONE),
            new Spec("gatewaying", 'g', Arg.NONE), new Spec("weight", 'w', Arg.REQUIRED),
            new Spec("u-threshold", 'x', Arg.REQUIRED), new Spec("l-threshold", 'y', Arg.REQUIRED),
            new Spec("numeric", 'n', Arg.NONE), new Spec("connection", 'c', Arg.NONE),
            new Spec("mcast-interface", '\0', Arg.REQUIRED), new Spec("syncid", '\0', Arg.REQUIRED),
            new Spec("timeout", '\0', Arg.NONE), new Spec("daemon", '\0', Arg.NONE),
            new Spec("stats", '\0', Arg.NONE), new Spec("rate", '\0', Arg.NONE),
            new Spec("thresholds", '\0', Arg.NONE), new Spec("persistent-conn", '\0', Arg.NONE),
            new Spec("nosort", '\0', Arg.NONE), new Spec("sort", '\0', Arg.NONE),
            new Spec("exact", 'X', Arg.NONE), new Spec("ipv6", '6', Arg.NONE), new Spec("ops", 'o', Arg.NONE),
            new Spec("pe", '\0', Arg.REQUIRED), new Spec("sched-flags", 'b', Arg.REQUIRED),
            new Spec("mcast-group", '\0', Arg.REQUIRED), new Spec("mcast-port", '\0', Arg.REQUIRED),
            new Spec("mcast-ttl", '\0', Arg.REQUIRED), new Spec("sync-maxlen", '\0', Arg.REQUIRED),
            new Spec("tun-type", '\0', Arg.REQUIRED), new Spec("tun-port", '\0', Arg.REQUIRED),
            new Spec("tun-nocsum", '\0', Arg.NONE), new Spec("tun-csum", '\0', Arg.NONE),
            new Spec("tun-remcsum", '\0', Arg.NONE), new Spec("tun-info", '\0', Arg.NONE));

    /** ipvsadm's {@code MAX_TIMEOUT} for {@code -p} and {@code --set}: 31 days. */
    private static final long MAX_TIMEOUT = 86400L * 31;

    private final Kind kind;
    private final ServiceKey key;
    private final VirtualService service;
    private final RealServer realServer;
    private final Endpoint endpoint;
    private final Set<ListOption> listOptions;
    private final Timeouts timeouts;
    private final SyncDaemon daemon;
    private final SyncState daemonState;

    private IpvsadmCommand(Parser p) {
        this.kind = p.kind;
        this.key = p.key;
        this.service = p.service;
        this.realServer = p.realServer;
        this.endpoint = p.endpoint;
        this.listOptions = p.listOptions.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(p.listOptions);
        this.timeouts = p.timeouts;
        this.daemon = p.daemon;
        this.daemonState = p.daemonState;
    }

    /**
     * Parses one ipvsadm command line (without the program name).
     *
     * @param args the arguments, as after {@code ipvsadm}
     * @return the parsed command
     * @throws IpvsadmSyntaxException for what ipvsadm refuses, naming the token and reason
     */
    public static IpvsadmCommand parse(String... args) {
        return parse(List.of(args), 0);
    }

    /**
     * Parses one ipvsadm command line; {@code line} (1-based, or 0 for none) goes into errors.
     *
     * @param args the arguments, as after {@code ipvsadm}
     * @param line the 1-based line in a rule file, 0 for a command line
     * @return the parsed command
     * @throws IpvsadmSyntaxException for what ipvsadm refuses, naming line, token and reason
     */
    public static IpvsadmCommand parse(List<String> args, int line) {
        Objects.requireNonNull(args, "args");
        return new IpvsadmCommand(new Parser(args, line).run());
    }

    /** {@return the command} */
    public Kind kind() {
        return kind;
    }

    /** {@return the service ({@code -t/-u/--sctp-service/-f}), if given} */
    public Optional<ServiceKey> serviceKey() {
        return Optional.ofNullable(key);
    }

    /**
     * The service with ipvsadm's defaults for {@code -A} and {@code -E}.
     *
     * @return the service
     * @throws IllegalStateException for other commands
     */
    public VirtualService service() {
        if (service == null) {
            throw new IllegalStateException("a " + kind.ipvsadmName() + " command has no service settings");
        }
        return service;
    }

    /**
     * The real server with ipvsadm's defaults for {@code -a} and {@code -e}.
     *
     * @return the real server
     * @throws IllegalStateException for other commands
     */
    public RealServer realServer() {
        if (realServer == null) {
            throw new IllegalStateException("a " + kind.ipvsadmName() + " command has no real server settings");
        }
        return realServer;
    }

    /** {@return the real server's endpoint ({@code -r}) for {@code -a -e -d}} */
    public Optional<Endpoint> endpoint() {
        return Optional.ofNullable(endpoint);
    }

    /** {@return the listing options ({@code -n}, {@code --stats}, ...)} */
    public Set<ListOption> listOptions() {
        return listOptions;
    }

    /** {@return the timeouts of {@code --set tcp tcpfin udp} (0 = unchanged, as the kernel takes it)} */
    public Optional<Timeouts> timeouts() {
        return Optional.ofNullable(timeouts);
    }

    /** {@return the daemon of {@code --start-daemon}, with ipvsadm's defaults (interface eth0, syncid 0)} */
    public Optional<SyncDaemon> daemon() {
        return Optional.ofNullable(daemon);
    }

    /** {@return the state of {@code --start-daemon} / {@code --stop-daemon}} */
    public Optional<SyncState> daemonState() {
        return Optional.ofNullable(daemonState);
    }

    /** {@return the table change of {@code -A -E -D -a -e -d}; empty for other commands} */
    public Optional<Change> toChange() {
        return Optional.ofNullable(switch (kind) {
            case ADD_SERVICE -> new Change.AddService(service);
            case EDIT_SERVICE -> new Change.UpdateService(service);
            case DELETE_SERVICE -> new Change.RemoveService(key);
            case ADD_SERVER -> new Change.AddRealServer(key, realServer);
            case EDIT_SERVER -> new Change.UpdateRealServer(key, realServer);
            case DELETE_SERVER -> new Change.RemoveRealServer(key, endpoint);
            default -> null;
        });
    }

    @Override
    public String toString() {
        return kind.ipvsadmName() + (key != null ? " " + key : "") + (service != null ? " " + service : "")
                + (realServer != null ? " " + realServer : endpoint != null ? " " + endpoint : "");
    }

    /** The parse of one command line; fields in ipvsadm's order of evaluation. */
    private static final class Parser {
        private final List<String> args;
        private final int line;
        private int pos;
        private final EnumSet<Opt> options = EnumSet.noneOf(Opt.class);
        private final List<String> positional = new ArrayList<>();

        Kind kind;
        ServiceKey key;
        VirtualService service;
        RealServer realServer;
        Endpoint endpoint;
        final EnumSet<ListOption> listOptions = EnumSet.noneOf(ListOption.class);
        Timeouts timeouts;
        SyncDaemon daemon;
        SyncState daemonState;

        // raw values, combined once every option is read
        private Protocol protocol;
        private String serviceText;
        private Long fwmark;
        private AddressFamily fwmarkFamily = AddressFamily.INET;
        private String scheduler;
        private boolean persistent;
        private long timeout;
        private String netmask;
        private String netmaskToken;
        private String serverText;
        private ForwardingMethod forwarding = ForwardingMethod.DIRECT_ROUTE;
        private int weight = 1;
        private long upper;
        private long lower;
        private String pe;
        private boolean onePacket;
        private String schedFlags;
        private String mcastInterface;
        private int syncId;
        private String mcastGroup;
        private Integer mcastPort;
        private Integer mcastTtl;
        private Integer syncMaxLen;
        private TunnelType tunType;
        private Integer tunPort;
        private String tunChecksum;

        Parser(List<String> args, int line) {
            this.args = args;
            this.line = line;
        }

        private IpvsadmSyntaxException error(String token, String reason) {
            return new IpvsadmSyntaxException(line, token, reason);
        }

        Parser run() {
            boolean first = true;
            boolean onlyPositional = false;
            while (pos < args.size()) {
                String tok = args.get(pos++);
                if (onlyPositional || tok.length() < 2 || tok.charAt(0) != '-') {
                    positional.add(tok);
                    continue;
                }
                if (tok.equals("--")) {
                    onlyPositional = true;
                    continue;
                }
                if (tok.startsWith("--")) {
                    int eq = tok.indexOf('=');
                    String name = eq < 0 ? tok.substring(2) : tok.substring(2, eq);
                    Spec spec = byLong(name, tok);
                    String value = null;
                    if (spec.arg == Arg.NONE && eq >= 0) {
                        throw error(tok, "option does not take an argument");
                    }
                    if (spec.arg != Arg.NONE) {
                        value = eq >= 0 ? tok.substring(eq + 1) : takeNext(spec, tok);
                    }
                    first = option(spec, value, tok, first);
                } else {
                    for (int i = 1; i < tok.length(); i++) {
                        char c = tok.charAt(i);
                        Spec spec = byShort(c, tok);
                        String value = null;
                        if (spec.arg != Arg.NONE) {
                            value = i + 1 < tok.length() ? tok.substring(i + 1) : takeNext(spec, tok);
                            first = option(spec, value, "-" + c, first);
                            break;
                        }
                        first = option(spec, null, "-" + c, first);
                    }
                }
            }
            if (kind == null) {
                throw error(null, "no command given: one of -A -E -D -C -R -S -a -e -d -L -Z --set"
                        + " --start-daemon --stop-daemon -h -v");
            }
            finish();
            return this;
        }

        private String takeNext(Spec spec, String tok) {
            if (pos < args.size() && (spec.arg == Arg.REQUIRED || !args.get(pos).startsWith("-"))) {
                return args.get(pos++);
            }
            if (spec.arg == Arg.OPTIONAL) {
                return null;
            }
            throw error(tok, "missing argument");
        }

        private static Spec byShortOrNull(char c) {
            for (Spec s : SPECS) {
                if (s.shortName == c) {
                    return s;
                }
            }
            return null;
        }

        private Spec byShort(char c, String tok) {
            Spec s = byShortOrNull(c);
            if (s == null) {
                throw error(tok, "unknown option -" + c);
            }
            return s;
        }

        private Spec byLong(String name, String tok) {
            for (Spec s : SPECS) {
                if (s.longName.equals(name)) {
                    return s;
                }
            }
            throw error(tok, "unknown option");
        }

        private void set(Opt opt, String tok) {
            if (!options.add(opt)) {
                throw error(tok, "multiple '" + opt.ipvsadmName + "' options specified");
            }
        }

        private boolean option(Spec spec, String value, String tok, boolean first) {
            Kind command = commandOf(spec, value, tok);
            if (first) {
                if (command == null) {
                    throw error(tok, "the first option must be a command (-A -E -D -C -R -S -a -e -d -L -Z --set"
                            + " --start-daemon --stop-daemon -h -v)");
                }
                kind = command;
                return false;
            }
            if (command != null) {
                throw error(tok, "invalid option: only one command per line");
            }
            switch (spec.longName) {
                case "tcp-service", "udp-service", "sctp-service" -> {
                    set(Opt.SERVICE, tok);
                    protocol = spec.longName.startsWith("tcp") ? Protocol.TCP
                            : spec.longName.startsWith("udp") ? Protocol.UDP : Protocol.SCTP;
                    serviceText = value;
                }
                case "fwmark-service" -> {
                    set(Opt.SERVICE, tok);
                    long mark = number(value, 1, 0xFFFF_FFFFL, tok, "invalid fwmark value `" + value + "' specified");
                    fwmark = mark;
                }
                case "scheduler" -> {
                    set(Opt.SCHEDULER, tok);
                    scheduler = value;
                }
                case "persistent" -> {
                    set(Opt.PERSISTENT, tok);
                    persistent = true;
                    timeout = value == null ? Persistence.DEFAULT_TIMEOUT.getSeconds()
                            : number(value, 1, MAX_TIMEOUT, tok, "invalid timeout value `" + value + "' specified");
                }
                case "netmask" -> {
                    set(Opt.NETMASK, tok);
                    netmask = value;
                    netmaskToken = tok;
                }
                case "real-server" -> {
                    set(Opt.SERVER, tok);
                    serverText = value;
                }
                case "masquerading", "ipip", "gatewaying" -> {
                    set(Opt.FORWARD, tok);
                    forwarding = spec.shortName == 'm' ? ForwardingMethod.MASQUERADE
                            : spec.shortName == 'i' ? ForwardingMethod.TUNNEL : ForwardingMethod.DIRECT_ROUTE;
                }
                case "weight" -> {
                    set(Opt.WEIGHT, tok);
                    weight = (int) number(value, 0, Integer.MAX_VALUE, tok, "illegal weight specified");
                }
                case "u-threshold" -> {
                    set(Opt.U_THRESHOLD, tok);
                    upper = number(value, 0, Integer.MAX_VALUE, tok, "illegal u_threshold specified");
                }
                case "l-threshold" -> {
                    set(Opt.L_THRESHOLD, tok);
                    lower = number(value, 0, Integer.MAX_VALUE, tok, "illegal l_threshold specified");
                }
                case "numeric" -> list(Opt.NUMERIC, ListOption.NUMERIC, tok);
                case "connection" -> list(Opt.CONNECTION, ListOption.CONNECTION, tok);
                case "timeout" -> list(Opt.TIMEOUT, ListOption.TIMEOUT, tok);
                case "daemon" -> list(Opt.DAEMON, ListOption.DAEMON, tok);
                case "stats" -> list(Opt.STATS, ListOption.STATS, tok);
                case "rate" -> list(Opt.RATE, ListOption.RATE, tok);
                case "thresholds" -> list(Opt.THRESHOLDS, ListOption.THRESHOLDS, tok);
                case "persistent-conn" -> list(Opt.PERSISTENT_CONN, ListOption.PERSISTENT_CONN, tok);
                case "nosort" -> list(Opt.NOSORT, ListOption.NOSORT, tok);
                case "sort" -> { } // ipvsadm: the default, accepted for compatibility
                case "exact" -> list(Opt.EXACT, ListOption.EXACT, tok);
                case "tun-info" -> list(Opt.TUN_INFO, ListOption.TUN_INFO, tok);
                case "mcast-interface" -> {
                    set(Opt.MCAST_INTERFACE, tok);
                    mcastInterface = value;
                }
                case "syncid" -> {
                    set(Opt.SYNCID, tok);
                    syncId = (int) number(value, 0, 255, tok, "illegal syncid specified");
                }
                case "ipv6" -> {
                    if (fwmark == null) {
                        throw error(tok, "-6 used before -f");
                    }
                    fwmarkFamily = AddressFamily.INET6;
                }
                case "ops" -> {
                    set(Opt.OPS, tok);
                    onePacket = true;
                }
                case "pe" -> {
                    set(Opt.PE, tok);
                    pe = value;
                }
                case "sched-flags" -> {
                    set(Opt.SCHED_FLAGS, tok);
                    schedFlags = value;
                }
                case "mcast-group" -> {
                    set(Opt.MCAST_GROUP, tok);
                    mcastGroup = value;
                }
                case "mcast-port" -> {
                    set(Opt.MCAST_PORT, tok);
                    mcastPort = (int) number(value, 1, 65535, tok, "illegal mcast-port specified");
                }
                case "mcast-ttl" -> {
                    set(Opt.MCAST_TTL, tok);
                    mcastTtl = (int) number(value, 1, 255, tok, "illegal mcast-ttl specified");
                }
                case "sync-maxlen" -> {
                    set(Opt.SYNC_MAXLEN, tok);
                    syncMaxLen = (int) number(value, 1, 65535 - 20 - 8, tok, "illegal sync-maxlen specified");
                }
                case "tun-type" -> {
                    set(Opt.TUN_TYPE, tok);
                    tunType = switch (value) {
                        case "ipip" -> TunnelType.IPIP;
                        case "gue" -> TunnelType.GUE;
                        case "gre" -> TunnelType.GRE;
                        default -> throw error(tok, "illegal tunnel type specified");
                    };
                }
                case "tun-port" -> {
                    set(Opt.TUN_PORT, tok);
                    tunPort = (int) number(value, 1, 65535, tok, "illegal tunnel port specified");
                }
                case "tun-nocsum", "tun-csum", "tun-remcsum" -> {
                    set(Opt.valueOf(spec.longName.replace('-', '_').toUpperCase(java.util.Locale.ROOT)), tok);
                    if (tunChecksum != null) {
                        throw error(tok, "The option '" + spec.longName + "' conflicts with the '" + tunChecksum
                                + "' option");
                    }
                    tunChecksum = spec.longName;
                }
                default -> throw new AssertionError(spec.longName);
            }
            return false;
        }

        private void list(Opt opt, ListOption lo, String tok) {
            set(opt, tok);
            listOptions.add(lo);
        }

        private Kind commandOf(Spec spec, String value, String tok) {
            switch (spec.longName) {
                case "add-service": return Kind.ADD_SERVICE;
                case "edit-service": return Kind.EDIT_SERVICE;
                case "delete-service": return Kind.DELETE_SERVICE;
                case "clear": return Kind.FLUSH;
                case "list": return Kind.LIST;
                case "zero": return Kind.ZERO;
                case "add-server": return Kind.ADD_SERVER;
                case "edit-server": return Kind.EDIT_SERVER;
                case "delete-server": return Kind.DELETE_SERVER;
                case "set": return Kind.SET;
                case "help": return Kind.HELP;
                case "version": return Kind.VERSION;
                case "restore": return Kind.RESTORE;
                case "save": return Kind.SAVE;
                case "start-daemon":
                case "stop-daemon":
                    if (!"master".equals(value) && !"backup".equals(value)) {
                        throw error(tok, "illegal " + spec.longName + " parameter specified");
                    }
                    daemonState = value.equals("master") ? SyncState.MASTER : SyncState.BACKUP;
                    return spec.longName.startsWith("start") ? Kind.START_DAEMON : Kind.STOP_DAEMON;
                default: return null;
            }
        }

        /** ipvsadm's {@code string_to_number}: decimal, whole token, within min..max. */
        private long number(String value, long min, long max, String tok, String reason) {
            String s = value.startsWith("+") ? value.substring(1) : value;
            if (s.isEmpty() || s.length() > 19 || !(s.chars().allMatch(ch -> ch >= '0' && ch <= '9')
                    || (s.charAt(0) == '-' && s.length() > 1 && s.substring(1).chars().allMatch(ch -> ch >= '0' && ch <= '9')))) {
                throw error(tok + " " + value, reason);
            }
            long n = Long.parseLong(s);
            if (n < min || n > max) {
                throw error(tok + " " + value, reason);
            }
            return n;
        }

        private void finish() {
            if (kind == Kind.HELP || kind == Kind.VERSION) {
                return;
            }
            int column = kind.ordinal();
            Opt exclusive = null;
            for (Opt o : Opt.values()) {
                char rule = o.allowed.charAt(column);
                if (!options.contains(o)) {
                    if (rule == '+') {
                        throw error(null, "You need to supply the '" + o.ipvsadmName + "' option for the '"
                                + kind.ipvsadmName() + "' command");
                    }
                } else if (rule == 'x') {
                    throw error(null, "Illegal '" + o.ipvsadmName + "' option with the '" + kind.ipvsadmName()
                            + "' command");
                } else if (rule == '1') {
                    if (exclusive != null) {
                        throw error(null, "The option '" + o.ipvsadmName + "' conflicts with the '"
                                + exclusive.ipvsadmName + "' option in the '" + kind.ipvsadmName() + "' command");
                    }
                    exclusive = o;
                }
            }
            if (kind == Kind.LIST && ((options.contains(Opt.CONNECTION) || options.contains(Opt.TIMEOUT)
                    || options.contains(Opt.DAEMON)) && (options.contains(Opt.STATS) || options.contains(Opt.RATE)
                    || options.contains(Opt.THRESHOLDS))
                    || (options.contains(Opt.TIMEOUT) || options.contains(Opt.DAEMON))
                    && options.contains(Opt.PERSISTENT_CONN))) {
                throw error(null, "options conflicts in the list command");
            }
            if (kind == Kind.SET) {
                if (positional.size() < 3) {
                    throw error(null, "--set option requires 3 timeout values");
                }
                long[] t = new long[3];
                for (int i = 0; i < 3; i++) {
                    String v = positional.get(i);
                    t[i] = number(v, 0, MAX_TIMEOUT, v, "invalid timeout value `" + v + "' specified");
                }
                timeouts = Timeouts.ofSeconds(t[0], t[1], t[2]);
                positional.subList(0, 3).clear();
            }
            if (!positional.isEmpty()) {
                throw error(positional.get(0), "unexpected argument " + positional.get(0));
            }
            if (options.contains(Opt.SERVICE)) {
                key = serviceKey();
            }
            try {
                switch (kind) {
                    case ADD_SERVICE, EDIT_SERVICE -> service = buildService();
                    case ADD_SERVER, EDIT_SERVER, DELETE_SERVER -> buildServer();
                    case START_DAEMON -> buildDaemon();
                    default -> { }
                }
            } catch (IpvsadmSyntaxException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new IpvsadmSyntaxException(line, null, e.getMessage(), e);
            }
        }

        private ServiceKey serviceKey() {
            if (fwmark != null) {
                return ServiceKey.fwmark(fwmark, fwmarkFamily);
            }
            String tok = "-" + (protocol == Protocol.TCP ? "t" : protocol == Protocol.UDP ? "u" : "-sctp-service")
                    + " " + serviceText;
            AddrPort ap = addrPort(serviceText, 0, tok, "illegal virtual server address[:port] specified");
            return ServiceKey.inet(protocol, ap.address, ap.port);
        }

        private VirtualService buildService() {
            ServiceKey.Inet inet = key instanceof ServiceKey.Inet i ? i : null;
            if (inet != null && inet.port() == 0 && !persistent) {
                throw error(null, "Zero port specified for non-persistent service");
            }
            if (onePacket && inet != null && inet.protocol() != Protocol.UDP) {
                throw error("-o", "One-Packet Scheduling is only for UDP virtual services");
            }
            Scheduler sched;
            try {
                sched = Scheduler.of(scheduler == null ? "wlc" : scheduler);
            } catch (IllegalArgumentException e) {
                throw new IpvsadmSyntaxException(line, "-s " + scheduler, e.getMessage(), e);
            }
            VirtualService.Builder b = VirtualService.builder(key).scheduler(sched);
            if (persistent) {
                int bits = Persistence.HOST;
                if (netmask != null) {
                    bits = netmaskBits();
                }
                b.persistence(Persistence.of(Duration.ofSeconds(timeout), bits));
            } else if (netmask != null) {
                // ipvsadm sends the mask, but the kernel ignores it without persistence (and
                // -Sn does not show it): check it as ipvsadm does and drop it.
                netmaskBits();
            }
            if (onePacket) {
                b.flag(ServiceFlag.ONE_PACKET);
            }
            if (pe != null) {
                try {
                    b.persistenceEngine(pe);
                } catch (IllegalArgumentException e) {
                    throw new IpvsadmSyntaxException(line, "--pe " + pe, e.getMessage(), e);
                }
            }
            if (schedFlags != null) {
                for (ServiceFlag f : IpvsadmNames.parseSchedulerFlags(schedFlags, sched, line)) {
                    b.flag(f);
                }
            }
            return b.build();
        }

        private int netmaskBits() {
            String tok = netmaskToken + " " + netmask;
            AddressFamily family = key.family();
            if (family == AddressFamily.INET6) {
                String s = netmask.startsWith("/") ? netmask.substring(1) : netmask;
                if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(ch -> ch >= '0' && ch <= '9')
                        || Integer.parseInt(s) < 1 || Integer.parseInt(s) > 128) {
                    throw error(tok, "illegal ipv6 netmask specified");
                }
                return Integer.parseInt(s);
            }
            if (netmask.indexOf('.') < 0 && !netmask.startsWith("/")) {
                throw error(tok, "illegal virtual server persistent mask specified: ipvsadm reads a bare number"
                        + " as a dotted mask (24 is 0.0.0.24); write 255.255.255.0 or /24");
            }
            try {
                return Persistence.parseNetmask(netmask, AddressFamily.INET);
            } catch (IllegalArgumentException e) {
                throw new IpvsadmSyntaxException(line, tok, "illegal virtual server persistent mask specified ("
                        + e.getMessage() + ")", e);
            }
        }

        private void buildServer() {
            String tok = "-r " + serverText;
            boolean fwm = key instanceof ServiceKey.FwMark;
            int servicePort = key instanceof ServiceKey.Inet i ? i.port() : 0;
            AddrPort ap = addrPort(serverText, -1, tok, "illegal real server address[:port] specified");
            int port = ap.port < 0 ? servicePort : ap.port;
            if (!fwm && (forwarding == ForwardingMethod.TUNNEL || forwarding == ForwardingMethod.DIRECT_ROUTE)) {
                port = servicePort;
            }
            endpoint = new Endpoint(ap.address, port);
            if (AddressFamily.of(ap.address) != key.family() && forwarding != ForwardingMethod.TUNNEL) {
                throw error(tok, "Different address family is allowed only for tunneling servers");
            }
            if (kind == Kind.DELETE_SERVER) {
                return;
            }
            Tunnel tunnel = null;
            boolean tunOptions = tunType != null || tunPort != null || tunChecksum != null;
            if (forwarding == ForwardingMethod.TUNNEL) {
                tunnel = tunnel();
            } else if (tunOptions) {
                throw error(null, "Tunnel options conflict with forward method");
            }
            RealServer.Builder b = RealServer.builder(endpoint).forwarding(forwarding).weight(weight)
                    .thresholds(new Thresholds(upper, lower));
            if (tunnel != null) {
                b.tunnel(tunnel);
            }
            realServer = b.build();
        }

        private Tunnel tunnel() {
            TunnelType type = tunType == null ? TunnelType.IPIP : tunType;
            String name = type.name().toLowerCase(java.util.Locale.ROOT);
            if (type == TunnelType.GUE && tunPort == null) {
                throw error(null, "You need to supply the 'tun-port' option for the 'gue' tunnel type");
            }
            if (type != TunnelType.GUE && tunPort != null) {
                throw error("--tun-port", "Illegal 'tun-port' option with the '" + name + "' tunnel type");
            }
            if (type == TunnelType.IPIP && tunChecksum != null) {
                throw error("--" + tunChecksum, "Illegal '" + tunChecksum + "' option with the 'ipip' tunnel type");
            }
            if (type == TunnelType.GRE && "tun-remcsum".equals(tunChecksum)) {
                throw error("--tun-remcsum", "Illegal 'tun-remcsum' option with the 'gre' tunnel type");
            }
            Set<TunnelFlag> flags = "tun-csum".equals(tunChecksum) ? Set.of(TunnelFlag.CHECKSUM)
                    : "tun-remcsum".equals(tunChecksum) ? Set.of(TunnelFlag.REMOTE_CHECKSUM) : Set.of();
            return new Tunnel(type, tunPort == null ? 0 : tunPort, flags);
        }

        private void buildDaemon() {
            SyncDaemon.Builder b = SyncDaemon.builder(daemonState, mcastInterface == null ? "eth0" : mcastInterface,
                    syncId);
            if (syncMaxLen != null) {
                b.maxLength(syncMaxLen);
            }
            if (mcastGroup != null) {
                InetAddress g;
                try {
                    g = InetAddresses.parse(mcastGroup);
                } catch (IllegalArgumentException e) {
                    throw new IpvsadmSyntaxException(line, "--mcast-group " + mcastGroup,
                            "invalid mcast-group `" + mcastGroup + "'", e);
                }
                if (!g.isMulticastAddress()) {
                    throw error("--mcast-group " + mcastGroup, "invalid "
                            + (g.getAddress().length == 16 ? "IPv6" : "IPv4") + " mcast-group `" + mcastGroup + "'");
                }
                b.multicastGroup(g);
            }
            if (mcastPort != null) {
                b.multicastPort(mcastPort);
            }
            if (mcastTtl != null) {
                b.multicastTtl(mcastTtl);
            }
            daemon = b.build();
        }

        private record AddrPort(InetAddress address, int port) {}

        /**
         * ipvsadm's {@code parse_service}: {@code [v6]:port}, a bare IPv6 address (no port), or
         * IPv4 with an optional {@code :port}; {@code noPort} when no port is written.
         */
        private AddrPort addrPort(String text, int noPort, String tok, String reason) {
            String addr = text;
            String port = null;
            if (text.isEmpty() || text.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                throw error(tok, reason);
            }
            if (text.startsWith("[")) {
                int close = text.indexOf(']');
                if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                    throw error(tok, reason);
                }
                addr = text.substring(1, close);
                port = text.substring(close + 2);
            } else if (text.indexOf(':') != text.lastIndexOf(':')) {
                addr = text; // a bare IPv6 address
            } else if (text.indexOf(':') >= 0) {
                addr = text.substring(0, text.indexOf(':'));
                port = text.substring(text.indexOf(':') + 1);
            }
            InetAddress a;
            try {
                a = InetAddresses.parse(addr);
            } catch (IllegalArgumentException e) {
                throw new IpvsadmSyntaxException(line, tok, reason + " (" + e.getMessage() + ")", e);
            }
            if (addr.indexOf(':') >= 0 && a.getAddress().length == 4) {
                throw error(tok, reason + " (an IPv4-mapped IPv6 address)");
            }
            if (port == null) {
                return new AddrPort(a, noPort < 0 ? -1 : noPort);
            }
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(ch -> ch >= '0' && ch <= '9')
                    || Integer.parseInt(port) > 65535) {
                throw error(tok, reason + " (ports must be numeric 0..65535; service names are not looked up)");
            }
            return new AddrPort(a, Integer.parseInt(port));
        }
    }
}
