package io.ipvs4j.host;

import io.ipvs4j.IpvsException;
import java.util.List;

/**
 * Typed access to the sysctls a load balancer needs: ARP policy per interface
 * ({@code net.ipv4.conf.<interface>.arp_ignore}/{@code arp_announce}) and the IPVS settings
 * ({@code net.ipv4.vs.*}). The implementation is {@code io.ipvs4j.netlink.HostNetwork.sysctls()}
 * (files under {@code /proc/sys}); {@code HostNetwork.sysctls(namespace)} reaches another
 * network namespace's values. Nothing is persisted: like {@code sysctl -w}, values last until
 * reboot (or until the namespace or interface goes away).
 *
 * <pre>{@code
 * HostSysctls sysctls = HostNetwork.sysctls();
 * // sysctl -w net.ipv4.conf.all.arp_ignore=1
 * sysctls.setArpIgnore(HostSysctls.ALL, ArpIgnore.TARGET_ON_INCOMING_INTERFACE);
 * // sysctl -w net.ipv4.conf.lo.arp_announce=2
 * sysctls.setArpAnnounce("lo", ArpAnnounce.BEST_LOCAL_ADDRESS);
 * // sysctl -w net.ipv4.vs.conntrack=1
 * sysctls.set(IpvsSysctl.CONNTRACK, true);
 * }</pre>
 *
 * <p>Interface names are checked with {@link InterfaceNames#checkInterface} (so {@code ..},
 * {@code /}, empty or over-long names never become a path); {@link #ALL} and {@link #DEFAULT}
 * are the special directories. A missing entry (no such interface, {@code ip_vs} not loaded, a
 * key this kernel lacks) is a {@link io.ipvs4j.NotFoundException}; a value the kernel refuses
 * is a {@link io.ipvs4j.KernelRejectedException}. Writing needs CAP_NET_ADMIN over the
 * namespace.
 */
public interface HostSysctls {
    /** {@code net.ipv4.conf.all}: applies to every interface (the kernel takes the larger value). */
    String ALL = "all";
    /** {@code net.ipv4.conf.default}: the value new interfaces start with. */
    String DEFAULT = "default";

    /**
     * {@code sysctl -n net.ipv4.conf.IFACE.arp_ignore}.
     *
     * @param interfaceName an interface, {@link #ALL} or {@link #DEFAULT}
     * @return the current value
     * @throws IpvsException if the file cannot be read or written (e.g. {@link io.ipvs4j.PermissionDeniedException}
     *     without CAP_NET_ADMIN, {@link io.ipvs4j.NotFoundException} for an unknown interface)
     */
    ArpIgnore arpIgnore(String interfaceName) throws IpvsException;

    /**
     * {@code sysctl -w net.ipv4.conf.IFACE.arp_ignore=N}.
     *
     * @param interfaceName an interface, {@link #ALL} or {@link #DEFAULT}
     * @param value the new value
     * @throws IpvsException if the file cannot be read or written (e.g. {@link io.ipvs4j.PermissionDeniedException}
     *     without CAP_NET_ADMIN, {@link io.ipvs4j.NotFoundException} for an unknown interface)
     */
    void setArpIgnore(String interfaceName, ArpIgnore value) throws IpvsException;

    /**
     * {@code sysctl -n net.ipv4.conf.IFACE.arp_announce}.
     *
     * @param interfaceName an interface, {@link #ALL} or {@link #DEFAULT}
     * @return the current value
     * @throws IpvsException if the file cannot be read or written (e.g. {@link io.ipvs4j.PermissionDeniedException}
     *     without CAP_NET_ADMIN, {@link io.ipvs4j.NotFoundException} for an unknown interface)
     */
    ArpAnnounce arpAnnounce(String interfaceName) throws IpvsException;

    /**
     * {@code sysctl -w net.ipv4.conf.IFACE.arp_announce=N}.
     *
     * @param interfaceName an interface, {@link #ALL} or {@link #DEFAULT}
     * @param value the new value
     * @throws IpvsException if the file cannot be read or written (e.g. {@link io.ipvs4j.PermissionDeniedException}
     *     without CAP_NET_ADMIN, {@link io.ipvs4j.NotFoundException} for an unknown interface)
     */
    void setArpAnnounce(String interfaceName, ArpAnnounce value) throws IpvsException;

    /**
     * {@code sysctl -n net.ipv4.vs.NAME}.
     *
     * @param <T> the sysctl's value type
     * @param key which sysctl
     * @return its current value
     * @throws IpvsException if it cannot be read
     * @throws io.ipvs4j.NotFoundException if this kernel or namespace has no such entry
     *     (ip_vs not loaded, or too old a kernel)
     */
    <T> T get(IpvsSysctl<T> key) throws IpvsException;

    /**
     * {@code sysctl -w net.ipv4.vs.NAME=VALUE}.
     *
     * @param <T> the sysctl's value type
     * @param key which sysctl
     * @param value the new value, checked against the key's range first
     * @throws IpvsException if it cannot be written (e.g. {@link io.ipvs4j.PermissionDeniedException})
     */
    <T> void set(IpvsSysctl<T> key, T value) throws IpvsException;

    /**
     * {@return true if {@code /proc/sys/net/ipv4/vs/NAME} exists here}
     *
     * @param key which sysctl
     * @throws IpvsException if the namespace cannot be joined
     */
    boolean isPresent(IpvsSysctl<?> key) throws IpvsException;

    /**
     * The known IPVS sysctls present here, in {@link IpvsSysctl#all()} order; empty if
     * {@code ip_vs} is not loaded ({@code ls /proc/sys/net/ipv4/vs}).
     *
     * @return the present sysctls
     * @throws IpvsException if the namespace cannot be joined or the directory cannot be read
     */
    List<IpvsSysctl<?>> available() throws IpvsException;
}
