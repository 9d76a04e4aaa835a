package io.ipvs4j.vrrp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.InetAddresses;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The codec against adverts of keepalived 2.2.7 (Debian bookworm) captured with
 * {@code tcpdump -xx} on the peer of a veth pair, keepalived running in a namespace with the
 * configuration named in each test (interface 192.0.2.1/24, link-local fe80::ff:fe00:1).
 */
class VrrpPacketTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final InetAddress SRC4 = InetAddresses.parse("192.0.2.1");
    private static final InetAddress SRC6 = InetAddresses.parse("fe80::ff:fe00:1");

    // vrrp_instance VI_1 { virtual_router_id 51 priority 150 advert_int 1
    //   authentication { auth_type PASS auth_pass 1111 } virtual_ipaddress { 192.0.2.100/24 } }
    private static final byte[] KEEPALIVED_V2_PASS = HEX.parseHex("21339601010123 03c0000264313131310000 0000".replace(" ", ""));
    // vrrp_version 3, virtual_router_id 52 priority 150 advert_int 0.5, 192.0.2.100 and .101
    private static final byte[] KEEPALIVED_V3_V4 = HEX.parseHex("313496020032 1138c0000264c0000265".replace(" ", ""));
    // vrrp_version 3, virtual_router_id 53 priority 120 advert_int 0.5, 192.0.2.100
    private static final byte[] KEEPALIVED_V3_V4_ONE = HEX.parseHex("313578010032f1a1c0000264");
    // version 3, virtual_router_id 54 priority 200 advert_int 0.3, 2001:db8::100
    private static final byte[] KEEPALIVED_V3_V6 = HEX.parseHex("3136c801001edad120010db8000000000000000000000100");

    private static VrrpInstanceConfig.Builder v2() {
        return VrrpInstanceConfig.builder("VI_1", "eth0", 51).priority(150).authPass("1111")
                .virtualAddress("192.0.2.100/24");
    }

    private static VrrpInstanceConfig v3v4() {
        return VrrpInstanceConfig.builder("VI_1", "eth0", 52).version(VrrpVersion.V3).priority(150)
                .advertInterval(Duration.ofMillis(500)).virtualAddress("192.0.2.100/24").virtualAddress("192.0.2.101/24").build();
    }

    private static VrrpInstanceConfig v3v6() {
        return VrrpInstanceConfig.builder("VI_6", "eth0", 54).version(VrrpVersion.V3).priority(200)
                .advertInterval(Duration.ofMillis(300)).virtualAddress("2001:db8::100/64").build();
    }

    @Test
    void encodesV2PasswordAdvertAsKeepalived() {
        assertArrayEquals(KEEPALIVED_V2_PASS, VrrpPacket.encode(v2().build(), 150, SRC4, VrrpInstanceConfig.MULTICAST_V4));
    }

    @Test
    void encodesV3Ipv4AdvertWithPseudoHeaderAsKeepalived() {
        assertArrayEquals(KEEPALIVED_V3_V4, VrrpPacket.encode(v3v4(), 150, SRC4, VrrpInstanceConfig.MULTICAST_V4));
        VrrpInstanceConfig one = VrrpInstanceConfig.builder("VI_1", "eth0", 53).version(VrrpVersion.V3).priority(120)
                .advertInterval(Duration.ofMillis(500)).virtualAddress("192.0.2.100/24").build();
        assertArrayEquals(KEEPALIVED_V3_V4_ONE, VrrpPacket.encode(one, 120, SRC4, VrrpInstanceConfig.MULTICAST_V4));
    }

    @Test
    void encodesV3Ipv6AdvertAsKeepalived() {
        assertArrayEquals(KEEPALIVED_V3_V6, VrrpPacket.encode(v3v6(), 200, SRC6, VrrpInstanceConfig.MULTICAST_V6));
    }

    @Test
    void decodesKeepalivedAdverts() {
        VrrpPacket p = decode(KEEPALIVED_V2_PASS, v2().build(), SRC4).packet();
        assertEquals(new VrrpPacket(2, 51, 150, 1, List.of(InetAddresses.parse("192.0.2.100"))), p);
        VrrpPacket p3 = decode(KEEPALIVED_V3_V4, v3v4(), SRC4).packet();
        assertEquals(new VrrpPacket(3, 52, 150, 50, List.of(InetAddresses.parse("192.0.2.100"), InetAddresses.parse("192.0.2.101"))), p3);
        VrrpPacket p6 = VrrpPacket.decode(KEEPALIVED_V3_V6, KEEPALIVED_V3_V6.length, v3v6(), SRC6, VrrpInstanceConfig.MULTICAST_V6, true).packet();
        assertEquals(new VrrpPacket(3, 54, 200, 30, List.of(InetAddresses.parse("2001:db8::100"))), p6);
    }

    @Test
    void v3ChecksumAsV2ExcludesThePseudoHeader() {
        VrrpInstanceConfig asV2 = VrrpInstanceConfig.builder("VI_1", "eth0", 53).version(VrrpVersion.V3).priority(120)
                .advertInterval(Duration.ofMillis(500)).virtualAddress("192.0.2.100/24").v3ChecksumAsV2(true).build();
        byte[] b = VrrpPacket.encode(asV2, 120, SRC4, VrrpInstanceConfig.MULTICAST_V4);
        // the checksum over the 12 bytes alone
        byte[] zeroed = b.clone();
        zeroed[6] = 0;
        zeroed[7] = 0;
        assertEquals(VrrpPacket.finish(VrrpPacket.sum(zeroed, 0, 12, 0)), ((b[6] & 0xff) << 8) | (b[7] & 0xff));
        assertNotEquals(HEX.formatHex(KEEPALIVED_V3_V4_ONE), HEX.formatHex(b));
        // each mode rejects the other's checksum
        assertEquals(VrrpPacket.Rejection.BAD_CHECKSUM, decode(KEEPALIVED_V3_V4_ONE, asV2, SRC4).rejection());
        VrrpInstanceConfig pseudo = VrrpInstanceConfig.builder("VI_1", "eth0", 53).version(VrrpVersion.V3).priority(120)
                .advertInterval(Duration.ofMillis(500)).virtualAddress("192.0.2.100/24").build();
        assertEquals(VrrpPacket.Rejection.BAD_CHECKSUM, decode(b, pseudo, SRC4).rejection());
        assertTrue(decode(b, asV2, SRC4).ok());
        // the pseudo-header checksum depends on the source address
        assertEquals(VrrpPacket.Rejection.BAD_CHECKSUM, decode(KEEPALIVED_V3_V4_ONE, pseudo, InetAddresses.parse("192.0.2.9")).rejection());
    }

    @Test
    void rejectsEveryKindOfBadMessage() {
        VrrpInstanceConfig c = v2().build();
        assertEquals(VrrpPacket.Rejection.TOO_SHORT, VrrpPacket.decode(KEEPALIVED_V2_PASS, 7, c, SRC4, VrrpInstanceConfig.MULTICAST_V4, true).rejection());
        assertEquals(VrrpPacket.Rejection.BAD_LENGTH, VrrpPacket.decode(KEEPALIVED_V2_PASS, 19, c, SRC4, VrrpInstanceConfig.MULTICAST_V4, true).rejection());
        assertEquals(VrrpPacket.Rejection.OTHER_ROUTER, decode(KEEPALIVED_V2_PASS, VrrpInstanceConfig.builder("VI_1", "eth0", 52)
                .priority(150).authPass("1111").virtualAddress("192.0.2.100/24").build(), SRC4).rejection());
        assertEquals(VrrpPacket.Rejection.BAD_VERSION, decode(with(KEEPALIVED_V2_PASS, 0, 0x31), c, SRC4).rejection());
        assertEquals(VrrpPacket.Rejection.BAD_TYPE, decode(with(KEEPALIVED_V2_PASS, 0, 0x22), c, SRC4).rejection());
        assertEquals(VrrpPacket.Rejection.BAD_AUTH_TYPE, decode(with(KEEPALIVED_V2_PASS, 4, 0), c, SRC4).rejection());
        assertEquals(VrrpPacket.Rejection.BAD_AUTH_TYPE, decode(with(KEEPALIVED_V2_PASS, 4, 2), c, SRC4).rejection());
        assertEquals(VrrpPacket.Rejection.AUTH_FAILURE, decode(KEEPALIVED_V2_PASS, v2().authPass("1112").build(), SRC4).rejection());
        assertEquals(VrrpPacket.Rejection.INTERVAL_MISMATCH, decode(KEEPALIVED_V2_PASS, v2().advertInterval(Duration.ofSeconds(2)).build(), SRC4).rejection());
        assertEquals(VrrpPacket.Rejection.BAD_CHECKSUM, decode(with(KEEPALIVED_V2_PASS, 2, 149), c, SRC4).rejection());
        // a count larger than the message
        assertEquals(VrrpPacket.Rejection.BAD_LENGTH, decode(with(KEEPALIVED_V3_V4, 3, 3), v3v4(), SRC4).rejection());
        // trailing Ethernet padding is accepted, as keepalived does
        byte[] padded = java.util.Arrays.copyOf(KEEPALIVED_V2_PASS, 26);
        assertTrue(VrrpPacket.decode(padded, 26, c, SRC4, VrrpInstanceConfig.MULTICAST_V4, true).ok());
    }

    @Test
    void configurationNamesBadValues() {
        assertThrows(IllegalArgumentException.class, () -> v2().priority(500).build(), "priority must be 1..255, was 500");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v2().priority(500).build());
        assertTrue(e.getMessage().contains("priority must be 1..255, was 500"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> v2().advertInterval(Duration.ofMillis(500)).build());
        assertTrue(e.getMessage().contains("advert_int"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> v2().authPass("123456789").build());
        assertTrue(e.getMessage().contains("auth_pass must be 1..8 bytes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VrrpInstanceConfig.builder("VI_1", "eth0", 0).virtualAddress("192.0.2.1").build());
        assertTrue(e.getMessage().contains("virtual_router_id must be 1..255, was 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VrrpInstanceConfig.builder("VI_1", "eth0", 1).virtualAddress("2001:db8::1").build());
        assertTrue(e.getMessage().contains("IPv6 virtual addresses need VRRP version 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VrrpInstanceConfig.builder("VI_1", "eth0", 1).version(VrrpVersion.V3)
                .virtualAddress("2001:db8::1").virtualAddress("192.0.2.1").build());
        assertTrue(e.getMessage().contains("mixes IPv4 and IPv6"), e.getMessage());
    }

    private static VrrpPacket.Decoded decode(byte[] b, VrrpInstanceConfig c, InetAddress src) {
        return VrrpPacket.decode(b, b.length, c, src, c.multicastGroup(), true);
    }

    private static byte[] with(byte[] b, int index, int value) {
        byte[] copy = b.clone();
        copy[index] = (byte) value;
        return copy;
    }
}
