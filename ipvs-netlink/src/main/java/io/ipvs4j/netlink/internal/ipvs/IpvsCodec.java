package io.ipvs4j.netlink.internal.ipvs;

import static io.ipvs4j.netlink.internal.ipvs.IpvsUapi.*;

import io.ipvs4j.ForeignEntry;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.IpvsInfo;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.Protocol;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.Stats;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.model.SyncState;
import io.ipvs4j.model.Thresholds;
import io.ipvs4j.model.Timeouts;
import io.ipvs4j.model.Tunnel;
import io.ipvs4j.model.TunnelFlag;
import io.ipvs4j.model.TunnelType;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.netlink.internal.nl.AttributeCursor;
import io.ipvs4j.netlink.internal.nl.DecodeScratch;
import io.ipvs4j.netlink.internal.nl.MalformedMessageException;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import io.ipvs4j.netlink.internal.nl.Nl;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Encodes model values into IPVS generic-netlink messages and decodes the kernel's replies
 * (layouts from {@code include/uapi/linux/ip_vs.h}; semantics from {@code ip_vs_ctl.c}
 * {@code ip_vs_genl_parse_service}/{@code _dest}/{@code _fill_*}). Attribute order follows what
 * ipvsadm sends, so requests compare byte for byte with its captures. Stateless.
 */
public final class IpvsCodec {
    // Indexed by the kernel's IP_VS_CONN_F_FWD_MASK value.
    private static final ForwardingMethod[] FORWARDING_METHODS = forwardingMethodsByValue();

    private IpvsCodec() {}

    // ---- requests -------------------------------------------------------------------------

    /** Starts an IPVS request: nlmsghdr + genlmsghdr. Returns the message start for {@link MessageWriter#endMessage}. */
    public static int begin(MessageWriter w, int familyId, int cmd, int flags, int seq) {
        int start = w.beginMessage(familyId, Nl.NLM_F_REQUEST | flags, seq);
        w.genlHeader(cmd, FAMILY_VERSION);
        return start;
    }

    /** IPVS_CMD_ATTR_SERVICE with only the identity (AF + fwmark, or protocol/address/port). */
    public static void serviceIdentity(MessageWriter w, ServiceKey key) {
        int nest = w.beginNested(CMD_ATTR_SERVICE);
        identityAttributes(w, key);
        w.endNested(nest);
    }

    private static void identityAttributes(MessageWriter w, ServiceKey key) {
        w.putU16(SVC_ATTR_AF, key.family().value());
        if (key instanceof ServiceKey.FwMark mark) {
            w.putU32(SVC_ATTR_FWMARK, mark.mark());
        } else {
            ServiceKey.Inet inet = (ServiceKey.Inet) key;
            w.putU16(SVC_ATTR_PROTOCOL, inet.protocol().value());
            w.putAddress(SVC_ATTR_ADDR, inet.address(), true);
            w.putU16Be(SVC_ATTR_PORT, inet.port());
        }
    }

    /**
     * IPVS_CMD_ATTR_SERVICE with every attribute NEW/SET_SERVICE require (identity, scheduler,
     * flags with {@code flagMask}, timeout, netmask; PE if set). The kernel applies
     * {@code flags = (old & ~mask) | (new & mask)}.
     */
    public static void serviceFull(MessageWriter w, VirtualService service, int flagBits, int flagMask) {
        int nest = w.beginNested(CMD_ATTR_SERVICE);
        identityAttributes(w, service.key());
        w.putString(SVC_ATTR_SCHED_NAME, service.scheduler().name());
        service.persistenceEngine().ifPresent(pe -> w.putString(SVC_ATTR_PE_NAME, pe));
        putFlags(w, flagBits, flagMask);
        w.putU32(SVC_ATTR_TIMEOUT, (int) service.timeoutSeconds());
        putNetmask(w, service.key().family(), netmaskBits(service));
        w.endNested(nest);
    }

    private static int netmaskBits(VirtualService service) {
        int bits = service.netmaskBits();
        return bits < 0 ? service.key().family().addressBits() : bits;
    }

    private static void putFlags(MessageWriter w, int flags, int mask) {
        // struct ip_vs_flags { __u32 flags; __u32 mask; } in host order, as an 8-byte binary attribute
        w.putU64(SVC_ATTR_FLAGS, nativeFlagsPair(flags, mask));
    }

    private static long nativeFlagsPair(int flags, int mask) {
        // putU64 writes in native order; lay the two u32 out as the struct does in memory.
        return java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN
                ? (Integer.toUnsignedLong(mask) << 32) | Integer.toUnsignedLong(flags)
                : (Integer.toUnsignedLong(flags) << 32) | Integer.toUnsignedLong(mask);
    }

    private static void putNetmask(MessageWriter w, AddressFamily family, int bits) {
        if (family == AddressFamily.INET) {
            // IPv4: a be32 mask (nla_get_be32)
            w.putU32Be(SVC_ATTR_NETMASK, bits == 0 ? 0 : -1 << (32 - bits));
        } else {
            // IPv6: the prefix length, read as a raw host-order u32
            w.putU32(SVC_ATTR_NETMASK, bits);
        }
    }

    /** IPVS_CMD_ATTR_DEST with only the identity (family, address, port). */
    public static void destIdentity(MessageWriter w, Endpoint endpoint) {
        int nest = w.beginNested(CMD_ATTR_DEST);
        w.putU16(DEST_ATTR_ADDR_FAMILY, endpoint.family().value());
        w.putAddress(DEST_ATTR_ADDR, endpoint.address(), true);
        w.putU16Be(DEST_ATTR_PORT, endpoint.port());
        w.endNested(nest);
    }

    /** IPVS_CMD_ATTR_DEST with every attribute NEW/SET_DEST require (SET_DEST is a full replace). */
    public static void destFull(MessageWriter w, RealServer server) {
        int nest = w.beginNested(CMD_ATTR_DEST);
        Endpoint endpoint = server.endpoint();
        w.putU16(DEST_ATTR_ADDR_FAMILY, endpoint.family().value());
        w.putAddress(DEST_ATTR_ADDR, endpoint.address(), true);
        w.putU16Be(DEST_ATTR_PORT, endpoint.port());
        w.putU32(DEST_ATTR_FWD_METHOD, server.forwarding().value());
        w.putU32(DEST_ATTR_WEIGHT, server.weight());
        Tunnel tunnel = server.forwarding() == ForwardingMethod.TUNNEL ? server.tunnel().orElse(null) : null;
        w.putU8(DEST_ATTR_TUN_TYPE, tunnel == null ? 0 : tunnel.type().value());
        w.putU16Be(DEST_ATTR_TUN_PORT, tunnel == null ? 0 : tunnel.port());
        w.putU16(DEST_ATTR_TUN_FLAGS, tunnel == null ? 0 : tunnel.flagBits());
        Thresholds t = server.thresholds();
        w.putU32(DEST_ATTR_U_THRESH, (int) t.upper());
        w.putU32(DEST_ATTR_L_THRESH, (int) t.lower());
        w.endNested(nest);
    }

    public static void daemonFull(MessageWriter w, SyncDaemon daemon) {
        int nest = w.beginNested(CMD_ATTR_DAEMON);
        w.putU32(DAEMON_ATTR_STATE, daemon.state().value());
        w.putString(DAEMON_ATTR_MCAST_IFN, daemon.interfaceName());
        w.putU32(DAEMON_ATTR_SYNC_ID, daemon.syncId());
        daemon.maxLength().ifPresent(v -> w.putU16(DAEMON_ATTR_SYNC_MAXLEN, v));
        daemon.multicastGroup().ifPresent(g -> {
            if (g instanceof Inet4Address) {
                w.putAddress(DAEMON_ATTR_MCAST_GROUP, g);      // be32, nla_get_in_addr
            } else {
                w.putAddress(DAEMON_ATTR_MCAST_GROUP6, g);     // struct in6_addr
            }
        });
        daemon.multicastPort().ifPresent(v -> w.putU16(DAEMON_ATTR_MCAST_PORT, v));
        daemon.multicastTtl().ifPresent(v -> w.putU8(DAEMON_ATTR_MCAST_TTL, v));
        w.endNested(nest);
    }

    public static void daemonState(MessageWriter w, SyncState state) {
        int nest = w.beginNested(CMD_ATTR_DAEMON);
        w.putU32(DAEMON_ATTR_STATE, state.value());
        w.endNested(nest);
    }

    /** SET_CONFIG attributes; a zero duration is sent as 0, which the kernel reads as "unchanged". */
    public static void timeouts(MessageWriter w, Timeouts timeouts) {
        w.putU32(CMD_ATTR_TIMEOUT_TCP, (int) timeouts.tcp().getSeconds());
        w.putU32(CMD_ATTR_TIMEOUT_TCP_FIN, (int) timeouts.tcpFin().getSeconds());
        w.putU32(CMD_ATTR_TIMEOUT_UDP, (int) timeouts.udp().getSeconds());
    }

    /** The IPVS command that carries {@code change}. */
    public static int command(io.ipvs4j.Change change) {
        if (change instanceof io.ipvs4j.Change.AddService) {
            return CMD_NEW_SERVICE;
        } else if (change instanceof io.ipvs4j.Change.UpdateService) {
            return CMD_SET_SERVICE;
        } else if (change instanceof io.ipvs4j.Change.RemoveService) {
            return CMD_DEL_SERVICE;
        } else if (change instanceof io.ipvs4j.Change.AddRealServer) {
            return CMD_NEW_DEST;
        } else if (change instanceof io.ipvs4j.Change.UpdateRealServer) {
            return CMD_SET_DEST;
        } else {
            return CMD_DEL_DEST;
        }
    }

    /** Writes the attributes of {@code change} (the same ones the single-change methods send). */
    public static void encodeChange(MessageWriter w, io.ipvs4j.Change change) {
        if (change instanceof io.ipvs4j.Change.AddService c) {
            serviceFull(w, c.service(), c.service().flagBits(), -1);
        } else if (change instanceof io.ipvs4j.Change.UpdateService c) {
            serviceFull(w, c.service(), c.service().flagBits(), ServiceFlag.modelBits(c.service().key()));
        } else if (change instanceof io.ipvs4j.Change.RemoveService c) {
            serviceIdentity(w, c.key());
        } else if (change instanceof io.ipvs4j.Change.AddRealServer c) {
            serviceIdentity(w, c.key());
            destFull(w, c.realServer());
        } else if (change instanceof io.ipvs4j.Change.UpdateRealServer c) {
            serviceIdentity(w, c.key());
            destFull(w, c.realServer());
        } else if (change instanceof io.ipvs4j.Change.RemoveRealServer c) {
            serviceIdentity(w, c.key());
            destIdentity(w, c.endpoint());
        }
    }

    // ---- replies --------------------------------------------------------------------------

    /** Checks the generic header of an IPVS reply and returns a cursor over its attributes. */
    public static AttributeCursor replyAttributes(ByteBuffer buffer, int payload, int end, int expectedCmd)
            throws MalformedMessageException {
        checkReplyHeader(buffer, payload, end, expectedCmd);
        return AttributeCursor.over(buffer, payload + Nl.GENL_HDRLEN, end);
    }

    private static void checkReplyHeader(ByteBuffer buffer, int payload, int end, int expectedCmd)
            throws MalformedMessageException {
        if (end - payload < Nl.GENL_HDRLEN) {
            throw new MalformedMessageException("IPVS reply of " + (end - payload) + " bytes has no genetlink header");
        }
        int cmd = Byte.toUnsignedInt(buffer.get(payload));
        if (cmd != expectedCmd) {
            throw new MalformedMessageException("IPVS reply has command " + cmd + ", expected " + expectedCmd);
        }
    }

    /**
     * Decodes a NEW_SERVICE reply message (one service) into its configuration and stats.
     *
     * @throws MalformedMessageException if the message is malformed, or well formed but the
     *     service is not representable (use {@link #decodeServiceEntry} to keep such entries)
     */
    public static ServiceStatus decodeService(ByteBuffer buffer, int payload, int end) throws MalformedMessageException {
        return decodeService(buffer, payload, end, DecodeScratch.oneOff());
    }

    /** {@link #decodeService(ByteBuffer, int, int)} reusing {@code scratch}'s cursors. */
    public static ServiceStatus decodeService(ByteBuffer buffer, int payload, int end, DecodeScratch scratch)
            throws MalformedMessageException {
        return decodeServiceEntry(buffer, payload, end, scratch).valueOrThrow();
    }

    /**
     * Decodes a NEW_SERVICE reply message into either a full model value or, when the entry is
     * well formed but the model cannot represent it, a {@link ForeignEntry} naming the attribute
     * and carrying a copy of the attributes. Only a malformed message (bad lengths, missing
     * attributes the kernel always sends) throws.
     */
    public static Decoded<ServiceStatus> decodeServiceEntry(ByteBuffer buffer, int payload, int end, DecodeScratch scratch)
            throws MalformedMessageException {
        checkReplyHeader(buffer, payload, end, CMD_NEW_SERVICE);
        AttributeCursor top = scratch.cursor(0).reset(buffer, payload + Nl.GENL_HDRLEN, end);
        while (top.next()) {
            if (top.type() == CMD_ATTR_SERVICE) {
                return decodeServiceAttributes(top.nested(scratch.cursor(1)), scratch, top.payloadOffset(), top.length());
            }
        }
        throw new MalformedMessageException("NEW_SERVICE reply without IPVS_CMD_ATTR_SERVICE");
    }

    /**
     * Either a decoded model value or the foreign entry it could not become (exactly one is
     * non-null).
     */
    public record Decoded<T>(T value, ForeignEntry foreign) {
        public Decoded {
            if ((value == null) == (foreign == null)) {
                throw new IllegalArgumentException("exactly one of value and foreign must be set");
            }
        }

        /** The value, or a {@link MalformedMessageException} naming why the entry is foreign. */
        public T valueOrThrow() throws MalformedMessageException {
            if (foreign != null) {
                throw new MalformedMessageException("kernel reported an entry the model cannot hold: "
                        + foreign.attribute() + "=" + foreign.value() + ": " + foreign.reason());
            }
            return value;
        }
    }

    /** Why a well-formed entry is not representable: thrown inside the decoder, caught at its end. */
    private static final class Unrepresentable extends Exception {
        final String attribute;
        final String value;

        Unrepresentable(String attribute, Object value, String reason) {
            super(reason, null, false, false);
            this.attribute = attribute;
            this.value = String.valueOf(value);
        }
    }

    /**
     * The attributes of a foreign entry. [at, at + length) lies inside the received message (the
     * cursor checked it), so the copy is bounded by the receive buffer; {@link ForeignEntry}
     * keeps at most {@link ForeignEntry#MAX_ATTRIBUTE_BYTES} of it and the full length.
     */
    private static byte[] copy(ByteBuffer buffer, int at, int length) {
        byte[] raw = new byte[length];
        buffer.get(at, raw);
        return raw;
    }

    private static Decoded<ServiceStatus> decodeServiceAttributes(AttributeCursor a, DecodeScratch scratch,
            int rawAt, int rawLength) throws MalformedMessageException {
        int af = -1;
        int protocol = -1;
        int port = -1;
        long fwmark = -1;
        InetAddress address = null;
        String scheduler = null;
        String pe = null;
        int flags = 0;
        boolean hasFlags = false;
        long timeout = 0;
        int netmask = 0;
        AttributeCursor stats32 = null;   // decoded only when the kernel sent no STATS64 (before 4.1)
        Stats stats64 = null;
        while (a.next()) {
            switch (a.type()) {
                case SVC_ATTR_AF -> af = a.u16();
                case SVC_ATTR_PROTOCOL -> protocol = a.u16();
                case SVC_ATTR_ADDR -> {
                    address = a.length() >= 16 ? a.address(16) : a.address(4);
                }
                case SVC_ATTR_PORT -> port = a.u16Be();
                case SVC_ATTR_FWMARK -> fwmark = Integer.toUnsignedLong(a.u32());
                case SVC_ATTR_SCHED_NAME -> scheduler = a.string();
                case SVC_ATTR_PE_NAME -> pe = a.string();
                case SVC_ATTR_FLAGS -> {
                    if (a.length() != 8) {
                        throw new MalformedMessageException("service FLAGS attribute has " + a.length() + " bytes, expected 8");
                    }
                    flags = (int) (nativeFirstU32(a.u64()));
                    hasFlags = true;
                }
                case SVC_ATTR_TIMEOUT -> timeout = Integer.toUnsignedLong(a.u32());
                case SVC_ATTR_NETMASK -> netmask = a.u32();
                case SVC_ATTR_STATS -> stats32 = a.nested(scratch.cursor(3));
                case SVC_ATTR_STATS64 -> stats64 = decodeStats(a.nested(scratch.cursor(2)));
                default -> { }
            }
        }
        if (af < 0) {
            throw new MalformedMessageException("service without IPVS_SVC_ATTR_AF");
        }
        if (fwmark < 0 && (protocol < 0 || address == null || port < 0)) {
            throw new MalformedMessageException("service without FWMARK lacks PROTOCOL, ADDR or PORT");
        }
        if (scheduler == null || !hasFlags) {
            throw new MalformedMessageException("service lacks SCHED_NAME or FLAGS");
        }
        ServiceKey key = null;
        try {
            AddressFamily family = family(af);
            key = serviceKey(family, fwmark, protocol, address, port);
            VirtualService service = serviceOf(key, scheduler, flags, timeout, netmask, pe);
            Stats stats = stats64 != null ? stats64 : stats32 != null ? decodeStats(stats32) : Stats.ZERO;
            return new Decoded<>(new ServiceStatus(service, stats), null);
        } catch (Unrepresentable u) {
            // The kernel holds entries the model rejects (set by another tool): keep them visible.
            return new Decoded<>(null, new ForeignEntry(ForeignEntry.Kind.SERVICE, java.util.Optional.ofNullable(key),
                    java.util.Optional.empty(), copy(a.buffer(), rawAt, rawLength), u.attribute, u.value,
                    u.getMessage(), java.util.List.of()));
        }
    }

    private static AddressFamily family(int af) throws Unrepresentable {
        try {
            return AddressFamily.fromValue(af);
        } catch (IllegalArgumentException e) {
            throw new Unrepresentable("IPVS_SVC_ATTR_AF", af, e.getMessage());
        }
    }

    private static ServiceKey serviceKey(AddressFamily family, long fwmark, int protocol, InetAddress address, int port)
            throws Unrepresentable, MalformedMessageException {
        if (fwmark >= 0) {
            try {
                return ServiceKey.fwmark(fwmark, family);
            } catch (IllegalArgumentException e) {
                throw new Unrepresentable("IPVS_SVC_ATTR_FWMARK", fwmark, e.getMessage());
            }
        }
        Protocol proto;
        try {
            proto = Protocol.fromValue(protocol);
        } catch (IllegalArgumentException e) {
            throw new Unrepresentable("IPVS_SVC_ATTR_PROTOCOL", protocol, e.getMessage());
        }
        InetAddress addr = family == AddressFamily.INET ? truncateToV4(address) : address;
        try {
            return ServiceKey.inet(proto, addr, port);
        } catch (IllegalArgumentException e) {
            throw new Unrepresentable("IPVS_SVC_ATTR_ADDR", addr.getHostAddress() + " port " + port, e.getMessage());
        }
    }

    private static VirtualService serviceOf(ServiceKey key, String scheduler, int flags, long timeout, int netmask,
            String pe) throws Unrepresentable {
        AddressFamily family = key.family();
        Scheduler sched;
        try {
            sched = Scheduler.of(scheduler);
        } catch (IllegalArgumentException e) {
            throw new Unrepresentable("IPVS_SVC_ATTR_SCHED_NAME", scheduler, e.getMessage());
        }
        Set<ServiceFlag> flagSet = EnumSet.noneOf(ServiceFlag.class);
        flagSet.addAll(ServiceFlag.fromKernelBits(flags & ~SVC_F_HASHED, key, sched));
        boolean persistent = flagSet.remove(ServiceFlag.PERSISTENT);
        VirtualService.Builder b = VirtualService.builder(key).scheduler(sched).flags(flagSet);
        if (persistent) {
            int bits = netmaskBits(family, netmask);
            try {
                b.persistence(bits == family.addressBits()
                        ? Persistence.of(Duration.ofSeconds(timeout))
                        : Persistence.of(Duration.ofSeconds(timeout), bits));
            } catch (IllegalArgumentException e) {
                throw new Unrepresentable("IPVS_SVC_ATTR_TIMEOUT", timeout, e.getMessage());
            }
        }
        if (pe != null && !pe.isEmpty()) {
            try {
                b.persistenceEngine(pe);
            } catch (IllegalArgumentException e) {
                throw new Unrepresentable("IPVS_SVC_ATTR_PE_NAME", pe, e.getMessage());
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            // A rule across attributes (e.g. port 0 without persistence, an engine without persistence).
            throw new Unrepresentable("IPVS_SVC_ATTR_FLAGS", "0x" + Integer.toHexString(flags) + " scheduler " + scheduler
                    + " timeout " + timeout + (pe == null || pe.isEmpty() ? "" : " pe " + pe), e.getMessage());
        }
    }

    private static InetAddress truncateToV4(InetAddress address) throws MalformedMessageException {
        if (address instanceof Inet4Address) {
            return address;
        }
        byte[] raw = address.getAddress();
        try {
            return InetAddress.getByAddress(java.util.Arrays.copyOf(raw, 4));
        } catch (java.net.UnknownHostException e) {
            throw new MalformedMessageException("bad IPv4 address");
        }
    }

    private static long nativeFirstU32(long u64) {
        return java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN ? u64 & 0xffffffffL : u64 >>> 32;
    }

    private static int netmaskBits(AddressFamily family, int raw) throws Unrepresentable {
        if (family == AddressFamily.INET6) {
            if (raw < 0 || raw > 128) {
                throw new Unrepresentable("IPVS_SVC_ATTR_NETMASK", Integer.toUnsignedString(raw),
                        "IPv6 persistence netmask is not a prefix length 0..128");
            }
            return raw;
        }
        int mask = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN ? Integer.reverseBytes(raw) : raw;
        int bits = Integer.bitCount(mask);
        if (bits != 0 && mask != -1 << (32 - bits)) {
            throw new Unrepresentable("IPVS_SVC_ATTR_NETMASK", ((mask >>> 24) & 0xff) + "." + ((mask >>> 16) & 0xff)
                    + "." + ((mask >>> 8) & 0xff) + "." + (mask & 0xff),
                    "IPv4 persistence netmask is not contiguous; ipvs4j models persistence masks as prefix lengths");
        }
        return bits;
    }

    /**
     * Decodes a NEW_DEST reply message; {@code serviceFamily} is used when ADDR_FAMILY is absent (kernels before 3.18).
     *
     * @throws MalformedMessageException if the message is malformed, or well formed but the
     *     real server is not representable (use {@link #decodeDestEntry} to keep such entries)
     */
    public static RealServerStatus decodeDest(ByteBuffer buffer, int payload, int end, AddressFamily serviceFamily)
            throws MalformedMessageException {
        return decodeDest(buffer, payload, end, serviceFamily, DecodeScratch.oneOff());
    }

    /**
     * {@link #decodeDest(ByteBuffer, int, int, AddressFamily)} reusing {@code scratch}'s cursors
     * and addresses: a listing allocates only the values it returns.
     */
    public static RealServerStatus decodeDest(ByteBuffer buffer, int payload, int end, AddressFamily serviceFamily,
            DecodeScratch scratch) throws MalformedMessageException {
        return decodeDestEntry(buffer, payload, end, serviceFamily, null, scratch).valueOrThrow();
    }

    /**
     * Decodes a NEW_DEST reply message of a dump of service {@code service} into either a full
     * model value or a {@link ForeignEntry} (see {@link #decodeServiceEntry}).
     */
    public static Decoded<RealServerStatus> decodeDestEntry(ByteBuffer buffer, int payload, int end, ServiceKey service,
            DecodeScratch scratch) throws MalformedMessageException {
        return decodeDestEntry(buffer, payload, end, service.family(), service, scratch);
    }

    private static Decoded<RealServerStatus> decodeDestEntry(ByteBuffer buffer, int payload, int end,
            AddressFamily serviceFamily, ServiceKey service, DecodeScratch scratch) throws MalformedMessageException {
        checkReplyHeader(buffer, payload, end, CMD_NEW_DEST);
        AttributeCursor top = scratch.cursor(0).reset(buffer, payload + Nl.GENL_HDRLEN, end);
        while (top.next()) {
            if (top.type() == CMD_ATTR_DEST) {
                return decodeDestAttributes(top.nested(scratch.cursor(1)), serviceFamily, service, scratch,
                        top.payloadOffset(), top.length());
            }
        }
        throw new MalformedMessageException("NEW_DEST reply without IPVS_CMD_ATTR_DEST");
    }

    // A placeholder service key for the strict decoder, which reports foreign entries as errors.
    private static final ServiceKey UNKNOWN_SERVICE = ServiceKey.fwmark(1, AddressFamily.INET);

    private static Decoded<RealServerStatus> decodeDestAttributes(AttributeCursor a, AddressFamily serviceFamily,
            ServiceKey service, DecodeScratch scratch, int rawAt, int rawLength) throws MalformedMessageException {
        int addrAt = -1;
        int addrLength = 0;
        int port = -1;
        int fwd = -1;
        long weight = -1;
        int tunType = 0;
        int tunPort = 0;
        int tunFlags = 0;
        long upper = 0;
        long lower = 0;
        long active = 0;
        long inactive = 0;
        long persistent = 0;
        int af = -1;
        AttributeCursor stats32 = null;   // decoded only when the kernel sent no STATS64 (before 4.1)
        Stats stats64 = null;
        while (a.next()) {
            switch (a.type()) {
                case DEST_ATTR_ADDR -> {
                    if (a.length() != 4 && a.length() != 16) {
                        throw new MalformedMessageException("dest ADDR has " + a.length() + " bytes, expected 4 or 16");
                    }
                    addrAt = a.payloadOffset();
                    addrLength = a.length();
                }
                case DEST_ATTR_PORT -> port = a.u16Be();
                case DEST_ATTR_FWD_METHOD -> fwd = a.u32() & CONN_F_FWD_MASK;
                case DEST_ATTR_WEIGHT -> weight = Integer.toUnsignedLong(a.u32());
                case DEST_ATTR_TUN_TYPE -> tunType = a.u8();
                case DEST_ATTR_TUN_PORT -> tunPort = a.u16Be();
                case DEST_ATTR_TUN_FLAGS -> tunFlags = a.u16();
                case DEST_ATTR_U_THRESH -> upper = Integer.toUnsignedLong(a.u32());
                case DEST_ATTR_L_THRESH -> lower = Integer.toUnsignedLong(a.u32());
                case DEST_ATTR_ACTIVE_CONNS -> active = Integer.toUnsignedLong(a.u32());
                case DEST_ATTR_INACT_CONNS -> inactive = Integer.toUnsignedLong(a.u32());
                case DEST_ATTR_PERSIST_CONNS -> persistent = Integer.toUnsignedLong(a.u32());
                case DEST_ATTR_ADDR_FAMILY -> af = a.u16();
                case DEST_ATTR_STATS -> stats32 = a.nested(scratch.cursor(3));
                case DEST_ATTR_STATS64 -> stats64 = decodeStats(a.nested(scratch.cursor(2)));
                default -> { }
            }
        }
        if (addrAt < 0 || port < 0 || fwd < 0 || weight < 0) {
            throw new MalformedMessageException("dest lacks ADDR, PORT, FWD_METHOD or WEIGHT");
        }
        Endpoint endpoint = null;
        try {
            AddressFamily family = af < 0 ? serviceFamily : destFamily(af);
            int size = family == AddressFamily.INET ? 4 : 16;
            if (addrLength < size) {
                throw new MalformedMessageException("dest ADDR of " + addrLength + " bytes for " + family);
            }
            // [addrAt, addrAt + addrLength) was bounds-checked by the cursor when it read the attribute.
            InetAddress address = scratch.addresses().address(a.buffer(), addrAt, size);
            endpoint = new Endpoint(address, port);
            RealServer server = realServerOf(endpoint, fwd, weight, upper, lower, tunType, tunPort, tunFlags);
            Stats stats = stats64 != null ? stats64 : stats32 != null ? decodeStats(stats32) : Stats.ZERO;
            return new Decoded<>(new RealServerStatus(server, active, inactive, persistent, stats), null);
        } catch (Unrepresentable u) {
            return new Decoded<>(null, new ForeignEntry(ForeignEntry.Kind.REAL_SERVER,
                    java.util.Optional.of(service == null ? UNKNOWN_SERVICE : service), java.util.Optional.ofNullable(endpoint),
                    copy(a.buffer(), rawAt, rawLength), u.attribute, u.value, u.getMessage(), java.util.List.of()));
        }
    }

    private static AddressFamily destFamily(int af) throws Unrepresentable {
        try {
            return AddressFamily.fromValue(af);
        } catch (IllegalArgumentException e) {
            throw new Unrepresentable("IPVS_DEST_ATTR_ADDR_FAMILY", af, e.getMessage());
        }
    }

    private static RealServer realServerOf(Endpoint endpoint, int fwd, long weight, long upper, long lower, int tunType,
            int tunPort, int tunFlags) throws Unrepresentable {
        if (fwd >= FORWARDING_METHODS.length) {
            throw new Unrepresentable("IPVS_DEST_ATTR_FWD_METHOD", fwd, "forwarding method " + fwd
                    + " (conn_flags & IP_VS_CONN_F_FWD_MASK) is none of masq 0, local 1, tunnel 2, route 3");
        }
        ForwardingMethod method = FORWARDING_METHODS[fwd];
        RealServer.Builder b = RealServer.builder(endpoint).forwarding(method);
        if (weight > Integer.MAX_VALUE) {
            throw new Unrepresentable("IPVS_DEST_ATTR_WEIGHT", weight, "weight must be 0..2147483647");
        }
        b.weight((int) weight);
        try {
            b.thresholds(upper == 0 && lower == 0 ? Thresholds.NONE : new Thresholds(upper, lower));
        } catch (IllegalArgumentException e) {
            throw new Unrepresentable(upper > Integer.MAX_VALUE ? "IPVS_DEST_ATTR_U_THRESH" : "IPVS_DEST_ATTR_L_THRESH",
                    upper > Integer.MAX_VALUE ? upper : lower, e.getMessage());
        }
        if (method == ForwardingMethod.TUNNEL) {
            b.tunnel(tunnel(tunType, tunPort, tunFlags));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new Unrepresentable("IPVS_DEST_ATTR_FWD_METHOD", fwd, e.getMessage());
        }
    }

    private static Tunnel tunnel(int type, int port, int flagBits) throws Unrepresentable {
        TunnelType tunnelType;
        try {
            tunnelType = TunnelType.fromValue(type);
        } catch (IllegalArgumentException e) {
            throw new Unrepresentable("IPVS_DEST_ATTR_TUN_TYPE", type, e.getMessage());
        }
        TunnelFlag[] flags;
        try {
            flags = TunnelFlag.fromBits(flagBits).toArray(new TunnelFlag[0]);
        } catch (IllegalArgumentException e) {
            throw new Unrepresentable("IPVS_DEST_ATTR_TUN_FLAGS", "0x" + Integer.toHexString(flagBits), e.getMessage());
        }
        try {
            return switch (tunnelType) {
                case IPIP -> Tunnel.ipip();
                case GUE -> Tunnel.gue(port, flags);
                case GRE -> Tunnel.gre(flags);
            };
        } catch (IllegalArgumentException e) {
            throw new Unrepresentable(tunnelType == TunnelType.GUE && (port < 1) ? "IPVS_DEST_ATTR_TUN_PORT"
                    : "IPVS_DEST_ATTR_TUN_FLAGS", "type " + tunnelType + " port " + port + " flags 0x"
                    + Integer.toHexString(flagBits), e.getMessage());
        }
    }

    static Stats decodeStats(AttributeCursor a) throws MalformedMessageException {
        long conns = 0, inPkts = 0, outPkts = 0, inBytes = 0, outBytes = 0;
        long cps = 0, inPps = 0, outPps = 0, inBps = 0, outBps = 0;
        while (a.next()) {
            switch (a.type()) {
                case STATS_ATTR_CONNS -> conns = a.unsigned();
                case STATS_ATTR_INPKTS -> inPkts = a.unsigned();
                case STATS_ATTR_OUTPKTS -> outPkts = a.unsigned();
                case STATS_ATTR_INBYTES -> inBytes = a.unsigned();
                case STATS_ATTR_OUTBYTES -> outBytes = a.unsigned();
                case STATS_ATTR_CPS -> cps = a.unsigned();
                case STATS_ATTR_INPPS -> inPps = a.unsigned();
                case STATS_ATTR_OUTPPS -> outPps = a.unsigned();
                case STATS_ATTR_INBPS -> inBps = a.unsigned();
                case STATS_ATTR_OUTBPS -> outBps = a.unsigned();
                default -> { }
            }
        }
        return new Stats(conns, inPkts, outPkts, inBytes, outBytes, cps, inPps, outPps, inBps, outBps);
    }

    public static SyncDaemon decodeDaemon(ByteBuffer buffer, int payload, int end) throws MalformedMessageException {
        AttributeCursor top = replyAttributes(buffer, payload, end, CMD_NEW_DAEMON);
        while (top.next()) {
            if (top.type() != CMD_ATTR_DAEMON) {
                continue;
            }
            AttributeCursor a = top.nested();
            int state = -1;
            String ifname = null;
            int syncId = -1;
            int maxLen = 0;
            int mport = 0;
            int ttl = 0;
            InetAddress group = null;
            while (a.next()) {
                switch (a.type()) {
                    case DAEMON_ATTR_STATE -> state = a.u32();
                    case DAEMON_ATTR_MCAST_IFN -> ifname = a.string();
                    case DAEMON_ATTR_SYNC_ID -> syncId = a.u32();
                    case DAEMON_ATTR_SYNC_MAXLEN -> maxLen = a.u16();
                    case DAEMON_ATTR_MCAST_PORT -> mport = a.u16();
                    case DAEMON_ATTR_MCAST_TTL -> ttl = a.u8();
                    case DAEMON_ATTR_MCAST_GROUP -> group = a.address(4);
                    case DAEMON_ATTR_MCAST_GROUP6 -> group = a.address(16);
                    default -> { }
                }
            }
            if (state < 0 || ifname == null || syncId < 0) {
                throw new MalformedMessageException("sync daemon lacks STATE, MCAST_IFN or SYNC_ID");
            }
            try {
                SyncDaemon.Builder b = SyncDaemon.builder(SyncState.fromValue(state), ifname, syncId);
                if (maxLen > 0) {
                    b.maxLength(maxLen);
                }
                if (mport > 0) {
                    b.multicastPort(mport);
                }
                if (ttl > 0) {
                    b.multicastTtl(ttl);
                }
                if (group != null && !group.isAnyLocalAddress()) {
                    b.multicastGroup(group);
                }
                return b.build();
            } catch (IllegalArgumentException e) {
                throw new MalformedMessageException("kernel reported a sync daemon the model cannot hold: " + e.getMessage());
            }
        }
        throw new MalformedMessageException("NEW_DAEMON reply without IPVS_CMD_ATTR_DAEMON");
    }

    public static Timeouts decodeTimeouts(ByteBuffer buffer, int payload, int end) throws MalformedMessageException {
        AttributeCursor a = replyAttributes(buffer, payload, end, CMD_SET_CONFIG);
        long tcp = 0;
        long fin = 0;
        long udp = 0;
        while (a.next()) {
            switch (a.type()) {
                case CMD_ATTR_TIMEOUT_TCP -> tcp = Integer.toUnsignedLong(a.u32());
                case CMD_ATTR_TIMEOUT_TCP_FIN -> fin = Integer.toUnsignedLong(a.u32());
                case CMD_ATTR_TIMEOUT_UDP -> udp = Integer.toUnsignedLong(a.u32());
                default -> { }
            }
        }
        try {
            return Timeouts.ofSeconds(tcp, fin, udp);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("kernel reported timeouts the model cannot hold: " + e.getMessage());
        }
    }

    public static IpvsInfo decodeInfo(ByteBuffer buffer, int payload, int end) throws MalformedMessageException {
        AttributeCursor a = replyAttributes(buffer, payload, end, CMD_SET_INFO);
        int version = -1;
        int size = -1;
        while (a.next()) {
            switch (a.type()) {
                case INFO_ATTR_VERSION -> version = a.u32();
                case INFO_ATTR_CONN_TAB_SIZE -> size = a.u32();
                default -> { }
            }
        }
        if (version < 0 || size < 0) {
            throw new MalformedMessageException("GET_INFO reply lacks VERSION or CONN_TAB_SIZE");
        }
        return new IpvsInfo(version, size);
    }

    private static ForwardingMethod[] forwardingMethodsByValue() {
        ForwardingMethod[] byValue = new ForwardingMethod[ForwardingMethod.values().length];
        for (ForwardingMethod m : ForwardingMethod.values()) {
            byValue[m.value()] = m;
        }
        return byValue;
    }
}
