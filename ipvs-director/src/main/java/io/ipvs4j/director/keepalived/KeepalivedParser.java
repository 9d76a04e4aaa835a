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
 * config.warnings().forEach(System.err::println);   // e.g. a FILE_CHECK block
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
 * {@code lvs_method}/{@code lb_kind}, {@code delay_loop}, {@code notify_up}/{@code notify_down};
 * checkers {@code HTTP_GET}, {@code SSL_GET}, {@code TCP_CHECK}, {@code MISC_CHECK},
 * {@code SMTP_CHECK}, {@code DNS_CHECK}, {@code UDP_CHECK} and {@code PING_CHECK} with
 * {@code connect_timeout}, {@code connect_ip}, {@code connect_port}, {@code bindto},
 * {@code retry}/{@code nb_get_retry}, {@code delay_before_retry}, {@code warmup}, inherited
 * from the real and virtual server; {@code vrrp_instance}, {@code vrrp_sync_group},
 * {@code vrrp_script} and the global VRRP settings (see {@link KeepalivedVrrp}). Everything
 * else ({@code FILE_CHECK}, {@code BFD_CHECK}, {@code vrrp_track_process}, ...) produces a
 * {@link ConfigWarning} with its name and line, or a {@link ConfigParseException} in
 * {@link Mode#STRICT}.
 *
 * <p>Addresses must be numeric literals; host names are rejected, never resolved.
 * {@code include} is followed (globs, relative to the including file's directory, or to the
 * working directory for {@link #parse(String)}).
 */
public final class KeepalivedParser {
    /** keepalived's {@code delay_loop} default. */
    public static final Duration DEFAULT_DELAY_LOOP = CheckPolicy.DEFAULT_INTERVAL;
    private static final long MAX_PERSISTENCE_SECONDS = 2_678_400L;
    private static final int MAX_GROUP_RANGE = 4096;

    private static final Set<String> TOP = Set.of("global_defs", "static_ipaddress", "virtual_server_group",
            "virtual_server");
    private static final Set<String> GLOBAL = Set.of("router_id", "net_namespace");
    /**
     * global_defs keywords that change what the LVS side programs or how (keepalived 2.2's
     * check and IPVS settings); all other global_defs settings (mail, VRRP, SNMP, process
     * priorities, ...) do not concern load balancing and are accepted without a word.
     */
    private static final Set<String> GLOBAL_LVS = Set.of("lvs_timeouts", "lvs_sync_daemon", "lvs_flush",
            "lvs_flush_on_stop", "lvs_flush_onstop", "lvs_notify_fifo", "lvs_notify_fifo_script", "net_namespace_ipvs",
            "checker_log_all_failures", "lvs_id", "lvs_sync_daemon_interface");
    /** keepalived 2.2's schedulers (check_parser.c, lvs_schedulers[]). */
    private static final Set<String> KEEPALIVED_SCHEDULERS = Set.of("rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh",
            "fo", "ovf", "lblcr", "sed", "nq", "twos");
    /** keepalived's {@code IPVS_SVC_PERSISTENT_TIMEOUT} (libipvs.h: 6*60), set when a service has no port. */
    static final Duration KEEPALIVED_PERSISTENCE_FOR_PORTLESS = Duration.ofSeconds(360);
    /** keepalived's virtual server {@code connection_to} default (check_data.c: 5 s). */
    static final Duration KEEPALIVED_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** keepalived's HTTP_GET/SSL_GET {@code default_delay_before_retry} (check_http.c: 3 s); other checkers 1 s. */
    public static final Duration KEEPALIVED_HTTP_DELAY_BEFORE_RETRY = Duration.ofSeconds(3);
    /** Settings that do not change what is programmed (alerts, SNMP names): accepted silently. */
    private static final Set<String> NO_EFFECT = Set.of("smtp_alert", "snmp_name");
    /** Health checkers of keepalived 2.2 that ipvs4j does not run. */
    private static final Set<String> UNSUPPORTED_CHECKERS = Set.of("FILE_CHECK", "BFD_CHECK");
    private static final Set<String> VS = Set.of("delay_loop", "lb_algo", "lvs_sched", "lb_kind", "lvs_method",
            "persistence_timeout", "persistence_granularity", "protocol", "virtualhost", "alpha", "omega",
            "inhibit_on_failure", "quorum", "hysteresis", "ops", "sh-port", "sh-fallback", "mh-port", "mh-fallback",
            "sorry_server", "sorry_server_inhibit", "real_server", "retry", "delay_before_retry", "warmup",
            "connect_timeout", "weight", "ip_family", "hashed", "smtp_alert", "snmp_name");
    private static final Set<String> RS = Set.of("weight", "inhibit_on_failure", "uthreshold", "lthreshold",
            "lvs_method", "delay_loop", "HTTP_GET", "SSL_GET", "TCP_CHECK", "MISC_CHECK", "retry", "delay_before_retry", "warmup",
            "connect_timeout", "virtualhost", "smtp_alert", "snmp_name", "SMTP_CHECK", "DNS_CHECK", "UDP_CHECK",
            "PING_CHECK", "notify_up", "notify_down");
    private static final Set<String> CHECK_COMMON = Set.of("connect_timeout", "connect_ip", "connect_port", "bindto",
            "retry", "nb_get_retry", "delay_before_retry", "delay_loop", "warmup");
    private static final Set<String> HTTP = union(CHECK_COMMON, Set.of("url", "virtualhost", "enable_sni"));
    private static final Set<String> URL = Set.of("path", "status_code", "digest");
    private static final Set<String> SMTP = union(CHECK_COMMON, Set.of("helo_name", "host"));
    private static final Set<String> SMTP_HOST = Set.of("connect_ip", "connect_port", "bindto", "connect_timeout");
    private static final Set<String> DNS = union(CHECK_COMMON, Set.of("type", "name"));
    private static final Set<String> UDP = union(CHECK_COMMON, Set.of("payload", "require_reply", "min_reply_length",
            "max_reply_length"));
    private static final Set<String> MISC = Set.of("misc_path", "misc_timeout", "misc_dynamic", "user", "retry",
            "delay_before_retry", "delay_loop", "warmup");
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
    private final VrrpParser vrrp = new VrrpParser(this);
    private int pos;

    private KeepalivedParser(List<Token> tokens, Mode mode, List<ConfigWarning> earlier) {
        this.tokens = tokens;
        this.strict = mode == Mode.STRICT;
        this.warnings.addAll(earlier);
    }

    /**
     * Parses {@code text} in {@link Mode#LENIENT}.
     *
     * @param text the whole configuration; its {@code include}s are relative to the working directory
     * @return the configuration, with a warning for every part that is ignored
     * @throws ConfigParseException naming the line, column and token of the first problem
     */
    public static KeepalivedConfig parse(String text) throws ConfigParseException {
        return parse(text, Mode.LENIENT);
    }

    /**
     * Parses {@code text}.
     *
     * @param text the whole configuration; its {@code include}s are relative to the working directory
     * @param mode whether unsupported parts are warnings or errors
     * @return the configuration, with a warning for every part that is ignored
     * @throws ConfigParseException naming the line, column and token of the first problem
     */
    public static KeepalivedConfig parse(String text, Mode mode) throws ConfigParseException {
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);   // a byte-order mark is no part of the first keyword
        }
        List<ConfigWarning> includeWarnings = new ArrayList<>();
        List<Token> tokens = Includes.expand(Tokenizer.tokenize(text), Path.of("").toAbsolutePath(), mode,
                includeWarnings, 0);
        return new KeepalivedParser(tokens, mode, includeWarnings).config();
    }

    /**
     * Parses a file in {@link Mode#LENIENT}.
     *
     * @param file keepalived.conf
     * @return the configuration, with a warning for every part that is ignored
     * @throws IOException if it or an included file cannot be read
     * @throws ConfigParseException naming the file, line, column and token of the first problem
     */
    public static KeepalivedConfig parse(Path file) throws IOException, ConfigParseException {
        return parse(file, Mode.LENIENT);
    }

    /**
     * Parses a file, following its {@code include}s (globs, relative to the including file's
     * directory). Any bytes are read: UTF-8 when the file is valid UTF-8, otherwise
     * ISO-8859-1 (so a Latin-1 comment stays a comment); a UTF-8 byte-order mark is skipped.
     *
     * @param file keepalived.conf
     * @param mode whether unsupported parts are warnings or errors
     * @return the configuration, with a warning for every part that is ignored
     * @throws IOException if it or an included file cannot be read
     * @throws ConfigParseException naming the file, line, column and token of the first problem
     */
    public static KeepalivedConfig parse(Path file, Mode mode) throws IOException, ConfigParseException {
        List<ConfigWarning> includeWarnings = new ArrayList<>();
        List<Token> tokens = Includes.expand(Tokenizer.tokenize(Includes.read(file)),
                file.toAbsolutePath().getParent(), mode, includeWarnings, 0);
        return new KeepalivedParser(tokens, mode, includeWarnings).config();
    }

    // ---- top level ----

    private KeepalivedConfig config() throws ConfigParseException {
        String[] routerId = {null};
        String[] netNamespace = {null};
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
                    if (vrrp.global(kw)) {
                        return true;   // VRRP settings and lvs_sync_daemon
                    }
                    switch (kw.text()) {
                        case "router_id" -> routerId[0] = value(kw).text();
                        case "net_namespace" -> netNamespace[0] = value(kw).text();
                        default -> {
                            if (GLOBAL_LVS.contains(kw.text())) {
                                return false;   // reported: it would change what is programmed
                            }
                            skipStatement(kw);   // mail, VRRP, SNMP, ...: nothing to do with LVS
                        }
                    }
                    return true;
                });
                case "static_ipaddress" -> staticAddresses(t, addresses);
                case "virtual_server_group" -> groups.add(group(t));
                case "virtual_server" -> servers.add(virtualServer(t));
                default -> {
                    if (!vrrp.topLevel(t)) {
                        unsupported(t, "", TOP);
                    }
                }
            }
        }
        for (VirtualServer vs : servers) {
            if (vs.address() instanceof Group g && groups.stream().noneMatch(x -> x.name().equals(g.name()))) {
                throw new ConfigParseException(vs.line(), 0, g.name(),
                        "virtual_server group '" + g.name() + "' is not defined by any virtual_server_group");
            }
            if (vs.address() instanceof Group g && vs.persistenceTimeout().isEmpty()) {
                VirtualServerGroup group = groups.stream().filter(x -> x.name().equals(g.name())).findFirst().get();
                if (group.members().stream().anyMatch(m -> m instanceof Inet inet && inet.port() == 0)) {
                    warnings.add(new ConfigWarning(vs.line(), 0, "virtual_server", "virtual_server " + vs.address(),
                            "group '" + g.name() + "' has members without a port, only valid for persistent services,"
                                    + " so keepalived sets persistence_timeout "
                                    + KEEPALIVED_PERSISTENCE_FOR_PORTLESS.toSeconds()));
                    if (strict) {
                        throw new ConfigParseException(vs.line(), 0, g.name(), "group '" + g.name()
                                + "' has members without a port but the virtual_server has no persistence_timeout"
                                + " (strict mode)");
                    }
                }
            }
        }
        // keepalived programs the first of two virtual_servers with the same address; adding the
        // second fails in the kernel (EEXIST) and is logged: the second is dropped here, with that said
        List<VirtualServer> unique = new ArrayList<>();
        for (VirtualServer vs : servers) {
            Optional<VirtualServer> earlier = vs.address() instanceof Group ? Optional.empty()
                    : unique.stream().filter(u -> u.address().equals(vs.address())
                            && (vs.address() instanceof FwMark || u.protocol() == vs.protocol())).findFirst();
            if (earlier.isPresent()) {
                if (strict) {
                    throw new ConfigParseException(vs.line(), 0, null, "virtual_server " + vs.address()
                            + " is defined again (first at line " + earlier.get().line() + ") (strict mode)");
                }
                warnings.add(new ConfigWarning(vs.line(), 0, "virtual_server", "", "virtual_server " + vs.address()
                        + " is defined again (first at line " + earlier.get().line() + "): keepalived's second add"
                        + " fails in the kernel (File exists), so this definition is not programmed"));
                continue;
            }
            unique.add(vs);
        }
        servers = unique;
        KeepalivedVrrp vrrpConfig = vrrp.finish(servers, groups, addresses);
        return new KeepalivedConfig(Optional.ofNullable(routerId[0]), addresses, groups, servers, warnings,
                Optional.ofNullable(netNamespace[0]), vrrpConfig);
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
                long mark = number(value(t), 1, 0xFFFF_FFFFL, "fwmark");
                if (hasValueOnLine(t)) {
                    Token family = next();
                    if (!family.text().equals("inet") && !family.text().equals("inet6")) {
                        fallback(family, ctx, "fwmark " + mark + " family '" + family.text()
                                + "' is not inet or inet6: keepalived skips this member");
                        continue;
                    }
                }
                members.add(new FwMark(mark));
                continue;
            }
            // keepalived (check_data.c, alloc_vsg_entry): "IP [PORT]", "IP/PREFIX [PORT]",
            // "IP-LAST [PORT]" (last IPv4 octet in decimal, last IPv6 group in hex) and
            // "IP-IP [PORT]"; a missing port or port 0 means "no port" (persistent services)
            int port = 0;
            if (hasValueOnLine(t)) {
                port = (int) number(next(), 0, 65535, "port");
            }
            try {
                members.addAll(groupRange(t, t.text(), port));
            } catch (IllegalArgumentException e) {
                fallback(t, ctx, e.getMessage() + ": keepalived skips this member");
            }
        }
    }

    /** The members one {@code virtual_server_group} address entry stands for. */
    private List<ServiceAddress> groupRange(Token t, String text, int port) throws ConfigParseException {
        int slash = text.indexOf('/');
        int dash = text.indexOf('-');
        String base = slash >= 0 ? text.substring(0, slash) : dash >= 0 ? text.substring(0, dash) : text;
        InetAddress first = address(t, base);
        byte[] from = first.getAddress();
        byte[] to;
        if (slash >= 0) {
            int bits = first instanceof Inet4Address ? 32 : 128;
            String p = text.substring(slash + 1);
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) == 0 || Integer.parseInt(p) > bits) {
                throw new IllegalArgumentException("invalid netmask in '" + text + "'");
            }
            int prefix = Integer.parseInt(p);
            to = from.clone();
            for (int bit = prefix; bit < bits; bit++) {
                int mask = 0x80 >> (bit % 8);
                if ((from[bit / 8] & mask) != 0) {
                    throw new IllegalArgumentException("address mask bits not empty in '" + text + "'");
                }
                to[bit / 8] |= (byte) mask;
            }
        } else if (dash >= 0) {
            String end = text.substring(dash + 1);
            boolean v4 = first instanceof Inet4Address;
            if ((v4 && end.contains(".")) || (!v4 && end.contains(":"))) {
                InetAddress last = address(t, end);
                if (last.getAddress().length != from.length) {
                    throw new IllegalArgumentException("range address families do not match in '" + text + "'");
                }
                to = last.getAddress();
            } else {
                if (!end.matches(v4 ? "\\d{1,3}" : "[0-9a-fA-F]{1,4}")) {
                    throw new IllegalArgumentException("range end '" + end + "' of '" + text + "' is not a "
                            + (v4 ? "decimal octet" : "hexadecimal group"));
                }
                int e = Integer.parseInt(end, v4 ? 10 : 16);
                if (v4 && e > 255) {
                    throw new IllegalArgumentException("range end '" + end + "' of '" + text + "' is too large");
                }
                to = from.clone();
                int start;
                if (v4) {
                    start = from[3] & 0xff;
                    to[3] = (byte) e;
                } else {
                    start = (from[14] & 0xff) << 8 | (from[15] & 0xff);
                    to[14] = (byte) (e >> 8);
                    to[15] = (byte) e;
                }
                if (start >= e) {
                    throw new IllegalArgumentException("range end is not greater than the start in '" + text + "'");
                }
            }
        } else {
            return List.of(new Inet(first, port));
        }
        java.math.BigInteger lo = new java.math.BigInteger(1, from);
        java.math.BigInteger hi = new java.math.BigInteger(1, to);
        if (lo.compareTo(hi) > 0) {
            throw new IllegalArgumentException("range end is less than the start in '" + text + "'");
        }
        java.math.BigInteger count = hi.subtract(lo).add(java.math.BigInteger.ONE);
        if (count.compareTo(java.math.BigInteger.valueOf(MAX_GROUP_RANGE)) > 0) {
            throw new ConfigParseException(t, "virtual_server_group range '" + text + "' stands for " + count
                    + " addresses; ipvs4j programs at most " + MAX_GROUP_RANGE + " per entry (one service each)");
        }
        List<ServiceAddress> out = new ArrayList<>();
        for (java.math.BigInteger a = lo; a.compareTo(hi) <= 0; a = a.add(java.math.BigInteger.ONE)) {
            byte[] raw = a.toByteArray();
            byte[] b = new byte[from.length];
            int n = Math.min(raw.length, b.length);
            System.arraycopy(raw, raw.length - n, b, b.length - n, n);
            out.add(new Inet(InetAddresses.fromBytes(b), port));
        }
        return out;
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
            // keepalived 2.0.7+ accepts a virtual server without a port (persistent services)
            address = new Inet(vip, hasValueOnLine(head) ? (int) number(next(), 0, 65535, "port") : 0);
        }
        String ctx = "virtual_server " + address;
        VsBuilder vs = new VsBuilder(head);
        block(head, ctx, VS, kw -> {
            switch (kw.text()) {
                case "delay_loop" -> vs.delayLoop = seconds(kw, false);
                case "lb_algo", "lvs_sched" -> {
                    Token v = value(kw);
                    if (KEEPALIVED_SCHEDULERS.contains(v.text())) {
                        vs.scheduler = Scheduler.of(v.text()).name();
                    } else {
                        fallback(v, ctx, "invalid " + kw.text() + " '" + v.text() + "' (keepalived knows "
                                + new TreeSet<>(KEEPALIVED_SCHEDULERS) + "): ignored, so the service is programmed"
                                + " with keepalived's default scheduler wlc");
                    }
                }
                case "lb_kind", "lvs_method" -> lbKind(kw, ctx).ifPresent(k -> vs.lbKind = k);
                case "retry" -> vs.retry = (int) number(value(kw), 0, Integer.MAX_VALUE, "retry");
                case "delay_before_retry" -> vs.delayBeforeRetry = seconds(kw, true);
                case "warmup" -> vs.warmup = seconds(kw, true);
                case "connect_timeout" -> vs.connectTimeout = seconds(kw, false);
                case "weight" -> vs.weight = (int) number(value(kw), 0, Integer.MAX_VALUE, "weight");
                case "ip_family" -> value(kw);   // only decides fwmark services' family, taken from the real servers
                case "hashed", "smtp_alert", "snmp_name" -> skipStatement(kw);
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
                        vs.protocol = Protocol.valueOf(v.text().toUpperCase(Locale.ROOT));   // strcasecmp in keepalived
                    } catch (IllegalArgumentException e) {
                        fallback(v, ctx, "unknown protocol '" + v.text() + "' (TCP, UDP or SCTP): ignored as keepalived"
                                + " does, so the service has no protocol and is programmed as UDP");
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
                    vs.sorry = new RsBuilder(addr, port, kw);
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
        final Token head;
        Duration delayLoop = DEFAULT_DELAY_LOOP;
        String scheduler;
        LbKind lbKind;
        Integer retry;
        Duration delayBeforeRetry;
        Duration warmup;
        Duration connectTimeout;
        Integer weight;
        Duration persistence;
        Integer granularity;
        Token granularityAt;
        Protocol protocol;
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

        VsBuilder(Token head) {
            this.head = head;
        }

        VirtualServer build(ServiceAddress address, int line) throws ConfigParseException {
            String ctx = "virtual_server " + address;
            // keepalived's validate_check_config (check_data.c), in its order
            boolean byAddress = !(address instanceof FwMark);   // a group is checked per member in the converter
            if (byAddress && protocol == null) {
                fallback(head, ctx, "no protocol set: keepalived defaults to UDP (the kernel's default), so "
                        + address + " is programmed as a UDP service; write 'protocol TCP' for TCP");
                protocol = Protocol.UDP;
            } else if (!byAddress && protocol != null) {
                warn(head, ctx, "protocol " + protocol + " is ignored for a fwmark service (as keepalived does)");
            }
            if (protocol == null) {
                protocol = Protocol.TCP;   // unused for fwmark services: the key carries no protocol
            }
            if (address instanceof Inet inet && inet.port() == 0 && persistence == null) {
                fallback(head, ctx, "no port: only valid for persistent services, so keepalived sets"
                        + " persistence_timeout " + KEEPALIVED_PERSISTENCE_FOR_PORTLESS.toSeconds());
                persistence = KEEPALIVED_PERSISTENCE_FOR_PORTLESS;
            }
            if (scheduler == null) {
                scheduler = Scheduler.WLC.name();
            }
            if (lbKind == null) {
                if (!realServers.isEmpty() || sorry != null) {
                    fallback(head, ctx, "no lb_kind/lvs_method set: keepalived's default NAT is used");
                }
                lbKind = LbKind.NAT;
            }
            if (granularity != null && persistence == null) {
                // the netmask only groups clients of a persistent service; without a timeout it does nothing
                warn(granularityAt, "virtual_server " + address,
                        "persistence_granularity without a non-zero persistence_timeout has no effect");
            }
            // virtual-server-wide settings may follow the real_server blocks, so they are
            // applied to the servers and checkers only now
            List<RealServer> rs = new ArrayList<>();
            Set<String> seen = new java.util.HashSet<>();
            for (RsBuilder b : realServers) {
                if (!seen.add(InetAddresses.toText(b.address) + " " + b.port)) {
                    fallback(b.head, ctx, "real server " + b.describe(address) + " is duplicated: keepalived removes"
                            + " the second one (this one)");
                    continue;
                }
                rs.add(b.build(this, inhibit, address));
            }
            Optional<RealServer> sorryServer = Optional.empty();
            if (sorry != null) {
                sorryServer = Optional.of(sorry.build(this, sorryInhibit, address));
            }
            return new VirtualServer(address, protocol, Optional.ofNullable(scheduler), lbKind,
                    Optional.ofNullable(persistence),
                    granularity == null ? OptionalInt.empty() : OptionalInt.of(granularity), delayLoop,
                    Optional.ofNullable(virtualHost), alpha, omega, quorum, hysteresis, onePacket, schedulerFlags,
                    sorryServer, rs, line);
        }
    }

    /**
     * {@code lb_kind}/{@code lvs_method}: keepalived compares with NAT, DR and TUN exactly
     * (strcmp), and ignores anything else with an error, which leaves its default NAT.
     */
    private Optional<LbKind> lbKind(Token kw, String ctx) throws ConfigParseException {
        Token v = value(kw);
        if (v.text().equals("TUN") && hasValueOnLine(kw)) {
            // "TUN type gue port N ..." (keepalived 2.1+): the tunnel options are not supported
            StringBuilder rest = new StringBuilder();
            while (hasValueOnLine(kw)) {
                rest.append(' ').append(next().text());
            }
            fallback(v, ctx, "tunnel options '" + rest.toString().strip() + "' are not supported: plain IPIP is used");
        }
        switch (v.text()) {
            case "NAT":
                return Optional.of(LbKind.NAT);
            case "DR":
                return Optional.of(LbKind.DR);
            case "TUN":
                return Optional.of(LbKind.TUN);
            default:
                fallback(v, ctx, "unknown " + kw.text() + " '" + v.text() + "' (keepalived accepts exactly NAT, DR"
                        + " or TUN): ignored, so keepalived's default NAT applies unless set elsewhere");
                return Optional.empty();
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
        RsBuilder rs = new RsBuilder(addr, port, head);
        String ctx = "real_server " + a.text() + (port == 0 ? "" : " " + port);
        block(head, ctx, RS, kw -> {
            switch (kw.text()) {
                case "weight" -> rs.weight = (int) number(value(kw), 0, Integer.MAX_VALUE, "weight");
                case "inhibit_on_failure" -> rs.inhibit = true;
                case "uthreshold" -> rs.upper = number(value(kw), 0, Integer.MAX_VALUE, "uthreshold");
                case "lthreshold" -> rs.lower = number(value(kw), 0, Integer.MAX_VALUE, "lthreshold");
                case "lvs_method" -> lbKind(kw, ctx).ifPresent(k -> rs.lbKind = k);
                case "delay_loop" -> rs.delayLoop = seconds(kw, false);
                case "retry" -> rs.retry = (int) number(value(kw), 0, Integer.MAX_VALUE, "retry");
                case "delay_before_retry" -> rs.delayBeforeRetry = seconds(kw, true);
                case "warmup" -> rs.warmup = seconds(kw, true);
                case "connect_timeout" -> rs.connectTimeout = seconds(kw, false);
                case "virtualhost" -> rs.virtualHost = value(kw).text();
                case "smtp_alert", "snmp_name" -> skipStatement(kw);
                case "HTTP_GET", "SSL_GET" -> rs.checkers.add(checker(kw, true));
                case "TCP_CHECK" -> rs.checkers.add(checker(kw, false));
                case "MISC_CHECK" -> rs.checkers.add(miscChecker(kw, ctx));
                case "SMTP_CHECK" -> rs.checkers.addAll(smtpChecker(kw));
                case "DNS_CHECK" -> rs.checkers.add(dnsChecker(kw, ctx));
                case "UDP_CHECK" -> rs.checkers.add(udpChecker(kw, ctx));
                case "PING_CHECK" -> rs.checkers.add(pingChecker(kw));
                case "notify_up" -> rs.notifyUp = command(kw, ctx, rs.notifyUp);
                case "notify_down" -> rs.notifyDown = command(kw, ctx, rs.notifyDown);
                default -> {
                    if (UNSUPPORTED_CHECKERS.contains(kw.text())) {
                        // reported once the real server is complete, with what it means for it
                        rs.unsupportedCheckers.add(kw);
                        skipStatement(kw);
                        return true;
                    }
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

    private final class RsBuilder {
        final InetAddress address;
        final int port;
        final Token head;
        Integer weight;
        boolean inhibit;
        long upper;
        long lower;
        LbKind lbKind;
        Duration delayLoop;
        Integer retry;
        Duration delayBeforeRetry;
        Duration warmup;
        Duration connectTimeout;
        String virtualHost;
        final List<CheckerBuilder> checkers = new ArrayList<>();
        final List<Token> unsupportedCheckers = new ArrayList<>();
        List<String> notifyUp = List.of();
        List<String> notifyDown = List.of();

        RsBuilder(InetAddress address, int port, Token head) {
            this.address = address;
            this.port = port;
            this.head = head;
        }

        String describe(ServiceAddress vsAddress) {
            int p = port != 0 ? port : vsAddress instanceof Inet inet ? inet.port() : 0;
            return p == 0 ? InetAddresses.toText(address) : InetAddresses.toText(address, p);
        }

        /** Resolves keepalived's inheritance: checker, then real server, then virtual server, then the default. */
        RealServer build(VsBuilder vs, boolean vsInhibit, ServiceAddress vsAddress) throws ConfigParseException {
            String ctx = "real_server " + describe(vsAddress);
            for (Token u : unsupportedCheckers) {
                String consequence = checkers.isEmpty() && unsupportedCheckers.size() == 1
                        ? "real server " + describe(vsAddress) + " would have no health check: it is always in the pool"
                        : checkers.isEmpty()
                        ? "real server " + describe(vsAddress) + " would have no health check: none of its checkers"
                                + " is supported, so it is always in the pool"
                        : "real server " + describe(vsAddress) + " is checked by its other checkers only";
                String what = u.text() + " is not supported by ipvs4j: " + consequence;
                if (strict) {
                    throw new ConfigParseException(u, what + " (strict mode)");
                }
                warn(u, ctx, what);
            }
            List<Checker> cs = new ArrayList<>();
            for (CheckerBuilder c : checkers) {
                cs.add(c.build(this, vs));
            }
            int w = weight != null ? weight : vs.weight != null ? vs.weight : 1;
            return new RealServer(address, port, w, inhibit || vsInhibit, upper, lower,
                    Optional.ofNullable(lbKind), cs, head.line(), notifyUp, notifyDown);
        }
    }

    // ---- checkers ----

    private CheckerBuilder checker(Token head, boolean http) throws ConfigParseException {
        CheckerBuilder c = new CheckerBuilder(http, head.line());
        c.tls = head.text().equals("SSL_GET");
        block(head, head.text(), http ? HTTP : CHECK_COMMON, kw -> {
            if (commonOption(c, kw)) {
                return true;
            }
            switch (kw.text()) {
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
                case "enable_sni" -> {
                    if (!http) {
                        return false;
                    }
                    // keepalived's check_true_false: no value, or true/on/yes; false/off/no turn it off
                    c.enableSni = !hasValueOnLine(kw) || !Set.of("false", "off", "no", "0")
                            .contains(next().text().toLowerCase(Locale.ROOT));
                }
                default -> {
                    return false;
                }
            }
            return true;
        });
        if (http && c.urls.isEmpty()) {
            throw new ConfigParseException(head, head.text() + " needs at least one url { path ... } block");
        }
        return c;
    }

    /** The settings every checker has (check_api.c, install_checker_common_keywords); false if {@code kw} is not one. */
    private boolean commonOption(CheckerBuilder c, Token kw) throws ConfigParseException {
        switch (kw.text()) {
            case "connect_timeout", "connect_ip", "connect_port", "bindto" -> connectionOption(c, kw);
            case "retry", "nb_get_retry" -> c.retries = (int) number(value(kw), 0, Integer.MAX_VALUE, kw.text());
            case "delay_before_retry" -> c.delayBeforeRetry = seconds(kw, true);
            case "delay_loop" -> c.delayLoop = seconds(kw, false);
            case "warmup" -> c.warmup = seconds(kw, true);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Where and how a checker connects: the settings of an SMTP_CHECK {@code host} block too. */
    private void connectionOption(CheckerBuilder c, Token kw) throws ConfigParseException {
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
            default -> throw new IllegalStateException(kw.text());
        }
    }

    /**
     * {@code SMTP_CHECK} (check_smtp.c): {@code helo_name} and the common settings. Each
     * deprecated {@code host { connect_ip ... }} block is a checker of its own with the main
     * block's other settings; the main block is a checker too unless it only holds host
     * blocks, as keepalived's smtp_check_end_handler decides.
     */
    private List<CheckerBuilder> smtpChecker(Token head) throws ConfigParseException {
        CheckerBuilder c = new CheckerBuilder(false, head.line());
        c.kind = "SMTP_CHECK";
        List<CheckerBuilder> hosts = new ArrayList<>();
        block(head, "SMTP_CHECK", SMTP, kw -> {
            if (commonOption(c, kw)) {
                return true;
            }
            switch (kw.text()) {
                case "helo_name" -> c.heloName = value(kw).text();
                case "host" -> {
                    CheckerBuilder h = new CheckerBuilder(false, kw.line());
                    h.kind = "SMTP_CHECK";
                    block(kw, "SMTP_CHECK host", SMTP_HOST, hk -> {
                        if (!SMTP_HOST.contains(hk.text())) {
                            return false;
                        }
                        connectionOption(h, hk);
                        return true;
                    });
                    hosts.add(h);
                }
                default -> {
                    return false;
                }
            }
            return true;
        });
        boolean ownConnection = c.connectIp != null || c.connectPort != null || c.bindTo != null
                || c.connectTimeout != null;
        List<CheckerBuilder> out = new ArrayList<>();
        if (ownConnection || hosts.isEmpty()) {
            out.add(c);
        }
        for (CheckerBuilder h : hosts) {
            out.add(c.withConnectionOf(h));
        }
        return out;
    }

    /** {@code DNS_CHECK} (check_dns.c): {@code type} (default SOA) and {@code name} (default the root). */
    private CheckerBuilder dnsChecker(Token head, String rsCtx) throws ConfigParseException {
        CheckerBuilder c = new CheckerBuilder(false, head.line());
        c.kind = "DNS_CHECK";
        block(head, "DNS_CHECK", DNS, kw -> {
            if (commonOption(c, kw)) {
                return true;
            }
            switch (kw.text()) {
                case "type" -> {
                    Token v = value(kw);
                    String t = v.text().toUpperCase(Locale.ROOT);
                    if (io.ipvs4j.director.check.DnsCheck.TYPES.containsKey(t)) {
                        c.dnsType = t;
                    } else {
                        fallback(v, rsCtx, "unknown DNS_CHECK type '" + v.text() + "': keepalived ignores it and"
                                + " queries " + (c.dnsType != null ? c.dnsType : "SOA"));
                    }
                }
                case "name" -> {
                    Token v = value(kw);
                    if (c.dnsName != null) {
                        fallback(v, rsCtx, "DNS_CHECK name already specified: keepalived ignores '" + v.text() + "'");
                    } else {
                        try {
                            io.ipvs4j.director.check.DnsCheck.builder(InetAddress.getLoopbackAddress(), 53)
                                    .name(v.text());
                            c.dnsName = v.text();
                        } catch (IllegalArgumentException e) {
                            fallback(v, rsCtx, "DNS_CHECK name '" + v.text() + "' is invalid (" + e.getMessage()
                                    + "): keepalived ignores it and queries the root");
                        }
                    }
                }
                default -> {
                    return false;
                }
            }
            return true;
        });
        return c;
    }

    /** {@code UDP_CHECK} (check_udp.c): payload, require_reply [hex], min/max_reply_length. */
    private CheckerBuilder udpChecker(Token head, String rsCtx) throws ConfigParseException {
        CheckerBuilder c = new CheckerBuilder(false, head.line());
        c.kind = "UDP_CHECK";
        block(head, "UDP_CHECK", UDP, kw -> {
            if (commonOption(c, kw)) {
                return true;
            }
            switch (kw.text()) {
                case "payload" -> {
                    String hex = restOfLine(kw);
                    if (hex.isEmpty()) {
                        throw new ConfigParseException(kw, "UDP_CHECK payload needs a hex string");
                    }
                    try {
                        c.udpPayload = io.ipvs4j.director.check.UdpCheck.hexPayload(hex);
                    } catch (IllegalArgumentException e) {
                        throw new ConfigParseException(kw, "UDP_CHECK payload: " + e.getMessage());
                    }
                }
                case "require_reply" -> {
                    c.requireReply = true;
                    String hex = restOfLine(kw);
                    if (!hex.isEmpty()) {
                        try {
                            c.udpReply = io.ipvs4j.director.check.UdpCheck.Reply.hex(hex);
                        } catch (IllegalArgumentException e) {
                            throw new ConfigParseException(kw, "UDP_CHECK require_reply: " + e.getMessage());
                        }
                    }
                }
                case "min_reply_length" -> c.minReply = (int) number(value(kw), 0, 65535, "min_reply_length");
                case "max_reply_length" -> c.maxReply = (int) number(value(kw), 0, 65535, "max_reply_length");
                default -> {
                    return false;
                }
            }
            return true;
        });
        int min = c.minReply != null ? c.minReply : 0;
        int max = c.maxReply != null ? c.maxReply : io.ipvs4j.director.check.UdpCheck.DEFAULT_MAX_REPLY_LENGTH;
        if (min > max && c.udpReply != null) {
            warn(head, rsCtx, "UDP_CHECK min_reply_length " + min + " > max_reply_length " + max
                    + ": the check always fails (as in keepalived)");
        }
        return c;
    }

    /** {@code PING_CHECK} (check_ping.c): only the common settings. */
    private CheckerBuilder pingChecker(Token head) throws ConfigParseException {
        CheckerBuilder c = new CheckerBuilder(false, head.line());
        c.kind = "PING_CHECK";
        block(head, "PING_CHECK", CHECK_COMMON, kw -> commonOption(c, kw));
        return c;
    }

    /** The values on {@code kw}'s line joined by spaces (keepalived's make_strvec_str). */
    private String restOfLine(Token kw) {
        StringBuilder sb = new StringBuilder();
        while (hasValueOnLine(kw)) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(next().text());
        }
        return sb.toString();
    }

    /**
     * A {@code notify_up}/{@code notify_down} command: the rest of the line, a quoted value
     * split into words as well, run without a shell with no arguments added (keepalived's
     * set_check_notify_script passes none). A second one is ignored, as keepalived does.
     */
    private List<String> command(Token kw, String ctx, List<String> previous) throws ConfigParseException {
        List<String> words = new ArrayList<>();
        while (hasValueOnLine(kw)) {
            for (String w : next().text().trim().split("\\s+")) {
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
        }
        if (words.isEmpty()) {
            throw new ConfigParseException(kw, kw.text() + " needs a program");
        }
        if (!previous.isEmpty()) {
            fallback(kw, ctx, kw.text() + " script already specified: keepalived ignores " + String.join(" ", words));
            return previous;
        }
        return List.copyOf(words);
    }

    /** {@code MISC_CHECK}: keepalived's check_misc.c (retry default 0, timeout default delay_loop). */
    private CheckerBuilder miscChecker(Token head, String rsCtx) throws ConfigParseException {
        CheckerBuilder c = new CheckerBuilder(false, head.line());
        c.misc = true;
        c.miscCommand = new ArrayList<>();
        block(head, "MISC_CHECK", MISC, kw -> {
            switch (kw.text()) {
                case "misc_path" -> {
                    // keepalived takes the rest of the line; a quoted value is split into words as well
                    c.miscCommand.clear();
                    while (hasValueOnLine(kw)) {
                        for (String w : next().text().trim().split("\\s+")) {
                            if (!w.isEmpty()) {
                                c.miscCommand.add(w);
                            }
                        }
                    }
                    if (c.miscCommand.isEmpty()) {
                        throw new ConfigParseException(kw, "misc_path needs a program");
                    }
                }
                case "misc_timeout" -> c.miscTimeout = seconds(kw, false);
                case "misc_dynamic" -> c.miscDynamic = true;
                case "user" -> {
                    Token u = value(kw);
                    while (hasValueOnLine(kw)) {
                        next();
                    }
                    fallback(u, rsCtx, "MISC_CHECK user '" + u.text() + "' is not supported: the program runs as the"
                            + " director's own user");
                }
                case "retry" -> c.retries = (int) number(value(kw), 0, Integer.MAX_VALUE, kw.text());
                case "delay_before_retry" -> c.delayBeforeRetry = seconds(kw, true);
                case "delay_loop" -> c.delayLoop = seconds(kw, false);
                case "warmup" -> c.warmup = seconds(kw, true);
                default -> {
                    return false;
                }
            }
            return true;
        });
        if (c.miscCommand.isEmpty()) {
            throw new ConfigParseException(head, "MISC_CHECK needs misc_path");
        }
        return c;
    }

    private static final class CheckerBuilder {
        final boolean http;
        final int line;
        Duration connectTimeout;
        InetAddress connectIp;
        Integer connectPort;
        InetAddress bindTo;
        Integer retries;
        Duration delayBeforeRetry;
        Duration delayLoop;
        Duration warmup;
        String virtualHost;
        boolean tls;
        boolean enableSni;
        boolean misc;
        List<String> miscCommand;
        Duration miscTimeout;
        boolean miscDynamic;
        final List<Url> urls = new ArrayList<>();
        /** SMTP_CHECK, DNS_CHECK, UDP_CHECK or PING_CHECK; null for the others (see http, misc). */
        String kind;
        String heloName;
        String dnsType;
        String dnsName;
        byte[] udpPayload;
        boolean requireReply;
        io.ipvs4j.director.check.UdpCheck.Reply udpReply;
        Integer minReply;
        Integer maxReply;

        CheckerBuilder(boolean http, int line) {
            this.http = http;
            this.line = line;
        }

        /**
         * keepalived 2.2 (check_data.c, validate_check_config): a checker setting comes from the
         * checker, else the real server, else the virtual server, else the checker's default
         * (retry 1; delay_before_retry 3 s for HTTP_GET, 1 s for TCP_CHECK; connect_timeout 5 s;
         * delay_loop 60 s).
         */
        Checker build(RsBuilder rs, VsBuilder vs) {
            boolean dns = "DNS_CHECK".equals(kind);
            Duration loop = first(delayLoop, rs.delayLoop, vs.delayLoop);
            Duration timeout = first(connectTimeout, rs.connectTimeout, vs.connectTimeout, KEEPALIVED_CONNECT_TIMEOUT);
            int retry = first(retries, rs.retry, vs.retry, misc ? 0
                    : dns ? io.ipvs4j.director.check.DnsCheck.DEFAULT_RETRIES : CheckPolicy.DEFAULT_RETRIES);
            // DNS_CHECK's default_delay_before_retry is 0, which keepalived replaces by the delay_loop
            Duration dbr = first(delayBeforeRetry, rs.delayBeforeRetry, vs.delayBeforeRetry,
                    http ? KEEPALIVED_HTTP_DELAY_BEFORE_RETRY : dns ? loop : CheckPolicy.DEFAULT_DELAY_BEFORE_RETRY);
            Duration warm = first(warmup, rs.warmup, vs.warmup, loop);
            CheckerOptions o = new CheckerOptions(timeout, Optional.ofNullable(connectIp),
                    connectPort == null ? OptionalInt.empty() : OptionalInt.of(connectPort), Optional.ofNullable(bindTo),
                    retry, dbr, loop, warm);
            if (kind != null) {
                return switch (kind) {
                    case "SMTP_CHECK" -> new KeepalivedConfig.SmtpCheck(heloName != null ? heloName
                            : io.ipvs4j.director.check.SmtpCheck.DEFAULT_HELO_NAME, o, line);
                    case "DNS_CHECK" -> new KeepalivedConfig.DnsCheck(dnsType != null ? dnsType
                            : io.ipvs4j.director.check.DnsCheck.DEFAULT_TYPE, dnsName != null ? dnsName
                            : io.ipvs4j.director.check.DnsCheck.DEFAULT_NAME, o, line);
                    case "UDP_CHECK" -> new KeepalivedConfig.UdpCheck(Optional.ofNullable(udpPayload), requireReply,
                            Optional.ofNullable(udpReply), minReply != null ? minReply : 0,
                            maxReply != null ? maxReply : io.ipvs4j.director.check.UdpCheck.DEFAULT_MAX_REPLY_LENGTH,
                            o, line);
                    case "PING_CHECK" -> new KeepalivedConfig.PingCheck(o, line);
                    default -> throw new IllegalStateException(kind);
                };
            }
            if (misc) {
                return new KeepalivedConfig.MiscCheck(miscCommand, Optional.ofNullable(miscTimeout), miscDynamic, o,
                        line);
            }
            if (http) {
                String host = first(virtualHost, rs.virtualHost, vs.virtualHost);
                return new HttpGet(urls, Optional.ofNullable(host), o, line, tls, enableSni);
            }
            return new TcpCheck(o, line);
        }

        /** An SMTP_CHECK host block's checker: this checker's settings with the host's connection. */
        CheckerBuilder withConnectionOf(CheckerBuilder host) {
            CheckerBuilder h = new CheckerBuilder(false, host.line);
            h.kind = kind;
            h.heloName = heloName;
            h.retries = retries;
            h.delayBeforeRetry = delayBeforeRetry;
            h.delayLoop = delayLoop;
            h.warmup = warmup;
            h.connectIp = host.connectIp;
            h.connectPort = host.connectPort;
            h.bindTo = host.bindTo;
            h.connectTimeout = host.connectTimeout;
            return h;
        }

        @SafeVarargs
        private static <T> T first(T... candidates) {
            for (T c : candidates) {
                if (c != null) {
                    return c;
                }
            }
            return null;
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
    interface Handler {
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
        warn(kw, ctx, what + " (ignored" + consequence(kw.text()) + ")");
        if (isBlock) {
            skipBlock(name.toString());
        }
    }

    private void warn(Token at, String ctx, String message) {
        warnings.add(new ConfigWarning(at.line(), at.column(), at.text(), ctx, message, at.source()));
    }

    /**
     * Something keepalived itself would report as a configuration error and replace by its
     * fallback (the message says which): a warning, or in {@link Mode#STRICT} an error, since
     * what is programmed then differs from what is written.
     */
    private void fallback(Token at, String ctx, String message) throws ConfigParseException {
        if (strict) {
            throw new ConfigParseException(at, message + (ctx.isEmpty() ? "" : " [in " + ctx + "]") + " (strict mode)");
        }
        warn(at, ctx, message);
    }

    /** Skips the statement {@code kw} has started: the values on its line and a following block. */
    private void skipStatement(Token kw) throws ConfigParseException {
        while (hasValueOnLine(kw)) {
            next();
        }
        if (pos < tokens.size() && peek().isOpen()) {
            skipBlock(kw.text());
        }
    }

    /** Skips the block whose '{' is the next token, nested blocks included; {@code name} is for the error. */
    private void skipBlock(String name) throws ConfigParseException {
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

    /** What ignoring {@code keyword} means, for the warning. */
    private static String consequence(String keyword) {
        return switch (keyword) {
            case "vrrp_track_process" -> ": the instances do not track it";
            case "notify_up", "notify_down", "quorum_up", "quorum_down" -> ": the script is not run";
            case "include" -> "";
            default -> "";
        };
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

    // ---- the token stream for VrrpParser (same package) ----

    /** A line of a value block: the tokens of one entry. */
    @FunctionalInterface
    interface LineHandler {
        void handle(List<Token> line) throws ConfigParseException;
    }

    boolean valueOnLine(Token kw) {
        return hasValueOnLine(kw);
    }

    Token nextToken() {
        return next();
    }

    Token valueOf(Token kw) throws ConfigParseException {
        return value(kw);
    }

    void readBlock(Token head, String ctx, Set<String> known, Handler h) throws ConfigParseException {
        block(head, ctx, known, h);
    }

    /**
     * keepalived's value blocks ({@code virtual_ipaddress}, {@code unicast_peer},
     * {@code track_script}, ...): {@code { ... }} whose every line is one entry.
     */
    void readValueBlock(Token head, String ctx, LineHandler h) throws ConfigParseException {
        expectOpen(head, ctx);
        List<Token> line = new ArrayList<>();
        while (true) {
            Token t = nextInBlock(head, ctx);
            if (t.isOpen()) {
                throw new ConfigParseException(t, "unexpected '{' in " + ctx);
            }
            if (t.isClose() || (!line.isEmpty() && (t.line() != line.get(0).line()
                    || !t.source().equals(line.get(0).source())))) {
                if (!line.isEmpty()) {
                    h.handle(List.copyOf(line));
                    line.clear();
                }
                if (t.isClose()) {
                    return;
                }
            }
            line.add(t);
        }
    }

    /** Skips the statement started by {@code kw}: its values and a following block. */
    void skip(Token kw) throws ConfigParseException {
        skipStatement(kw);
    }

    /** Skips the block that follows the values of {@code head} (a duplicate definition). */
    void skipBlock(Token head) throws ConfigParseException {
        skipStatement(head);
    }

    void warnAt(Token at, String ctx, String message) {
        warn(at, ctx, message);
    }

    void warnAt(int line, String ctx, String message) {
        warnings.add(new ConfigWarning(line, 0, "", ctx, message));
    }

    void fallbackAt(Token at, String ctx, String message) throws ConfigParseException {
        fallback(at, ctx, message);
    }

    void fallbackAt(int line, String ctx, String message) throws ConfigParseException {
        if (strict) {
            throw new ConfigParseException(line, 0, null, message + (ctx.isEmpty() ? "" : " [in " + ctx + "]")
                    + " (strict mode)");
        }
        warnAt(line, ctx, message);
    }
}
