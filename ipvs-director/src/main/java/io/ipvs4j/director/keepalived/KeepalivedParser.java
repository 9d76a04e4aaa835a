package io.ipvs4j.director.keepalived;

import io.ipvs4j.director.check.CheckPolicy;
import io.ipvs4j.director.check.TcpConnectCheck;
import io.ipvs4j.director.keepalived.KeepalivedConfig.Checker;
import io.ipvs4j.director.keepalived.KeepalivedConfig.CheckerOptions;
import io.ipvs4j.director.keepalived.KeepalivedConfig.FwMark;
import io.ipvs4j.director.keepalived.KeepalivedConfig.Group;
import io.ipvs4j.director.keepalived.KeepalivedConfig.HttpGet;
import io.ipvs4j.director.keepalived.KeepalivedConfig.Inet;
import io.ipvs4j.director.keepalived.KeepalivedConfig.LbKind;
import io.ipvs4j.director.keepalived.KeepalivedConfig.RealServer;
import io.ipvs4j.director.keepalived.KeepalivedConfig.ServiceAddress;
import io.ipvs4j.director.keepalived.KeepalivedConfig.StaticAddress;
import io.ipvs4j.director.keepalived.KeepalivedConfig.TcpCheck;
import io.ipvs4j.director.keepalived.KeepalivedConfig.Url;
import io.ipvs4j.director.keepalived.KeepalivedConfig.VirtualServer;
import io.ipvs4j.director.keepalived.KeepalivedConfig.VirtualServerGroup;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.Protocol;
import io.ipvs4j.model.Scheduler;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the load-balancing part of a keepalived.conf into a {@link KeepalivedConfig}.
 *
 * <pre>{@code
 * KeepalivedConfig config = KeepalivedParser.parse(Path.of("keepalived.conf"));
 * config.warnings().forEach(System.err::println);   // e.g. the vrrp_instance blocks
 * DesiredState desired = KeepalivedConverter.toDesiredState(config);
 *
 * KeepalivedParser.parse(text, KeepalivedParser.Mode.STRICT);   // unsupported parts are errors
 * }</pre>
 *
 * <p>Syntax: a statement is a keyword followed by its values on the same line, optionally
 * followed by a {@code { ... }} block; braces may be glued to words or not, and a whole file
 * may be written on one line, because each supported keyword knows how many values it takes.
 * {@code #} and {@code !} start comments; values may be double-quoted.
 *
 * <p>Supported: {@code global_defs { router_id }}; {@code static_ipaddress} entries with
 * {@code dev} and {@code label}; {@code virtual_server_group} with {@code IP PORT},
 * {@code IP-LAST PORT} ranges and {@code fwmark N}; {@code virtual_server IP PORT | fwmark N |
 * group NAME} with {@code protocol}, {@code lb_algo}/{@code lvs_sched},
 * {@code lb_kind}/{@code lvs_method}, {@code persistence_timeout},
 * {@code persistence_granularity}, {@code delay_loop}, {@code virtualhost}, {@code alpha},
 * {@code omega}, {@code quorum}, {@code hysteresis}, {@code inhibit_on_failure}, {@code ops},
 * {@code sh-port}, {@code sh-fallback}, {@code mh-port}, {@code mh-fallback},
 * {@code sorry_server}, {@code sorry_server_inhibit}; {@code real_server IP [PORT]} with
 * {@code weight}, {@code inhibit_on_failure}, {@code uthreshold}, {@code lthreshold},
 * {@code lvs_method}/{@code lb_kind}, {@code delay_loop}; checkers {@code HTTP_GET}
 * ({@code url { path status_code digest }}, {@code virtualhost}) and {@code TCP_CHECK}, both
 * with {@code connect_timeout}, {@code connect_ip}, {@code connect_port}, {@code bindto},
 * {@code retry}/{@code nb_get_retry}, {@code delay_before_retry}, {@code delay_loop}.
 * Everything else (VRRP, other checkers, notify scripts, ...) produces a {@link ConfigWarning}
 * with its name and line, or a {@link ConfigParseException} in {@link Mode#STRICT}.
 *
 * <p>Addresses must be numeric literals; host names are rejected, never resolved.
 * {@code include} is not followed (it is reported as unsupported).
 */
public final class KeepalivedParser {
    /** keepalived's {@code delay_loop} default. */
    public static final Duration DEFAULT_DELAY_LOOP = CheckPolicy.DEFAULT_INTERVAL;
    private static final long MAX_PERSISTENCE_SECONDS = 2_678_400L;
    private static final int MAX_GROUP_RANGE = 256;

    private static final Set<String> TOP = Set.of("global_defs", "static_ipaddress", "virtual_server_group",
            "virtual_server");
    private static final Set<String> GLOBAL = Set.of("router_id");
    private static final Set<String> VS = Set.of("delay_loop", "lb_algo", "lvs_sched", "lb_kind", "lvs_method",
            "persistence_timeout", "persistence_granularity", "protocol", "virtualhost", "alpha", "omega",
            "inhibit_on_failure", "quorum", "hysteresis", "ops", "sh-port", "sh-fallback", "mh-port", "mh-fallback",
            "sorry_server", "sorry_server_inhibit", "real_server");
    private static final Set<String> RS = Set.of("weight", "inhibit_on_failure", "uthreshold", "lthreshold",
            "lvs_method", "lb_kind", "delay_loop", "HTTP_GET", "TCP_CHECK");
    private static final Set<String> CHECK_COMMON = Set.of("connect_timeout", "connect_ip", "connect_port", "bindto",
            "retry", "nb_get_retry", "delay_before_retry", "delay_loop");
    private static final Set<String> HTTP = union(CHECK_COMMON, Set.of("url", "virtualhost"));
    private static final Set<String> URL = Set.of("path", "status_code", "digest");
    private static final Set<String> STATIC_ADDR_VALUE_OPTS = Set.of("dev", "label", "brd", "broadcast", "scope",
            "peer", "preferred_lft", "track_group", "metric");
    private static final Set<String> STATIC_ADDR_FLAG_OPTS = Set.of("home", "nodad", "-nodad", "noprefixroute",
            "autojoin", "no_track");

    /** How unsupported keywords are treated. */
    public enum Mode {
        /** Skip them with a {@link ConfigWarning}: keepalived.conf files mix in VRRP and more. */
        LENIENT,
        /** Reject them with a {@link ConfigParseException}. */
        STRICT
    }

    private final List<Token> tokens;
    private final boolean strict;
    private final List<ConfigWarning> warnings = new ArrayList<>();
    private int pos;

    private KeepalivedParser(List<Token> tokens, Mode mode) {
        this.tokens = tokens;
        this.strict = mode == Mode.STRICT;
    }

    /** Parses {@code text} in {@link Mode#LENIENT}. */
    public static KeepalivedConfig parse(String text) throws ConfigParseException {
        return parse(text, Mode.LENIENT);
    }

    /**
     * Parses {@code text}.
     *
     * @throws ConfigParseException naming the line, column and token of the first problem
     */
    public static KeepalivedConfig parse(String text, Mode mode) throws ConfigParseException {
        return new KeepalivedParser(Tokenizer.tokenize(text), mode).config();
    }

    /** Parses a UTF-8 file in {@link Mode#LENIENT}. */
    public static KeepalivedConfig parse(Path file) throws IOException, ConfigParseException {
        return parse(file, Mode.LENIENT);
    }

    /** Parses a UTF-8 file. */
    public static KeepalivedConfig parse(Path file, Mode mode) throws IOException, ConfigParseException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), mode);
    }

    // ---- top level ----

    private KeepalivedConfig config() throws ConfigParseException {
        String[] routerId = {null};
        List<StaticAddress> addresses = new ArrayList<>();
        List<VirtualServerGroup> groups = new ArrayList<>();
        List<VirtualServer> servers = new ArrayList<>();
        while (pos < tokens.size()) {
            Token t = next();
            if (t.isClose()) {
                throw new ConfigParseException(t, "unbalanced '}': no block is open");
            }
            if (!t.isKeyword()) {
                throw new ConfigParseException(t, "unexpected '" + t + "', expected a keyword such as virtual_server");
            }
            switch (t.text()) {
                case "global_defs" -> block(t, "global_defs", GLOBAL, kw -> {
                    if (kw.text().equals("router_id")) {
                        routerId[0] = value(kw).text();
                        return true;
                    }
                    return false;
                });
                case "static_ipaddress" -> staticAddresses(t, addresses);
                case "virtual_server_group" -> groups.add(group(t));
                case "virtual_server" -> servers.add(virtualServer(t));
                default -> unsupported(t, "", TOP);
            }
        }
        for (VirtualServer vs : servers) {
            if (vs.address() instanceof Group g && groups.stream().noneMatch(x -> x.name().equals(g.name()))) {
                throw new ConfigParseException(vs.line(), 0, g.name(),
                        "virtual_server group '" + g.name() + "' is not defined by any virtual_server_group");
            }
        }
        return new KeepalivedConfig(Optional.ofNullable(routerId[0]), addresses, groups, servers, warnings);
    }

    // ---- static_ipaddress ----

    private void staticAddresses(Token head, List<StaticAddress> out) throws ConfigParseException {
        expectOpen(head, "static_ipaddress");
        while (true) {
            Token t = nextInBlock(head, "static_ipaddress");
            if (t.isClose()) {
                return;
            }
            if (t.isOpen()) {
                throw new ConfigParseException(t, "unexpected '{' in static_ipaddress");
            }
            String text = t.text();
            int slash = text.indexOf('/');
            InetAddress addr = address(t, slash >= 0 ? text.substring(0, slash) : text);
            int bits = addr instanceof Inet4Address ? 32 : 128;
            if (slash >= 0) {
                bits = (int) number(t, text.substring(slash + 1), 0, bits, "prefix length");
            }
            String dev = null;
            String label = null;
            // options belong to the entry while they are on its line: the next entry starts a new line
            // or, in a one-line block, with the next token that is not an option
            while (hasValueOnLine(t)) {
                Token opt = peek();
                String o = opt.text();
                if (STATIC_ADDR_VALUE_OPTS.contains(o)) {
                    next();
                    Token v = value(opt);
                    if (o.equals("dev")) {
                        dev = v.text();
                    } else if (o.equals("label")) {
                        label = v.text();
                    } else {
                        warn(opt, "static_ipaddress " + text, "unsupported option '" + o + " " + v.text() + "'");
                    }
                } else if (STATIC_ADDR_FLAG_OPTS.contains(o)) {
                    next();
                    warn(opt, "static_ipaddress " + text, "unsupported option '" + o + "'");
                } else if (!opt.isKeyword()) {
                    break; // the next address of a one-line block
                } else {
                    throw new ConfigParseException(opt, "unknown static_ipaddress option '" + o + "'");
                }
            }
            out.add(new StaticAddress(addr, bits, Optional.ofNullable(dev), Optional.ofNullable(label), t.line()));
        }
    }

    // ---- virtual_server_group ----

    private VirtualServerGroup group(Token head) throws ConfigParseException {
        String name = value(head).text();
        String ctx = "virtual_server_group " + name;
        expectOpen(head, ctx);
        List<ServiceAddress> members = new ArrayList<>();
        while (true) {
            Token t = nextInBlock(head, ctx);
            if (t.isClose()) {
                return new VirtualServerGroup(name, members, head.line());
            }
            if (t.isOpen()) {
                throw new ConfigParseException(t, "unexpected '{' in " + ctx);
            }
            if (t.text().equals("fwmark")) {
                members.add(new FwMark(number(value(t), 1, 0xFFFF_FFFFL, "fwmark")));
                continue;
            }
            Token portTok = value(t);
            int port = (int) number(portTok, 0, 65535, "port");
            String text = t.text();
            int dash = text.indexOf('-');
            if (dash < 0) {
                members.add(new Inet(address(t, text), port));
                continue;
            }
            // "192.0.2.10-20": a range over the last octet, as keepalived writes it
            InetAddress first = address(t, text.substring(0, dash));
            if (!(first instanceof Inet4Address)) {
                throw new ConfigParseException(t, "address ranges are supported for IPv4 only, was '" + text + "'");
            }
            byte[] b = first.getAddress();
            int from = b[3] & 0xff;
            int to = (int) number(t, text.substring(dash + 1), from, 255, "range end");
            if (to - from + 1 > MAX_GROUP_RANGE) {
                throw new ConfigParseException(t, "range '" + text + "' is too large");
            }
            for (int i = from; i <= to; i++) {
                b[3] = (byte) i;
                members.add(new Inet(InetAddresses.fromBytes(b.clone()), port));
            }
        }
    }

    // ---- virtual_server ----

    private VirtualServer virtualServer(Token head) throws ConfigParseException {
        Token first = value(head);
        ServiceAddress address;
        if (first.text().equals("fwmark")) {
            address = new FwMark(number(value(head), 1, 0xFFFF_FFFFL, "fwmark"));
        } else if (first.text().equals("group")) {
            address = new Group(value(head).text());
        } else {
            InetAddress vip = address(first, first.text());
            address = new Inet(vip, (int) number(value(head), 0, 65535, "port"));
        }
        String ctx = "virtual_server " + address;
        VsBuilder vs = new VsBuilder();
        block(head, ctx, VS, kw -> {
            switch (kw.text()) {
                case "delay_loop" -> vs.delayLoop = seconds(kw, false);
                case "lb_algo", "lvs_sched" -> {
                    Token v = value(kw);
                    try {
                        vs.scheduler = Scheduler.of(v.text()).name();
                    } catch (IllegalArgumentException e) {
                        throw new ConfigParseException(v, kw.text() + ": " + e.getMessage());
                    }
                }
                case "lb_kind", "lvs_method" -> vs.lbKind = lbKind(kw);
                case "persistence_timeout" -> {
                    long s = number(value(kw), 0, MAX_PERSISTENCE_SECONDS, "persistence_timeout");
                    vs.persistence = s == 0 ? null : Duration.ofSeconds(s);
                }
                case "persistence_granularity" -> {
                    vs.granularity = granularity(kw);
                    vs.granularityAt = kw;
                }
                case "protocol" -> {
                    Token v = value(kw);
                    try {
                        vs.protocol = Protocol.valueOf(v.text().toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new ConfigParseException(v, "protocol must be TCP, UDP or SCTP, was '" + v.text() + "'");
                    }
                }
                case "virtualhost" -> vs.virtualHost = value(kw).text();
                case "alpha" -> vs.alpha = true;
                case "omega" -> vs.omega = true;
                case "inhibit_on_failure" -> vs.inhibit = true;
                case "quorum" -> vs.quorum = (int) number(value(kw), 1, Integer.MAX_VALUE, "quorum");
                case "hysteresis" -> vs.hysteresis = (int) number(value(kw), 0, Integer.MAX_VALUE, "hysteresis");
                case "ops" -> vs.onePacket = true;
                case "sh-port", "sh-fallback", "mh-port", "mh-fallback" -> vs.schedulerFlags.add(kw.text());
                case "sorry_server" -> {
                    Token a = value(kw);
                    InetAddress addr = address(a, a.text());
                    int port = hasValueOnLine(kw) && !isKnown(peek(), VS) ? (int) number(next(), 0, 65535, "port") : 0;
                    vs.sorry = new RsBuilder(addr, port, kw.line());
                }
                case "sorry_server_inhibit" -> vs.sorryInhibit = true;
                case "real_server" -> vs.realServers.add(realServer(kw));
                default -> {
                    return false;
                }
            }
            return true;
        });
        return vs.build(address, head.line());
    }

    private final class VsBuilder {
        Duration delayLoop = DEFAULT_DELAY_LOOP;
        String scheduler;
        LbKind lbKind = LbKind.NAT;
        Duration persistence;
        Integer granularity;
        Token granularityAt;
        Protocol protocol = Protocol.TCP;
        String virtualHost;
        boolean alpha;
        boolean omega;
        boolean inhibit;
        int quorum = 1;
        int hysteresis;
        boolean onePacket;
        Set<String> schedulerFlags = new LinkedHashSet<>();
        RsBuilder sorry;
        boolean sorryInhibit;
        List<RsBuilder> realServers = new ArrayList<>();

        VirtualServer build(ServiceAddress address, int line) {
            if (granularity != null && persistence == null) {
                // the netmask only groups clients of a persistent service; without a timeout it does nothing
                warn(granularityAt, "virtual_server " + address,
                        "persistence_granularity without a non-zero persistence_timeout has no effect");
            }
            // virtual-server-wide settings may follow the real_server blocks, so they are
            // applied to the servers and checkers only now
            List<RealServer> rs = new ArrayList<>();
            for (RsBuilder b : realServers) {
                rs.add(b.build(inhibit, delayLoop, virtualHost));
            }
            Optional<RealServer> sorryServer = Optional.empty();
            if (sorry != null) {
                sorryServer = Optional.of(sorry.build(sorryInhibit, delayLoop, virtualHost));
            }
            return new VirtualServer(address, protocol, Optional.ofNullable(scheduler), lbKind,
                    Optional.ofNullable(persistence),
                    granularity == null ? OptionalInt.empty() : OptionalInt.of(granularity), delayLoop,
                    Optional.ofNullable(virtualHost), alpha, omega, quorum, hysteresis, onePacket, schedulerFlags,
                    sorryServer, rs, line);
        }
    }

    private LbKind lbKind(Token kw) throws ConfigParseException {
        Token v = value(kw);
        try {
            return LbKind.valueOf(v.text().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigParseException(v, kw.text() + " must be NAT, DR or TUN, was '" + v.text() + "'");
        }
    }

    /** {@code persistence_granularity}: an IPv4 netmask ({@code 255.255.255.0}) or a prefix length. */
    private int granularity(Token kw) throws ConfigParseException {
        Token v = value(kw);
        if (v.text().indexOf('.') < 0) {
            return (int) number(v, 0, 128, "persistence_granularity");
        }
        InetAddress mask = address(v, v.text());
        byte[] b = mask.getAddress();
        int bits = 0;
        boolean ended = false;
        for (byte x : b) {
            for (int i = 7; i >= 0; i--) {
                boolean set = (x >> i & 1) == 1;
                if (set && ended) {
                    throw new ConfigParseException(v, "persistence_granularity must be a contiguous netmask, was '"
                            + v.text() + "'");
                }
                if (set) {
                    bits++;
                } else {
                    ended = true;
                }
            }
        }
        return bits;
    }

    // ---- real_server ----

    private RsBuilder realServer(Token head) throws ConfigParseException {
        Token a = value(head);
        InetAddress addr = address(a, a.text());
        int port = hasValueOnLine(head) ? (int) number(next(), 0, 65535, "port") : 0;
        RsBuilder rs = new RsBuilder(addr, port, head.line());
        String ctx = "real_server " + a.text() + (port == 0 ? "" : " " + port);
        block(head, ctx, RS, kw -> {
            switch (kw.text()) {
                case "weight" -> rs.weight = (int) number(value(kw), 0, Integer.MAX_VALUE, "weight");
                case "inhibit_on_failure" -> rs.inhibit = true;
                case "uthreshold" -> rs.upper = number(value(kw), 0, Integer.MAX_VALUE, "uthreshold");
                case "lthreshold" -> rs.lower = number(value(kw), 0, Integer.MAX_VALUE, "lthreshold");
                case "lvs_method", "lb_kind" -> rs.lbKind = lbKind(kw);
                case "delay_loop" -> rs.delayLoop = seconds(kw, false);
                case "HTTP_GET" -> rs.checkers.add(checker(kw, true));
                case "TCP_CHECK" -> rs.checkers.add(checker(kw, false));
                default -> {
                    return false;
                }
            }
            return true;
        });
        if (rs.lower > rs.upper) {
            throw new ConfigParseException(head.line(), head.column(), "lthreshold",
                    "lthreshold " + rs.lower + " must not exceed uthreshold " + rs.upper + " in " + ctx);
        }
        return rs;
    }

    private static final class RsBuilder {
        final InetAddress address;
        final int port;
        final int line;
        int weight = 1;
        boolean inhibit;
        long upper;
        long lower;
        LbKind lbKind;
        Duration delayLoop;
        final List<CheckerBuilder> checkers = new ArrayList<>();

        RsBuilder(InetAddress address, int port, int line) {
            this.address = address;
            this.port = port;
            this.line = line;
        }

        RealServer build(boolean vsInhibit, Duration vsDelayLoop, String vsVirtualHost) {
            List<Checker> cs = new ArrayList<>();
            for (CheckerBuilder c : checkers) {
                cs.add(c.build(delayLoop != null ? delayLoop : vsDelayLoop, vsVirtualHost));
            }
            return new RealServer(address, port, weight, inhibit || vsInhibit, upper, lower,
                    Optional.ofNullable(lbKind), cs, line);
        }
    }

    // ---- checkers ----

    private CheckerBuilder checker(Token head, boolean http) throws ConfigParseException {
        CheckerBuilder c = new CheckerBuilder(http, head.line());
        block(head, head.text(), http ? HTTP : CHECK_COMMON, kw -> {
            switch (kw.text()) {
                case "connect_timeout" -> c.connectTimeout = seconds(kw, false);
                case "connect_ip" -> {
                    Token v = value(kw);
                    c.connectIp = address(v, v.text());
                }
                case "connect_port" -> c.connectPort = (int) number(value(kw), 1, 65535, "connect_port");
                case "bindto" -> {
                    Token v = value(kw);
                    c.bindTo = address(v, v.text());
                }
                case "retry", "nb_get_retry" -> c.retries = (int) number(value(kw), 0, Integer.MAX_VALUE, kw.text());
                case "delay_before_retry" -> c.delayBeforeRetry = seconds(kw, true);
                case "delay_loop" -> c.delayLoop = seconds(kw, false);
                case "url" -> {
                    if (!http) {
                        return false;
                    }
                    c.urls.add(url(kw));
                }
                case "virtualhost" -> {
                    if (!http) {
                        return false;
                    }
                    c.virtualHost = value(kw).text();
                }
                default -> {
                    return false;
                }
            }
            return true;
        });
        if (http && c.urls.isEmpty()) {
            throw new ConfigParseException(head, "HTTP_GET needs at least one url { path ... } block");
        }
        return c;
    }

    private static final class CheckerBuilder {
        final boolean http;
        final int line;
        Duration connectTimeout = TcpConnectCheck.DEFAULT_CONNECT_TIMEOUT;
        InetAddress connectIp;
        Integer connectPort;
        InetAddress bindTo;
        int retries = CheckPolicy.DEFAULT_RETRIES;
        Duration delayBeforeRetry = CheckPolicy.DEFAULT_DELAY_BEFORE_RETRY;
        Duration delayLoop;
        String virtualHost;
        final List<Url> urls = new ArrayList<>();

        CheckerBuilder(boolean http, int line) {
            this.http = http;
            this.line = line;
        }

        Checker build(Duration inheritedDelayLoop, String vsVirtualHost) {
            CheckerOptions o = new CheckerOptions(connectTimeout, Optional.ofNullable(connectIp),
                    connectPort == null ? OptionalInt.empty() : OptionalInt.of(connectPort), Optional.ofNullable(bindTo),
                    retries, delayBeforeRetry, delayLoop != null ? delayLoop : inheritedDelayLoop);
            if (http) {
                return new HttpGet(urls, Optional.ofNullable(virtualHost != null ? virtualHost : vsVirtualHost), o, line);
            }
            return new TcpCheck(o, line);
        }
    }

    private Url url(Token head) throws ConfigParseException {
        String[] path = {null};
        String[] digest = {null};
        Set<Integer> codes = new TreeSet<>();
        block(head, "url", URL, kw -> {
            switch (kw.text()) {
                case "path" -> {
                    Token v = value(kw);
                    if (!v.text().startsWith("/") || v.text().chars().anyMatch(ch -> ch <= ' ' || ch == 0x7f)) {
                        throw new ConfigParseException(v, "url path must start with '/' and contain no spaces, was '"
                                + v.text() + "'");
                    }
                    path[0] = v.text();
                }
                case "digest" -> {
                    Token v = value(kw);
                    if (!v.text().matches("[0-9a-fA-F]{32}")) {
                        throw new ConfigParseException(v, "digest must be 32 hex digits (MD5), was '" + v.text() + "'");
                    }
                    digest[0] = v.text().toLowerCase(Locale.ROOT);
                }
                case "status_code" -> {
                    if (!hasValueOnLine(kw)) {
                        value(kw); // throws: at least one code is needed
                    }
                    while (hasValueOnLine(kw) && peek().text().matches("\\d+(-\\d+)?")) {
                        Token v = next();
                        String s = v.text();
                        int dash = s.indexOf('-');
                        int from = (int) number(v, dash < 0 ? s : s.substring(0, dash), 100, 999, "status_code");
                        int to = dash < 0 ? from : (int) number(v, s.substring(dash + 1), from, 999, "status_code range end");
                        for (int i = from; i <= to; i++) {
                            codes.add(i);
                        }
                    }
                    if (codes.isEmpty()) {
                        Token bad = peek();
                        throw new ConfigParseException(bad, "status_code must be a number or range like 200-299, was '"
                                + bad.text() + "'");
                    }
                }
                default -> {
                    return false;
                }
            }
            return true;
        });
        if (path[0] == null) {
            throw new ConfigParseException(head, "url needs a path");
        }
        return new Url(path[0], codes, Optional.ofNullable(digest[0]), head.line());
    }

    // ---- generic machinery ----

    @FunctionalInterface
    private interface Handler {
        /** Handles the statement starting with {@code keyword}; false if it is not supported here. */
        boolean handle(Token keyword) throws ConfigParseException;
    }

    /** Reads {@code { statements }} after {@code head}, passing each statement's keyword to {@code h}. */
    private void block(Token head, String ctx, Set<String> known, Handler h) throws ConfigParseException {
        expectOpen(head, ctx);
        while (true) {
            Token t = nextInBlock(head, ctx);
            if (t.isClose()) {
                return;
            }
            if (!t.isKeyword()) {
                throw new ConfigParseException(t, "unexpected '" + t + "' in " + ctx + ", expected a keyword");
            }
            if (!h.handle(t)) {
                unsupported(t, ctx, known);
            }
        }
    }

    private void expectOpen(Token head, String ctx) throws ConfigParseException {
        if (pos >= tokens.size()) {
            throw new ConfigParseException(head, "expected '{' after '" + ctx + "', found end of input");
        }
        Token t = next();
        if (!t.isOpen()) {
            throw new ConfigParseException(t, "expected '{' after '" + ctx + "', found '" + t + "'");
        }
    }

    private Token nextInBlock(Token head, String ctx) throws ConfigParseException {
        if (pos >= tokens.size()) {
            throw new ConfigParseException(head, "unbalanced '{': block '" + ctx + "' opened at line " + head.line()
                    + " is never closed");
        }
        return next();
    }

    /**
     * Skips an unsupported statement and reports it. Its values are the tokens on its line up
     * to a brace or a keyword supported in this block (so a one-line block continues
     * correctly); a following {@code { ... }} is skipped whole.
     */
    private void unsupported(Token kw, String ctx, Set<String> known) throws ConfigParseException {
        StringBuilder name = new StringBuilder(kw.text());
        while (hasValueOnLine(kw) && !isKnown(peek(), known)) {
            name.append(' ').append(next().text());
        }
        boolean isBlock = pos < tokens.size() && peek().isOpen();
        String what = (isBlock ? "unsupported block '" : "unsupported keyword '") + name + "'";
        if (strict) {
            throw new ConfigParseException(kw, what + (ctx.isEmpty() ? "" : " in " + ctx) + " (strict mode)");
        }
        warn(kw, ctx, what);
        if (isBlock) {
            Token open = next();
            int depth = 1;
            while (depth > 0) {
                if (pos >= tokens.size()) {
                    throw new ConfigParseException(open, "unbalanced '{': block '" + name + "' opened at line "
                            + open.line() + " is never closed");
                }
                Token t = next();
                if (t.isOpen()) {
                    depth++;
                } else if (t.isClose()) {
                    depth--;
                }
            }
        }
    }

    private void warn(Token at, String ctx, String message) {
        warnings.add(new ConfigWarning(at.line(), at.column(), at.text(), ctx, message));
    }

    private static boolean isKnown(Token t, Set<String> known) {
        return t.isKeyword() && known.contains(t.text());
    }

    private Token peek() {
        return tokens.get(pos);
    }

    private Token next() {
        return tokens.get(pos++);
    }

    /** Whether a value for {@code kw} follows: a non-brace token on the keyword's line. */
    private boolean hasValueOnLine(Token kw) {
        return pos < tokens.size() && peek().line() == kw.line() && !peek().isBrace();
    }

    private Token value(Token kw) throws ConfigParseException {
        if (!hasValueOnLine(kw)) {
            String found = pos < tokens.size() && peek().line() == kw.line() ? "'" + peek() + "'" : "end of line";
            throw new ConfigParseException(kw, "missing value after '" + kw.text() + "', found " + found);
        }
        return next();
    }

    private static long number(Token t, long min, long max, String what) throws ConfigParseException {
        return number(t, t.text(), min, max, what);
    }

    private static long number(Token t, String text, long min, long max, String what) throws ConfigParseException {
        if (!text.matches("\\d{1,18}")) {
            throw new ConfigParseException(t, what + " must be a whole number, was '" + text + "'");
        }
        long v = Long.parseLong(text);
        if (v < min || v > max) {
            throw new ConfigParseException(t, what + " must be " + min + ".." + max + ", was " + v);
        }
        return v;
    }

    /** A value in seconds; keepalived accepts fractions (microsecond precision) for its timers. */
    private Duration seconds(Token kw, boolean allowZero) throws ConfigParseException {
        Token v = value(kw);
        if (!v.text().matches("\\d{1,9}(\\.\\d{1,6})?")) {
            throw new ConfigParseException(v, kw.text() + " must be a number of seconds, was '" + v.text() + "'");
        }
        BigDecimal s = new BigDecimal(v.text());
        if (!allowZero && s.signum() == 0) {
            throw new ConfigParseException(v, kw.text() + " must be more than 0 seconds");
        }
        return Duration.ofNanos(s.movePointRight(9).longValueExact());
    }

    private static InetAddress address(Token t, String text) throws ConfigParseException {
        try {
            return InetAddresses.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigParseException(t, "'" + text + "' is not a numeric IP address (host names are not resolved)");
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new LinkedHashSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }
}
