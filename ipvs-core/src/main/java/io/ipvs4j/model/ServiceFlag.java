package io.ipvs4j.model;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;

/**
 * Service flags ({@code IP_VS_SVC_F_*}, the {@code flags} of {@code struct ip_vs_flags}).
 *
 * <p>The scheduler flags share bits: {@link #SH_FALLBACK} and {@link #MH_FALLBACK} are both
 * {@code IP_VS_SVC_F_SCHED1} (0x8), {@link #SH_PORT} and {@link #MH_PORT} both
 * {@code IP_VS_SVC_F_SCHED2} (0x10); which one a bit means depends on the scheduler, so
 * decoding needs it ({@link #fromBits(int, Scheduler)}).
 *
 * <pre>{@code
 * int bits = ServiceFlag.toBits(EnumSet.of(ServiceFlag.SH_FALLBACK, ServiceFlag.SH_PORT)); // 0x18
 * ServiceFlag.fromBits(0x18 | 0x2, Scheduler.MH); // [MH_FALLBACK, MH_PORT]
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
    MH_PORT(0x10);

    private final int bit;

    ServiceFlag(int bit) {
        this.bit = bit;
    }

    /** The kernel bit value. */
    public int bit() {
        return bit;
    }

    /** The OR of the bits of {@code flags}. */
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
     * 0x8/0x10 decode to {@code MH_*} for {@code mh} and to {@code SH_*} otherwise; bits
     * with no meaning here (e.g. {@code IP_VS_SVC_F_SCHED3 0x20}) are dropped.
     */
    public static Set<ServiceFlag> fromBits(int bits, Scheduler scheduler) {
        boolean mh = scheduler != null && scheduler.equals(Scheduler.MH);
        EnumSet<ServiceFlag> out = EnumSet.noneOf(ServiceFlag.class);
        if ((bits & PERSISTENT.bit) != 0) {
            out.add(PERSISTENT);
        }
        if ((bits & ONE_PACKET.bit) != 0) {
            out.add(ONE_PACKET);
        }
        if ((bits & 0x8) != 0) {
            out.add(mh ? MH_FALLBACK : SH_FALLBACK);
        }
        if ((bits & 0x10) != 0) {
            out.add(mh ? MH_PORT : SH_PORT);
        }
        return out.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(out);
    }

    /**
     * Like {@link #fromBits(int, Scheduler)}, but keeps only what {@link VirtualService} accepts
     * for {@code key} and {@code scheduler}: scheduler bits are dropped unless the scheduler is
     * {@code sh} or {@code mh}, and {@code ONE_PACKET} unless the service is UDP or fwmark.
     * The kernel stores such combinations when another tool sets them (uapi doc §12); a
     * decoder uses this so that listing such a service does not fail. The dropped bits have
     * no effect in the kernel except for {@code ONE_PACKET}.
     */
    public static Set<ServiceFlag> fromKernelBits(int bits, ServiceKey key, Scheduler scheduler) {
        boolean schedFlags = Scheduler.SH.equals(scheduler) || Scheduler.MH.equals(scheduler);
        boolean onePacketOk = !(key instanceof ServiceKey.Inet inet) || inet.protocol() == Protocol.UDP;
        int keep = PERSISTENT.bit | (onePacketOk ? ONE_PACKET.bit : 0) | (schedFlags ? 0x18 : 0);
        return fromBits(bits & keep, scheduler);
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
