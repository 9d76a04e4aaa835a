package io.ipvs4j.model;

import java.util.List;

/**
 * An IPVS scheduler by name ({@code IPVS_SVC_ATTR_SCHED_NAME}). Schedulers are kernel
 * modules ({@code ip_vs_<name>}), so the set is open: the constants are the in-tree ones
 * ({@code net/netfilter/ipvs/Kconfig}) and {@link #of(String)} names any other.
 *
 * <pre>{@code
 * Scheduler.RR;              // ipvsadm -s rr
 * Scheduler.of("mymodule");  // an out-of-tree ip_vs_mymodule
 * }</pre>
 *
 * @param name 1..15 characters of {@code [a-z0-9_]}: {@code IP_VS_SCHEDNAME_MAXLEN} is 16
 *     including the terminating NUL (ip_vs.h)
 */
public record Scheduler(String name) {
    /** Longest scheduler name: {@code IP_VS_SCHEDNAME_MAXLEN} (16, ip_vs.h) minus the NUL. */
    public static final int MAX_NAME_LENGTH = 15;

    /** Round robin. */
    public static final Scheduler RR = new Scheduler("rr");
    /** Weighted round robin. */
    public static final Scheduler WRR = new Scheduler("wrr");
    /** Least connection. */
    public static final Scheduler LC = new Scheduler("lc");
    /** Weighted least connection; ipvsadm's default. */
    public static final Scheduler WLC = new Scheduler("wlc");
    /** Locality-based least connection. */
    public static final Scheduler LBLC = new Scheduler("lblc");
    /** Locality-based least connection with replication. */
    public static final Scheduler LBLCR = new Scheduler("lblcr");
    /** Destination hashing. */
    public static final Scheduler DH = new Scheduler("dh");
    /** Source hashing; see {@link ServiceFlag#SH_FALLBACK}, {@link ServiceFlag#SH_PORT}. */
    public static final Scheduler SH = new Scheduler("sh");
    /** Shortest expected delay. */
    public static final Scheduler SED = new Scheduler("sed");
    /** Never queue. */
    public static final Scheduler NQ = new Scheduler("nq");
    /** Weighted failover. */
    public static final Scheduler FO = new Scheduler("fo");
    /** Weighted overflow (Linux 4.1). */
    public static final Scheduler OVF = new Scheduler("ovf");
    /** Maglev hashing (Linux 4.18); see {@link ServiceFlag#MH_FALLBACK}, {@link ServiceFlag#MH_PORT}. */
    public static final Scheduler MH = new Scheduler("mh");
    /** Weighted random twos choice (Linux ~6.0). */
    public static final Scheduler TWOS = new Scheduler("twos");

    private static final List<Scheduler> BUILT_IN =
            List.of(RR, WRR, LC, WLC, LBLC, LBLCR, DH, SH, SED, NQ, FO, OVF, MH, TWOS);

    /**
     * Checks the name.
     *
     * @param name 1..15 characters of {@code [a-z0-9_]}: {@code IP_VS_SCHEDNAME_MAXLEN} is 16 including the terminating NUL (ip_vs.h)
     * @throws IllegalArgumentException unless 1..15 characters of {@code [a-z0-9_]}
     */
    public Scheduler {
        Checks.moduleName("scheduler", name, MAX_NAME_LENGTH);
    }

    /**
     * The scheduler called {@code name}; returns the constant for in-tree names.
     *
     * @param name the scheduler's name, e.g. {@code rr}
     * @return the scheduler
     * @throws IllegalArgumentException if the name is empty, longer than 15 characters or not
     *     {@code [a-z0-9_]+}
     */
    public static Scheduler of(String name) {
        for (Scheduler s : BUILT_IN) {
            if (s.name.equals(name)) {
                return s;
            }
        }
        return new Scheduler(name);
    }

    /** {@return the schedulers shipped with the kernel, in Kconfig order. A kernel may lack some} */
    public static List<Scheduler> builtIn() {
        return BUILT_IN;
    }

    /** {@return the kernel module that provides this scheduler: {@code ip_vs_<name>}} */
    public String moduleName() {
        return "ip_vs_" + name;
    }

    @Override
    public String toString() {
        return name;
    }
}
