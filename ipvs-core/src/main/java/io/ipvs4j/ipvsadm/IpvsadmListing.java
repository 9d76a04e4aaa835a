package io.ipvs4j.ipvsadm;

import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.IpvsInfo;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Stats;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.model.SyncState;
import io.ipvs4j.model.Timeouts;
import io.ipvs4j.model.Tunnel;
import io.ipvs4j.model.VirtualService;
import java.util.List;
import java.util.Set;

/**
 * The listings of {@code ipvsadm -L -n} (ipvsadm 1.31), column for column: the plain table,
 * {@code --stats}, {@code --rate}, {@code --thresholds}, {@code --persistent-conn},
 * {@code --tun-info} (with {@code --exact}), {@code --timeout} and {@code --daemon}.
 * Addresses and ports are always numeric ({@code -n}).
 *
 * <pre>{@code
 * String text = IpvsadmListing.table(ipvs.info(), ipvs.snapshot(), Set.of(ListOption.STATS));
 * }</pre>
 */
public final class IpvsadmListing {
    private IpvsadmListing() {}

    /**
     * {@code ipvsadm -Ln [options]}: the version line, the title and every service in
     * ipvsadm's order (unless {@code NOSORT}).
     *
     * @param info the version and connection table size
     * @param options the listing options
     * @param table the services with their real servers
     * @return the listing, as ipvsadm prints it
     */
    public static String table(IpvsInfo info, List<ServiceSnapshot> table, Set<IpvsadmCommand.ListOption> options) {
        StringBuilder sb = new StringBuilder();
        int v = info.versionCode();
        sb.append("IP Virtual Server version ").append((v >> 16) & 0xff).append('.').append((v >> 8) & 0xff)
                .append('.').append(v & 0xff).append(" (size=").append(info.connectionTableSize()).append(")\n");
        title(sb, options);
        boolean sort = !options.contains(IpvsadmCommand.ListOption.NOSORT);
        for (ServiceSnapshot s : sort ? IpvsadmRules.sortedAsIpvsadm(table) : table) {
            service(sb, s, options);
        }
        return sb.toString();
    }

    /**
     * {@code ipvsadm -Ln -t address:port [options]}: the title and the one service.
     *
     * @param options the listing options
     * @param service the service
     * @return the listing
     */
    public static String service(ServiceSnapshot service, Set<IpvsadmCommand.ListOption> options) {
        StringBuilder sb = new StringBuilder();
        title(sb, options);
        service(sb, service, options);
        return sb.toString();
    }

    /**
     * {@code ipvsadm -L --timeout}: {@code Timeout (tcp tcpfin udp): 900 120 300}.
     *
     * @param t the timeouts
     * @return the line
     */
    public static String timeouts(Timeouts t) {
        return "Timeout (tcp tcpfin udp): " + t.tcp().getSeconds() + " " + t.tcpFin().getSeconds() + " "
                + t.udp().getSeconds() + "\n";
    }

    /**
     * {@code ipvsadm -L --daemon}: one line per running sync daemon, master first.
     *
     * @param daemons the running sync daemons
     * @return the lines
     */
    public static String daemons(List<SyncDaemon> daemons) {
        StringBuilder sb = new StringBuilder();
        for (SyncState state : List.of(SyncState.MASTER, SyncState.BACKUP)) {
            for (SyncDaemon d : daemons) {
                if (d.state() != state) {
                    continue;
                }
                sb.append(state == SyncState.MASTER ? "master" : "backup").append(" sync daemon (mcast=")
                        .append(d.interfaceName()).append(", syncid=").append(d.syncId());
                d.maxLength().ifPresent(m -> { if (m != 0) { sb.append(", maxlen=").append(m); } });
                d.multicastGroup().ifPresent(g -> sb.append(", group=").append(io.ipvs4j.model.InetAddresses.toText(g)));
                d.multicastPort().ifPresent(p -> { if (p != 0) { sb.append(", port=").append(p); } });
                d.multicastTtl().ifPresent(t -> { if (t != 0) { sb.append(", ttl=").append(t); } });
                sb.append(")\n");
            }
        }
        return sb.toString();
    }

    private static void title(StringBuilder sb, Set<IpvsadmCommand.ListOption> o) {
        if (o.contains(IpvsadmCommand.ListOption.STATS)) {
            sb.append(String.format("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port",
                    "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"));
        } else if (o.contains(IpvsadmCommand.ListOption.RATE)) {
            sb.append(String.format("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port",
                    "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"));
        } else if (o.contains(IpvsadmCommand.ListOption.THRESHOLDS)) {
            sb.append(String.format("%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port",
                    "Uthreshold", "Lthreshold", "ActiveConn", "InActConn"));
        } else if (o.contains(IpvsadmCommand.ListOption.PERSISTENT_CONN)) {
            sb.append(String.format("%-33s %-9s %-11s %-10s %-10s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port",
                    "Weight", "PersistConn", "ActiveConn", "InActConn"));
        } else if (o.contains(IpvsadmCommand.ListOption.TUN_INFO)) {
            sb.append("Prot LocalAddress:Port Scheduler Flags\n"
                    + "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n");
        } else {
            sb.append("Prot LocalAddress:Port Scheduler Flags\n"
                    + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
        }
    }

    private static void service(StringBuilder sb, ServiceSnapshot s, Set<IpvsadmCommand.ListOption> o) {
        VirtualService v = s.service().service();
        ServiceKey key = v.key();
        boolean exact = o.contains(IpvsadmCommand.ListOption.EXACT);
        String name;
        if (key instanceof ServiceKey.FwMark f) {
            name = "FWM  " + f.mark() + (f.family() == AddressFamily.INET6 ? " IPv6" : "");
        } else {
            ServiceKey.Inet inet = (ServiceKey.Inet) key;
            name = String.format("%-4s %s", inet.protocol().name(),
                    io.ipvs4j.model.InetAddresses.toText(inet.address(), inet.port()));
            if (key.family() != AddressFamily.INET6 && name.length() > 33) {
                name = name.substring(0, 33);
            }
        }
        Stats st = s.service().stats();
        if (o.contains(IpvsadmCommand.ListOption.STATS)) {
            sb.append(String.format("%-33s", name));
            largenums(sb, exact, st.connections(), st.packetsIn(), st.packetsOut(), st.bytesIn(), st.bytesOut());
        } else if (o.contains(IpvsadmCommand.ListOption.RATE)) {
            sb.append(String.format("%-33s", name));
            largenums(sb, exact, st.connectionsPerSecond(), st.packetsInPerSecond(), st.packetsOutPerSecond(),
                    st.bytesInPerSecond(), st.bytesOutPerSecond());
        } else {
            sb.append(name).append(' ').append(v.scheduler().name());
            int bits = v.flagBits();
            if ((bits & ServiceFlag.SCHED_BITS) != 0) {
                sb.append(" (").append(IpvsadmNames.schedulerFlags(bits, v.scheduler(), false)).append(')');
            }
            Persistence p = v.persistence().orElse(null);
            if (p != null) {
                sb.append(" persistent ").append(p.timeoutSeconds());
                if (p.netmaskBits() != key.family().addressBits()) {
                    sb.append(" mask ").append(key.family() == AddressFamily.INET
                            ? IpvsadmRules.dotted(Persistence.ipv4Mask(p.netmaskBits())) : Integer.toString(p.netmaskBits()));
                }
                v.persistenceEngine().ifPresent(pe -> sb.append(" pe ").append(pe));
            }
            if (v.flags().contains(ServiceFlag.ONE_PACKET)) {
                sb.append(" ops");
            }
        }
        sb.append('\n');
        boolean sort = !o.contains(IpvsadmCommand.ListOption.NOSORT);
        for (RealServerStatus rs : sort ? IpvsadmRules.sortedRealServers(s.realServers()) : s.realServers()) {
            RealServer r = rs.realServer();
            String d = IpvsadmRules.endpoint(r.endpoint());
            if (r.endpoint().family() != AddressFamily.INET6 && d.length() > 28) {
                d = d.substring(0, 28);
            }
            Stats ds = rs.stats();
            if (o.contains(IpvsadmCommand.ListOption.STATS)) {
                sb.append(String.format("  -> %-28s", d));
                largenums(sb, exact, ds.connections(), ds.packetsIn(), ds.packetsOut(), ds.bytesIn(), ds.bytesOut());
                sb.append('\n');
            } else if (o.contains(IpvsadmCommand.ListOption.RATE)) {
                sb.append(String.format("  -> %-28s %8d %8d %8d", d, ds.connectionsPerSecond(), ds.packetsInPerSecond(),
                        ds.packetsOutPerSecond()));
                largenums(sb, exact, ds.bytesInPerSecond(), ds.bytesOutPerSecond());
                sb.append('\n');
            } else if (o.contains(IpvsadmCommand.ListOption.THRESHOLDS)) {
                sb.append(String.format("  -> %-28s %-10d %-10d %-10d %-10d\n", d, r.thresholds().upper(),
                        r.thresholds().lower(), rs.activeConnections(), rs.inactiveConnections()));
            } else if (o.contains(IpvsadmCommand.ListOption.PERSISTENT_CONN)) {
                sb.append(String.format("  -> %-28s %-9d %-11d %-10d %-10d\n", d, r.weight(), rs.persistentConnections(),
                        rs.activeConnections(), rs.inactiveConnections()));
            } else if (o.contains(IpvsadmCommand.ListOption.TUN_INFO)) {
                String info = r.forwarding() == ForwardingMethod.TUNNEL
                        ? IpvsadmRules.tunnelInfo(r.tunnel().orElse(Tunnel.ipip())) : "n/a";
                sb.append(String.format("  -> %-28s %-7s %-13s %-6d %-10d %-10d\n", d,
                        IpvsadmNames.forwardingName(r.forwarding()), info, r.weight(), rs.activeConnections(),
                        rs.inactiveConnections()));
            } else {
                sb.append(String.format("  -> %-28s %-7s %-6d %-10d %-10d\n", d, IpvsadmNames.forwardingName(r.forwarding()),
                        r.weight(), rs.activeConnections(), rs.inactiveConnections()));
            }
        }
    }

    /** ipvsadm's {@code print_largenum} for each value. */
    private static void largenums(StringBuilder sb, boolean exact, long... values) {
        for (long i : values) {
            sb.append(largenum(i, exact));
        }
    }

    static String largenum(long i, boolean exact) {
        String u = Long.toUnsignedString(i);
        if (exact) {
            int width = u.length() <= 8 ? 9 : u.length() + 1;
            return " ".repeat(width - u.length()) + u;
        }
        if (Long.compareUnsigned(i, 100_000_000L) < 0) {
            return pad(u, 9);
        } else if (Long.compareUnsigned(i, 1_000_000_000L) < 0) {
            return pad(Long.toUnsignedString(Long.divideUnsigned(i, 1000)), 8) + "K";
        } else if (Long.compareUnsigned(i, 100_000_000_000L) < 0) {
            return pad(Long.toUnsignedString(Long.divideUnsigned(i, 1_000_000)), 8) + "M";
        } else if (Long.compareUnsigned(i, 100_000_000_000_000L) < 0) {
            return pad(Long.toUnsignedString(Long.divideUnsigned(i, 1_000_000_000L)), 8) + "G";
        }
        return pad(Long.toUnsignedString(Long.divideUnsigned(i, 1_000_000_000_000L)), 8) + "T";
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }
}
