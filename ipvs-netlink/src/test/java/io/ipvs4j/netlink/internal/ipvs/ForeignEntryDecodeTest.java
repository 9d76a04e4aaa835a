package io.ipvs4j.netlink.internal.ipvs;

import static io.ipvs4j.netlink.internal.ipvs.IpvsUapi.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.ForeignEntry;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.netlink.internal.nl.DecodeScratch;
import io.ipvs4j.netlink.internal.nl.MalformedMessageException;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Well-formed entries the model cannot represent (as another tool can write them into the
 * kernel's table) decode into {@link ForeignEntry}s naming the attribute, the value and why,
 * with the key when readable and a copy of the attributes; malformed messages still throw.
 */
class ForeignEntryDecodeTest {
    static final ServiceKey WEB = ServiceKey.tcp("192.0.2.1", 80);
    static final Endpoint RS = Endpoint.of("198.51.100.3", 80);

    /** The attributes of one service, as the kernel's ip_vs_genl_fill_service writes them. */
    static final class Svc {
        int af = 2;
        int protocol = 6;
        String address = "192.0.2.1";
        int port = 80;
        long fwmark = -1;
        String scheduler = "rr";
        String pe;
        int flags = SVC_F_HASHED;
        int timeout;
        Integer netmask = 0xffffffff;   // IPv4: a mask (be32); IPv6: a prefix length (host order)

        Svc persistent(int seconds) {
            flags |= 0x1;
            timeout = seconds;
            return this;
        }

        void write(MessageWriter w) {
            w.putU16(SVC_ATTR_AF, af);
            if (fwmark >= 0) {
                w.putU32(SVC_ATTR_FWMARK, (int) fwmark);
            } else {
                w.putU16(SVC_ATTR_PROTOCOL, protocol);
                w.putAddress(SVC_ATTR_ADDR, addr(address), true);
                w.putU16Be(SVC_ATTR_PORT, port);
            }
            w.putString(SVC_ATTR_SCHED_NAME, scheduler);
            if (pe != null) {
                w.putString(SVC_ATTR_PE_NAME, pe);
            }
            w.putU64(SVC_ATTR_FLAGS, flagsPair(flags, -1));
            w.putU32(SVC_ATTR_TIMEOUT, timeout);
            if (af == 10) {
                w.putU32(SVC_ATTR_NETMASK, netmask);
            } else {
                w.putU32Be(SVC_ATTR_NETMASK, netmask);
            }
        }
    }

    /** The attributes of one real server, as ip_vs_genl_fill_dest writes them. */
    static final class Dest {
        String address = "198.51.100.3";
        int port = 80;
        int fwd = 3;
        int weight = 1;
        int upper;
        int lower;
        int af = 2;
        int tunType;
        int tunPort;
        int tunFlags;

        void write(MessageWriter w) {
            w.putAddress(DEST_ATTR_ADDR, addr(address), true);
            w.putU16Be(DEST_ATTR_PORT, port);
            w.putU32(DEST_ATTR_FWD_METHOD, fwd);
            w.putU32(DEST_ATTR_WEIGHT, weight);
            w.putU8(DEST_ATTR_TUN_TYPE, tunType);
            w.putU16Be(DEST_ATTR_TUN_PORT, tunPort);
            w.putU16(DEST_ATTR_TUN_FLAGS, tunFlags);
            w.putU32(DEST_ATTR_U_THRESH, upper);
            w.putU32(DEST_ATTR_L_THRESH, lower);
            w.putU32(DEST_ATTR_ACTIVE_CONNS, 7);
            w.putU32(DEST_ATTR_INACT_CONNS, 0);
            w.putU32(DEST_ATTR_PERSIST_CONNS, 0);
            w.putU16(DEST_ATTR_ADDR_FAMILY, af);
        }
    }

    static long flagsPair(int flags, int mask) {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
                ? (Integer.toUnsignedLong(mask) << 32) | Integer.toUnsignedLong(flags)
                : (Integer.toUnsignedLong(flags) << 32) | Integer.toUnsignedLong(mask);
    }

    static InetAddress addr(String text) {
        return io.ipvs4j.model.InetAddresses.parse(text);
    }

    /** One reply message: nlmsghdr + genlmsghdr + the nested attribute {@code nest} around {@code body}. */
    static ByteBuffer message(int cmd, int nest, Consumer<MessageWriter> body) {
        MessageWriter w = new MessageWriter(8192);
        int start = IpvsCodec.begin(w, 42, cmd, 0, 1);
        int n = w.beginNested(nest);
        body.accept(w);
        w.endNested(n);
        w.endMessage(start);
        ByteBuffer b = w.buffer();
        b.flip();
        return b;
    }

    static byte[] bytes(Consumer<MessageWriter> body) {
        MessageWriter w = new MessageWriter(8192);
        body.accept(w);
        byte[] out = new byte[w.size()];
        w.buffer().get(0, out);
        return out;
    }

    static IpvsCodec.Decoded<ServiceStatus> service(Svc svc) throws MalformedMessageException {
        ByteBuffer b = message(CMD_NEW_SERVICE, CMD_ATTR_SERVICE, svc::write);
        return IpvsCodec.decodeServiceEntry(b, 16, b.limit(), DecodeScratch.oneOff());
    }

    static IpvsCodec.Decoded<RealServerStatus> dest(Dest dest) throws MalformedMessageException {
        ByteBuffer b = message(CMD_NEW_DEST, CMD_ATTR_DEST, dest::write);
        return IpvsCodec.decodeDestEntry(b, 16, b.limit(), WEB, DecodeScratch.oneOff());
    }

    static ForeignEntry foreignService(Svc svc, Optional<ServiceKey> key, String attribute, String value)
            throws MalformedMessageException {
        IpvsCodec.Decoded<ServiceStatus> d = service(svc);
        assertNull(d.value(), "must not decode into a model value");
        ForeignEntry f = d.foreign();
        assertEquals(ForeignEntry.Kind.SERVICE, f.kind());
        assertEquals(key, f.serviceKey());
        assertEquals(Optional.empty(), f.endpoint());
        assertEquals(attribute, f.attribute());
        assertEquals(value, f.value());
        assertArrayEquals(bytes(svc::write), f.attributes(), "the kernel's attributes, copied");
        assertTrue(f.toString().contains(attribute), f.toString());
        // The strict decoder, used where a foreign entry cannot be kept, throws a typed error naming it.
        ByteBuffer b = message(CMD_NEW_SERVICE, CMD_ATTR_SERVICE, svc::write);
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> IpvsCodec.decodeService(b, 16, b.limit()));
        assertTrue(e.getMessage().contains(attribute), e.getMessage());
        return f;
    }

    static ForeignEntry foreignDest(Dest dest, Optional<Endpoint> endpoint, String attribute, String value)
            throws MalformedMessageException {
        IpvsCodec.Decoded<RealServerStatus> d = dest(dest);
        assertNull(d.value(), "must not decode into a model value");
        ForeignEntry f = d.foreign();
        assertEquals(ForeignEntry.Kind.REAL_SERVER, f.kind());
        assertEquals(Optional.of(WEB), f.serviceKey());
        assertEquals(endpoint, f.endpoint());
        assertEquals(attribute, f.attribute());
        assertEquals(value, f.value());
        assertArrayEquals(bytes(dest::write), f.attributes());
        ByteBuffer b = message(CMD_NEW_DEST, CMD_ATTR_DEST, dest::write);
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> IpvsCodec.decodeDest(b, 16, b.limit(), WEB.family()));
        assertTrue(e.getMessage().contains(attribute), e.getMessage());
        return f;
    }

    @Test
    void representableEntriesStillDecodeIntoModelValues() throws Exception {
        Svc svc = new Svc().persistent(60);
        svc.netmask = 0xffffff00;
        IpvsCodec.Decoded<ServiceStatus> d = service(svc);
        assertNull(d.foreign());
        assertEquals(Persistence.of(java.time.Duration.ofSeconds(60), 24), d.value().service().persistence().orElseThrow());
        IpvsCodec.Decoded<RealServerStatus> r = dest(new Dest());
        assertNull(r.foreign());
        assertEquals(RS, r.value().endpoint());
        assertEquals(7, r.value().activeConnections());
    }

    @Test
    void nonContiguousIpv4PersistenceNetmask() throws Exception {
        // ipvsadm -A -t 192.0.2.1:80 -s rr -p 60 -M 255.0.255.0
        Svc svc = new Svc().persistent(60);
        svc.netmask = 0xff00ff00;
        ForeignEntry f = foreignService(svc, Optional.of(WEB), "IPVS_SVC_ATTR_NETMASK", "255.0.255.0");
        assertTrue(f.reason().contains("contiguous"), f.reason());
    }

    @Test
    void ipv6PersistencePrefixOutOfRange() throws Exception {
        Svc svc = new Svc().persistent(60);
        svc.af = 10;
        svc.address = "2001:db8::1";
        svc.netmask = 129;
        foreignService(svc, Optional.of(ServiceKey.tcp("2001:db8::1", 80)), "IPVS_SVC_ATTR_NETMASK", "129");
    }

    @Test
    void persistenceTimeoutAboveTheModelsLimit() throws Exception {
        Svc svc = new Svc().persistent((int) Persistence.MAX_TIMEOUT_SECONDS + 1);
        foreignService(svc, Optional.of(WEB), "IPVS_SVC_ATTR_TIMEOUT", "2678401");
        Svc huge = new Svc().persistent(-1);   // u32 4294967295
        foreignService(huge, Optional.of(WEB), "IPVS_SVC_ATTR_TIMEOUT", "4294967295");
        Svc zero = new Svc().persistent(0);
        foreignService(zero, Optional.of(WEB), "IPVS_SVC_ATTR_TIMEOUT", "0");
    }

    @Test
    void unknownAddressFamilyHasNoKey() throws Exception {
        Svc svc = new Svc();
        svc.af = 7;
        foreignService(svc, Optional.empty(), "IPVS_SVC_ATTR_AF", "7");
    }

    @Test
    void unknownProtocolHasNoKey() throws Exception {
        Svc svc = new Svc();
        svc.protocol = 1;
        foreignService(svc, Optional.empty(), "IPVS_SVC_ATTR_PROTOCOL", "1");
    }

    @Test
    void zeroFirewallMarkHasNoKey() throws Exception {
        Svc svc = new Svc();
        svc.fwmark = 0;
        foreignService(svc, Optional.empty(), "IPVS_SVC_ATTR_FWMARK", "0");
    }

    @Test
    void schedulerNameTheModelRejects() throws Exception {
        Svc svc = new Svc();
        svc.scheduler = "Not-A-Module";
        foreignService(svc, Optional.of(WEB), "IPVS_SVC_ATTR_SCHED_NAME", "Not-A-Module");
        Svc empty = new Svc();
        empty.scheduler = "";
        foreignService(empty, Optional.of(WEB), "IPVS_SVC_ATTR_SCHED_NAME", "");
    }

    @Test
    void persistenceEngineNameTheModelRejects() throws Exception {
        Svc svc = new Svc().persistent(60);
        svc.pe = "Bad Name";
        foreignService(svc, Optional.of(WEB), "IPVS_SVC_ATTR_PE_NAME", "Bad Name");
    }

    @Test
    void combinationsTheModelRejects() throws Exception {
        // Port 0 without persistence: ipvsadm refuses it, the kernel stores it.
        Svc port0 = new Svc();
        port0.port = 0;
        ForeignEntry f = foreignService(port0, Optional.of(ServiceKey.tcp("192.0.2.1", 0)), "IPVS_SVC_ATTR_FLAGS",
                "0x2 scheduler rr timeout 0");
        assertTrue(f.reason().contains("port 0"), f.reason());
        // A persistence engine without persistence.
        Svc pe = new Svc();
        pe.protocol = 17;
        pe.pe = "sip";
        foreignService(pe, Optional.of(ServiceKey.udp("192.0.2.1", 80)), "IPVS_SVC_ATTR_FLAGS",
                "0x2 scheduler rr timeout 0 pe sip");
    }

    @Test
    void unknownForwardingMethod() throws Exception {
        for (int fwd = 4; fwd <= 7; fwd++) {
            Dest d = new Dest();
            d.fwd = fwd;
            ForeignEntry f = foreignDest(d, Optional.of(RS), "IPVS_DEST_ATTR_FWD_METHOD", String.valueOf(fwd));
            assertTrue(f.reason().contains("forwarding method"), f.reason());
        }
    }

    @Test
    void unknownTunnelTypeAndFlagsAndGueWithoutPort() throws Exception {
        Dest type = new Dest();
        type.fwd = 2;
        type.tunType = 3;
        foreignDest(type, Optional.of(RS), "IPVS_DEST_ATTR_TUN_TYPE", "3");
        Dest flags = new Dest();
        flags.fwd = 2;
        flags.tunType = 1;
        flags.tunPort = 6080;
        flags.tunFlags = 0x4;
        foreignDest(flags, Optional.of(RS), "IPVS_DEST_ATTR_TUN_FLAGS", "0x4");
        Dest gue = new Dest();
        gue.fwd = 2;
        gue.tunType = 1;
        foreignDest(gue, Optional.of(RS), "IPVS_DEST_ATTR_TUN_PORT", "type GUE port 0 flags 0x0");
    }

    @Test
    void thresholdsAndWeightOutsideTheModel() throws Exception {
        Dest upper = new Dest();
        upper.upper = (int) 3_000_000_000L;
        foreignDest(upper, Optional.of(RS), "IPVS_DEST_ATTR_U_THRESH", "3000000000");
        Dest lower = new Dest();
        lower.upper = 5;
        lower.lower = 10;
        foreignDest(lower, Optional.of(RS), "IPVS_DEST_ATTR_L_THRESH", "10");
        Dest weight = new Dest();
        weight.weight = Integer.MIN_VALUE;
        foreignDest(weight, Optional.of(RS), "IPVS_DEST_ATTR_WEIGHT", "2147483648");
    }

    @Test
    void unknownRealServerAddressFamilyHasNoEndpoint() throws Exception {
        Dest d = new Dest();
        d.af = 7;
        foreignDest(d, Optional.empty(), "IPVS_DEST_ATTR_ADDR_FAMILY", "7");
    }

    @Test
    void malformedMessagesStillThrow() {
        // FLAGS of 4 bytes instead of struct ip_vs_flags
        ByteBuffer badFlags = message(CMD_NEW_SERVICE, CMD_ATTR_SERVICE, w -> {
            w.putU16(SVC_ATTR_AF, 2);
            w.putU32(SVC_ATTR_FWMARK, 1);
            w.putString(SVC_ATTR_SCHED_NAME, "rr");
            w.putU32(SVC_ATTR_FLAGS, 0);
        });
        assertThrows(MalformedMessageException.class,
                () -> IpvsCodec.decodeServiceEntry(badFlags, 16, badFlags.limit(), DecodeScratch.oneOff()));
        // no AF
        ByteBuffer noAf = message(CMD_NEW_SERVICE, CMD_ATTR_SERVICE, w -> w.putU32(SVC_ATTR_FWMARK, 1));
        assertThrows(MalformedMessageException.class,
                () -> IpvsCodec.decodeServiceEntry(noAf, 16, noAf.limit(), DecodeScratch.oneOff()));
        // dest ADDR of 5 bytes
        ByteBuffer badAddr = message(CMD_NEW_DEST, CMD_ATTR_DEST, w -> {
            w.putBytes(DEST_ATTR_ADDR, new byte[5]);
            w.putU16Be(DEST_ATTR_PORT, 80);
            w.putU32(DEST_ATTR_FWD_METHOD, 7);
            w.putU32(DEST_ATTR_WEIGHT, 1);
        });
        assertThrows(MalformedMessageException.class,
                () -> IpvsCodec.decodeDestEntry(badAddr, 16, badAddr.limit(), WEB, DecodeScratch.oneOff()));
        // a nested attribute longer than the message
        ByteBuffer truncated = message(CMD_NEW_SERVICE, CMD_ATTR_SERVICE, new Svc()::write);
        truncated.limit(truncated.limit() - 8);
        assertThrows(MalformedMessageException.class,
                () -> IpvsCodec.decodeServiceEntry(truncated, 16, truncated.limit(), DecodeScratch.oneOff()));
        assertNotNull(truncated);
    }
}
