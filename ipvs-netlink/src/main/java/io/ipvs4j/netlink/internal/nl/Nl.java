package io.ipvs4j.netlink.internal.nl;

/** Netlink constants and layout, from {@code include/uapi/linux/netlink.h} and {@code genetlink.h}. */
public final class Nl {
    private Nl() {}

    /** sizeof(struct nlmsghdr): u32 len, u16 type, u16 flags, u32 seq, u32 pid. */
    public static final int NLMSG_HDRLEN = 16;
    /** sizeof(struct nlattr): u16 len, u16 type. */
    public static final int NLA_HDRLEN = 4;
    /** sizeof(struct genlmsghdr): u8 cmd, u8 version, u16 reserved. */
    public static final int GENL_HDRLEN = 4;

    // nlmsg_type values below NLMSG_MIN_TYPE (0x10)
    public static final int NLMSG_NOOP = 0x1;
    public static final int NLMSG_ERROR = 0x2;
    public static final int NLMSG_DONE = 0x3;
    public static final int NLMSG_OVERRUN = 0x4;

    // nlmsg_flags
    public static final int NLM_F_REQUEST = 0x01;
    public static final int NLM_F_MULTI = 0x02;
    public static final int NLM_F_ACK = 0x04;
    public static final int NLM_F_DUMP_INTR = 0x10;
    public static final int NLM_F_ROOT = 0x100;
    public static final int NLM_F_MATCH = 0x200;
    public static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    public static final int NLM_F_REPLACE = 0x100;
    public static final int NLM_F_EXCL = 0x200;
    public static final int NLM_F_CREATE = 0x400;
    // flags of an NLMSG_ERROR acknowledgement
    public static final int NLM_F_CAPPED = 0x100;
    public static final int NLM_F_ACK_TLVS = 0x200;

    // enum nlmsgerr_attrs
    public static final int NLMSGERR_ATTR_MSG = 1;
    public static final int NLMSGERR_ATTR_OFFS = 2;

    // nla_type high bits
    public static final int NLA_F_NESTED = 0x8000;
    public static final int NLA_F_NET_BYTEORDER = 0x4000;
    public static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

    // generic netlink controller (linux/genetlink.h)
    public static final int GENL_ID_CTRL = 0x10;
    public static final int CTRL_CMD_NEWFAMILY = 1;
    public static final int CTRL_CMD_GETFAMILY = 3;
    public static final int CTRL_ATTR_FAMILY_ID = 1;
    public static final int CTRL_ATTR_FAMILY_NAME = 2;
    public static final int CTRL_ATTR_VERSION = 3;
    public static final int CTRL_ATTR_HDRSIZE = 4;
    public static final int CTRL_ATTR_MAXATTR = 5;

    /** NLMSG_ALIGN / NLA_ALIGN: round up to 4. */
    public static int align(int length) {
        return (length + 3) & ~3;
    }
}
