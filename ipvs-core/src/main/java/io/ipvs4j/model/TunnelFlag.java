package io.ipvs4j.model;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;

/**
 * Tunnel encapsulation flags ({@code IPVS_DEST_ATTR_TUN_FLAGS}, Linux 5.3;
 * {@code IP_VS_TUNNEL_ENCAP_FLAG_*} in ip_vs.h). No flag means {@code NOCSUM} (0).
 */
public enum TunnelFlag {
    /** {@code IP_VS_TUNNEL_ENCAP_FLAG_CSUM (1 << 0)}: checksum the outer header; ipvsadm {@code --tun-csum}. */
    CHECKSUM(1),
    /** {@code IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM (1 << 1)}: remote checksum offload (GUE only); ipvsadm {@code --tun-remcsum}. */
    REMOTE_CHECKSUM(2);

    private final int bit;

    TunnelFlag(int bit) {
        this.bit = bit;
    }

    /** {@return the kernel bit value} */
    public int bit() {
        return bit;
    }

    /**
     * The OR of the bits of {@code flags}.
     *
     * @param flags the flags
     * @return the kernel's bits
     */
    public static int toBits(Collection<TunnelFlag> flags) {
        int bits = 0;
        for (TunnelFlag f : flags) {
            bits |= f.bit;
        }
        return bits;
    }

    /**
     * The flags in {@code bits}.
     *
     * @param bits the kernel's bits
     * @return the flags
     * @throws IllegalArgumentException if bits other than 0x1 and 0x2 are set
     */
    public static Set<TunnelFlag> fromBits(int bits) {
        if ((bits & ~0x3) != 0) {
            throw new IllegalArgumentException("tunnel flags must be a combination of 0x1 and 0x2, was 0x"
                    + Integer.toHexString(bits));
        }
        EnumSet<TunnelFlag> out = EnumSet.noneOf(TunnelFlag.class);
        for (TunnelFlag f : values()) {
            if ((bits & f.bit) != 0) {
                out.add(f);
            }
        }
        return Set.copyOf(out);
    }
}
