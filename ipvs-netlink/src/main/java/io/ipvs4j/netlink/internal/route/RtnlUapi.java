package io.ipvs4j.netlink.internal.route;

/**
 * rtnetlink constants and layouts used for links and addresses. Values from
 * {@code include/uapi/linux/rtnetlink.h} (message types, scopes, RTEXT_FILTER),
 * {@code include/uapi/linux/if_addr.h} (struct ifaddrmsg, IFA_*), {@code include/uapi/linux/if_link.h}
 * (IFLA_*), {@code include/uapi/linux/if.h} (IFF_UP) and {@code include/linux/socket.h} (AF_*).
 */
final class RtnlUapi {
    private RtnlUapi() {}

    /** linux/netlink.h: NETLINK_ROUTE. */
    static final int NETLINK_ROUTE = 0;

    // linux/socket.h
    static final int AF_UNSPEC = 0;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    // linux/rtnetlink.h: RTM_BASE = 16, then NEW/DEL/GET/SET per object
    static final int RTM_NEWLINK = 16;
    static final int RTM_GETLINK = 18;
    static final int RTM_NEWADDR = 20;
    static final int RTM_DELADDR = 21;
    static final int RTM_GETADDR = 22;

    /** linux/rtnetlink.h: RTEXT_FILTER_SKIP_STATS, for IFLA_EXT_MASK (link dumps without statistics). */
    static final int RTEXT_FILTER_SKIP_STATS = 1 << 3;

    /** sizeof(struct ifinfomsg): u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change. */
    static final int IFINFOMSG_LEN = 16;
    /** sizeof(struct ifaddrmsg): u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index. */
    static final int IFADDRMSG_LEN = 8;

    // linux/if_link.h: enum IFLA_*
    static final int IFLA_IFNAME = 3;
    static final int IFLA_EXT_MASK = 29;
    /** IFLA_LINKINFO (nested) and its IFLA_INFO_KIND (string: "dummy", "veth", ...). */
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_INFO_KIND = 1;

    // linux/if_addr.h: enum IFA_*
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int IFA_LABEL = 3;
    static final int IFA_CACHEINFO = 6;
    static final int IFA_FLAGS = 8;
    /** sizeof(struct ifa_cacheinfo): u32 ifa_prefered, ifa_valid, cstamp, tstamp. */
    static final int IFA_CACHEINFO_LEN = 16;
    /** INFINITY_LIFE_TIME of net/ipv6/addrconf.c: a lifetime that never ends. */
    static final int INFINITY_LIFE_TIME = 0xFFFFFFFF;

    // linux/if_addr.h: ifa_flags
    static final int IFA_F_NODAD = 0x02;
    static final int IFA_F_DEPRECATED = 0x20;

    /** linux/if.h: IFF_UP in ifi_flags. */
    static final int IFF_UP = 0x1;
}
