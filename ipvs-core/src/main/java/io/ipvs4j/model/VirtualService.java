package io.ipvs4j.model;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The configuration of an IPVS virtual service: its {@link ServiceKey}, scheduler, flags and
 * persistence. Immutable and validated when built; observed state (counters) is in
 * {@link ServiceStatus}.
 *
 * <pre>{@code
 * VirtualService web = VirtualService.builder(ServiceKey.tcp("192.0.2.100", 80))
 *         .scheduler(Scheduler.RR)
 *         .persistence(Persistence.of(Duration.ofMinutes(5)))
 *         .build();
 * // ipvsadm -A -t 192.0.2.100:80 -s rr -p 300
 * }</pre>
 *
 * <p>Rules checked by {@link Builder#build()}, all of which the kernel itself does not fully
 * check (uapi doc §12):
 * <ul>
 * <li>{@link ServiceFlag#HASHED} may not be requested (it is the kernel's own bit).</li>
 * <li>{@link ServiceFlag#PERSISTENT} is present exactly when {@link #persistence()} is; adding
 *     persistence adds the flag, asking for the flag without persistence is an error.</li>
 * <li>{@code SH_*} flags only with scheduler {@code sh}, {@code MH_*} only with {@code mh}
 *     (ipvsadm: "incompatible scheduler flag"); {@code FLAG_1/2/3} with any scheduler.
 *     The flags are then reported under the scheduler's names for the bits
 *     ({@link ServiceFlag#fromBits(int, Scheduler)}): {@code FLAG_2} on {@code sh} is
 *     {@code SH_PORT}.</li>
 * <li>{@link ServiceFlag#ONE_PACKET} only on UDP and fwmark services.</li>
 * <li>A persistence engine needs persistence.</li>
 * <li>Port 0 ("all ports") needs persistence, as ipvsadm requires.</li>
 * <li>The persistence netmask fits the family: IPv4 /0../32, IPv6 /1../128 (the kernel
 *     rejects /0 for IPv6).</li>
 * </ul>
 */
public final class VirtualService {
    /** Longest persistence engine name: {@code IP_VS_PENAME_MAXLEN} (16, ip_vs.h) minus the NUL. */
    public static final int MAX_PE_NAME_LENGTH = 15;

    private final ServiceKey key;
    private final Scheduler scheduler;
    private final Set<ServiceFlag> flags;
    private final Persistence persistence;
    private final String persistenceEngine;

    private VirtualService(Builder b) {
        this.key = b.key;
        this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
        AddressFamily family = key.family();

        EnumSet<ServiceFlag> f = b.flags.isEmpty() ? EnumSet.noneOf(ServiceFlag.class) : EnumSet.copyOf(b.flags);
        if (f.contains(ServiceFlag.HASHED)) {
            throw new IllegalArgumentException("flags must not contain HASHED (the kernel's internal bit), was " + b.flags);
        }
        if (f.contains(ServiceFlag.PERSISTENT) && b.persistence == null) {
            throw new IllegalArgumentException("flags contain PERSISTENT but no persistence is set;"
                    + " use persistence(Persistence.of(timeout)) for " + key);
        }
        for (ServiceFlag flag : f) {
            if (flag.isShFlag() && !scheduler.equals(Scheduler.SH)) {
                throw new IllegalArgumentException("flag " + flag + " needs scheduler sh, was " + scheduler);
            }
            if (flag.isMhFlag() && !scheduler.equals(Scheduler.MH)) {
                throw new IllegalArgumentException("flag " + flag + " needs scheduler mh, was " + scheduler);
            }
        }
        if (f.contains(ServiceFlag.ONE_PACKET)
                && key instanceof ServiceKey.Inet inet && inet.protocol() != Protocol.UDP) {
            throw new IllegalArgumentException("flag ONE_PACKET needs a UDP or fwmark service, was " + key);
        }
        if (b.persistenceEngine != null && b.persistence == null) {
            throw new IllegalArgumentException("persistenceEngine \"" + b.persistenceEngine
                    + "\" needs persistence to be set on " + key);
        }
        if (b.persistence == null && key instanceof ServiceKey.Inet inet && inet.port() == 0) {
            throw new IllegalArgumentException("port 0 needs a persistent service, was " + key + " without persistence");
        }

        Persistence p = b.persistence;
        if (p != null) {
            int bits = p.netmaskBits() == Persistence.HOST ? family.addressBits() : p.netmaskBits();
            int min = family == AddressFamily.INET6 ? 1 : 0;
            if (bits < min || bits > family.addressBits()) {
                throw new IllegalArgumentException("persistence netmaskBits must be " + min + ".." + family.addressBits()
                        + " for " + family.label() + ", was " + bits);
            }
            p = new Persistence(p.timeout(), bits);
            f.add(ServiceFlag.PERSISTENT);
        }
        this.persistence = p;
        this.persistenceEngine = b.persistenceEngine;
        // f is this object's own copy, so a read-only view of it is immutable (and cheaper than Set.copyOf).
        this.flags = f.isEmpty() ? Set.of() : ServiceFlag.fromBits(ServiceFlag.toBits(f), scheduler);
    }

    /**
     * A builder for a service identified by {@code key}, with scheduler {@code wlc} (ipvsadm's
     * default), no flags and no persistence.
     *
     * @param key the service's identity
     * @return a new builder
     */
    public static Builder builder(ServiceKey key) {
        return new Builder(key);
    }

    /**
     * A service with {@code key} and {@code scheduler} and nothing else.
     *
     * @param key the service's identity
     * @param scheduler the scheduler
     * @return the service
     * @throws IllegalArgumentException if the combination is invalid (e.g. port 0 without persistence)
     */
    public static VirtualService of(ServiceKey key, Scheduler scheduler) {
        return builder(key).scheduler(scheduler).build();
    }

    /**
     * A builder holding this service's settings.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder(key).scheduler(scheduler).flags(flags).persistence(persistence);
        b.persistenceEngine = persistenceEngine;
        return b;
    }

    /**
     * The identity of this service.
     *
     * @return the key
     */
    public ServiceKey key() {
        return key;
    }

    /**
     * The scheduler.
     *
     * @return the scheduler
     */
    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * The user-facing flags: never {@code HASHED}; {@code PERSISTENT} exactly when persistence is set.
     *
     * @return the flags, unmodifiable
     */
    public Set<ServiceFlag> flags() {
        return flags;
    }

    /**
     * Client persistence, with its netmask resolved to a prefix length for the family.
     *
     * @return the persistence, or empty if not persistent
     */
    public Optional<Persistence> persistence() {
        return Optional.ofNullable(persistence);
    }

    /**
     * The persistence engine (e.g. {@code "sip"}), if any.
     *
     * @return the engine's name, or empty
     */
    public Optional<String> persistenceEngine() {
        return Optional.ofNullable(persistenceEngine);
    }

    /**
     * The netmask prefix length the kernel gets in {@code IPVS_SVC_ATTR_NETMASK}: the
     * persistence netmask, or the host mask (/32 or /128) when not persistent, as ipvsadm sends.
     *
     * @return the prefix length
     */
    public int netmaskBits() {
        return persistence != null ? persistence.netmaskBits() : key.family().addressBits();
    }

    /**
     * The persistence timeout in seconds as the kernel gets it ({@code IPVS_SVC_ATTR_TIMEOUT}); 0 when not persistent.
     *
     * @return the timeout in seconds, or 0
     */
    public long timeoutSeconds() {
        return persistence != null ? persistence.timeoutSeconds() : 0;
    }

    /**
     * The flag bits as the kernel gets them in {@code struct ip_vs_flags.flags}.
     *
     * @return the flag bits
     */
    public int flagBits() {
        return ServiceFlag.toBits(flags);
    }

    /**
     * Equal when key, scheduler, flags, persistence and persistence engine are equal.
     *
     * @param o the other object
     * @return whether {@code o} is a service with the same settings
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof VirtualService v
                && key.equals(v.key)
                && scheduler.equals(v.scheduler)
                && flags.equals(v.flags)
                && Objects.equals(persistence, v.persistence)
                && Objects.equals(persistenceEngine, v.persistenceEngine);
    }

    /** {@return a hash of every setting} */
    @Override
    public int hashCode() {
        return Objects.hash(key, scheduler, flags, persistence, persistenceEngine);
    }

    /**
     * E.g. {@code TCP 192.0.2.100:80 rr persistent 300 mask /32 flags [PERSISTENT]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(key).append(' ').append(scheduler);
        if (persistence != null) {
            sb.append(" persistent ").append(persistence.timeoutSeconds()).append(" mask /").append(persistence.netmaskBits());
        }
        if (persistenceEngine != null) {
            sb.append(" pe ").append(persistenceEngine);
        }
        if (!flags.isEmpty()) {
            sb.append(" flags ").append(EnumSet.copyOf(flags));
        }
        return sb.toString();
    }

    /** Builds a {@link VirtualService}; not thread-safe. Validation happens in {@link #build()}. */
    public static final class Builder {
        private final ServiceKey key;
        private Scheduler scheduler = Scheduler.WLC;
        private final EnumSet<ServiceFlag> flags = EnumSet.noneOf(ServiceFlag.class);
        private Persistence persistence;
        private String persistenceEngine;

        private Builder(ServiceKey key) {
            this.key = Objects.requireNonNull(key, "key");
        }

        /**
         * The scheduler; default {@link Scheduler#WLC}. ipvsadm {@code -s}.
         *
         * @param scheduler the scheduler
         * @return this builder
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Replaces the flags. {@code PERSISTENT} is implied by {@link #persistence(Persistence)}.
         *
         * @param flags the flags
         * @return this builder
         */
        public Builder flags(Set<ServiceFlag> flags) {
            Objects.requireNonNull(flags, "flags");
            this.flags.clear();
            for (ServiceFlag f : flags) {
                this.flags.add(Objects.requireNonNull(f, "flag"));
            }
            return this;
        }

        /**
         * Adds one flag, e.g. {@code ONE_PACKET} (ipvsadm {@code -O}) or {@code SH_PORT} ({@code -b sh-port}).
         *
         * @param flag the flag to add
         * @return this builder
         */
        public Builder flag(ServiceFlag flag) {
            this.flags.add(Objects.requireNonNull(flag, "flag"));
            return this;
        }

        /**
         * Client persistence (ipvsadm {@code -p}, {@code -M}); {@code null} removes it and the
         * {@code PERSISTENT} flag.
         *
         * @param persistence the persistence, or null
         * @return this builder
         */
        public Builder persistence(Persistence persistence) {
            this.persistence = persistence;
            if (persistence == null) {
                flags.remove(ServiceFlag.PERSISTENT);
            }
            return this;
        }

        /**
         * A persistence engine module such as {@code "sip"} (ipvsadm {@code --pe sip}, module
         * {@code ip_vs_pe_sip}); {@code null} removes it.
         *
         * @param name the engine's name (without {@code ip_vs_pe_}), or null
         * @return this builder
         * @throws IllegalArgumentException unless 1..15 characters of {@code [a-z0-9_]}
         */
        public Builder persistenceEngine(String name) {
            this.persistenceEngine = name == null ? null : Checks.moduleName("persistenceEngine", name, MAX_PE_NAME_LENGTH);
            return this;
        }

        /**
         * The service.
         *
         * @return the service
         * @throws IllegalArgumentException if a rule in {@link VirtualService} is broken; the
         *     message names the field and value
         */
        public VirtualService build() {
            return new VirtualService(this);
        }
    }
}
