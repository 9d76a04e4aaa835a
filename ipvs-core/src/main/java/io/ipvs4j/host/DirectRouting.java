package io.ipvs4j.host;

import io.ipvs4j.IpvsException;
import io.ipvs4j.NotFoundException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Ready-made host recipes for LVS direct routing (DR): the director holds the VIP as an
 * interface alias, each real server holds it on {@code lo} and must never answer ARP for it.
 * Every recipe returns the {@link HostChange}s it made, in order, and {@link #undo} reverts exactly
 * those; a recipe that fails half-way reverts what it had done before rethrowing.
 *
 * <pre>{@code
 * // on a real server (or in its namespace)
 * try (InterfaceAddresses addrs = HostNetwork.addresses()) {
 *     DirectRouting dr = new DirectRouting(addrs, HostNetwork.sysctls());
 *     List<HostChange> done = dr.prepareRealServer(InetAddresses.parse("192.0.2.100"));
 *     ...
 *     dr.undo(done);
 * }
 * // on the director
 * List<HostChange> vip = new DirectRouting(addrs).bringUpVip("eth0", "192.0.2.100/24", "eth0:1");
 * }</pre>
 *
 * <p>Not thread-safe with respect to other writers of the same settings: a value someone else
 * changed after the recipe is left alone by {@link #undo}.
 */
public final class DirectRouting {
    /** The loopback interface a real server holds the VIP on. */
    public static final String LOOPBACK = "lo";

    private final InterfaceAddresses addresses;
    private final HostSysctls sysctls;

    /**
     * Recipes using {@code addresses} and {@code sysctls}, which must be of the same network namespace.
     *
     * @param addresses the rtnetlink address client (e.g. {@code HostNetwork.addresses()})
     * @param sysctls the sysctls (e.g. {@code HostNetwork.sysctls()})
     */
    public DirectRouting(InterfaceAddresses addresses, HostSysctls sysctls) {
        this.addresses = Objects.requireNonNull(addresses, "addresses");
        this.sysctls = Objects.requireNonNull(sysctls, "sysctls");
    }

    /**
     * Director-only recipes ({@link #bringUpVip}, {@link #bringDownVip}); the real-server recipe then throws.
     *
     * @param addresses the rtnetlink address client (e.g. {@code HostNetwork.addresses()})
     */
    public DirectRouting(InterfaceAddresses addresses) {
        this.addresses = Objects.requireNonNull(addresses, "addresses");
        this.sysctls = null;
    }

    /**
     * {@link #prepareRealServer(InetAddress, Optional)} without a label.
     *
     * @param vip the virtual IP address
     * @return what was changed; empty if the host was already prepared
     * @throws IpvsException if reading or changing the host fails; what the recipe had changed before is reverted first
     */
    public List<HostChange> prepareRealServer(InetAddress vip) throws IpvsException {
        return prepareRealServer(vip, Optional.empty());
    }

    /**
     * Prepares a DR real server for {@code vip}. For IPv4, first the ARP policy on {@code lo}
     * and {@code all}, so there is no moment in which the host answers ARP for the VIP:
     * {@code arp_ignore=1} unless the value already hides other interfaces' addresses (1, 2 or
     * 8) and {@code arp_announce=2} unless already 2; then the VIP as a host address on
     * {@code lo}. For IPv6 only the address (Linux answers neighbour solicitations only for
     * addresses of the receiving interface, so a VIP on {@code lo} stays silent). Equivalent to
     *
     * <pre>
     * sysctl -w net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2
     * sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
     * ip addr add 192.0.2.100/32 dev lo label lo:vip     # ifconfig lo:vip 192.0.2.100 netmask 255.255.255.255
     * </pre>
     *
     * @param vip the virtual IP address
     * @param label an IPv4 label for the address on {@code lo}, e.g. {@code lo:0}
     * @return what was changed; empty if the host was already prepared
     * @throws IpvsException if reading or changing the host fails; what the recipe had changed before is reverted first
     */
    public List<HostChange> prepareRealServer(InetAddress vip, Optional<String> label) throws IpvsException {
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(label, "label");
        InterfaceAddress address = InterfaceAddress.host(LOOPBACK, vip);
        if (label.isPresent()) {
            address = address.withLabel(label.get());
        }
        return holdWithoutArp(address);
    }

    /**
     * Holds {@code vip} as a local address on a {@code dummy} interface that answers no ARP for
     * it: what an ECMP director (the router sends it the VIP's traffic by a BGP route, never by
     * ARP) or a DR real server that keeps {@code lo} clean needs. The dummy interface is created
     * and brought up if it is not there ({@link InterfaceAddresses#ensureDummy}); then the same
     * ARP policy as {@link #prepareRealServer(InetAddress, Optional)}, on the dummy interface
     * and {@code all}; then the VIP as a host address ({@code /32}, {@code /128}). Equivalent to
     *
     * <pre>
     * ip link add ipvs4j-vip up type dummy
     * sysctl -w net.ipv4.conf.ipvs4j-vip.arp_ignore=1 net.ipv4.conf.ipvs4j-vip.arp_announce=2
     * sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
     * ip addr add 203.0.113.10/32 dev ipvs4j-vip
     * </pre>
     *
     * {@link #undo} reverts the sysctls and the address; the interface stays (it was not
     * recorded: other addresses may live on it).
     *
     * @param dummyInterface the dummy interface's name, e.g. {@code ipvs4j-vip}
     * @param vip the virtual IP address
     * @return what was changed; empty if the host was already prepared
     * @throws IpvsException if reading or changing the host fails; what the recipe had changed before is reverted first
     */
    public List<HostChange> prepareVipOnDummy(String dummyInterface, InetAddress vip) throws IpvsException {
        Objects.requireNonNull(vip, "vip");
        InterfaceNames.checkInterface(dummyInterface);
        addresses.ensureDummy(dummyInterface);
        return holdWithoutArp(InterfaceAddress.host(dummyInterface, vip));
    }

    /** The ARP policy on the address's interface and {@code all} (IPv4), then the address. */
    private List<HostChange> holdWithoutArp(InterfaceAddress address) throws IpvsException {
        HostSysctls s = requireSysctls();
        List<HostChange> done = new ArrayList<>();
        try {
            if (address.isIpv4()) {
                for (String iface : List.of(address.interfaceName(), HostSysctls.ALL)) {
                    ArpIgnore ignore = s.arpIgnore(iface);
                    if (!ignore.hidesOtherInterfacesAddresses()) {
                        s.setArpIgnore(iface, ArpIgnore.TARGET_ON_INCOMING_INTERFACE);
                        done.add(new HostChange.ArpIgnoreChanged(iface, ignore, ArpIgnore.TARGET_ON_INCOMING_INTERFACE));
                    }
                    ArpAnnounce announce = s.arpAnnounce(iface);
                    if (announce != ArpAnnounce.BEST_LOCAL_ADDRESS) {
                        s.setArpAnnounce(iface, ArpAnnounce.BEST_LOCAL_ADDRESS);
                        done.add(new HostChange.ArpAnnounceChanged(iface, announce, ArpAnnounce.BEST_LOCAL_ADDRESS));
                    }
                }
            }
            if (addresses.ensurePresent(address)) {
                done.add(new HostChange.AddressAdded(address));
            }
        } catch (IpvsException | RuntimeException e) {
            revertAfterFailure(done, e);
            throw e;
        }
        return Collections.unmodifiableList(done);
    }

    /**
     * {@link #bringUpVip(InterfaceAddress)} for {@code vipCidr} (e.g. {@code "192.0.2.100/24"})
     * on {@code interfaceName} with {@code label} (e.g. {@code "eth0:1"}; {@code null} for none).
     *
     * @param interfaceName the director's interface, e.g. {@code eth0}
     * @param vipCidr the VIP and prefix length, e.g. {@code "192.0.2.100/24"}
     * @param label the alias label, or {@code null}
     * @return {@link HostChange.AddressAdded}, or nothing if the address was already there
     * @throws IpvsException if the address cannot be added (e.g. no such interface)
     */
    public List<HostChange> bringUpVip(String interfaceName, String vipCidr, String label) throws IpvsException {
        InterfaceAddress vip = InterfaceAddress.of(interfaceName, vipCidr);
        return bringUpVip(label == null ? vip : vip.withLabel(label));
    }

    /**
     * Brings the VIP up on the director as an interface alias, unless it is already there:
     * {@code ip addr add 192.0.2.100/24 dev eth0 label eth0:1}
     * ({@code ifconfig eth0:1 192.0.2.100 netmask 255.255.255.0}).
     *
     * @param vip the VIP as an interface address
     * @return {@link HostChange.AddressAdded}, or nothing if the address was already there
     * @throws IpvsException if the address cannot be added (e.g. no such interface)
     */
    public List<HostChange> bringUpVip(InterfaceAddress vip) throws IpvsException {
        Objects.requireNonNull(vip, "vip");
        return addresses.ensurePresent(vip) ? List.of(new HostChange.AddressAdded(vip)) : List.of();
    }

    /**
     * Takes the VIP down on the director if it is there: {@code ip addr del 192.0.2.100/24 dev eth0}
     * ({@code ifconfig eth0:1 down}).
     *
     * @param vip the VIP as an interface address
     * @return {@link HostChange.AddressRemoved}, or nothing if the address was not there
     * @throws IpvsException if the address cannot be removed
     */
    public List<HostChange> bringDownVip(InterfaceAddress vip) throws IpvsException {
        Objects.requireNonNull(vip, "vip");
        return addresses.ensureAbsent(vip) ? List.of(new HostChange.AddressRemoved(vip)) : List.of();
    }

    /**
     * Reverts {@code changes} (as returned by a recipe), last first: an added address is removed,
     * a removed one added back, a sysctl set back to its previous value, but only if it still
     * holds the value the recipe wrote (someone else's later change is kept) and the interface
     * still exists.
     *
     * @param changes what a recipe returned
     * @return what the undo itself changed, in order
     * @throws IpvsException if reading or changing the host fails
     */
    public List<HostChange> undo(List<HostChange> changes) throws IpvsException {
        Objects.requireNonNull(changes, "changes");
        List<HostChange> reverted = new ArrayList<>();
        List<HostChange> reversed = new ArrayList<>(changes);
        Collections.reverse(reversed);
        for (HostChange c : reversed) {
            Objects.requireNonNull(c, "change");
            revert(c, reverted);
        }
        return Collections.unmodifiableList(reverted);
    }

    private void revert(HostChange c, List<HostChange> reverted) throws IpvsException {
        if (c instanceof HostChange.AddressAdded a) {
            if (addresses.ensureAbsent(a.address())) {
                reverted.add(new HostChange.AddressRemoved(a.address()));
            }
        } else if (c instanceof HostChange.AddressRemoved r) {
            if (addresses.ensurePresent(r.address())) {
                reverted.add(new HostChange.AddressAdded(r.address()));
            }
        } else if (c instanceof HostChange.ArpIgnoreChanged i) {
            HostSysctls s = requireSysctls();
            try {
                if (s.arpIgnore(i.interfaceName()) == i.after()) {
                    s.setArpIgnore(i.interfaceName(), i.before());
                    reverted.add(new HostChange.ArpIgnoreChanged(i.interfaceName(), i.after(), i.before()));
                }
            } catch (NotFoundException gone) {
                // the interface is gone, and its setting with it
            }
        } else if (c instanceof HostChange.ArpAnnounceChanged a) {
            HostSysctls s = requireSysctls();
            try {
                if (s.arpAnnounce(a.interfaceName()) == a.after()) {
                    s.setArpAnnounce(a.interfaceName(), a.before());
                    reverted.add(new HostChange.ArpAnnounceChanged(a.interfaceName(), a.after(), a.before()));
                }
            } catch (NotFoundException gone) {
                // the interface is gone, and its setting with it
            }
        }
    }

    private void revertAfterFailure(List<HostChange> done, Exception failure) {
        try {
            undo(done);
        } catch (IpvsException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private HostSysctls requireSysctls() {
        if (sysctls == null) {
            throw new IllegalStateException("this DirectRouting was created without HostSysctls; "
                    + "use new DirectRouting(addresses, sysctls) for real-server recipes");
        }
        return sysctls;
    }
}
