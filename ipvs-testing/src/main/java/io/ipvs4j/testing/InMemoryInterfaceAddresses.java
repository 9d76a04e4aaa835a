package io.ipvs4j.testing;

import io.ipvs4j.AlreadyExistsException;
import io.ipvs4j.Errno;
import io.ipvs4j.IpvsErrors;
import io.ipvs4j.IpvsException;
import io.ipvs4j.NotFoundException;
import io.ipvs4j.Operation;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.host.InterfaceNames;
import io.ipvs4j.host.Link;
import io.ipvs4j.host.Scope;
import io.ipvs4j.model.InetAddresses;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An in-memory {@link InterfaceAddresses}: the interfaces and addresses of one network
 * namespace, with the kernel's answers and the same typed exceptions as the rtnetlink
 * implementation ({@code HostNetwork.addresses()}), for testing code that brings VIPs up and
 * down without root:
 * <ul>
 * <li>a missing interface: {@code ENODEV} → {@link NotFoundException} ("no such interface");</li>
 * <li>adding an address the interface has: {@code EEXIST} → {@link AlreadyExistsException}
 *     (IPv4: same address and prefix length, as {@code __inet_insert_ifa}; IPv6: same address);</li>
 * <li>removing one it does not have: {@code EADDRNOTAVAIL} → {@link NotFoundException} (IPv4
 *     matches address, prefix length and, if given, label; IPv6 address and prefix length).</li>
 * </ul>
 * It starts as a fresh namespace with its loopback up: {@code lo} (index 1) with
 * {@code 127.0.0.1/8} and {@code ::1/128}, scope host. Addresses are listed IPv4 first, then
 * IPv6 (the kernel dumps one family after the other), by interface index and then in the order
 * they were added. Not modelled: IPv6 link-local addresses the kernel adds to an interface that
 * comes up, and the promotion of secondary IPv4 addresses.
 *
 * <pre>{@code
 * InMemoryInterfaceAddresses addrs = new InMemoryInterfaceAddresses();
 * addrs.addLink("eth0");
 * new MyDirector(addrs).becomeMaster();              // e.g. ensurePresent(192.0.2.100/32 dev eth0)
 * assertEquals(List.of(InterfaceAddress.of("eth0", "192.0.2.100/32")), addrs.addresses("eth0"));
 * addrs.failNext(Operation.ADD_ADDRESS, Errno.EPERM); // script a kernel failure
 * }</pre>
 *
 * <p>Thread-safe: every method is {@code synchronized}.
 */
public class InMemoryInterfaceAddresses implements InterfaceAddresses {
    private final Map<String, Link> links = new LinkedHashMap<>();
    private java.util.function.Consumer<String> linkCreated = name -> { };
    private final List<InterfaceAddress> addresses = new ArrayList<>();
    private final Map<Operation, Deque<Integer>> failures = new EnumMap<>(Operation.class);
    private int nextIndex = 1;
    private boolean closed;

    /** A fresh namespace: {@code lo} up, with {@code 127.0.0.1/8} and {@code ::1/128}. */
    public InMemoryInterfaceAddresses() {
        addLink("lo", true);
        addresses.add(new InterfaceAddress("lo", InetAddresses.parse("127.0.0.1"), 8, Optional.empty(), Scope.HOST));
        addresses.add(new InterfaceAddress("lo", InetAddresses.parse("::1"), 128, Optional.empty(), Scope.HOST));
    }

    // ---- test controls -------------------------------------------------------------------

    /**
     * Adds an interface that is up, with the next free index, as creating a device would.
     *
     * @param name the interface name, e.g. {@code eth0}
     * @return the new interface
     * @throws IllegalArgumentException if the name is invalid
     * @throws IllegalStateException if the interface exists
     */
    public synchronized Link addLink(String name) {
        return addLink(name, true);
    }

    /**
     * Adds an interface with the next free index.
     *
     * @param name the interface name, e.g. {@code eth0}
     * @param up whether it is up
     * @return the new interface
     * @throws IllegalArgumentException if the name is invalid
     * @throws IllegalStateException if the interface exists
     */
    public synchronized Link addLink(String name, boolean up) {
        InterfaceNames.checkInterface(name);
        if (links.containsKey(name)) {
            throw new IllegalStateException("interface " + name + " exists already");
        }
        Link link = new Link(nextIndex++, name, up);
        links.put(name, link);
        return link;
    }

    /**
     * Removes an interface and its addresses, as deleting a device would.
     *
     * @param name the interface name
     * @throws IllegalStateException if there is no such interface
     */
    public synchronized void removeLink(String name) {
        if (links.remove(Objects.requireNonNull(name, "name")) == null) {
            throw new IllegalStateException("no interface " + name);
        }
        addresses.removeIf(a -> a.interfaceName().equals(name));
    }

    /**
     * Sets who is told the name of each link that the code under test creates
     * ({@link #ensureDummy}), not those of {@link #addLink}: e.g. {@code sysctls::addInterface}
     * of an {@link InMemoryHostSysctls}, so that the new interface has sysctls as in the kernel.
     *
     * @param listener called with the new link's name
     */
    public synchronized void onLinkCreated(java.util.function.Consumer<String> listener) {
        this.linkCreated = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Makes the next call of {@code operation} fail with {@code errno}, as if the kernel had
     * answered so (after argument validation). Calls queue up.
     *
     * @param operation one of {@link Operation#LIST_LINKS}, {@link Operation#LIST_ADDRESSES},
     *     {@link Operation#ADD_ADDRESS}, {@link Operation#REMOVE_ADDRESS}, {@link Operation#ADD_LINK},
     *     {@link Operation#SET_LINK}
     * @param errno the error number, e.g. {@link Errno#EPERM}
     */
    public synchronized void failNext(Operation operation, int errno) {
        Objects.requireNonNull(operation, "operation");
        if (errno == 0) {
            throw new IllegalArgumentException("errno must be non-zero, was 0");
        }
        failures.computeIfAbsent(operation, o -> new ArrayDeque<>()).add(Math.abs(errno));
    }

    /** {@return whether {@link #close()} was called} */
    public synchronized boolean isClosed() {
        return closed;
    }

    // ---- InterfaceAddresses --------------------------------------------------------------

    @Override
    public synchronized List<Link> links() throws IpvsException {
        begin(Operation.LIST_LINKS, "");
        return links.values().stream().sorted((a, b) -> Integer.compare(a.index(), b.index())).toList();
    }

    @Override
    public synchronized Link link(String name) throws IpvsException {
        InterfaceNames.checkInterface(name);
        begin(Operation.LIST_LINKS, name);
        return existing(Operation.LIST_LINKS, name, name);
    }

    @Override
    public synchronized List<InterfaceAddress> addresses() throws IpvsException {
        begin(Operation.LIST_ADDRESSES, "");
        return dumpOrder(null);
    }

    @Override
    public synchronized List<InterfaceAddress> addresses(String interfaceName) throws IpvsException {
        InterfaceNames.checkInterface(interfaceName);
        String subject = "of " + interfaceName;
        begin(Operation.LIST_ADDRESSES, subject);
        existing(Operation.LIST_ADDRESSES, subject, interfaceName);
        return dumpOrder(interfaceName);
    }

    @Override
    public synchronized void add(InterfaceAddress address) throws IpvsException {
        Objects.requireNonNull(address, "address");
        String subject = address.toString();
        begin(Operation.ADD_ADDRESS, subject);
        existing(Operation.ADD_ADDRESS, subject, address.interfaceName());
        for (InterfaceAddress a : addresses) {
            boolean same = a.interfaceName().equals(address.interfaceName()) && a.address().equals(address.address())
                    && (!address.isIpv4() || a.prefixLength() == address.prefixLength());
            if (same) {
                throw IpvsErrors.fromErrno(Operation.ADD_ADDRESS, subject, Errno.EEXIST, null);
            }
        }
        addresses.add(address);
    }

    @Override
    public synchronized void remove(InterfaceAddress address) throws IpvsException {
        Objects.requireNonNull(address, "address");
        String subject = address.toString();
        begin(Operation.REMOVE_ADDRESS, subject);
        existing(Operation.REMOVE_ADDRESS, subject, address.interfaceName());
        for (int i = 0; i < addresses.size(); i++) {
            InterfaceAddress a = addresses.get(i);
            boolean labelMatches = !address.isIpv4() || address.label().isEmpty()
                    || address.label().equals(a.label());
            if (a.sameAssignment(address) && labelMatches) {
                addresses.remove(i);
                return;
            }
        }
        throw IpvsErrors.fromErrno(Operation.REMOVE_ADDRESS, subject, Errno.EADDRNOTAVAIL, null);
    }

    @Override
    public boolean ensurePresent(InterfaceAddress address) throws IpvsException {
        try {
            add(address);
            return true;
        } catch (AlreadyExistsException e) {
            return false;
        }
    }

    @Override
    public boolean ensureAbsent(InterfaceAddress address) throws IpvsException {
        try {
            remove(address);
            return true;
        } catch (NotFoundException e) {
            // not assigned, or no such interface (which cannot hold it): as the rtnetlink client
            return false;
        }
    }

    @Override
    public synchronized boolean ensureDummy(String name) throws IpvsException {
        InterfaceNames.checkInterface(name);
        begin(Operation.ADD_LINK, name + " type dummy");
        Link l = links.get(name);
        if (l == null) {
            addLink(name, true);
            linkCreated.accept(name);
            return true;
        }
        return bringUp(l);
    }

    @Override
    public synchronized boolean ensureUp(String name) throws IpvsException {
        InterfaceNames.checkInterface(name);
        begin(Operation.SET_LINK, name + " up");
        return bringUp(existing(Operation.SET_LINK, name + " up", name));
    }

    private boolean bringUp(Link l) {
        if (l.up()) {
            return false;
        }
        links.put(l.name(), new Link(l.index(), l.name(), true));
        return true;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    // ---- helpers -------------------------------------------------------------------------

    private void begin(Operation op, String subject) throws IpvsException {
        if (closed) {
            throw new IllegalStateException("InMemoryInterfaceAddresses is closed");
        }
        Deque<Integer> q = failures.get(op);
        Integer errno = q == null ? null : q.poll();
        if (errno != null) {
            throw IpvsErrors.fromErrno(op, subject, errno, null);
        }
    }

    private Link existing(Operation op, String subject, String name) throws IpvsException {
        Link l = links.get(name);
        if (l == null) {
            throw IpvsErrors.fromErrno(op, subject, Errno.ENODEV, null);
        }
        return l;
    }

    /** IPv4 first, then IPv6; each by interface index, then in the order of adding. */
    private List<InterfaceAddress> dumpOrder(String onlyInterface) {
        List<InterfaceAddress> out = new ArrayList<>();
        for (boolean v4 : new boolean[] {true, false}) {
            for (Link l : links.values().stream().sorted((a, b) -> Integer.compare(a.index(), b.index())).toList()) {
                if (onlyInterface != null && !onlyInterface.equals(l.name())) {
                    continue;
                }
                for (InterfaceAddress a : addresses) {
                    if (a.interfaceName().equals(l.name()) && a.isIpv4() == v4) {
                        out.add(a);
                    }
                }
            }
        }
        return List.copyOf(out);
    }
}
