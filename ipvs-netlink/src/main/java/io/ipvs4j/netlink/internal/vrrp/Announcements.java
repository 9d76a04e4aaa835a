package io.ipvs4j.netlink.internal.vrrp;

import java.net.Inet4Address;
import java.net.Inet6Address;

/**
 * The gratuitous ARP frame and the unsolicited neighbour advertisement that a new master sends
 * for each virtual address, laid out as keepalived sends them (keepalived/vrrp/vrrp_arp.c
 * send_arp, vrrp_ndisc.c ndisc_send_unsolicited_na_immediate).
 */
final class Announcements {
    static final int GARP_FRAME_BYTES = 42;
    static final int NA_BYTES = 32;
    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

    private Announcements() {}

    /**
     * An Ethernet frame to ff:ff:ff:ff:ff:ff carrying an ARP request (op 1) with sender and
     * target protocol address the virtual address, sender hardware address ours and target
     * hardware address the broadcast address.
     */
    static byte[] gratuitousArp(byte[] mac, Inet4Address address) {
        byte[] ip = address.getAddress();
        byte[] f = new byte[GARP_FRAME_BYTES];
        System.arraycopy(BROADCAST, 0, f, 0, 6);
        System.arraycopy(mac, 0, f, 6, 6);
        f[12] = 0x08;
        f[13] = 0x06;          // ETHERTYPE_ARP
        f[15] = 1;             // ar_hrd ARPHRD_ETHER
        f[16] = 0x08;          // ar_pro ETHERTYPE_IP
        f[18] = 6;             // ar_hln
        f[19] = 4;             // ar_pln
        f[21] = 1;             // ar_op ARPOP_REQUEST
        System.arraycopy(mac, 0, f, 22, 6);
        System.arraycopy(ip, 0, f, 28, 4);
        System.arraycopy(BROADCAST, 0, f, 32, 6);
        System.arraycopy(ip, 0, f, 38, 4);
        return f;
    }

    /**
     * An ICMPv6 neighbour advertisement (type 136) with the override flag, target the virtual
     * address and the target link-layer address option; the kernel fills the checksum of an
     * ICMPv6 raw socket. {@code router} sets the R flag (keepalived does when forwarding is on).
     */
    static byte[] neighbourAdvertisement(byte[] mac, Inet6Address address, boolean router) {
        byte[] m = new byte[NA_BYTES];
        m[0] = (byte) 136;
        m[4] = (byte) (0x20 | (router ? 0x80 : 0));   // ND_NA_FLAG_OVERRIDE (| ND_NA_FLAG_ROUTER)
        System.arraycopy(address.getAddress(), 0, m, 8, 16);
        m[24] = 2;             // ND_OPT_TARGET_LINKADDR
        m[25] = 1;             // length in units of 8 bytes
        System.arraycopy(mac, 0, m, 26, 6);
        return m;
    }
}
