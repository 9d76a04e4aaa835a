package io.ipvs4j.netlink.internal.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ipvs4j.model.InetAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The announcements against what keepalived 2.2.7 sent for VIPs 192.0.2.100 and 2001:db8::100
 * from MAC 02:00:00:00:00:01 (captured with {@code tcpdump -xx} on the peer of a veth pair).
 */
class AnnouncementsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] MAC = HEX.parseHex("020000000001");

    @Test
    void gratuitousArpIsKeepalivedsFrame() {
        String keepalived = "ffffffffffff0200000000010806" + "0001080006040001" + "020000000001c0000264" + "ffffffffffffc0000264";
        assertEquals(keepalived, HEX.formatHex(Announcements.gratuitousArp(MAC, (Inet4Address) InetAddresses.parse("192.0.2.100"))));
    }

    @Test
    void neighbourAdvertisementIsKeepalivedsMessageButTheChecksum() {
        // keepalived's ICMPv6 message with its checksum (f72c) zeroed: our raw ICMPv6 socket has the kernel fill it
        String keepalived = "88000000" + "20000000" + "20010db8000000000000000000000100" + "0201020000000001";
        assertEquals(keepalived, HEX.formatHex(Announcements.neighbourAdvertisement(MAC,
                (Inet6Address) InetAddresses.parse("2001:db8::100"), false)));
    }
}
