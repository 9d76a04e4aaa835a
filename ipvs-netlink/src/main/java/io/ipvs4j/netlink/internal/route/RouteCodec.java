package io.ipvs4j.netlink.internal.route;

import static io.ipvs4j.netlink.internal.route.RtnlUapi.*;

import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.Link;
import io.ipvs4j.host.Scope;
import io.ipvs4j.netlink.internal.nl.AttributeCursor;
import io.ipvs4j.netlink.internal.nl.MalformedMessageException;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import io.ipvs4j.netlink.internal.nl.Nl;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Encodes rtnetlink link and address requests and decodes the kernel's RTM_NEWLINK and
 * RTM_NEWADDR messages. Pure: no socket, so it is tested byte for byte.
 */
final class RouteCodec {
    private RouteCodec() {}

    /** An address as the kernel reports it: interface by index, label as sent (may be null). */
    record KernelAddress(int index, InetAddress address, int prefixLength, String label, Scope scope,
            boolean deprecated) {
    }

    /** {@code struct ifinfomsg} for a request: family AF_UNSPEC, the given index, no flags. */
    static void ifinfomsg(MessageWriter w, int index) {
        linkFlags(w, index, 0, 0);
    }

    /** A link dump request's body: ifinfomsg and IFLA_EXT_MASK asking the kernel to skip statistics. */
    static void linkDump(MessageWriter w) {
        ifinfomsg(w, 0);
        w.putU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    }

    /** RTM_GETLINK by name: ifinfomsg with index 0 and IFLA_IFNAME. */
    static void linkByName(MessageWriter w, String name) {
        linkDump(w);
        w.putString(IFLA_IFNAME, name);
    }

    /** An address dump request's body: {@code struct ifaddrmsg} for every family. */
    static void addressDump(MessageWriter w) {
        w.putRaw((byte) AF_UNSPEC);
        w.putRaw((byte) 0);
        w.putRaw((byte) 0);
        w.putRaw((byte) 0);
        w.putRawInt(0);
    }

    /**
     * RTM_NEWADDR/RTM_DELADDR body, as {@code ip addr add|del} sends it: ifaddrmsg with family,
     * prefix length, scope and index; IFA_LOCAL and IFA_ADDRESS (the same address: no peer);
     * IFA_LABEL if any; for IPv6 additions IFA_FLAGS with IFA_F_NODAD, and for a deprecated one
     * IFA_CACHEINFO with a preferred lifetime of 0 and an infinite valid lifetime (what
     * {@code ip -6 addr add ... preferred_lft 0} sends; the kernel then flags it IFA_F_DEPRECATED).
     */
    static void address(MessageWriter w, InterfaceAddress a, int index, boolean add) {
        boolean v4 = a.address() instanceof Inet4Address;
        int flags = add && !v4 ? IFA_F_NODAD : 0;
        w.putRaw((byte) (v4 ? AF_INET : AF_INET6));
        w.putRaw((byte) a.prefixLength());
        w.putRaw((byte) flags);
        w.putRaw((byte) a.scope().value());
        w.putRawInt(index);
        w.putAddress(IFA_LOCAL, a.address());
        w.putAddress(IFA_ADDRESS, a.address());
        if (a.label().isPresent()) {
            w.putString(IFA_LABEL, a.label().get());
        }
        if (flags != 0) {
            w.putU32(IFA_FLAGS, flags);
        }
        if (add && a.deprecated()) {
            // struct ifa_cacheinfo: ifa_prefered, ifa_valid, cstamp, tstamp (the last two are the kernel's)
            int ci = w.beginAttribute(IFA_CACHEINFO);
            w.putRawInt(0);
            w.putRawInt(INFINITY_LIFE_TIME);
            w.putRawInt(0);
            w.putRawInt(0);
            w.endAttribute(ci);
        }
    }

    /**
     * RTM_NEWLINK body that creates a {@code dummy} link up, as
     * {@code ip link add NAME up type dummy} sends it: ifinfomsg with IFF_UP in flags and
     * change, IFLA_IFNAME, IFLA_LINKINFO { IFLA_INFO_KIND "dummy" }.
     */
    static void newDummyLink(MessageWriter w, String name) {
        linkFlags(w, 0, IFF_UP, IFF_UP);
        w.putString(IFLA_IFNAME, name);
        int info = w.beginNested(IFLA_LINKINFO);
        w.putString(IFLA_INFO_KIND, "dummy");
        w.endNested(info);
    }

    /** RTM_NEWLINK body that sets IFF_UP on link {@code index} ({@code ip link set dev X up}). */
    static void linkUp(MessageWriter w, int index) {
        linkFlags(w, index, IFF_UP, IFF_UP);
    }

    private static void linkFlags(MessageWriter w, int index, int flags, int change) {
        w.putRaw((byte) AF_UNSPEC);
        w.putRaw((byte) 0);
        w.putRawShort(0);
        w.putRawInt(index);
        w.putRawInt(flags);
        w.putRawInt(change);
    }

    /** Decodes an RTM_NEWLINK message body {@code [payload, end)}. */
    static Link decodeLink(int type, ByteBuffer b, int payload, int end) throws MalformedMessageException {
        if (type != RTM_NEWLINK) {
            throw new MalformedMessageException("expected RTM_NEWLINK (16), got message type " + type);
        }
        if (end - payload < IFINFOMSG_LEN) {
            throw new MalformedMessageException("RTM_NEWLINK of " + (end - payload)
                    + " bytes is shorter than struct ifinfomsg (16)");
        }
        int index = b.getInt(payload + 4);
        int flags = b.getInt(payload + 8);
        String name = null;
        AttributeCursor c = AttributeCursor.over(b, payload + Nl.align(IFINFOMSG_LEN), end);
        while (c.next()) {
            if (c.type() == IFLA_IFNAME) {
                name = c.string();
            }
        }
        if (name == null) {
            throw new MalformedMessageException("RTM_NEWLINK for index " + index + " has no IFLA_IFNAME");
        }
        try {
            return new Link(index, name, (flags & IFF_UP) != 0);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("RTM_NEWLINK: " + e.getMessage());
        }
    }

    /** Decodes an RTM_NEWADDR message body {@code [payload, end)}; empty for families other than IPv4/IPv6. */
    static Optional<KernelAddress> decodeAddress(int type, ByteBuffer b, int payload, int end)
            throws MalformedMessageException {
        if (type != RTM_NEWADDR) {
            throw new MalformedMessageException("expected RTM_NEWADDR (20), got message type " + type);
        }
        if (end - payload < IFADDRMSG_LEN) {
            throw new MalformedMessageException("RTM_NEWADDR of " + (end - payload)
                    + " bytes is shorter than struct ifaddrmsg (8)");
        }
        int family = Byte.toUnsignedInt(b.get(payload));
        int prefix = Byte.toUnsignedInt(b.get(payload + 1));
        int flags = Byte.toUnsignedInt(b.get(payload + 2));
        int scopeValue = Byte.toUnsignedInt(b.get(payload + 3));
        int index = b.getInt(payload + 4);
        int size;
        if (family == AF_INET) {
            size = 4;
        } else if (family == AF_INET6) {
            size = 16;
        } else {
            return Optional.empty();
        }
        InetAddress local = null;
        InetAddress address = null;
        String label = null;
        AttributeCursor c = AttributeCursor.over(b, payload + Nl.align(IFADDRMSG_LEN), end);
        while (c.next()) {
            switch (c.type()) {
                case IFA_LOCAL -> local = exact(c, size);
                case IFA_ADDRESS -> address = exact(c, size);
                case IFA_LABEL -> label = c.string();
                // the whole flag word; ifa_flags holds only its low 8 bits
                case IFA_FLAGS -> flags = c.u32();
                default -> { }
            }
        }
        // IPv4 puts the interface's own address in IFA_LOCAL (IFA_ADDRESS is the peer on
        // point-to-point links); IPv6 sends IFA_ADDRESS, and IFA_LOCAL only with a peer.
        InetAddress own = local != null ? local : address;
        if (own == null) {
            throw new MalformedMessageException("RTM_NEWADDR for index " + index + " has neither IFA_LOCAL nor IFA_ADDRESS");
        }
        if (prefix > size * 8) {
            throw new MalformedMessageException("RTM_NEWADDR prefix length " + prefix + " exceeds " + (size * 8));
        }
        Scope scope;
        try {
            scope = Scope.fromValue(scopeValue);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("RTM_NEWADDR for index " + index + ": " + e.getMessage());
        }
        // the kernel flags deprecated IPv4 addresses too; the model keeps deprecation for IPv6 only
        boolean deprecated = family == AF_INET6 && (flags & IFA_F_DEPRECATED) != 0;
        return Optional.of(new KernelAddress(index, own, prefix, label, scope, deprecated));
    }

    private static InetAddress exact(AttributeCursor c, int size) throws MalformedMessageException {
        if (c.length() != size) {
            throw new MalformedMessageException("address attribute " + c.type() + " has " + c.length()
                    + " bytes, expected " + size);
        }
        return c.address(size);
    }
}
