package io.ipvs4j;

/**
 * What the client was doing when an {@link IpvsException} happened. Each constant carries a
 * verb phrase that starts the exception message ("add service TCP 192.0.2.100:80 failed: ...").
 */
public enum Operation {
    /** {@link Ipvs#addService}. */
    ADD_SERVICE("add service"),
    /** {@link Ipvs#updateService}, {@link Ipvs#updateServiceFlags}. */
    UPDATE_SERVICE("update service"),
    /** {@link Ipvs#removeService}. */
    REMOVE_SERVICE("remove service"),
    /** {@link Ipvs#service}. */
    GET_SERVICE("get service"),
    /** {@link Ipvs#services}. */
    LIST_SERVICES("list services"),
    /** {@link Ipvs#addRealServer}. */
    ADD_REAL_SERVER("add real server"),
    /** {@link Ipvs#updateRealServer}. */
    UPDATE_REAL_SERVER("update real server"),
    /** {@link Ipvs#removeRealServer}. */
    REMOVE_REAL_SERVER("remove real server"),
    /** {@link Ipvs#realServers}. */
    LIST_REAL_SERVERS("list real servers of"),
    /** {@link Ipvs#startSyncDaemon}. */
    START_SYNC_DAEMON("start sync daemon"),
    /** {@link Ipvs#stopSyncDaemon}. */
    STOP_SYNC_DAEMON("stop sync daemon"),
    /** {@link Ipvs#syncDaemons}. */
    LIST_SYNC_DAEMONS("list sync daemons"),
    /** {@link Ipvs#setTimeouts}. */
    SET_TIMEOUTS("set timeouts"),
    /** {@link Ipvs#timeouts}. */
    GET_TIMEOUTS("get timeouts"),
    /** {@link Ipvs#info}. */
    GET_INFO("get info"),
    /** {@link Ipvs#zero()}, {@link Ipvs#zero(io.ipvs4j.model.ServiceKey)}. */
    ZERO("zero counters"),
    /** {@link Ipvs#flush}. */
    FLUSH("flush"),
    /** {@link Ipvs#apply(Batch)}: a failure of the batch as a whole (its socket), not of one change. */
    APPLY_BATCH("apply batch of"),
    /** Looking up the generic-netlink family "IPVS" when connecting. */
    RESOLVE_FAMILY("resolve generic netlink family IPVS"),
    /** rtnetlink: add an interface address. */
    ADD_ADDRESS("add address"),
    /** rtnetlink: remove an interface address. */
    REMOVE_ADDRESS("remove address"),
    /** rtnetlink: list interface addresses. */
    LIST_ADDRESSES("list addresses"),
    /** rtnetlink: list links. */
    LIST_LINKS("list links"),
    /** rtnetlink: create a link ({@code ip link add}). */
    ADD_LINK("add link"),
    /** rtnetlink: change a link's flags ({@code ip link set ... up}). */
    SET_LINK("set link"),
    /** Reading a sysctl under {@code /proc/sys}. */
    READ_SYSCTL("read sysctl"),
    /** Writing a sysctl under {@code /proc/sys}. */
    WRITE_SYSCTL("write sysctl");

    private final String verb;

    Operation(String verb) {
        this.verb = verb;
    }

    /** {@return the verb phrase, e.g. {@code "add real server"}} */
    public String verb() {
        return verb;
    }

    @Override
    public String toString() {
        return verb;
    }
}
