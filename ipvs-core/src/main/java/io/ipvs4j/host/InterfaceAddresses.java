package io.ipvs4j.host;

import io.ipvs4j.IpvsException;
import java.util.List;

/**
 * Lists, adds and removes interface addresses of one network namespace: what
 * {@code ip link show} and {@code ip addr add|del|show} do. The netlink implementation is
 * {@code io.ipvs4j.netlink.HostNetwork.addresses()} (rtnetlink); it can be opened inside
 * another network namespace.
 *
 * <pre>{@code
 * try (InterfaceAddresses addrs = HostNetwork.addresses()) {
 *     // ip addr add 192.0.2.100/24 dev eth0 label eth0:1   (only if not there yet)
 *     boolean added = addrs.ensurePresent(InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1"));
 *     addrs.addresses("eth0").forEach(System.out::println);
 * }
 * }</pre>
 *
 * <p>Errors name the operation and the address, e.g. {@code add address 192.0.2.100/24 dev eth0
 * scope global failed: address already assigned (EEXIST, errno 17)}. Adding and removing need
 * CAP_NET_ADMIN in the namespace's owning user namespace. Implementations are thread-safe.
 */
public interface InterfaceAddresses extends AutoCloseable {

    /**
     * {@return all interfaces, in index order ({@code ip -o link show})}
     *
     * @throws IpvsException if the netlink dump fails
     */
    List<Link> links() throws IpvsException;

    /**
     * The interface named {@code name} ({@code ip link show dev NAME}).
     *
     * @param name the interface name, e.g. {@code eth0}
     * @return the interface
     * @throws io.ipvs4j.NotFoundException if there is none
     * @throws IpvsException if the netlink request fails
     */
    Link link(String name) throws IpvsException;

    /**
     * {@return every address of every interface, IPv4 and IPv6 ({@code ip -o addr show})}
     *
     * @throws IpvsException if the netlink dump fails
     */
    List<InterfaceAddress> addresses() throws IpvsException;

    /**
     * The addresses of {@code interfaceName} ({@code ip -o addr show dev NAME}).
     *
     * @param interfaceName the interface name, e.g. {@code eth0}
     * @return its addresses, IPv4 and IPv6
     * @throws io.ipvs4j.NotFoundException if there is no such interface
     * @throws IpvsException if the netlink dump fails
     */
    List<InterfaceAddress> addresses(String interfaceName) throws IpvsException;

    /**
     * Adds {@code address} ({@code ip addr add 192.0.2.100/24 dev eth0 label eth0:1}). IPv6
     * addresses are added with {@code nodad}: usable at once, without duplicate address
     * detection.
     *
     * @param address the address, prefix length, interface and optional label
     * @throws io.ipvs4j.AlreadyExistsException if the interface already has this address and
     *     prefix length (EEXIST)
     * @throws io.ipvs4j.NotFoundException if there is no such interface
     */
    void add(InterfaceAddress address) throws IpvsException;

    /**
     * Removes {@code address} ({@code ip addr del 192.0.2.100/24 dev eth0}). The kernel matches
     * the address and prefix length, and the label if one is given.
     *
     * @param address the address to remove
     * @throws io.ipvs4j.NotFoundException if the interface does not have it (EADDRNOTAVAIL) or
     *     does not exist
     */
    void remove(InterfaceAddress address) throws IpvsException;

    /**
     * Adds {@code address} unless it is already there. Idempotent: an existing address is
     * success.
     *
     * @param address the address to add
     * @return true if the address was added, false if it was already present
     * @throws io.ipvs4j.NotFoundException if there is no such interface
     */
    boolean ensurePresent(InterfaceAddress address) throws IpvsException;

    /**
     * Removes {@code address} if it is there. Idempotent: a missing address, or a missing
     * interface (which cannot hold it), is success.
     *
     * @param address the address to remove
     * @return true if the address was removed, false if it was not present
     * @throws IpvsException if the netlink request fails for another reason
     */
    boolean ensureAbsent(InterfaceAddress address) throws IpvsException;

    /**
     * Makes a {@code dummy} interface named {@code name} exist and be up: what
     * {@code ip link add NAME type dummy; ip link set NAME up} does, idempotent. A dummy
     * interface holds addresses that are local but belong to no wire (a VIP that a director or a
     * DR real server accepts without answering ARP for it on its LAN interface). An interface of
     * that name that already exists, of whatever kind, is only brought up.
     *
     * <pre>{@code
     * addrs.ensureDummy("ipvs4j-vip");
     * addrs.ensurePresent(InterfaceAddress.host("ipvs4j-vip", InetAddresses.parse("203.0.113.10")));
     * }</pre>
     *
     * @param name the interface name (at most 15 characters)
     * @return true if the interface was created or brought up, false if it was already there and up
     * @throws IpvsException if the kernel refuses (e.g. no {@code dummy} module: EOPNOTSUPP)
     */
    boolean ensureDummy(String name) throws IpvsException;

    /**
     * Brings the interface {@code name} up ({@code ip link set NAME up}) unless it is up.
     *
     * @param name the interface name
     * @return true if it was down and is now up, false if it was already up
     * @throws io.ipvs4j.NotFoundException if there is no such interface
     * @throws IpvsException if the netlink request fails for another reason
     */
    boolean ensureUp(String name) throws IpvsException;

    /** Closes the netlink socket. */
    @Override
    void close();
}
