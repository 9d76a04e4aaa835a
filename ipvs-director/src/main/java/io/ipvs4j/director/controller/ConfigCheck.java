package io.ipvs4j.director.controller;

import io.ipvs4j.director.check.CheckSpec;
import io.ipvs4j.director.keepalived.ConfigParseException;
import io.ipvs4j.director.keepalived.ConfigWarning;
import io.ipvs4j.director.keepalived.DesiredState;
import io.ipvs4j.director.keepalived.KeepalivedConfig;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.Protocol;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ipvs4j-director -t -f FILE}: reads a keepalived.conf without touching IPVS, like
 * {@code keepalived -t}, and prints what the director would program (as {@code ipvsadm -S}
 * lines, each real server followed by its health checks) and every warning, each naming its
 * file and line.
 *
 * <pre>{@code
 * int status = ConfigCheck.run(Path.of("/etc/keepalived/keepalived.conf"),
 *         KeepalivedParser.Mode.LENIENT, System.out, System.err);   // 0, 1, 3 or 4
 * }</pre>
 *
 * <p>Exit statuses: {@link #OK} the file is accepted as it is; {@link #WARNINGS} it is accepted,
 * but parts of it are ignored or replaced by keepalived's fallback (the warnings say which and
 * what follows, as keepalived's {@code -t} reports them and exits 5); {@link #REJECTED} the
 * director would refuse to start with it; {@link #UNREADABLE} the file cannot be read.
 */
public final class ConfigCheck {
    /** The file is accepted as it is. */
    public static final int OK = 0;
    /** The director would not start with this file (a parse or model error). */
    public static final int REJECTED = 1;
    /** The file is accepted, with warnings: parts are ignored or replaced by a fallback. */
    public static final int WARNINGS = 3;
    /** The file cannot be read. */
    public static final int UNREADABLE = 4;

    private ConfigCheck() {
    }

    /**
     * Checks {@code file}; the plan goes to {@code out}, warnings and errors to {@code err}.
     *
     * @param file keepalived.conf
     * @param mode whether unsupported parts are warnings or errors
     * @param out receives the plan
     * @param err receives the warnings and the error, if any
     * @return the exit status: {@link #OK}, {@link #WARNINGS}, {@link #REJECTED} or {@link #UNREADABLE}
     */
    public static int run(Path file, KeepalivedParser.Mode mode, PrintStream out, PrintStream err) {
        if (!Files.isReadable(file)) {
            err.println(file + ": cannot read the file");
            return UNREADABLE;
        }
        KeepalivedConfig config;
        DesiredState desired;
        try {
            config = KeepalivedParser.parse(file, mode);
            desired = KeepalivedConverter.toDesiredState(config);
        } catch (ConfigParseException e) {
            err.println(file + ": error: " + e.getMessage());
            err.println(file + ": configuration rejected: the director would not start with it");
            return REJECTED;
        } catch (IOException e) {
            err.println(file + ": cannot read: " + e.getMessage());
            return UNREADABLE;
        }
        for (ConfigWarning w : config.warnings()) {
            err.println(file + ": warning: " + w);
        }
        config.netNamespace().ifPresent(ns -> out.println("# net_namespace " + ns
                + ": programmed in the network namespace /run/netns/" + ns));
        for (String line : plan(desired)) {
            out.println(line);
        }
        for (String line : vrrpPlan(config.vrrp())) {
            out.println(line);
        }
        err.println(file + ": " + desired.services().size() + " virtual services, "
                + desired.staticAddresses().size() + " VIPs, "
                + (config.vrrp().instances().isEmpty() ? "" : config.vrrp().instances().size() + " VRRP instances, ")
                + config.warnings().size() + " warnings");
        return config.warnings().isEmpty() ? OK : WARNINGS;
    }

    /**
     * What would be programmed: {@code ip addr add} lines for the VIPs, then per service an
     * {@code ipvsadm -S}-style {@code -A} line and an {@code -a} line per real server (with
     * every real server, as when all checks pass), each check on a {@code #} line under it.
     *
     * @param desired the converted configuration
     * @return the lines, in configuration order
     */
    public static List<String> plan(DesiredState desired) {
        List<String> lines = new ArrayList<>();
        for (KeepalivedConfig.StaticAddress a : desired.staticAddresses()) {
            lines.add("ip addr add " + a);
        }
        for (DesiredState.Service s : desired.services()) {
            VirtualService vs = s.service();
            String key = serviceOption(vs.key());
            StringBuilder add = new StringBuilder("-A ").append(key).append(" -s ").append(vs.scheduler().name());
            vs.persistence().ifPresent(p -> {
                add.append(" -p ").append(p.timeoutSeconds());
                if (vs.key().family() == AddressFamily.INET && p.netmaskBits() != 32) {
                    add.append(" -M ").append(netmask(p.netmaskBits()));
                } else if (p.netmaskBits() != 32 && p.netmaskBits() != 128) {
                    add.append(" -M ").append(p.netmaskBits());
                }
            });
            List<String> schedFlags = new ArrayList<>();
            for (ServiceFlag f : vs.flags()) {
                switch (f) {
                    case ONE_PACKET -> add.append(" -o");
                    case PERSISTENT, HASHED -> {
                    }
                    default -> schedFlags.add(f.name().toLowerCase(Locale.ROOT).replace('_', '-'));
                }
            }
            if (!schedFlags.isEmpty()) {
                add.append(" -b ").append(String.join(",", schedFlags));
            }
            lines.add(add + "    # line " + s.line() + ", quorum " + s.quorum() + ", hysteresis " + s.hysteresis()
                    + (s.omega() ? ", omega" : ""));
            for (DesiredState.Backend b : s.realServers()) {
                lines.add(realServerLine(key, b.server()) + "    # line " + b.line() + ", initially "
                        + b.initialState() + (b.inhibitOnFailure() ? ", inhibit_on_failure" : "")
                        + (b.checks().isEmpty() ? ", no health check: always in the pool" : ""));
                for (CheckSpec c : b.checks()) {
                    lines.add("#   check " + c);
                }
            }
            s.sorryServer().ifPresent(b -> lines.add("#   sorry_server (when the quorum is lost): "
                    + realServerLine(key, b.server())));
        }
        return lines;
    }

    /**
     * The VRRP instances the director would run, one {@code # vrrp_instance} line each with
     * every setting in effect (keepalived's defaults and fallbacks applied), then its addresses,
     * trackers and scripts, the sync groups and the sync daemon.
     *
     * @param vrrp the VRRP part of the configuration
     * @return the lines; none without VRRP instances
     */
    public static List<String> vrrpPlan(io.ipvs4j.director.keepalived.KeepalivedVrrp vrrp) {
        List<String> lines = new ArrayList<>();
        for (io.ipvs4j.director.keepalived.KeepalivedVrrp.Instance i : vrrp.instances()) {
            io.ipvs4j.vrrp.VrrpInstanceConfig c = i.config();
            lines.add("# vrrp_instance " + c.name() + ": " + c.initialState() + " on " + c.interfaceName() + " vrid "
                    + c.virtualRouterId() + " " + c.version() + " priority " + c.priority() + " advert_int "
                    + c.advertInterval().toMillis() / 1000.0 + " s" + (c.preempt() ? "" : " nopreempt")
                    + (c.preemptDelay().isZero() ? "" : " preempt_delay " + c.preemptDelay().toMillis() / 1000.0 + " s")
                    + (c.authPass().isPresent() ? " auth PASS" : "")
                    + (c.unicastPeers().isEmpty() ? " multicast " + InetAddresses.toText(c.multicastGroup())
                            : " unicast to " + c.unicastPeers().stream().map(InetAddresses::toText).toList())
                    + c.sourceAddress().map(a -> " from " + InetAddresses.toText(a)).orElse("")
                    + " garp delay " + c.garpMasterDelay().toSeconds() + " s x" + c.garpMasterRepeat()
                    + "    # line " + i.line());
            for (io.ipvs4j.host.InterfaceAddress a : c.virtualAddresses()) {
                lines.add("#   on MASTER: ip addr add " + a);
            }
            for (io.ipvs4j.host.InterfaceAddress a : i.excludedAddresses()) {
                lines.add("#   on MASTER: ip addr add " + a + "    (virtual_ipaddress_excluded)");
            }
            for (io.ipvs4j.vrrp.VrrpInstanceConfig.TrackedInterface t : c.trackInterfaces()) {
                lines.add("#   track_interface " + t.interfaceName() + " weight " + t.weight());
            }
            for (io.ipvs4j.director.keepalived.KeepalivedVrrp.TrackScript t : i.trackScripts()) {
                io.ipvs4j.director.keepalived.KeepalivedVrrp.Script s = vrrp.script(t.script()).orElseThrow();
                lines.add("#   track_script " + s.name() + " weight " + t.weight().orElse(s.weight()) + ": "
                        + String.join(" ", s.command()) + " every " + s.interval().toSeconds() + " s, timeout "
                        + s.timeout().toSeconds() + " s, rise " + s.rise() + ", fall " + s.fall());
            }
            i.notifyScripts().all().ifPresent(n -> lines.add("#   notify " + String.join(" ", n)
                    + " INSTANCE " + c.name() + " STATE PRIORITY"));
            i.notifyScripts().master().ifPresent(n -> lines.add("#   notify_master " + String.join(" ", n)));
            i.notifyScripts().backup().ifPresent(n -> lines.add("#   notify_backup " + String.join(" ", n)));
            i.notifyScripts().fault().ifPresent(n -> lines.add("#   notify_fault " + String.join(" ", n)));
            i.notifyScripts().stop().ifPresent(n -> lines.add("#   notify_stop " + String.join(" ", n)));
        }
        for (io.ipvs4j.director.keepalived.KeepalivedVrrp.SyncGroup g : vrrp.syncGroups()) {
            lines.add("# vrrp_sync_group " + g.name() + ": " + String.join(" ", g.members()) + "    # line " + g.line());
        }
        vrrp.syncDaemon().ifPresent(d -> lines.add("# lvs_sync_daemon " + d + ": ipvsadm --start-daemon backup,"
                + " master while " + d.instance() + " is MASTER"));
        return lines;
    }

    private static String realServerLine(String key, RealServer rs) {
        StringBuilder sb = new StringBuilder("-a ").append(key).append(" -r ").append(rs.endpoint())
                .append(' ').append(forwarding(rs.forwarding())).append(" -w ").append(rs.weight());
        if (rs.thresholds().upper() != 0) {
            sb.append(" -x ").append(rs.thresholds().upper());
        }
        if (rs.thresholds().lower() != 0) {
            sb.append(" -y ").append(rs.thresholds().lower());
        }
        return sb.toString();
    }

    private static String serviceOption(ServiceKey key) {
        if (key instanceof ServiceKey.Inet inet) {
            String option = inet.protocol() == Protocol.TCP ? "-t" : inet.protocol() == Protocol.UDP ? "-u" : "--sctp-service";
            return option + " " + InetAddresses.toText(inet.address(), inet.port());
        }
        ServiceKey.FwMark fw = (ServiceKey.FwMark) key;
        return "-f " + fw.markUnsigned() + (fw.family() == AddressFamily.INET6 ? " -6" : "");
    }

    private static String forwarding(ForwardingMethod m) {
        return switch (m) {
            case MASQUERADE -> "-m";
            case TUNNEL -> "-i";
            case DIRECT_ROUTE -> "-g";
            default -> "--forwarding " + m;
        };
    }

    private static String netmask(int bits) {
        long mask = bits == 0 ? 0 : (0xFFFF_FFFFL << (32 - bits)) & 0xFFFF_FFFFL;
        return (mask >> 24 & 0xff) + "." + (mask >> 16 & 0xff) + "." + (mask >> 8 & 0xff) + "." + (mask & 0xff);
    }
}
