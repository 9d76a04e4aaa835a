package io.ipvs4j.model;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;

/**
 * Service flags ({@code IP_VS_SVC_F_*}, the {@code flags} of {@code struct ip_vs_flags}).
 *
 * <p>The kernel stores three generic scheduler flags for every scheduler,
 * {@code IP_VS_SVC_F_SCHED1/2/3} (0x8, 0x10, 0x20): {@link #FLAG_1}, {@link #FLAG_2},
 * {@link #FLAG_3} (ipvsadm {@code -b flag-1,flag-2,flag-3}). The {@code sh} and {@code mh}
 * schedulers give the first two a meaning, and these constants are names for the same bits:
 * {@link #SH_FALLBACK} and {@link #MH_FALLBACK} are {@code SCHED1}, {@link #SH_PORT} and
 * {@link #MH_PORT} are {@code SCHED2}. A {@link VirtualService} always reports a bit under the
 * name for its scheduler ({@link #fromBits(int, Scheduler)}): {@code SH_*} on {@code sh},
 * {@code MH_*} on {@code mh}, {@code FLAG_*} otherwise, so equal bits give equal services.
 *
 * <pre>{@code
 * int bits = ServiceFlag.toBits(EnumSet.of(ServiceFlag.SH_FALLBACK, ServiceFlag.SH_PORT)); // 0x18
 * ServiceFlag.fromBits(0x18 | 0x2, Scheduler.MH); // [MH_FALLBACK, MH_PORT]
 * ServiceFlag.fromBits(0x28, Scheduler.RR);       // [FLAG_1, FLAG_3]
 * }</pre>
 */
public enum ServiceFlag {
    /** {@code IP_VS_SVC_F_PERSISTENT 0x0001} (ip_vs.h); set through {@link Persistence}, ipvsadm {@code -p}. */
    PERSISTENT(0x1),
    /**
     * {@code IP_VS_SVC_F_HASHED 0x0002} (ip_vs.h): the kernel's internal "in the hash table"
     * bit. It always reports it and it may not be requested, so the model never carries it.
     */
    HASHED(0x2),
    /** {@code IP_VS_SVC_F_ONEPACKET 0x0004} (ip_vs.h): one-packet scheduling; ipvsadm {@code -O}. */
    ONE_PACKET(0x4),
    /** {@code IP_VS_SVC_F_SCHED_SH_FALLBACK} = {@code SCHED1 0x0008} (ip_vs.h); ipvsadm {@code -b sh-fallback}. */
    SH_FALLBACK(0x8),
    /** {@code IP_VS_SVC_F_SCHED_SH_PORT} = {@code SCHED2 0x0010} (ip_vs.h); ipvsadm {@code -b sh-port}. */
    SH_PORT(0x10),
    /** {@code IP_VS_SVC_F_SCHED_MH_FALLBACK} = {@code SCHED1 0x0008} (ip_vs_mh.c, not in uapi); ipvsadm {@code -b mh-fallback}. */
    MH_FALLBACK(0x8),
    /** {@code IP_VS_SVC_F_SCHED_MH_PORT} = {@code SCHED2 0x0010} (ip_vs_mh.c, not in uapi); ipvsadm {@code -b mh-port}. */
    MH_PORT(0x10),
    /** {@code IP_VS_SVC_F_SCHED1 0x0008} (ip_vs.h) on any scheduler; ipvsadm {@code -b flag-1}. */
    FLAG_1(0x8),
    /** {@code IP_VS_SVC_F_SCHED2 0x0010} (ip_vs.h) on any scheduler; ipvsadm {@code -b flag-2}. */
    FLAG_2(0x10),
    /** {@code IP_VS_SVC_F_SCHED3 0x0020} (ip_vs.h) on any scheduler; ipvsadm {@code -b flag-3}. */
    FLAG_3(0x20);

    /** The three scheduler bits {@code IP_VS_SVC_F_SCHED1|2|3}. */
    public static final int SCHED_BITS = 0x38;

    private final int bit;

    ServiceFlag(int bit) {
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
     * @return their kernel bits
     */
    public static int toBits(Collection<ServiceFlag> flags) {
        int bits = 0;
        for (ServiceFlag f : flags) {
            bits |= f.bit;
        }
        return bits;
    }

    /**
     * The user-facing flags in {@code bits} as the kernel reports them for a service using
     * {@code scheduler}. {@code HASHED} is dropped (the kernel always reports it); bits
     * 0x8/0x10 decode to {@code SH_*} for {@code sh}, {@code MH_*} for {@code mh} and
     * {@code FLAG_1/2} otherwise; 0x20 is always {@code FLAG_3}. Other bits are dropped.
     *
     * @param bits the kernel's flag bits
     * @param scheduler the service's scheduler, which names the scheduler bits
     * @return the flags
     */
    public static Set<ServiceFlag> fromBits(int bits, Scheduler scheduler) {
        boolean mh = Scheduler.MH.equals(scheduler);
        boolean sh = Scheduler.SH.equals(scheduler);
        EnumSet<ServiceFlag> out = EnumSet.noneOf(ServiceFlag.class);
        if ((bits & PERSISTENT.bit) != 0) {
            out.add(PERSISTENT);
        }
        if ((bits & ONE_PACKET.bit) != 0) {
            out.add(ONE_PACKET);
        }
        if ((bits & 0x8) != 0) {
            out.add(mh ? MH_FALLBACK : sh ? SH_FALLBACK : FLAG_1);
        }
        if ((bits & 0x10) != 0) {
            out.add(mh ? MH_PORT : sh ? SH_PORT : FLAG_2);
        }
        if ((bits & 0x20) != 0) {
            out.add(FLAG_3);
        }
        return out.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(out);
    }

    /**
     * Like {@link #fromBits(int, Scheduler)}, but keeps only what {@link VirtualService} accepts
     * for {@code key}: all three scheduler bits on any scheduler, and {@code ONE_PACKET} only
     * when the service is UDP or fwmark (ipvsadm refuses {@code -o} elsewhere, and the kernel
     * applies it to UDP packets only). A decoder uses this so that listing a service another
     * tool configured does not fail; see {@link #modelBits(ServiceKey)} for what it can drop.
     *
     * @param bits the kernel's flag bits
     * @param key the service, which decides whether {@code ONE_PACKET} is kept
     * @param scheduler the service's scheduler, which names the scheduler bits
     * @return the flags a {@link VirtualService} with {@code key} accepts
     */
    public static Set<ServiceFlag> fromKernelBits(int bits, ServiceKey key, Scheduler scheduler) {
        return fromBits(bits & modelBits(key), scheduler);
    }

    /**
     * The flag bits the model speaks for on a service with {@code key}: {@code PERSISTENT},
     * the three scheduler bits, and {@code ONE_PACKET} on UDP and fwmark services. An update
     * sends this as the kernel's flag mask ({@code flags = (old & ~mask) | (new & mask)}),
     * so bits the model cannot hold (a future flag, {@code ONE_PACKET} on TCP) are kept, not
     * cleared.
     *
     * @param key the service
     * @return the mask of bits the model holds for it
     */
    public static int modelBits(ServiceKey key) {
        boolean onePacketOk = !(key instanceof ServiceKey.Inet inet) || inet.protocol() == Protocol.UDP;
        return PERSISTENT.bit | (onePacketOk ? ONE_PACKET.bit : 0) | SCHED_BITS;
    }

    /** Whether this flag is only meaningful with the {@code sh} scheduler. */
    boolean isShFlag() {
        return this == SH_FALLBACK || this == SH_PORT;
    }

    /** Whether this flag is only meaningful with the {@code mh} scheduler. */
    boolean isMhFlag() {
        return this == MH_FALLBACK || this == MH_PORT;
    }
}
