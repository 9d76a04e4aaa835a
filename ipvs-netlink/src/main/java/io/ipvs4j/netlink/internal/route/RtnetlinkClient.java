package io.ipvs4j.netlink.internal.route;

import static io.ipvs4j.netlink.internal.route.RtnlUapi.*;

import io.ipvs4j.AlreadyExistsException;
import io.ipvs4j.IpvsException;
import io.ipvs4j.NetlinkProtocolException;
import io.ipvs4j.NotFoundException;
import io.ipvs4j.Operation;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.host.InterfaceNames;
import io.ipvs4j.host.Link;
import io.ipvs4j.netlink.NetlinkOptions;
import io.ipvs4j.netlink.internal.nl.DumpInterruptedException;
import io.ipvs4j.netlink.internal.nl.KernelErrorException;
import io.ipvs4j.netlink.internal.nl.MalformedMessageException;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import io.ipvs4j.netlink.internal.nl.NetlinkChannel;
import io.ipvs4j.netlink.internal.nl.NetlinkConnection;
import io.ipvs4j.netlink.internal.nl.Nl;
import io.ipvs4j.netlink.internal.nl.SyscallException;
import io.ipvs4j.netlink.internal.sys.NativeNetlinkSocket;
import java.nio.BufferOverflowException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link InterfaceAddresses} over one NETLINK_ROUTE socket, through the same transport as the
 * IPVS client ({@link NetlinkConnection}). Every request goes through {@link #execute}, which
 * maps kernel errors to typed exceptions naming the operation and the address or interface.
 * One lock serialises requests on the socket.
 */
public final class RtnetlinkClient implements InterfaceAddresses {
    private static final Logger LOG = LoggerFactory.getLogger(RtnetlinkClient.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final NetlinkConnection connection;
    private boolean closed;

    @FunctionalInterface
    interface Encoder {
        void encode(MessageWriter writer);
    }

    RtnetlinkClient(NetlinkConnection connection) {
        this.connection = connection;
    }

    // rtnetlink answers some single-object requests with messages larger than a page (a link
    // with many VFs); these sockets are not on a hot path, so they take up to 64 KiB.
    private static final int MAX_DATAGRAM_BYTES = 64 << 10;

    /** Opens a NETLINK_ROUTE socket, in the options' namespace if one is set. */
    public static RtnetlinkClient open(NetlinkOptions options) throws IpvsException {
        Objects.requireNonNull(options, "options");
        NativeNetlinkSocket socket = NativeNetlinkSocket.open(NETLINK_ROUTE, MAX_DATAGRAM_BYTES, options, Operation.LIST_LINKS,
                options.namespace().map(Object::toString).orElse("current network namespace"));
        return open(socket, options.messageBufferBytes());
    }

    /** A client over an existing channel (tests pass a scripted kernel). */
    public static RtnetlinkClient open(NetlinkChannel channel, int bufferBytes) {
        return new RtnetlinkClient(new NetlinkConnection(channel, bufferBytes, bufferBytes));
    }

    @Override
    public List<Link> links() throws IpvsException {
        List<Link> links = new ArrayList<>();
        execute(Operation.LIST_LINKS, "", RTM_GETLINK, Nl.NLM_F_DUMP, RouteCodec::linkDump,
                (type, flags, b, payload, end) -> links.add(RouteCodec.decodeLink(type, b, payload, end)), links::clear);
        links.sort(Comparator.comparingInt(Link::index));
        return List.copyOf(links);
    }

    @Override
    public Link link(String name) throws IpvsException {
        InterfaceNames.checkInterface(name);
        return link(Operation.LIST_LINKS, name, name);
    }

    /** RTM_GETLINK by name; errors (ENODEV: no such interface) are reported as {@code op} on {@code subject}. */
    private Link link(Operation op, String subject, String name) throws IpvsException {
        Link[] found = new Link[1];
        executeOnce(op, subject, RTM_GETLINK, Nl.NLM_F_ACK, w -> RouteCodec.linkByName(w, name),
                (type, flags, b, payload, end) -> {
                    Link l = RouteCodec.decodeLink(type, b, payload, end);
                    if (!l.name().equals(name)) {
                        throw new MalformedMessageException("asked for link '" + name + "', got '" + l.name() + "'");
                    }
                    found[0] = l;
                });
        if (found[0] == null) {
            throw new NetlinkProtocolException(op, subject, "RTM_GETLINK for '" + name + "' acknowledged without a reply", null);
        }
        return found[0];
    }

    @Override
    public List<InterfaceAddress> addresses() throws IpvsException {
        return addresses(null);
    }

    @Override
    public List<InterfaceAddress> addresses(String interfaceName) throws IpvsException {
        Map<Integer, String> names = new HashMap<>();
        if (interfaceName != null) {
            InterfaceNames.checkInterface(interfaceName);
            Link l = link(Operation.LIST_ADDRESSES, "of " + interfaceName, interfaceName);
            names.put(l.index(), l.name());
        } else {
            for (Link l : links()) {
                names.put(l.index(), l.name());
            }
        }
        List<InterfaceAddress> result = new ArrayList<>();
        String subject = interfaceName == null ? "" : "of " + interfaceName;
        execute(Operation.LIST_ADDRESSES, subject, RTM_GETADDR, Nl.NLM_F_DUMP, RouteCodec::addressDump,
                (type, flags, b, payload, end) -> {
                    Optional<RouteCodec.KernelAddress> k = RouteCodec.decodeAddress(type, b, payload, end);
                    if (k.isEmpty()) {
                        return;
                    }
                    String ifname = names.get(k.get().index());
                    if (ifname == null) {
                        // another interface (filtered), or one created between the two dumps
                        return;
                    }
                    result.add(toAddress(ifname, k.get()));
                }, result::clear);
        return List.copyOf(result);
    }

    private static InterfaceAddress toAddress(String ifname, RouteCodec.KernelAddress k) throws MalformedMessageException {
        Optional<String> label = Optional.empty();
        if (k.label() != null && !k.label().equals(ifname)) {
            try {
                InterfaceNames.checkLabel(k.label(), ifname);
                label = Optional.of(k.label());
            } catch (IllegalArgumentException e) {
                // The kernel keeps whatever label a tool sent; ipvs4j's labels start with the
                // interface name. Keep the address, drop the label that cannot be represented.
                LOG.debug("address {}/{} on {}: label '{}' dropped: {}", k.address(), k.prefixLength(), ifname,
                        k.label(), e.getMessage());
            }
        }
        try {
            return new InterfaceAddress(ifname, k.address(), k.prefixLength(), label, k.scope(), k.deprecated());
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("RTM_NEWADDR on " + ifname + ": " + e.getMessage());
        }
    }

    @Override
    public void add(InterfaceAddress address) throws IpvsException {
        Objects.requireNonNull(address, "address");
        String subject = address.toString();
        int index = link(Operation.ADD_ADDRESS, subject, address.interfaceName()).index();
        executeOnce(Operation.ADD_ADDRESS, subject, RTM_NEWADDR, Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL,
                w -> RouteCodec.address(w, address, index, true), NO_REPLY);
    }

    @Override
    public void remove(InterfaceAddress address) throws IpvsException {
        Objects.requireNonNull(address, "address");
        String subject = address.toString();
        int index = link(Operation.REMOVE_ADDRESS, subject, address.interfaceName()).index();
        executeOnce(Operation.REMOVE_ADDRESS, subject, RTM_DELADDR, Nl.NLM_F_ACK,
                w -> RouteCodec.address(w, address, index, false), NO_REPLY);
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
            // EADDRNOTAVAIL (not assigned) or ENODEV (no such interface, so no such address)
            return false;
        }
    }

    @Override
    public boolean ensureDummy(String name) throws IpvsException {
        InterfaceNames.checkInterface(name);
        try {
            executeOnce(Operation.ADD_LINK, name + " type dummy", RTM_NEWLINK,
                    Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, w -> RouteCodec.newDummyLink(w, name), NO_REPLY);
            return true;
        } catch (AlreadyExistsException e) {
            return ensureUp(name);
        }
    }

    @Override
    public boolean ensureUp(String name) throws IpvsException {
        InterfaceNames.checkInterface(name);
        Link l = link(Operation.SET_LINK, name + " up", name);
        if (l.up()) {
            return false;
        }
        executeOnce(Operation.SET_LINK, name + " up", RTM_NEWLINK, Nl.NLM_F_ACK, w -> RouteCodec.linkUp(w, l.index()), NO_REPLY);
        return true;
    }

    /** {@link #execute} of a request that is not a dump. */
    void executeOnce(Operation op, String subject, int type, int flags, Encoder encoder,
            NetlinkConnection.ReplyHandler handler) throws IpvsException {
        execute(op, subject, type, flags, encoder, handler, null);
    }

    /**
     * Sends one request (type, flags plus NLM_F_REQUEST, the body from {@code encoder}) and reads
     * its replies; a kernel error becomes the typed exception for {@code op} on {@code subject}.
     * A dump the kernel interrupted (NLM_F_DUMP_INTR: addresses or links changed meanwhile) is
     * read again after {@code restart} discarded what {@code handler} collected, a bounded
     * number of times ({@link NetlinkConnection#MAX_DUMP_ATTEMPTS}).
     */
    void execute(Operation op, String subject, int type, int flags, Encoder encoder,
            NetlinkConnection.ReplyHandler handler, Runnable restart) throws IpvsException {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("rtnetlink client is closed");
            }
            MessageWriter w = connection.writer();
            w.clear();
            int seq = connection.nextSeq();
            try {
                int start = w.beginMessage(type, Nl.NLM_F_REQUEST | flags, seq);
                encoder.encode(w);
                w.endMessage(start);
            } catch (BufferOverflowException e) {
                w.clear();
                throw new IllegalStateException(op + " " + subject + ": request larger than the "
                        + w.capacity() + "-byte message buffer");
            }
            try {
                connection.execute(seq, handler, restart);
            } catch (DumpInterruptedException e) {
                throw e.toTyped(op, subject);
            } catch (KernelErrorException e) {
                throw e.toTyped(op, subject);
            } catch (SyscallException e) {
                throw e.toTyped(op, subject);
            } catch (MalformedMessageException e) {
                throw e.toTyped(op, subject);
            }
        } finally {
            lock.unlock();
        }
    }

    private static final NetlinkConnection.ReplyHandler NO_REPLY = (type, flags, buffer, payload, end) -> {
        throw new MalformedMessageException("unexpected reply message of type " + type
                + " to a request that expects only an ACK");
    };

    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                connection.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
