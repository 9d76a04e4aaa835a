package io.ipvs4j.director.keepalived;

import io.ipvs4j.director.keepalived.KeepalivedConfig.Inet;
import io.ipvs4j.director.keepalived.KeepalivedConfig.StaticAddress;
import io.ipvs4j.director.keepalived.KeepalivedConfig.VirtualServer;
import io.ipvs4j.director.keepalived.KeepalivedConfig.VirtualServerGroup;
import io.ipvs4j.director.keepalived.KeepalivedVrrp.Instance;
import io.ipvs4j.director.keepalived.KeepalivedVrrp.Notify;
import io.ipvs4j.director.keepalived.KeepalivedVrrp.Script;
import io.ipvs4j.director.keepalived.KeepalivedVrrp.SyncDaemonConfig;
import io.ipvs4j.director.keepalived.KeepalivedVrrp.SyncGroup;
import io.ipvs4j.director.keepalived.KeepalivedVrrp.TrackScript;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.Scope;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.vrrp.VrrpInstanceConfig;
import io.ipvs4j.vrrp.VrrpState;
import io.ipvs4j.vrrp.VrrpVersion;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The VRRP blocks of a keepalived.conf ({@code vrrp_instance}, {@code vrrp_sync_group},
 * {@code vrrp_script}, the VRRP settings of {@code global_defs}), read on the token stream of a
 * {@link KeepalivedParser}. Values keepalived 2.2 (keepalived/vrrp/vrrp_parser.c,
 * keepalived/core/global_parser.c, vrrp.c vrrp_complete_instance) reports and replaces are
 * {@link ConfigWarning}s naming the line (errors in strict mode) and take keepalived's
 * replacement, e.g. {@code priority 500}: "Priority not valid! must be between 1 & 255. Using
 * default 100"; what makes keepalived refuse to start (no {@code virtual_router_id}, no
 * {@code virtual_ipaddress}) is a {@link ConfigParseException}.
 */
final class VrrpParser {
    private static final Set<String> INSTANCE = Set.of("state", "interface", "virtual_router_id", "priority",
            "advert_int", "nopreempt", "preempt", "preempt_delay", "authentication", "virtual_ipaddress",
            "virtual_ipaddress_excluded", "unicast_src_ip", "mcast_src_ip", "unicast_peer", "track_interface",
            "track_script", "garp_master_delay", "garp_master_repeat", "garp_master_refresh",
            "garp_master_refresh_repeat", "garp_interval", "gna_interval", "version", "vrrp_version", "native_ipv6",
            "notify", "notify_master", "notify_backup", "notify_fault", "notify_stop", "smtp_alert",
            "lvs_sync_daemon_interface", "v3_checksum_as_v2", "down_timer_adverts", "dont_track_primary");
    private static final Set<String> AUTH = Set.of("auth_type", "auth_pass");
    private static final Set<String> SYNC_GROUP = Set.of("group", "notify", "notify_master", "notify_backup",
            "notify_fault", "notify_stop", "smtp_alert");
    private static final Set<String> SCRIPT = Set.of("script", "interval", "timeout", "weight", "rise", "fall", "user",
            "init_fail");
    private static final Set<String> ADDRESS_VALUE_OPTIONS = Set.of("dev", "label", "brd", "broadcast", "scope",
            "peer", "preferred_lft", "track_group", "metric");
    private static final Set<String> ADDRESS_FLAG_OPTIONS = Set.of("home", "nodad", "-nodad", "noprefixroute",
            "autojoin", "no_track");
    /** keepalived's TIMER_MAX_SEC for preempt_delay. */
    private static final int MAX_PREEMPT_DELAY_SECONDS = 1000;

    private final KeepalivedParser p;
    private final List<RawInstance> instances = new ArrayList<>();
    private final List<RawGroup> groups = new ArrayList<>();
    private final List<Script> scripts = new ArrayList<>();
    private Integer globalVersion;
    private Duration globalGarpDelay;
    private Integer globalGarpRepeat;
    private Duration globalGarpRefresh;
    private Integer globalGarpRefreshRepeat;
    private Duration globalGarpInterval;
    private boolean strictMode;
    private RawSyncDaemon syncDaemon;

    VrrpParser(KeepalivedParser parser) {
        this.p = parser;
    }

    // ---- top level ----

    /** Handles a top-level VRRP block; false if {@code t} is not one. */
    boolean topLevel(Token t) throws ConfigParseException {
        switch (t.text()) {
            case "vrrp_instance" -> instance(t);
            case "vrrp_sync_group" -> syncGroup(t);
            case "vrrp_script" -> script(t);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Handles a VRRP setting of {@code global_defs}; false if {@code kw} is not one. */
    boolean global(Token kw) throws ConfigParseException {
        String ctx = "global_defs";
        switch (kw.text()) {
            case "vrrp_version" -> {
                Token v = p.valueOf(kw);
                if (v.text().equals("2") || v.text().equals("3")) {
                    globalVersion = Integer.parseInt(v.text());
                } else {
                    p.fallbackAt(v, ctx, "vrrp_version '" + v.text() + "' must be 2 or 3: keepalived ignores it");
                }
            }
            case "vrrp_garp_master_delay" -> globalGarpDelay = wholeSeconds(kw, ctx, globalGarpDelay);
            case "vrrp_garp_master_repeat" -> globalGarpRepeat = repeat(kw, ctx, globalGarpRepeat);
            case "vrrp_garp_master_refresh" -> globalGarpRefresh = wholeSeconds(kw, ctx, globalGarpRefresh);
            case "vrrp_garp_master_refresh_repeat" -> globalGarpRefreshRepeat = repeat(kw, ctx, globalGarpRefreshRepeat);
            case "vrrp_garp_interval", "vrrp_gna_interval" -> globalGarpInterval = fraction(kw, ctx, globalGarpInterval);
            case "vrrp_strict" -> {
                strictMode = true;
                p.fallbackAt(kw, ctx, "vrrp_strict: keepalived installs DROP rules for the VIPs (nftables/iptables);"
                        + " ipvs4j does not, and applies only strict mode's configuration rules (no authentication)");
            }
            case "lvs_sync_daemon" -> lvsSyncDaemon(kw);
            case "lvs_sync_daemon_interface" -> {
                Token v = p.valueOf(kw);
                p.fallbackAt(kw, ctx, "lvs_sync_daemon_interface " + v.text() + " in global_defs is no keepalived 2.2"
                        + " keyword (use lvs_sync_daemon IFACE INSTANCE): ignored");
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    // ---- vrrp_instance ----

    private void instance(Token head) throws ConfigParseException {
        String name = p.valueOf(head).text();
        String ctx = "vrrp_instance " + name;
        if (instances.stream().anyMatch(i -> i.name.equals(name))) {
            p.fallbackAt(head, "", "vrrp instance " + name + " already defined: keepalived skips this block");
            p.skipBlock(head);
            return;
        }
        RawInstance r = new RawInstance(name, head.line(), head);
        instances.add(r);
        p.readBlock(head, ctx, INSTANCE, kw -> {
            switch (kw.text()) {
                case "state" -> {
                    Token v = p.valueOf(kw);
                    switch (v.text()) {
                        case "MASTER" -> r.state = VrrpState.MASTER;
                        case "BACKUP" -> {
                            if (r.state == VrrpState.MASTER) {
                                p.fallbackAt(v, ctx, "(" + name + ") state previously set as MASTER - ignoring BACKUP");
                            } else {
                                r.state = VrrpState.BACKUP;
                            }
                        }
                        default -> {
                            p.fallbackAt(v, ctx, "(" + name + ") unknown state '" + v.text() + "', defaulting to BACKUP");
                            r.state = VrrpState.BACKUP;
                        }
                    }
                }
                case "interface" -> {
                    Token v = p.valueOf(kw);
                    if (v.text().length() >= 16) {
                        p.fallbackAt(v, ctx, "Interface name '" + v.text() + "' too long - ignoring");
                    } else if (v.text().equals("lo")) {
                        p.fallbackAt(v, ctx, "(" + name + ") cannot use a loopback interface (lo) for vrrp - ignoring");
                    } else {
                        r.interfaceName = v.text();
                    }
                }
                case "virtual_router_id" -> {
                    Token v = p.valueOf(kw);
                    OptionalInt vrid = unsigned(v, 1, 255);
                    if (vrid.isEmpty()) {
                        p.fallbackAt(v, ctx, "(" + name + "): VRID '" + v.text() + "' not valid - must be between 1 & 255");
                    } else {
                        r.vrid = vrid.getAsInt();
                    }
                }
                case "priority" -> {
                    Token v = p.valueOf(kw);
                    OptionalInt prio = unsigned(v, 1, 255);
                    if (prio.isEmpty()) {
                        p.fallbackAt(v, ctx, "(" + name + ") Priority not valid! must be between 1 & 255. Using default 100"
                                + " (priority " + v.text() + ")");
                        r.priority = 100;
                    } else {
                        r.priority = prio.getAsInt();
                    }
                    r.priorityToken = v;
                }
                case "advert_int" -> {
                    Token v = p.valueOf(kw);
                    Optional<BigDecimal> s = decimal(v.text(), 6);
                    if (s.isEmpty() || s.get().compareTo(new BigDecimal("0.01")) < 0
                            || s.get().compareTo(BigDecimal.valueOf(255)) > 0) {
                        p.fallbackAt(v, ctx, "(" + name + ") Advert interval (" + v.text() + ") not valid! Must be > 0"
                                + " - ignoring");
                    } else {
                        r.advertInt = s.get();
                        r.advertToken = v;
                    }
                }
                case "nopreempt" -> r.preempt = false;
                case "preempt" -> r.preempt = true;
                case "preempt_delay" -> {
                    Token v = p.valueOf(kw);
                    Optional<BigDecimal> s = decimal(v.text(), 6);
                    if (s.isEmpty() || s.get().compareTo(BigDecimal.valueOf(MAX_PREEMPT_DELAY_SECONDS)) > 0) {
                        p.fallbackAt(v, ctx, "(" + name + ") Preempt_delay not valid! must be between 0-"
                                + MAX_PREEMPT_DELAY_SECONDS + " (was " + v.text() + "): 0");
                        r.preemptDelay = Duration.ZERO;
                    } else {
                        r.preemptDelay = toDuration(s.get());
                    }
                }
                case "authentication" -> authentication(kw, r, ctx);
                case "virtual_ipaddress" -> addresses(kw, r, ctx, r.vips);
                case "virtual_ipaddress_excluded" -> addresses(kw, r, ctx, r.excluded);
                case "unicast_src_ip", "mcast_src_ip" -> {
                    Token v = p.valueOf(kw);
                    Optional<InetAddress> a = parseAddress(v.text());
                    if (a.isEmpty()) {
                        p.fallbackAt(v, ctx, "Configuration error: VRRP instance[" + name + "] malformed src address["
                                + v.text() + "]. Skipping...");
                    } else {
                        r.source = a.get();
                    }
                }
                case "unicast_peer" -> p.readValueBlock(kw, ctx, line -> {
                    Optional<InetAddress> a = parseAddress(line.get(0).text());
                    if (a.isEmpty() || a.get().isMulticastAddress()) {
                        p.fallbackAt(line.get(0), ctx, "(" + name + ") unicast_peer '" + line.get(0).text()
                                + "' is not a unicast address - ignoring");
                        return;
                    }
                    for (Token opt : line.subList(1, line.size())) {
                        p.fallbackAt(opt, ctx, "(" + name + ") unicast_peer option '" + opt.text()
                                + "' is not supported by ipvs4j - ignored");
                    }
                    r.peers.add(a.get());
                });
                case "track_interface" -> p.readValueBlock(kw, ctx, line -> {
                    Token ifname = line.get(0);
                    int weight = 0;
                    if (line.size() >= 3 && line.get(1).text().equals("weight")) {
                        OptionalInt w = signed(line.get(2), -254, 254);
                        if (w.isEmpty() || w.getAsInt() < -253 || w.getAsInt() > 253) {
                            p.fallbackAt(line.get(2), ctx, "(" + name + ") weight " + line.get(2).text() + " for "
                                    + ifname.text() + " must be between [-253..253] inclusive. Ignoring...");
                            return;
                        }
                        weight = w.getAsInt();
                    } else if (line.size() > 1) {
                        p.fallbackAt(line.get(1), ctx, "(" + name + ") unknown track_interface option '"
                                + line.get(1).text() + "' - ignoring " + ifname.text());
                        return;
                    }
                    r.trackInterfaces.add(new VrrpInstanceConfig.TrackedInterface(ifname.text(), weight));
                });
                case "track_script" -> p.readValueBlock(kw, ctx, line -> {
                    Token s = line.get(0);
                    OptionalInt weight = OptionalInt.empty();
                    if (line.size() >= 3 && line.get(1).text().equals("weight")) {
                        OptionalInt w = signed(line.get(2), -253, 253);
                        if (w.isEmpty()) {
                            p.fallbackAt(line.get(2), ctx, "(" + name + ") track script " + s.text() + " weight "
                                    + line.get(2).text() + " must be in [-253, 253] - using the script's weight");
                        } else {
                            weight = w;
                        }
                    }
                    r.trackScripts.add(new TrackScript(s.text(), weight, s.line()));
                    r.trackScriptTokens.add(s);
                });
                case "garp_master_delay" -> r.garpDelay = wholeSeconds(kw, ctx, r.garpDelay);
                case "garp_master_repeat" -> r.garpRepeat = repeat(kw, ctx, r.garpRepeat);
                case "garp_master_refresh" -> r.garpRefresh = wholeSeconds(kw, ctx, r.garpRefresh);
                case "garp_master_refresh_repeat" -> r.garpRefreshRepeat = repeat(kw, ctx, r.garpRefreshRepeat);
                case "garp_interval", "gna_interval" -> r.garpInterval = fraction(kw, ctx, r.garpInterval);
                case "version", "vrrp_version" -> {
                    Token v = p.valueOf(kw);
                    if (v.text().equals("2") || v.text().equals("3")) {
                        int version = Integer.parseInt(v.text());
                        if (r.version != null && r.version != version) {
                            p.fallbackAt(v, ctx, "(" + name + ") vrrp_version " + version + " conflicts with configured"
                                    + " or deduced version " + r.version + "; ignoring.");
                        } else {
                            r.version = version;
                        }
                    } else {
                        p.fallbackAt(v, ctx, "(" + name + ") Version '" + v.text() + "' must be 2 or 3 - ignoring");
                    }
                }
                case "native_ipv6" -> {
                    r.nativeIpv6 = true;
                    if (r.version != null && r.version == 2) {
                        p.fallbackAt(kw, ctx, "(" + name + ") native_ipv6 needs VRRP version 3, version 2 was set");
                    }
                    r.version = 3;
                }
                case "notify" -> r.notify.all = command(kw, ctx, r.notify.all);
                case "notify_master" -> r.notify.master = command(kw, ctx, r.notify.master);
                case "notify_backup" -> r.notify.backup = command(kw, ctx, r.notify.backup);
                case "notify_fault" -> r.notify.fault = command(kw, ctx, r.notify.fault);
                case "notify_stop" -> r.notify.stop = command(kw, ctx, r.notify.stop);
                case "smtp_alert" -> p.skip(kw);   // mail alerts: nothing to program
                case "v3_checksum_as_v2" -> r.v3ChecksumAsV2 = trueFalse(kw, ctx);
                case "down_timer_adverts" -> {
                    Token v = p.valueOf(kw);
                    OptionalInt n = unsigned(v, 1, 100);
                    if (n.isEmpty()) {
                        p.fallbackAt(v, ctx, "(" + name + "): Invalid down_timer_adverts [1:100] '" + v.text() + "'");
                    } else {
                        r.downTimerAdverts = n.getAsInt();
                        r.downTimerToken = v;
                    }
                }
                case "dont_track_primary" -> r.dontTrackPrimary = true;
                case "lvs_sync_daemon_interface" -> {
                    Token v = p.valueOf(kw);
                    p.warnAt(kw, ctx, "(" + name + ") Specifying lvs_sync_daemon_interface against a vrrp is deprecated."
                            + " Please use global lvs_sync_daemon");
                    if (syncDaemon != null) {
                        p.fallbackAt(kw, ctx, "(" + name + ") lvs_sync_daemon_interface has already been specified as "
                                + syncDaemon.interfaceName + " - ignoring");
                    } else {
                        syncDaemon = new RawSyncDaemon(v.text(), name, kw.line());
                    }
                }
                default -> {
                    return false;
                }
            }
            return true;
        });
    }

    private void authentication(Token head, RawInstance r, String ctx) throws ConfigParseException {
        p.readBlock(head, ctx + " authentication", AUTH, kw -> {
            switch (kw.text()) {
                case "auth_type" -> {
                    Token v = p.valueOf(kw);
                    switch (v.text()) {
                        case "PASS" -> r.authType = "PASS";
                        case "AH" -> throw new ConfigParseException(v, "(" + r.name + ") auth_type AH (IPSEC-AH) is not"
                                + " supported by ipvs4j: adverts would not interoperate; use PASS or none");
                        default -> p.fallbackAt(v, ctx, "(" + r.name + ") unknown authentication type '" + v.text() + "'");
                    }
                }
                case "auth_pass" -> {
                    Token v = p.valueOf(kw);
                    byte[] bytes = v.text().getBytes(StandardCharsets.UTF_8);
                    if (bytes.length > 8) {
                        p.fallbackAt(v, ctx, "Truncating auth_pass to 8 characters");
                        r.authPass = new String(bytes, 0, 8, StandardCharsets.UTF_8);
                        if (r.authPass.getBytes(StandardCharsets.UTF_8).length > 8) {
                            throw new ConfigParseException(v, "auth_pass truncated to 8 bytes splits a character");
                        }
                    } else {
                        r.authPass = v.text();
                    }
                }
                default -> {
                    return false;
                }
            }
            return true;
        });
    }

    /** {@code virtual_ipaddress { ADDR[/LEN] [dev IF] [label L] [brd B] [scope S] ... }}, one entry a line. */
    private void addresses(Token head, RawInstance r, String ctx, List<RawAddress> out) throws ConfigParseException {
        String block = ctx + " " + head.text();
        p.readValueBlock(head, block, line -> {
            Token t = line.get(0);
            String text = t.text();
            int slash = text.indexOf('/');
            Optional<InetAddress> addr = parseAddress(slash >= 0 ? text.substring(0, slash) : text);
            if (addr.isEmpty()) {
                p.fallbackAt(t, block, "(" + r.name + ") invalid virtual address '" + text + "' - ignoring");
                return;
            }
            int max = addr.get() instanceof Inet4Address ? 32 : 128;
            int bits = max;
            if (slash >= 0) {
                OptionalInt b = unsigned(text.substring(slash + 1), 0, max);
                if (b.isEmpty()) {
                    p.fallbackAt(t, block, "(" + r.name + ") invalid prefix length in '" + text + "' - ignoring");
                    return;
                }
                bits = b.getAsInt();
            }
            RawAddress a = new RawAddress(addr.get(), bits, t);
            for (int i = 1; i < line.size(); i++) {
                Token opt = line.get(i);
                String o = opt.text();
                if (ADDRESS_VALUE_OPTIONS.contains(o)) {
                    if (i + 1 >= line.size()) {
                        p.fallbackAt(opt, block, "(" + r.name + ") " + o + " needs a value - ignoring " + text);
                        return;
                    }
                    Token v = line.get(++i);
                    switch (o) {
                        case "dev" -> a.dev = v.text();
                        case "label" -> a.label = v.text();
                        case "scope" -> {
                            Optional<Scope> s = scope(v.text());
                            if (s.isEmpty()) {
                                p.fallbackAt(v, block, "(" + r.name + ") invalid scope '" + v.text() + "' for " + text
                                        + " - ignoring the scope");
                            } else {
                                a.scope = s.get();
                            }
                        }
                        case "preferred_lft" -> {
                            if (!(a.address instanceof Inet6Address)) {
                                p.warnAt(opt, block, "(" + r.name + ") preferred_lft " + v.text() + " of IPv4 address "
                                        + text + " is not set by ipvs4j: the address stays preferred");
                            } else if (v.text().equals("0")) {
                                a.preferred = Boolean.FALSE;
                            } else if (v.text().equals("forever")) {
                                a.preferred = Boolean.TRUE;
                            } else {
                                a.preferred = Boolean.TRUE;
                                p.warnAt(v, block, "(" + r.name + ") preferred_lft " + v.text() + " of " + text
                                        + ": ipvs4j sets only 0 or forever; the address stays preferred (keepalived"
                                        + " would let it become deprecated after " + v.text() + " s)");
                            }
                        }
                        case "brd", "broadcast" -> p.warnAt(opt, block, "(" + r.name + ") " + o + " " + v.text()
                                + " of " + text + " is not set by ipvs4j: the address gets no broadcast address");
                        default -> p.warnAt(opt, block, "(" + r.name + ") option '" + o + " " + v.text() + "' of "
                                + text + " is not supported by ipvs4j - ignored");
                    }
                } else if (ADDRESS_FLAG_OPTIONS.contains(o)) {
                    p.warnAt(opt, block, "(" + r.name + ") option '" + o + "' of " + text
                            + " is not supported by ipvs4j - ignored");
                } else {
                    p.fallbackAt(opt, block, "(" + r.name + ") unknown option '" + o + "' for " + text
                            + " - ignoring the address");
                    return;
                }
            }
            out.add(a);
        });
    }

    // ---- vrrp_sync_group ----

    private void syncGroup(Token head) throws ConfigParseException {
        String name = p.valueOf(head).text();
        String ctx = "vrrp_sync_group " + name;
        if (groups.stream().anyMatch(g -> g.name.equals(name))) {
            p.fallbackAt(head, "", "vrrp sync group " + name + " already defined: keepalived skips this block");
            p.skipBlock(head);
            return;
        }
        RawGroup g = new RawGroup(name, head);
        groups.add(g);
        p.readBlock(head, ctx, SYNC_GROUP, kw -> {
            switch (kw.text()) {
                case "group" -> {
                    if (!g.members.isEmpty()) {
                        p.fallbackAt(kw, ctx, "Group list already specified for sync group " + name);
                        p.skip(kw);
                        return true;
                    }
                    p.readValueBlock(kw, ctx, line -> g.members.addAll(line));
                    if (g.members.isEmpty()) {
                        p.fallbackAt(kw, ctx, "Warning - sync group " + name + " has empty group block");
                    }
                }
                case "notify" -> g.notify.all = command(kw, ctx, g.notify.all);
                case "notify_master" -> g.notify.master = command(kw, ctx, g.notify.master);
                case "notify_backup" -> g.notify.backup = command(kw, ctx, g.notify.backup);
                case "notify_fault" -> g.notify.fault = command(kw, ctx, g.notify.fault);
                case "notify_stop" -> g.notify.stop = command(kw, ctx, g.notify.stop);
                case "smtp_alert" -> p.skip(kw);
                default -> {
                    return false;
                }
            }
            return true;
        });
    }

    // ---- vrrp_script ----

    private void script(Token head) throws ConfigParseException {
        String name = p.valueOf(head).text();
        String ctx = "vrrp_script " + name;
        List<String> command = new ArrayList<>();
        Duration[] interval = {Duration.ofSeconds(1)};
        Duration[] timeout = {null};
        int[] weight = {0};
        int[] rise = {1};
        int[] fall = {1};
        String[] user = {null};
        boolean[] initFail = {false};
        p.readBlock(head, ctx, SCRIPT, kw -> {
            switch (kw.text()) {
                case "script" -> {
                    command.clear();
                    command.addAll(words(kw));
                }
                case "interval" -> interval[0] = positiveWholeSeconds(kw, ctx, "(" + name + "): vrrp script interval",
                        interval[0]);
                case "timeout" -> timeout[0] = positiveWholeSeconds(kw, ctx, "(" + name + "): vrrp script timeout",
                        timeout[0]);
                case "weight" -> {
                    Token v = p.valueOf(kw);
                    OptionalInt w = signed(v, -253, 253);
                    if (w.isEmpty()) {
                        p.fallbackAt(v, ctx, "vrrp_script " + name + " weight " + v.text() + " must be in [-253, 253]"
                                + " (weight 0 is used)");
                        weight[0] = 0;
                    } else {
                        weight[0] = w.getAsInt();
                    }
                    if (p.valueOnLine(kw)) {
                        Token o = p.nextToken();
                        p.fallbackAt(o, ctx, "vrrp_script " + name + " weight option '" + o.text()
                                + "' is not supported by ipvs4j - ignored");
                    }
                }
                case "rise" -> rise[0] = count(kw, ctx, "(" + name + "): vrrp script rise value");
                case "fall" -> fall[0] = count(kw, ctx, "(" + name + "): vrrp script fall value");
                case "user" -> {
                    Token u = p.valueOf(kw);
                    user[0] = u.text();
                    while (p.valueOnLine(kw)) {
                        user[0] += " " + p.nextToken().text();
                    }
                    // run as that user through setpriv (ScriptTracker); an unknown user is refused there
                }
                case "init_fail" -> initFail[0] = true;
                default -> {
                    return false;
                }
            }
            return true;
        });
        if (command.isEmpty()) {
            p.fallbackAt(head, "", "No script set for vrrp_script " + name + " - removing");
            return;
        }
        if (scripts.stream().anyMatch(s -> s.name().equals(name))) {
            p.fallbackAt(head, "", "vrrp_script " + name + " already defined - ignoring this one");
            return;
        }
        scripts.add(new Script(name, command, interval[0], timeout[0] == null ? interval[0] : timeout[0], weight[0],
                rise[0], fall[0], Optional.ofNullable(user[0]), initFail[0], head.line()));
    }

    // ---- global lvs_sync_daemon ----

    private void lvsSyncDaemon(Token kw) throws ConfigParseException {
        String ctx = "global_defs";
        List<Token> values = new ArrayList<>();
        while (p.valueOnLine(kw)) {
            values.add(p.nextToken());
        }
        if (syncDaemon != null) {
            p.fallbackAt(kw, ctx, "lvs_sync_daemon has already been specified as " + syncDaemon.interfaceName
                    + " - ignoring");
            return;
        }
        if (values.isEmpty()) {
            p.fallbackAt(kw, ctx, "lvs_sync_daemon requires interface");
            return;
        }
        if (values.get(0).text().length() >= 16) {
            p.fallbackAt(values.get(0), ctx, "lvs_sync_daemon interface name '" + values.get(0).text()
                    + "' too long - ignoring");
            return;
        }
        RawSyncDaemon d = new RawSyncDaemon(values.get(0).text(), null, kw.line());
        for (int i = 1; i < values.size(); i++) {
            Token o = values.get(i);
            String opt = o.text();
            boolean hasValue = i + 1 < values.size();
            switch (opt) {
                case "id", "maxlen", "port", "ttl", "group" -> {
                    if (!hasValue) {
                        p.fallbackAt(o, ctx, "No value specified for lvs_sync_daemon " + opt + " - ignoring");
                        continue;
                    }
                    Token v = values.get(++i);
                    switch (opt) {
                        case "id" -> {
                            OptionalInt n = unsigned(v, 0, 255);
                            if (n.isEmpty()) {
                                p.fallbackAt(v, ctx, "Invalid lvs_sync_daemon id (" + v.text() + ") - defaulting to vrid");
                            } else {
                                d.syncId = n.getAsInt();
                            }
                        }
                        case "maxlen" -> d.maxLength = optional(v, 1, 65535 - 20 - 8, ctx, "maxlen");
                        case "port" -> d.port = optional(v, 1, 65535, ctx, "port");
                        case "ttl" -> d.ttl = optional(v, 1, 255, ctx, "ttl");
                        default -> {
                            Optional<InetAddress> g = parseAddress(v.text());
                            if (g.isEmpty()) {
                                p.fallbackAt(v, ctx, "Invalid lvs_sync_daemon group (" + v.text() + ") - ignoring");
                            } else if (!g.get().isMulticastAddress()) {
                                p.fallbackAt(v, ctx, "lvs_sync_daemon group address " + v.text()
                                        + " is not multicast - ignoring");
                            } else {
                                d.group = g.get();
                            }
                        }
                    }
                }
                default -> {
                    if (i == 1) {
                        d.instance = opt;   // lvs_sync_daemon IFACE INSTANCE
                    } else if (i == 2 && d.instance != null && opt.matches("\\d+")) {
                        // backward compatibility: lvs_sync_daemon IF INSTANCE SYNCID
                        p.warnAt(o, ctx, "Please use keyword \"id\" before lvs_sync_daemon SYNCID");
                        OptionalInt n = unsigned(o, 0, 255);
                        if (n.isPresent()) {
                            d.syncId = n.getAsInt();
                        }
                    } else {
                        p.fallbackAt(o, ctx, "Unknown option " + opt + " specified for lvs_sync_daemon");
                    }
                }
            }
        }
        syncDaemon = d;
    }

    private OptionalInt optional(Token v, int min, int max, String ctx, String what) throws ConfigParseException {
        OptionalInt n = unsigned(v, min, max);
        if (n.isEmpty()) {
            p.fallbackAt(v, ctx, "Invalid lvs_sync_daemon " + what + " (" + v.text() + ") - ignoring");
        }
        return n;
    }

    // ---- resolution, after the whole file ----

    /**
     * Applies the global defaults to every instance (keepalived completes instances after the
     * whole file, so global_defs may come anywhere), checks references and warns about
     * virtual servers whose address no instance brings up.
     */
    KeepalivedVrrp finish(List<VirtualServer> servers, List<VirtualServerGroup> serverGroups,
            List<StaticAddress> statics) throws ConfigParseException {
        List<Instance> done = new ArrayList<>();
        for (RawInstance r : instances) {
            done.add(resolve(r));
        }
        List<SyncGroup> syncGroups = new ArrayList<>();
        Set<String> grouped = new LinkedHashSet<>();
        for (RawGroup g : groups) {
            List<String> members = new ArrayList<>();
            for (Token m : g.members) {
                if (done.stream().noneMatch(i -> i.config().name().equals(m.text()))) {
                    p.fallbackAt(m, "vrrp_sync_group " + g.name, "Virtual router " + m.text() + " specified in sync group "
                            + g.name + " doesn't exist - ignoring");
                } else if (!grouped.add(m.text())) {
                    p.fallbackAt(m, "vrrp_sync_group " + g.name, "VRRP instance " + m.text()
                            + " is already in a sync group - ignoring");
                } else {
                    members.add(m.text());
                }
            }
            if (members.size() == 1) {
                p.warnAt(g.head, "", "Sync group " + g.name + " has only 1 virtual router(s) - this probably isn't what"
                        + " you want (ipvs4j runs its instance on its own)");
            }
            if (members.isEmpty()) {
                continue;
            }
            syncGroups.add(new SyncGroup(g.name, members, g.notify.build(), g.head.line()));
        }
        // keepalived (vrrp.c): scripts with a weight are ignored on members of a sync group
        // unless sync_group_tracking_weight is set (not read by ipvs4j)
        List<Instance> tracked = new ArrayList<>();
        for (Instance i : done) {
            RawInstance raw = instances.get(done.indexOf(i));
            List<TrackScript> refs = new ArrayList<>();
            for (int k = 0; k < i.trackScripts().size(); k++) {
                TrackScript ts = i.trackScripts().get(k);
                Token at = raw.trackScriptTokens.get(k);
                Optional<Script> s = scripts.stream().filter(x -> x.name().equals(ts.script())).findFirst();
                if (s.isEmpty()) {
                    p.fallbackAt(at, "vrrp_instance " + i.config().name(), "(" + i.config().name() + ") track script "
                            + ts.script() + " not found, ignoring...");
                    continue;
                }
                int weight = ts.weight().orElse(s.get().weight());
                if (weight != 0 && grouped.contains(i.config().name())) {
                    p.fallbackAt(at, "vrrp_instance " + i.config().name(), "(" + i.config().name()
                            + ") ignoring tracked script " + ts.script() + " with weights due to SYNC group");
                    continue;
                }
                refs.add(ts);
            }
            tracked.add(new Instance(i.config(), i.excludedAddresses(), refs, i.notifyScripts(), i.line()));
        }
        Optional<SyncDaemonConfig> daemon = Optional.empty();
        if (syncDaemon != null) {
            Optional<Instance> of = syncDaemon.instance == null ? Optional.empty()
                    : tracked.stream().filter(i -> i.config().name().equals(syncDaemon.instance)).findFirst();
            if (of.isEmpty()) {
                p.fallbackAt(syncDaemon.line, "global_defs", syncDaemon.instance == null
                        ? "lvs_sync_daemon " + syncDaemon.interfaceName + " names no vrrp_instance: no VRRP instance"
                                + " starts or stops the sync daemon (as keepalived)"
                        : "lvs_sync_daemon: Unable to find vrrp instance " + syncDaemon.instance + " for lvs_syncd - clearing lvs_syncd"
                                + " config");
            } else {
                daemon = Optional.of(new SyncDaemonConfig(syncDaemon.interfaceName, syncDaemon.instance,
                        syncDaemon.syncId != null ? syncDaemon.syncId : of.get().config().virtualRouterId(),
                        syncDaemon.maxLength, syncDaemon.port, syncDaemon.ttl, Optional.ofNullable(syncDaemon.group),
                        syncDaemon.line));
            }
        }
        KeepalivedVrrp vrrp = new KeepalivedVrrp(tracked, syncGroups, scripts, daemon, strictMode);
        if (!tracked.isEmpty()) {
            warnUnbackedVirtualServers(vrrp, servers, serverGroups, statics);
        }
        return vrrp;
    }

    private Instance resolve(RawInstance r) throws ConfigParseException {
        String ctx = "vrrp_instance " + r.name;
        String in = "(" + r.name + ") ";
        if (r.vrid == null) {
            throw new ConfigParseException(r.head, in + "the virtual router id must be set (keepalived refuses this"
                    + " configuration)");
        }
        if (r.interfaceName == null) {
            throw new ConfigParseException(r.head, in + "no interface set: ipvs4j needs the interface adverts use"
                    + " (keepalived: 'Unknown interface!')");
        }
        // the family: of mcast_src_ip / unicast_src_ip if set, else of the first virtual address
        Boolean v6 = r.source != null ? (Boolean) (r.source instanceof Inet6Address)
                : r.vips.isEmpty() ? null : (Boolean) (r.vips.get(0).address instanceof Inet6Address);
        if (v6 == null) {
            throw new ConfigParseException(r.head, in + "No VIP specified; at least one is required");
        }
        if (r.nativeIpv6 && !v6) {
            p.fallbackAt(r.head, ctx, in + "native_ipv6 with IPv4 addresses: the instance is IPv4");
        }
        List<InterfaceAddress> vips = new ArrayList<>();
        for (RawAddress a : r.vips) {
            if ((a.address instanceof Inet6Address) != v6) {
                p.fallbackAt(a.at, ctx, in + "address family must match VRRP instance [" + a.at.text() + "] - ignoring");
                continue;
            }
            vips.add(a.toInterfaceAddress(r.interfaceName, ctx, in));
        }
        if (vips.isEmpty()) {
            throw new ConfigParseException(r.head, in + "No VIP specified; at least one is required");
        }
        List<InterfaceAddress> excluded = new ArrayList<>();
        for (RawAddress a : r.excluded) {
            excluded.add(a.toInterfaceAddress(r.interfaceName, ctx, in));
        }
        int version = r.version != null ? r.version : v6 ? 3 : globalVersion != null ? globalVersion : 2;
        if (v6 && version == 2) {
            p.fallbackAt(r.head, ctx, in + "IPv6 addresses need VRRP version 3: version 3 is used");
            version = 3;
        }
        Duration advert = Duration.ofSeconds(1);
        if (r.advertInt != null) {
            if (version == 2) {
                if (r.advertInt.stripTrailingZeros().scale() > 0) {
                    BigDecimal rounded = r.advertInt.setScale(0, RoundingMode.HALF_UP).max(BigDecimal.ONE);
                    p.fallbackAt(r.advertToken, ctx, in + "VRRPv2 advertisement interval " + r.advertInt.toPlainString()
                            + "s must be an integer. rounding (to " + rounded + " s)");
                    advert = Duration.ofSeconds(rounded.longValueExact());
                } else {
                    advert = Duration.ofSeconds(r.advertInt.longValueExact());
                }
            } else {
                BigDecimal cs = r.advertInt.movePointRight(2);
                if (cs.compareTo(BigDecimal.valueOf(4095)) > 0) {
                    p.fallbackAt(r.advertToken, ctx, in + "VRRPv3 advertisement interval " + r.advertInt.toPlainString()
                            + "s is out of range. Must be less than 40.96s. Setting to 40.95s");
                    cs = BigDecimal.valueOf(4095);
                } else if (cs.stripTrailingZeros().scale() > 0) {
                    BigDecimal rounded = cs.setScale(0, RoundingMode.HALF_UP).max(BigDecimal.ONE);
                    p.fallbackAt(r.advertToken, ctx, in + "VRRPv3 advertisement interval " + r.advertInt.toPlainString()
                            + "s is not a whole number of centiseconds: " + rounded.movePointLeft(2).toPlainString()
                            + " s is used");
                    cs = rounded;
                }
                advert = Duration.ofMillis(cs.longValueExact() * 10);
            }
        }
        VrrpInstanceConfig.Builder b = VrrpInstanceConfig.builder(r.name, r.interfaceName, r.vrid)
                .version(version == 3 ? VrrpVersion.V3 : VrrpVersion.V2)
                .priority(r.priority == null ? 100 : r.priority)
                .advertInterval(advert)
                .initialState(r.state == null ? VrrpState.BACKUP : r.state)
                .preempt(r.preempt)
                .preemptDelay(r.preemptDelay == null ? Duration.ZERO : r.preemptDelay)
                .garpMasterDelay(first(r.garpDelay, globalGarpDelay, Duration.ofSeconds(5)))
                .garpMasterRepeat(first(r.garpRepeat, globalGarpRepeat, 5))
                .garpMasterRefresh(first(r.garpRefresh, globalGarpRefresh, Duration.ZERO))
                .garpMasterRefreshRepeat(first(r.garpRefreshRepeat, globalGarpRefreshRepeat, 1))
                .garpInterval(first(r.garpInterval, globalGarpInterval, Duration.ZERO))
                .v3ChecksumAsV2(r.v3ChecksumAsV2);
        if (r.downTimerAdverts != null) {
            if (r.downTimerAdverts < 3) {
                p.fallbackAt(r.downTimerToken, ctx, in + "down_timer_adverts " + r.downTimerAdverts + " is below the"
                        + " ipvs4j minimum of 3: 3 is used");
            }
            b.downTimerAdverts(Math.max(3, r.downTimerAdverts));
        }
        if (r.authType != null || r.authPass != null) {
            if (version == 3) {
                p.fallbackAt(r.head, ctx, in + "VRRP version 3 does not support authentication. Ignoring.");
            } else if (strictMode) {
                p.fallbackAt(r.head, ctx, in + "Strict mode does not support authentication. Ignoring.");
            } else if (r.authPass == null || r.authPass.isEmpty()) {
                p.fallbackAt(r.head, ctx, in + "Authentication specified but no password given. Ignoring");
            } else if (r.authType == null) {
                p.fallbackAt(r.head, ctx, in + "auth_pass without auth_type: no authentication (as keepalived)");
            } else {
                b.authPass(r.authPass);
            }
        }
        vips.forEach(b::virtualAddress);
        r.peers.stream().filter(a -> (a instanceof Inet6Address) == v6).forEach(b::unicastPeer);
        for (InetAddress peer : r.peers) {
            if ((peer instanceof Inet6Address) != v6) {
                p.fallbackAt(r.head, ctx, in + "unicast_peer " + InetAddresses.toText(peer) + " is of the other address"
                        + " family - ignoring");
            }
        }
        if (r.source != null) {
            b.sourceAddress(r.source);
        }
        for (VrrpInstanceConfig.TrackedInterface ti : r.trackInterfaces) {
            b.trackInterface(ti.interfaceName(), ti.weight());
        }
        if (r.dontTrackPrimary) {
            p.warnAt(r.head, ctx, in + "dont_track_primary is not supported by ipvs4j: the interface is tracked");
        }
        if (strictMode && !r.peers.isEmpty()) {
            p.fallbackAt(r.head, ctx, in + "vrrp_strict: keepalived refuses unicast_peer in strict mode; ipvs4j sends"
                    + " unicast adverts");
        }
        if (r.priorityToken != null && r.priority == 255 && r.state != VrrpState.MASTER) {
            p.warnAt(r.priorityToken, ctx, in + "priority 255 is the address owner: it becomes MASTER at once");
        }
        VrrpInstanceConfig config;
        try {
            config = b.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigParseException(r.head, e.getMessage());
        }
        return new Instance(config, excluded, r.trackScripts, r.notify.build(), r.line);
    }

    /**
     * keepalived accepts a virtual_server on any address; with VRRP configured, one whose address
     * no instance brings up (nor {@code static_ipaddress}) receives no traffic on this director:
     * usually a typo, as in the seed (VIP 192.168.150.100, virtual_server 192.168.159.100).
     */
    private void warnUnbackedVirtualServers(KeepalivedVrrp vrrp, List<VirtualServer> servers,
            List<VirtualServerGroup> serverGroups, List<StaticAddress> statics) {
        String vips = vrrp.instances().stream().flatMap(i -> i.allAddresses().stream()
                        .map(a -> InetAddresses.toText(a.address()) + " (" + i.config().name() + ")"))
                .collect(Collectors.joining(", "));
        for (VirtualServer vs : servers) {
            List<InetAddress> addresses = new ArrayList<>();
            if (vs.address() instanceof Inet inet) {
                addresses.add(inet.address());
            } else if (vs.address() instanceof KeepalivedConfig.Group g) {
                serverGroups.stream().filter(x -> x.name().equals(g.name())).flatMap(x -> x.members().stream())
                        .filter(m -> m instanceof Inet).map(m -> ((Inet) m).address()).forEach(addresses::add);
            }
            for (InetAddress a : addresses) {
                if (!vrrp.isVirtualAddress(a) && statics.stream().noneMatch(s -> s.address().equals(a))) {
                    p.warnAt(vs.line(), "virtual_server " + vs.address(), "virtual_server address "
                            + InetAddresses.toText(a) + " is neither a VRRP virtual address (" + vips
                            + ") nor a static_ipaddress: this director receives no traffic for it unless the address"
                            + " is brought up another way");
                }
            }
        }
    }

    // ---- values ----

    private List<String> words(Token kw) throws ConfigParseException {
        List<String> out = new ArrayList<>();
        while (p.valueOnLine(kw)) {
            Token t = p.nextToken();
            for (String w : t.text().trim().split("\\s+")) {
                if (!w.isEmpty()) {
                    out.add(w);
                }
            }
        }
        if (out.isEmpty()) {
            throw new ConfigParseException(kw, kw.text() + " needs a program");
        }
        return out;
    }

    private List<String> command(Token kw, String ctx, List<String> earlier) throws ConfigParseException {
        List<String> words = words(kw);
        if (earlier != null) {
            p.fallbackAt(kw, ctx, kw.text() + " script already specified - ignoring " + String.join(" ", words));
            return earlier;
        }
        return words;
    }

    private boolean trueFalse(Token kw, String ctx) throws ConfigParseException {
        if (!p.valueOnLine(kw)) {
            return true;
        }
        Token v = p.nextToken();
        return switch (v.text().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default -> {
                p.fallbackAt(v, ctx, "invalid " + kw.text() + " " + v.text() + " specified");
                yield false;
            }
        };
    }

    /** keepalived's garp delays: whole seconds, invalid values ignored (the earlier value stays). */
    private Duration wholeSeconds(Token kw, String ctx, Duration earlier) throws ConfigParseException {
        Token v = p.valueOf(kw);
        OptionalInt n = unsigned(v, 0, Integer.MAX_VALUE);
        if (n.isEmpty()) {
            p.fallbackAt(v, ctx, kw.text() + " '" + v.text() + "' invalid - ignoring");
            return earlier;
        }
        return Duration.ofSeconds(n.getAsInt());
    }

    /** keepalived's garp repeats: 0 is raised to 1 ("must be greater than 0, setting to 1"), at most 255 here. */
    private Integer repeat(Token kw, String ctx, Integer earlier) throws ConfigParseException {
        Token v = p.valueOf(kw);
        OptionalInt n = unsigned(v, 0, Integer.MAX_VALUE);
        if (n.isEmpty()) {
            p.fallbackAt(v, ctx, kw.text() + " '" + v.text() + "' invalid - ignoring");
            return earlier;
        }
        if (n.getAsInt() == 0) {
            p.fallbackAt(v, ctx, kw.text() + " must be greater than 0, setting to 1");
            return 1;
        }
        if (n.getAsInt() > 255) {
            p.fallbackAt(v, ctx, kw.text() + " " + n.getAsInt() + " is more than ipvs4j sends in one round: 255");
            return 255;
        }
        return n.getAsInt();
    }

    /** garp_interval / gna_interval: seconds with a fraction. */
    private Duration fraction(Token kw, String ctx, Duration earlier) throws ConfigParseException {
        Token v = p.valueOf(kw);
        Optional<BigDecimal> s = decimal(v.text(), 6);
        if (s.isEmpty()) {
            p.fallbackAt(v, ctx, kw.text() + " '" + v.text() + "' invalid - ignoring");
            return earlier;
        }
        return toDuration(s.get());
    }

    private Duration positiveWholeSeconds(Token kw, String ctx, String what, Duration earlier)
            throws ConfigParseException {
        Token v = p.valueOf(kw);
        OptionalInt n = unsigned(v, 0, Integer.MAX_VALUE / 1_000_000);
        if (n.isEmpty()) {
            p.fallbackAt(v, ctx, what + " '" + v.text() + "' invalid - ignoring");
            return earlier;
        }
        if (n.getAsInt() == 0) {
            p.fallbackAt(v, ctx, what + " must be greater than 0, setting to 1");
            return Duration.ofSeconds(1);
        }
        return Duration.ofSeconds(n.getAsInt());
    }

    private int count(Token kw, String ctx, String what) throws ConfigParseException {
        Token v = p.valueOf(kw);
        OptionalInt n = unsigned(v, 1, Integer.MAX_VALUE);
        if (n.isEmpty()) {
            p.fallbackAt(v, ctx, what + " '" + v.text() + "' invalid, defaulting to 1");
            return 1;
        }
        return n.getAsInt();
    }

    private static OptionalInt unsigned(Token t, long min, long max) {
        return unsigned(t.text(), min, max);
    }

    private static OptionalInt unsigned(String text, long min, long max) {
        if (!text.matches("\\d{1,10}")) {
            return OptionalInt.empty();
        }
        long v = Long.parseLong(text);
        return v < min || v > max ? OptionalInt.empty() : OptionalInt.of((int) v);
    }

    private static OptionalInt signed(Token t, int min, int max) {
        String text = t.text();
        if (!text.matches("[-+]?\\d{1,10}")) {
            return OptionalInt.empty();
        }
        long v = Long.parseLong(text);
        return v < min || v > max ? OptionalInt.empty() : OptionalInt.of((int) v);
    }

    private static Optional<BigDecimal> decimal(String text, int maxFraction) {
        if (!text.matches("\\d{1,9}(\\.\\d{1," + maxFraction + "})?")) {
            return Optional.empty();
        }
        return Optional.of(new BigDecimal(text));
    }

    private static Duration toDuration(BigDecimal seconds) {
        return Duration.ofNanos(seconds.movePointRight(9).longValueExact());
    }

    private static Optional<InetAddress> parseAddress(String text) {
        try {
            return Optional.of(InetAddresses.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** {@code scope} as ip(8) writes it: a name or a number (rt_scopes). */
    private static Optional<Scope> scope(String text) {
        for (Scope s : Scope.values()) {
            if (s.ipName().equals(text) || text.equals(String.valueOf(s.value()))) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
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

    // ---- raw blocks, before the global defaults are applied ----

    private static final class RawInstance {
        final String name;
        final int line;
        final Token head;
        VrrpState state;
        String interfaceName;
        Integer vrid;
        Integer priority;
        Token priorityToken;
        BigDecimal advertInt;
        Token advertToken;
        boolean preempt = true;
        Duration preemptDelay;
        String authType;
        String authPass;
        final List<RawAddress> vips = new ArrayList<>();
        final List<RawAddress> excluded = new ArrayList<>();
        InetAddress source;
        final List<InetAddress> peers = new ArrayList<>();
        final List<VrrpInstanceConfig.TrackedInterface> trackInterfaces = new ArrayList<>();
        final List<TrackScript> trackScripts = new ArrayList<>();
        final List<Token> trackScriptTokens = new ArrayList<>();
        Duration garpDelay;
        Integer garpRepeat;
        Duration garpRefresh;
        Integer garpRefreshRepeat;
        Duration garpInterval;
        Integer version;
        boolean nativeIpv6;
        boolean v3ChecksumAsV2;
        Integer downTimerAdverts;
        Token downTimerToken;
        boolean dontTrackPrimary;
        final RawNotify notify = new RawNotify();

        RawInstance(String name, int line, Token head) {
            this.name = name;
            this.line = line;
            this.head = head;
        }
    }

    private final class RawAddress {
        final InetAddress address;
        final int prefixLength;
        final Token at;
        String dev;
        String label;
        Scope scope;
        /** preferred_lft: FALSE for 0, TRUE for forever (or a finite value), null when not given. */
        Boolean preferred;

        RawAddress(InetAddress address, int prefixLength, Token at) {
            this.address = address;
            this.prefixLength = prefixLength;
            this.at = at;
        }

        InterfaceAddress toInterfaceAddress(String defaultDev, String ctx, String in) throws ConfigParseException {
            try {
                InterfaceAddress a = InterfaceAddress.of(dev != null ? dev : defaultDev, address, prefixLength);
                if (label != null) {
                    if (address instanceof Inet6Address) {
                        p.warnAt(at, ctx, in + "label " + label + " of IPv6 address " + at.text()
                                + ": the kernel keeps no IPv6 labels - ignored");
                    } else {
                        a = a.withLabel(label);
                    }
                }
                if (scope != null) {
                    a = a.withScope(scope);
                }
                // keepalived's default without preferred_lft: an IPv6 /128 is deprecated (preferred
                // lifetime 0), so that it never becomes the source of the director's own traffic
                boolean deprecated = address instanceof Inet6Address
                        && (preferred != null ? !preferred : prefixLength == 128);
                return a.withDeprecated(deprecated);
            } catch (IllegalArgumentException e) {
                throw new ConfigParseException(at, in + "virtual address " + at.text() + ": " + e.getMessage());
            }
        }
    }

    private static final class RawGroup {
        final String name;
        final Token head;
        final List<Token> members = new ArrayList<>();
        final RawNotify notify = new RawNotify();

        RawGroup(String name, Token head) {
            this.name = name;
            this.head = head;
        }
    }

    private static final class RawNotify {
        List<String> all;
        List<String> master;
        List<String> backup;
        List<String> fault;
        List<String> stop;

        Notify build() {
            return new Notify(Optional.ofNullable(all), Optional.ofNullable(master), Optional.ofNullable(backup),
                    Optional.ofNullable(fault), Optional.ofNullable(stop));
        }
    }

    private static final class RawSyncDaemon {
        final String interfaceName;
        String instance;
        final int line;
        Integer syncId;
        OptionalInt maxLength = OptionalInt.empty();
        OptionalInt port = OptionalInt.empty();
        OptionalInt ttl = OptionalInt.empty();
        InetAddress group;

        RawSyncDaemon(String interfaceName, String instance, int line) {
            this.interfaceName = interfaceName;
            this.instance = instance;
            this.line = line;
        }
    }
}
