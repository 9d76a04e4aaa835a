package io.ipvs4j.netlink.internal.route;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.Scope;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.netlink.internal.nl.MalformedMessageException;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Byte layout of rtnetlink address requests and bounds checks of the decoders (little-endian host). */
class RouteCodecTest {

    private static byte[] bytes(MessageWriter w) {
        ByteBuffer b = w.buffer().duplicate().flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void ipv4AddRequestLayout() {
        MessageWriter w = new MessageWriter(256);
        RouteCodec.address(w, InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1"), 7, true);
        byte[] expected = {
            2, 24, 0, 0, 7, 0, 0, 0,                 // ifaddrmsg: AF_INET, /24, flags 0, scope 0, index 7
            8, 0, 2, 0, (byte) 192, 0, 2, 100,       // IFA_LOCAL
            8, 0, 1, 0, (byte) 192, 0, 2, 100,       // IFA_ADDRESS
            11, 0, 3, 0, 'e', 't', 'h', '0', ':', '1', 0, 0, // IFA_LABEL "eth0:1\0" + pad
        };
        assertArrayEquals(expected, bytes(w));
    }

    @Test
    void ipv6AddRequestCarriesNodad() {
        MessageWriter w = new MessageWriter(256);
        RouteCodec.address(w, InterfaceAddress.of("lo", "2001:db8::1/128").withScope(Scope.HOST), 1, true);
        byte[] b = bytes(w);
        assertArrayEquals(new byte[] {10, (byte) 128, 2, (byte) 254, 1, 0, 0, 0}, Arrays.copyOf(b, 8));
        assertEquals(8 + 20 + 20 + 8, b.length);
        assertArrayEquals(new byte[] {8, 0, 8, 0, 2, 0, 0, 0}, Arrays.copyOfRange(b, b.length - 8, b.length)); // IFA_FLAGS NODAD
    }

    @Test
    void deprecatedIpv6AddRequestCarriesAZeroPreferredLifetime() {
        MessageWriter w = new MessageWriter(256);
        RouteCodec.address(w, InterfaceAddress.of("eth0", "2001:db8::100/128").withDeprecated(true), 3, true);
        byte[] b = bytes(w);
        assertEquals(8 + 20 + 20 + 8 + 20, b.length);
        // IFA_CACHEINFO (6): ifa_prefered 0, ifa_valid INFINITY_LIFE_TIME, cstamp and tstamp 0
        assertArrayEquals(new byte[] {20, 0, 6, 0, 0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0},
                Arrays.copyOfRange(b, b.length - 20, b.length));
        MessageWriter del = new MessageWriter(256);
        RouteCodec.address(del, InterfaceAddress.of("eth0", "2001:db8::100/128").withDeprecated(true), 3, false);
        assertEquals(8 + 20 + 20, bytes(del).length, "a removal names the address only");
    }

    @Test
    void dummyLinkRequestLayout() {
        MessageWriter w = new MessageWriter(256);
        RouteCodec.newDummyLink(w, "vip0");
        byte[] expected = {
            0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, // ifinfomsg: AF_UNSPEC, index 0, flags IFF_UP, change IFF_UP
            9, 0, 3, 0, 'v', 'i', 'p', '0', 0, 0, 0, 0,      // IFLA_IFNAME "vip0\0" + pad
            16, 0, 18, (byte) 0x80,                          // IFLA_LINKINFO | NLA_F_NESTED
            10, 0, 1, 0, 'd', 'u', 'm', 'm', 'y', 0, 0, 0,   // IFLA_INFO_KIND "dummy\0" + pad
        };
        assertArrayEquals(expected, bytes(w));
        MessageWriter up = new MessageWriter(64);
        RouteCodec.linkUp(up, 9);
        assertArrayEquals(new byte[] {0, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}, bytes(up));
    }

    @Test
    void decodesDeprecationFromTheFlagWord() throws Exception {
        ByteBuffer b = message(new byte[] {
            10, (byte) 128, 0, 0, 2, 0, 0, 0,
            20, 0, 1, 0, 0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,  // IFA_ADDRESS
            8, 0, 8, 0, 0x22, 0, 0, 0,   // IFA_FLAGS: NODAD | DEPRECATED
        });
        RouteCodec.KernelAddress a = RouteCodec.decodeAddress(RtnlUapi.RTM_NEWADDR, b, 0, b.limit()).orElseThrow();
        assertTrue(a.deprecated(), a.toString());
        ByteBuffer v4 = message(new byte[] {
            2, 24, 0x20, 0, 2, 0, 0, 0,
            8, 0, 2, 0, (byte) 192, 0, 2, 100,
        });
        assertFalse(RouteCodec.decodeAddress(RtnlUapi.RTM_NEWADDR, v4, 0, v4.limit()).orElseThrow().deprecated(),
                "the model keeps deprecation for IPv6 only");
    }

    private static ByteBuffer message(byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(body.length).order(ByteOrder.nativeOrder());
        b.put(body).flip();
        return b;
    }

    @Test
    void decodesIpv4AddressPreferringLocal() throws Exception {
        ByteBuffer b = message(new byte[] {
            2, 32, 0, (byte) 254, 1, 0, 0, 0,
            8, 0, 1, 0, (byte) 198, 51, 100, 1,  // IFA_ADDRESS (peer)
            8, 0, 2, 0, (byte) 203, 0, 113, 7,   // IFA_LOCAL
            7, 0, 3, 0, 'l', 'o', 0, 0,
        });
        RouteCodec.KernelAddress a = RouteCodec.decodeAddress(RtnlUapi.RTM_NEWADDR, b, 0, b.limit()).orElseThrow();
        assertEquals(new RouteCodec.KernelAddress(1, InetAddresses.parse("203.0.113.7"), 32, "lo", Scope.HOST, false), a);
    }

    @Test
    void malformedAddressMessagesAreRejected() {
        ByteBuffer shortHeader = message(new byte[] {2, 24, 0, 0, 1, 0});
        assertThrows(MalformedMessageException.class,
                () -> RouteCodec.decodeAddress(RtnlUapi.RTM_NEWADDR, shortHeader, 0, shortHeader.limit()));
        ByteBuffer wrongSize = message(new byte[] {2, 24, 0, 0, 1, 0, 0, 0, 12, 0, 2, 0, 1, 2, 3, 4, 5, 6, 7, 8});
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> RouteCodec.decodeAddress(RtnlUapi.RTM_NEWADDR, wrongSize, 0, wrongSize.limit()));
        assertTrue(e.getMessage().contains("expected 4"), e.getMessage());
        ByteBuffer overlong = message(new byte[] {2, 24, 0, 0, 1, 0, 0, 0, 40, 0, 2, 0, 1, 2, 3, 4});
        assertThrows(MalformedMessageException.class,
                () -> RouteCodec.decodeAddress(RtnlUapi.RTM_NEWADDR, overlong, 0, overlong.limit()));
        ByteBuffer noAddress = message(new byte[] {2, 24, 0, 0, 1, 0, 0, 0});
        assertThrows(MalformedMessageException.class,
                () -> RouteCodec.decodeAddress(RtnlUapi.RTM_NEWADDR, noAddress, 0, noAddress.limit()));
        ByteBuffer badPrefix = message(new byte[] {2, 40, 0, 0, 1, 0, 0, 0, 8, 0, 2, 0, (byte) 192, 0, 2, 1});
        assertThrows(MalformedMessageException.class,
                () -> RouteCodec.decodeAddress(RtnlUapi.RTM_NEWADDR, badPrefix, 0, badPrefix.limit()));
        assertThrows(MalformedMessageException.class,
                () -> RouteCodec.decodeAddress(RtnlUapi.RTM_NEWLINK, noAddress, 0, noAddress.limit()));
        ByteBuffer otherFamily = message(new byte[] {17, 0, 0, 0, 1, 0, 0, 0});
        assertTrue(assertDoesNotThrowEmpty(otherFamily));
    }

    private static boolean assertDoesNotThrowEmpty(ByteBuffer b) {
        try {
            return RouteCodec.decodeAddress(RtnlUapi.RTM_NEWADDR, b, 0, b.limit()).isEmpty();
        } catch (MalformedMessageException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void malformedLinkMessagesAreRejected() throws Exception {
        ByteBuffer ok = message(new byte[] {0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 3, 0, 'e', 't', 'h', '0', 0, 0, 0, 0});
        assertEquals("3: eth0 UP", RouteCodec.decodeLink(RtnlUapi.RTM_NEWLINK, ok, 0, ok.limit()).toString());
        ByteBuffer noName = message(new byte[] {0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0});
        assertThrows(MalformedMessageException.class, () -> RouteCodec.decodeLink(RtnlUapi.RTM_NEWLINK, noName, 0, noName.limit()));
        assertThrows(MalformedMessageException.class, () -> RouteCodec.decodeLink(RtnlUapi.RTM_NEWLINK, noName, 0, 12));
        ByteBuffer badName = message(new byte[] {0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 3, 0, '.', '.', 0, 0});
        assertThrows(MalformedMessageException.class, () -> RouteCodec.decodeLink(RtnlUapi.RTM_NEWLINK, badName, 0, badName.limit()));
    }
}
