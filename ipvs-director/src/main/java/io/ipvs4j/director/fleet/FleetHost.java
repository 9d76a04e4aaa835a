package io.ipvs4j.director.fleet;

import io.ipvs4j.IpvsException;
import io.ipvs4j.host.DirectRouting;
import io.ipvs4j.host.HostChange;
import io.ipvs4j.host.HostSysctls;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.host.InterfaceNames;
import io.ipvs4j.host.IpvsSysctl;
import io.ipvs4j.model.ServiceKey;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a fleet director's own host needs, set by the director itself rather than by an
 * operator's script:
 * <ul>
 *   <li>{@code net.ipv4.vs.sloppy_tcp=1} and {@code sloppy_sctp=1}: when the upstream router
 *       moves a flow here from another director (one died, or ECMP rehashed), its packets
 *       arrive without the SYN (INIT) this director never saw; without sloppy mode IPVS drops
 *       them and the connection breaks although the {@code mh} table sends it to the same real
 *       server;</li>
 *   <li>every service's VIP as a local {@code /32} or {@code /128} on a dummy interface
 *       ({@code ipvs4j-vip} by default), so that IPVS accepts its packets, with the ARP policy of
 *       {@link DirectRouting#prepareVipOnDummy} ({@code arp_ignore=1}, {@code arp_announce=2}):
 *       the router reaches the VIP by the BGP route to this director, and the director must
 *       not answer ARP for it on the shared LAN, where real servers hold it too;</li>
 *   <li>a VIP whose service is gone from the desired state is taken off the dummy interface
 *       (only there: addresses elsewhere are not the fleet's).</li>
 * </ul>
 *
 * <pre>{@code
 * FleetHost host = new FleetHost(HostNetwork.addresses(), HostNetwork.sysctls(), FleetHost.DEFAULT_VIP_INTERFACE);
 * host.prepare();                    // sloppy_tcp, sloppy_sctp, the dummy interface
 * host.holdVips(sync.applied());     // after each apply, before BIRD announces anything
 * }</pre>
 *
 * <p>Not thread-safe: driven from the director's one worker thread.
 */
public final class FleetHost {
    /** The dummy interface that holds the VIPs unless another is named. */
    public static final String DEFAULT_VIP_INTERFACE = "ipvs4j-vip";

    private final InterfaceAddresses addresses;
    private final HostSysctls sysctls;
    private final String vipInterface;
    private final DirectRouting routing;
    /** The addresses on the VIP interface, by address; null until the first {@link #holdVips}. */
    private Map<InetAddress, InterfaceAddress> held;

    /**
     * Creates the helper; nothing is changed before {@link #prepare()}.
     *
     * @param addresses the director namespace's interface addresses
     * @param sysctls the same namespace's sysctls
     * @param vipInterface the dummy interface for the VIPs, e.g. {@link #DEFAULT_VIP_INTERFACE}
     */
    public FleetHost(InterfaceAddresses addresses, HostSysctls sysctls, String vipInterface) {
        this.addresses = Objects.requireNonNull(addresses, "addresses");
        this.sysctls = Objects.requireNonNull(sysctls, "sysctls");
        InterfaceNames.checkInterface(vipInterface);
        this.vipInterface = vipInterface;
        this.routing = new DirectRouting(addresses, sysctls);
    }

    /** {@return the dummy interface that holds the VIPs} */
    public String vipInterface() {
        return vipInterface;
    }

    /**
     * Sets the sloppy sysctls and creates the VIP interface (up), where they are not so yet.
     *
     * @return what was changed, as text (empty if the host was ready), for the log
     * @throws IpvsException if a sysctl cannot be written (no {@code ip_vs} in the namespace:
     *     not found) or the interface cannot be created
     */
    public List<String> prepare() throws IpvsException {
        List<String> changed = new ArrayList<>();
        for (IpvsSysctl<Boolean> sloppy : List.of(IpvsSysctl.SLOPPY_TCP, IpvsSysctl.SLOPPY_SCTP)) {
            if (!sysctls.get(sloppy)) {
                sysctls.set(sloppy, true);
                changed.add(sloppy + "=1");
            }
        }
        if (addresses.ensureDummy(vipInterface)) {
            changed.add("interface " + vipInterface + " (dummy) up");
        }
        return changed;
    }

    /**
     * Makes the VIP interface hold exactly the VIPs of {@code state}'s services (and the ARP
     * policy for the IPv4 ones).
     *
     * @param state the desired state the kernel holds
     * @return the addresses added and removed
     * @throws IpvsException if an address cannot be added or removed
     */
    public List<HostChange> holdVips(FleetState state) throws IpvsException {
        Set<InetAddress> vips = new LinkedHashSet<>();
        for (FleetState.FleetService s : state.services().values()) {
            if (s.service().key() instanceof ServiceKey.Inet inet) {
                vips.add(inet.address());
            }
        }
        if (held == null) {
            // first call: what the interface holds (e.g. from a director that ran before), read once;
            // afterwards only the differences cost netlink requests, whatever the number of services
            held = new HashMap<>();
            for (InterfaceAddress a : addresses.addresses(vipInterface)) {
                if (a.isIpv4() || !a.address().isLinkLocalAddress()) {   // fe80::/64 is the kernel's own
                    held.put(a.address(), a);
                }
            }
        }
        List<HostChange> changes = new ArrayList<>();
        for (InetAddress vip : vips) {
            if (!held.containsKey(vip)) {
                changes.addAll(routing.prepareVipOnDummy(vipInterface, vip));
                held.put(vip, InterfaceAddress.host(vipInterface, vip));
            }
        }
        for (var it = held.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!vips.contains(e.getKey())) {
                changes.addAll(routing.bringDownVip(e.getValue()));
                it.remove();
            }
        }
        return changes;
    }
}
