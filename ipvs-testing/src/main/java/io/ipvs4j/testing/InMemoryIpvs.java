package io.ipvs4j.testing;

import io.ipvs4j.Errno;
import io.ipvs4j.ForeignEntry;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsErrors;
import io.ipvs4j.IpvsException;
import io.ipvs4j.IpvsTable;
import io.ipvs4j.Operation;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.IpvsInfo;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.Stats;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.model.SyncState;
import io.ipvs4j.model.Timeouts;
import io.ipvs4j.model.VirtualService;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An in-memory {@link Ipvs} with the kernel's semantics, for testing code that programs
 * IPVS without root or a kernel. It answers as the kernel does and throws the same typed
 * exceptions as the netlink client (through {@link IpvsErrors#fromErrno}):
 * <ul>
 * <li>adding an existing service or real server: {@code EEXIST} → {@link io.ipvs4j.AlreadyExistsException};</li>
 * <li>any operation on a missing service: {@code ESRCH} → {@link io.ipvs4j.ServiceNotFoundException};</li>
 * <li>updating or removing a missing real server: {@code ENOENT} → {@link io.ipvs4j.RealServerNotFoundException};</li>
 * <li>a scheduler or persistence engine whose module is not "loaded": {@code ENOENT} →
 *     {@link io.ipvs4j.ModuleNotFoundException}. All {@link Scheduler#builtIn()} schedulers and
 *     the {@code sip} engine are loaded; change that with {@link #setModuleAvailable};</li>
 * <li>a real server the kernel cannot forward to (multicast, 255.255.255.255, 0.0.0.0, IPv6
 *     unspecified or link-local): {@code EINVAL} → {@link io.ipvs4j.KernelRejectedException};</li>
 * <li>flag updates through the kernel's mask, timeouts where 0 means unchanged, one master and
 *     one backup sync daemon, mixed-family real servers refused (EINVAL) while a daemon runs and
 *     vice versa, zero and flush.</li>
 * </ul>
 * Not modelled: interfaces (a sync daemon on one the kernel does not have is {@code ENODEV}
 * there, accepted here) and a real server at a subnet's broadcast address (the kernel needs its
 * routing table to refuse it).
 * Arguments are validated as the netlink client validates them, before any state is looked at.
 *
 * <pre>{@code
 * InMemoryIpvs ipvs = new InMemoryIpvs();
 * new MyController(ipvs).reconcile();
 * assertEquals(2, ipvs.realServers(ServiceKey.tcp("192.0.2.100", 80)).size());
 *
 * ipvs.failNext(Operation.ADD_REAL_SERVER, Errno.ENOMEM);   // script a kernel failure
 * }</pre>
 *
 * <p><b>Foreign entries:</b> {@link #injectForeign(ForeignEntry)} puts an entry the model
 * cannot represent into the table, as another tool would (e.g. {@code ipvsadm -M 255.0.255.0}),
 * so a controller can be tested next to it. It behaves as in the kernel: {@link #table()}
 * reports it, {@link #services()}, {@link #snapshot()}, {@link #service} and
 * {@link #realServers} leave it out, its key is taken (adding it again is {@code EEXIST}),
 * {@code updateService}/{@code updateRealServer} replace it with a model value and
 * {@code remove*} removes it.
 *
 * <pre>{@code
 * ipvs.addService(VirtualService.of(ServiceKey.tcp("192.0.2.1", 80), Scheduler.RR));
 * ipvs.injectForeign(ForeignEntry.service(ServiceKey.tcp("192.0.2.2", 80), new byte[0],
 *         "IPVS_SVC_ATTR_NETMASK", "255.0.255.0", "not contiguous"));
 * assertEquals(1, ipvs.services().size());
 * assertEquals(1, ipvs.table().foreign().size());
 * }</pre>
 *
 * <p>Dumps have the kernel's shape: address services before firewall-mark services (the
 * kernel dumps its two hash tables in that order; within each, the kernel's order is its hash
 * order and the fake's the order of adding: do not rely on either), each service's real servers
 * newest first (the kernel adds at the head of the list), sync daemons master first and with
 * the defaults the kernel fills in. {@link IpvsContract} holds the fake to this, and the same
 * suite runs against the kernel.
 *
 * <p>Thread-safe: every method is {@code synchronized}.
 */
public class InMemoryIpvs implements Ipvs {
    /** The subject the netlink client names for operations on the whole table. */
    private static final String ALL_SERVICES = "all services";
    /** {@code IP_VS_SYNC_GROUP}, 224.0.0.81 (ip_vs_sync.c). */
    private static final java.net.InetAddress DEFAULT_SYNC_GROUP = io.ipvs4j.model.InetAddresses.parse("224.0.0.81");
    /** {@code IP_VS_SYNC_PORT} (ip_vs_sync.c). */
    private static final int DEFAULT_SYNC_PORT = 8848;

    private static final class ServiceEntry {
        VirtualService service;       // null while the entry is foreign
        ForeignEntry foreign;         // non-null while the entry is foreign (without real servers)
        Stats stats = Stats.ZERO;
        final LinkedHashMap<Endpoint, RealServerEntry> realServers = new LinkedHashMap<>();
        final List<ForeignEntry> foreignWithoutEndpoint = new ArrayList<>();

        ServiceEntry(VirtualService service) {
            this.service = service;
        }
    }

    private static final class RealServerEntry {
        RealServer realServer;        // null while the entry is foreign
        ForeignEntry foreign;
        long active;
        long inactive;
        long persistent;
        Stats stats = Stats.ZERO;

        RealServerEntry(RealServer realServer) {
            this.realServer = realServer;
        }
    }

    private record Failure(int errno, String kernelMessage) {
    }

    private final LinkedHashMap<ServiceKey, ServiceEntry> services = new LinkedHashMap<>();
    private final List<ForeignEntry> foreignWithoutKey = new ArrayList<>();
    private final EnumMap<SyncState, SyncDaemon> daemons = new EnumMap<>(SyncState.class);
    private final Map<Operation, Deque<Failure>> failures = new EnumMap<>(Operation.class);
    private final Set<String> modules = new HashSet<>();
    private final Map<String, Integer> mtus = new HashMap<>();
    private Timeouts timeouts = Timeouts.KERNEL_DEFAULTS;
    private IpvsInfo info = new IpvsInfo(IpvsInfo.CURRENT_VERSION_CODE, 4096);
    private boolean closed;

    /** An empty IPVS with the kernel's default timeouts and a 4096-entry connection table. */
    public InMemoryIpvs() {
        for (Scheduler s : Scheduler.builtIn()) {
            modules.add(s.moduleName());
        }
        modules.add("ip_vs_pe_sip");
    }

    // ---- test controls -------------------------------------------------------------------

    /**
     * Makes the next call of {@code operation} fail with {@code errno}, as if the kernel had
     * answered so (after argument validation). Calls queue up.
     *
     * @param errno the error number (positive, or negative as netlink carries it)
     * @param operation the operation that failed
     */
    public synchronized void failNext(Operation operation, int errno) {
        failNext(operation, errno, null);
    }

    /**
     * Like {@link #failNext(Operation, int)}, with an extended-ACK text.
     *
     * @param errno the error number (positive, or negative as netlink carries it)
     * @param kernelMessage the extended-ACK text, or null
     * @param operation the operation that failed
     */
    public synchronized void failNext(Operation operation, int errno, String kernelMessage) {
        Objects.requireNonNull(operation, "operation");
        if (errno == 0) {
            throw new IllegalArgumentException("errno must be non-zero, was 0");
        }
        failures.computeIfAbsent(operation, o -> new ArrayDeque<>()).add(new Failure(Math.abs(errno), kernelMessage));
    }

    /**
     * Marks a kernel module as loadable or not, e.g. {@code "ip_vs_mh"} or {@code "ip_vs_pe_sip"};
     * a service needing a missing one fails with ENOENT.
     *
     * @param available whether loading it succeeds
     * @param moduleName the module, e.g. {@code ip_vs_sh}
     */
    public synchronized void setModuleAvailable(String moduleName, boolean available) {
        Objects.requireNonNull(moduleName, "moduleName");
        if (available) {
            modules.add(moduleName);
        } else {
            modules.remove(moduleName);
        }
    }

    /**
     * Sets what {@link #info()} reports.
     *
     * @param info the version and connection table size
     */
    public synchronized void setInfo(IpvsInfo info) {
        this.info = Objects.requireNonNull(info, "info");
    }

    /**
     * Sets the counters of a service, as traffic would.
     *
     * @param key the service
     * @param stats the counters
     */
    public synchronized void setStats(ServiceKey key, Stats stats) {
        Objects.requireNonNull(stats, "stats");
        ServiceEntry e = services.get(Objects.requireNonNull(key, "key"));
        if (e == null) {
            throw new IllegalStateException("no service " + key);
        }
        e.stats = stats;
    }

    /**
     * Sets the connection counts and counters of a real server, as traffic would.
     *
     * @param active active connections
     * @param endpoint the real server's address and port
     * @param inactive inactive connections
     * @param key the service
     * @param persistent persistence templates
     * @param stats the counters
     */
    public synchronized void setRealServerStatus(ServiceKey key, Endpoint endpoint, long active, long inactive,
                                                 long persistent, Stats stats) {
        Objects.requireNonNull(stats, "stats");
        ServiceEntry e = services.get(Objects.requireNonNull(key, "key"));
        RealServerEntry r = e == null ? null : e.realServers.get(Objects.requireNonNull(endpoint, "endpoint"));
        if (r == null) {
            throw new IllegalStateException("no real server " + endpoint + " in " + key);
        }
        r.active = active;
        r.inactive = inactive;
        r.persistent = persistent;
        r.stats = stats;
    }

    /**
     * Puts an entry the model cannot represent into the table, as another tool writing the
     * kernel's table would (see the class comment). A {@link ForeignEntry.Kind#SERVICE} with a
     * key takes that key and brings {@link ForeignEntry#realServers()} as its real servers; one
     * without a key is only listed. A {@link ForeignEntry.Kind#REAL_SERVER} joins its existing
     * service (representable or foreign) and takes its endpoint, if it has one.
     *
     * <pre>{@code
     * ipvs.injectForeign(ForeignEntry.realServer(key, Endpoint.of("198.51.100.9", 80), new byte[0],
     *         "IPVS_DEST_ATTR_FWD_METHOD", "5", "unknown forwarding method"));
     * }</pre>
     *
     * @param entry the foreign entry
     * @throws IllegalStateException if the key or endpoint is taken, or a real server's service is missing
     */
    public synchronized void injectForeign(ForeignEntry entry) {
        Objects.requireNonNull(entry, "entry");
        if (entry.kind() == ForeignEntry.Kind.SERVICE) {
            if (entry.serviceKey().isEmpty()) {
                foreignWithoutKey.add(entry);
                return;
            }
            ServiceKey key = entry.serviceKey().get();
            if (services.containsKey(key)) {
                throw new IllegalStateException("service " + key + " exists already");
            }
            ServiceEntry e = new ServiceEntry(null);
            e.foreign = entry.withRealServers(List.of());
            for (RealServerStatus r : entry.realServers()) {
                RealServerEntry re = new RealServerEntry(r.realServer());
                re.active = r.activeConnections();
                re.inactive = r.inactiveConnections();
                re.persistent = r.persistentConnections();
                re.stats = r.stats();
                e.realServers.put(r.endpoint(), re);
            }
            services.put(key, e);
            return;
        }
        ServiceKey key = entry.serviceKey().orElseThrow();
        ServiceEntry e = services.get(key);
        if (e == null) {
            throw new IllegalStateException("no service " + key + " for " + entry);
        }
        if (entry.endpoint().isEmpty()) {
            e.foreignWithoutEndpoint.add(entry);
            return;
        }
        Endpoint endpoint = entry.endpoint().get();
        if (e.realServers.containsKey(endpoint)) {
            throw new IllegalStateException("real server " + endpoint + " exists already in " + key);
        }
        RealServerEntry r = new RealServerEntry(null);
        r.foreign = entry;
        e.realServers.put(endpoint, r);
    }

    /**
     * Sets the MTU of an interface, from which a backup sync daemon started on it without a
     * maximum length gets its default one (the MTU within 1500..65535, minus the IP and UDP
     * headers). Without it {@code lo} has 65536 and every other interface 1500, as a fresh
     * namespace's loopback and Ethernet.
     *
     * @param interfaceName the interface, e.g. {@code eth0}
     * @param mtu its MTU, 68..65536
     */
    public synchronized void setMtu(String interfaceName, int mtu) {
        io.ipvs4j.host.InterfaceNames.checkInterface(interfaceName);
        if (mtu < 68 || mtu > 65536) {
            throw new IllegalArgumentException("mtu must be 68..65536, was " + mtu);
        }
        mtus.put(interfaceName, mtu);
    }

    /** {@return whether {@link #close()} was called} */
    public synchronized boolean isClosed() {
        return closed;
    }

    // ---- Ipvs ----------------------------------------------------------------------------

    @Override
    public synchronized List<ServiceStatus> services() throws IpvsException {
        begin(Operation.LIST_SERVICES, ALL_SERVICES);
        List<ServiceStatus> out = new ArrayList<>(services.size());
        for (ServiceEntry e : inDumpOrder()) {
            if (e.service != null) {
                out.add(new ServiceStatus(e.service, e.stats));
            }
        }
        return List.copyOf(out);
    }

    @Override
    public synchronized Optional<ServiceStatus> service(ServiceKey key) throws IpvsException {
        begin(Operation.GET_SERVICE, subject(key));
        ServiceEntry e = services.get(key);
        // A foreign service is not representable: empty, as the netlink client answers.
        return e == null || e.service == null ? Optional.empty() : Optional.of(new ServiceStatus(e.service, e.stats));
    }

    @Override
    public synchronized void addService(VirtualService service) throws IpvsException {
        Objects.requireNonNull(service, "service");
        begin(Operation.ADD_SERVICE, service);
        if (services.containsKey(service.key())) {
            throw IpvsErrors.fromErrno(Operation.ADD_SERVICE, service, Errno.EEXIST, null);
        }
        checkModules(Operation.ADD_SERVICE, service);
        services.put(service.key(), new ServiceEntry(service));
    }

    @Override
    public synchronized void updateService(VirtualService service) throws IpvsException {
        Objects.requireNonNull(service, "service");
        begin(Operation.UPDATE_SERVICE, service);
        ServiceEntry e = existing(Operation.UPDATE_SERVICE, service.key());
        checkModules(Operation.UPDATE_SERVICE, service);
        e.service = service;
        e.foreign = null;   // the kernel replaces the whole entry, foreign or not
    }

    @Override
    public synchronized void updateServiceFlags(ServiceKey key, Set<ServiceFlag> set, Set<ServiceFlag> clear)
            throws IpvsException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(set, "set");
        Objects.requireNonNull(clear, "clear");
        checkFlagUpdate(set, clear);
        begin(Operation.UPDATE_SERVICE, subject(key));
        ServiceEntry e = existing(Operation.UPDATE_SERVICE, key);
        if (e.service == null) {
            throw new IllegalArgumentException("cannot change single flags of " + e.foreign
                    + "; replace it with updateService");
        }
        VirtualService old = e.service;
        // The kernel works on bits: flags = (old & ~mask) | (new & mask).
        int mask = ServiceFlag.toBits(set) | ServiceFlag.toBits(clear);
        int bits = (old.flagBits() & ~mask) | (ServiceFlag.toBits(set) & mask);
        // e.g. SH_PORT on an mh service: same bit, but not what the caller meant; the
        // builder names the flag and the scheduler.
        EnumSet<ServiceFlag> requested = EnumSet.copyOf(old.flags().isEmpty() ? EnumSet.noneOf(ServiceFlag.class) : old.flags());
        requested.addAll(set);
        old.toBuilder().flags(requested).build();
        Set<ServiceFlag> result = ServiceFlag.fromBits(bits, old.scheduler());
        e.service = old.toBuilder().flags(result).build();
    }

    /** The argument rules of {@link Ipvs#updateServiceFlags}, shared so clients can reuse them. */
    static void checkFlagUpdate(Set<ServiceFlag> set, Set<ServiceFlag> clear) {
        EnumSet<ServiceFlag> both = EnumSet.noneOf(ServiceFlag.class);
        both.addAll(set);
        both.retainAll(clear);
        if (!both.isEmpty()) {
            throw new IllegalArgumentException("flags must not be both set and cleared, was " + both);
        }
        for (Set<ServiceFlag> s : List.of(set, clear)) {
            if (s.contains(ServiceFlag.HASHED)) {
                throw new IllegalArgumentException("flags must not contain HASHED (the kernel's internal bit), was " + s);
            }
            if (s.contains(ServiceFlag.PERSISTENT)) {
                throw new IllegalArgumentException("flags must not contain PERSISTENT here; set or clear persistence"
                        + " with updateService, was " + s);
            }
        }
    }

    @Override
    public synchronized void removeService(ServiceKey key) throws IpvsException {
        begin(Operation.REMOVE_SERVICE, subject(key));
        existing(Operation.REMOVE_SERVICE, key);
        services.remove(key);
    }

    @Override
    public synchronized List<RealServerStatus> realServers(ServiceKey key) throws IpvsException {
        begin(Operation.LIST_REAL_SERVERS, subject(key));
        ServiceEntry e = existing(Operation.LIST_REAL_SERVERS, key);
        List<RealServerStatus> out = new ArrayList<>(e.realServers.size());
        for (RealServerEntry r : newestFirst(e)) {
            if (r.realServer != null) {
                out.add(status(r));
            }
        }
        return List.copyOf(out);
    }

    private static RealServerStatus status(RealServerEntry r) {
        return new RealServerStatus(r.realServer, r.active, r.inactive, r.persistent, r.stats);
    }

    /** {@code table().services()}. */
    @Override
    public synchronized List<ServiceSnapshot> snapshot() throws IpvsException {
        return table().services();
    }

    /**
     * The table with the injected foreign entries: foreign services first (with their
     * representable real servers), then foreign real servers, as the netlink client lists them.
     */
    @Override
    public synchronized IpvsTable table() throws IpvsException {
        begin(Operation.LIST_SERVICES, ALL_SERVICES);
        List<ServiceSnapshot> snapshots = new ArrayList<>();
        List<ForeignEntry> foreignServices = new ArrayList<>();
        List<ForeignEntry> foreignServers = new ArrayList<>();
        for (ServiceEntry e : inDumpOrder()) {
            List<RealServerStatus> servers = new ArrayList<>();
            for (RealServerEntry r : newestFirst(e)) {
                if (r.realServer != null) {
                    servers.add(status(r));
                } else {
                    foreignServers.add(r.foreign);
                }
            }
            foreignServers.addAll(e.foreignWithoutEndpoint);
            if (e.service != null) {
                snapshots.add(new ServiceSnapshot(new ServiceStatus(e.service, e.stats), servers));
            } else {
                foreignServices.add(e.foreign.withRealServers(servers));
            }
        }
        foreignServices.addAll(foreignWithoutKey);
        foreignServices.addAll(foreignServers);
        return new IpvsTable(snapshots, foreignServices);
    }

    @Override
    public synchronized void addRealServer(ServiceKey key, RealServer realServer) throws IpvsException {
        Objects.requireNonNull(key, "key");
        RealServer.checkCompatible(key, realServer);
        String subject = IpvsErrors.subject(Operation.ADD_REAL_SERVER, key, realServer.endpoint());
        begin(Operation.ADD_REAL_SERVER, subject);
        ServiceEntry e = existing(Operation.ADD_REAL_SERVER, key, subject);
        if (realServer.endpoint().family() != key.family() && !daemons.isEmpty()) {
            // ip_vs_add_dest: mixed-family pools are refused while a sync daemon runs.
            throw IpvsErrors.fromErrno(Operation.ADD_REAL_SERVER, subject, Errno.EINVAL, null);
        }
        if (e.realServers.containsKey(realServer.endpoint())) {
            throw IpvsErrors.fromErrno(Operation.ADD_REAL_SERVER, subject, Errno.EEXIST, null);
        }
        if (!isForwardable(realServer.endpoint().address())) {
            throw IpvsErrors.fromErrno(Operation.ADD_REAL_SERVER, subject, Errno.EINVAL, null);
        }
        e.realServers.put(realServer.endpoint(), new RealServerEntry(realServer));
    }

    @Override
    public synchronized void updateRealServer(ServiceKey key, RealServer realServer) throws IpvsException {
        Objects.requireNonNull(key, "key");
        RealServer.checkCompatible(key, realServer);
        String subject = IpvsErrors.subject(Operation.UPDATE_REAL_SERVER, key, realServer.endpoint());
        begin(Operation.UPDATE_REAL_SERVER, subject);
        ServiceEntry e = existing(Operation.UPDATE_REAL_SERVER, key, subject);
        RealServerEntry r = e.realServers.get(realServer.endpoint());
        if (r == null) {
            throw IpvsErrors.fromErrno(Operation.UPDATE_REAL_SERVER, subject, Errno.ENOENT, null);
        }
        r.realServer = realServer;
        r.foreign = null;   // SET_DEST replaces the whole entry, foreign or not
    }

    @Override
    public synchronized void removeRealServer(ServiceKey key, Endpoint endpoint) throws IpvsException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(endpoint, "endpoint");
        String subject = IpvsErrors.subject(Operation.REMOVE_REAL_SERVER, key, endpoint);
        begin(Operation.REMOVE_REAL_SERVER, subject);
        ServiceEntry e = existing(Operation.REMOVE_REAL_SERVER, key, subject);
        if (e.realServers.remove(endpoint) == null) {
            throw IpvsErrors.fromErrno(Operation.REMOVE_REAL_SERVER, subject, Errno.ENOENT, null);
        }
    }

    @Override
    public synchronized Timeouts timeouts() throws IpvsException {
        begin(Operation.GET_TIMEOUTS, "timeouts");
        return timeouts;
    }

    @Override
    public synchronized void setTimeouts(Timeouts timeouts) throws IpvsException {
        Objects.requireNonNull(timeouts, "timeouts");
        begin(Operation.SET_TIMEOUTS, timeouts.toString());
        this.timeouts = this.timeouts.apply(timeouts);
    }

    @Override
    public synchronized IpvsInfo info() throws IpvsException {
        begin(Operation.GET_INFO, "IPVS");
        return info;
    }

    @Override
    public synchronized List<SyncDaemon> syncDaemons() throws IpvsException {
        begin(Operation.LIST_SYNC_DAEMONS, "sync daemons");
        return List.copyOf(daemons.values());
    }

    @Override
    public synchronized void startSyncDaemon(SyncDaemon daemon) throws IpvsException {
        Objects.requireNonNull(daemon, "daemon");
        String subject = daemon.toString();
        begin(Operation.START_SYNC_DAEMON, subject);
        // ip_vs_genl_new_daemon refuses a daemon while mixed-family real servers exist before
        // start_sync_thread looks for a running one.
        if (hasMixedFamilyRealServers()) {
            throw IpvsErrors.fromErrno(Operation.START_SYNC_DAEMON, subject, Errno.EINVAL, null);
        }
        if (daemons.containsKey(daemon.state())) {
            throw IpvsErrors.fromErrno(Operation.START_SYNC_DAEMON, subject, Errno.EEXIST, null);
        }
        daemons.put(daemon.state(), withKernelDefaults(daemon));
    }

    @Override
    public synchronized void stopSyncDaemon(SyncState state) throws IpvsException {
        Objects.requireNonNull(state, "state");
        String subject = state + " sync daemon";
        begin(Operation.STOP_SYNC_DAEMON, subject);
        if (daemons.remove(state) == null) {
            throw IpvsErrors.fromErrno(Operation.STOP_SYNC_DAEMON, subject, Errno.ESRCH, null);
        }
    }

    @Override
    public synchronized void zero() throws IpvsException {
        begin(Operation.ZERO, ALL_SERVICES);
        for (ServiceEntry e : services.values()) {
            zero(e);
        }
    }

    @Override
    public synchronized void zero(ServiceKey key) throws IpvsException {
        begin(Operation.ZERO, subject(key));
        zero(existing(Operation.ZERO, key));
    }

    private static void zero(ServiceEntry e) {
        // Only counters are zeroed; connection counts are live state, not statistics.
        e.stats = Stats.ZERO;
        for (RealServerEntry r : e.realServers.values()) {
            r.stats = Stats.ZERO;
        }
    }

    @Override
    public synchronized void flush() throws IpvsException {
        begin(Operation.FLUSH, ALL_SERVICES);
        services.clear();
        foreignWithoutKey.clear();
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    // ---- helpers -------------------------------------------------------------------------

    private static String subject(ServiceKey key) {
        return IpvsErrors.subject(Objects.requireNonNull(key, "key"));
    }

    private void begin(Operation op, String subject) throws IpvsException {
        if (closed) {
            throw new IllegalStateException("InMemoryIpvs is closed");
        }
        Deque<Failure> q = failures.get(op);
        Failure f = q == null ? null : q.poll();
        if (f != null) {
            throw IpvsErrors.fromErrno(op, subject, f.errno(), f.kernelMessage());
        }
    }

    private void begin(Operation op, VirtualService service) throws IpvsException {
        if (closed) {
            throw new IllegalStateException("InMemoryIpvs is closed");
        }
        Deque<Failure> q = failures.get(op);
        Failure f = q == null ? null : q.poll();
        if (f != null) {
            throw IpvsErrors.fromErrno(op, service, f.errno(), f.kernelMessage());
        }
    }

    private ServiceEntry existing(Operation op, ServiceKey key) throws IpvsException {
        return existing(op, key, subject(key));
    }

    private ServiceEntry existing(Operation op, ServiceKey key, String subject) throws IpvsException {
        ServiceEntry e = services.get(key);
        if (e == null) {
            throw IpvsErrors.fromErrno(op, subject, Errno.ESRCH, null);
        }
        return e;
    }

    private void checkModules(Operation op, VirtualService service) throws IpvsException {
        // "none" is the kernel's built-in "no scheduler" and needs no module.
        boolean schedOk = service.scheduler().name().equals("none") || modules.contains(service.scheduler().moduleName());
        boolean peOk = service.persistenceEngine().map(pe -> modules.contains("ip_vs_pe_" + pe)).orElse(true);
        if (!schedOk || !peOk) {
            throw IpvsErrors.fromErrno(op, service, Errno.ENOENT, null);
        }
    }

    /** Address services first, then firewall-mark ones: the kernel dumps its two tables in that order. */
    private List<ServiceEntry> inDumpOrder() {
        List<ServiceEntry> inet = new ArrayList<>(services.size());
        List<ServiceEntry> marks = new ArrayList<>();
        for (Map.Entry<ServiceKey, ServiceEntry> e : services.entrySet()) {
            (e.getKey() instanceof ServiceKey.FwMark ? marks : inet).add(e.getValue());
        }
        inet.addAll(marks);
        return inet;
    }

    /** A service's real servers newest first: the kernel adds each at the head of its list. */
    private static List<RealServerEntry> newestFirst(ServiceEntry e) {
        List<RealServerEntry> out = new ArrayList<>(e.realServers.values());
        java.util.Collections.reverse(out);
        return out;
    }

    /**
     * What ip_vs_new_dest accepts: an IPv4 address that is neither multicast, limited
     * broadcast nor 0.0.0.0 (inet_addr_type is RTN_UNICAST or RTN_LOCAL; a subnet's broadcast
     * address, which needs the routing table, is not modelled), or an IPv6 unicast address
     * that is not link-local (ipv6_addr_type).
     */
    private static boolean isForwardable(java.net.InetAddress address) {
        if (address.isMulticastAddress() || address.isAnyLocalAddress()) {
            return false;
        }
        if (address instanceof java.net.Inet4Address) {
            byte[] b = address.getAddress();
            return !(b[0] == (byte) 255 && b[1] == (byte) 255 && b[2] == (byte) 255 && b[3] == (byte) 255);
        }
        return !address.isLinkLocalAddress();
    }

    /**
     * The daemon as the kernel lists it: start_sync_thread fills in the multicast group
     * 224.0.0.81, port 8848 and TTL 1, and a maximum message length: 1500 minus the IP and UDP
     * headers for a master, the interface's MTU (see {@link #setMtu}) within 1500..65535 minus
     * the headers for a backup.
     */
    private SyncDaemon withKernelDefaults(SyncDaemon daemon) {
        SyncDaemon.Builder b = daemon.toBuilder();
        boolean v6 = daemon.multicastGroup().map(g -> g instanceof java.net.Inet6Address).orElse(false);
        if (daemon.multicastGroup().isEmpty()) {
            b.multicastGroup(DEFAULT_SYNC_GROUP);
        }
        if (daemon.multicastPort().isEmpty()) {
            b.multicastPort(DEFAULT_SYNC_PORT);
        }
        if (daemon.multicastTtl().isEmpty()) {
            b.multicastTtl(1);
        }
        // start_sync_thread: a master sends at most 1500-byte datagrams whatever the MTU; a
        // backup receives up to the MTU kept within 1500..65535 (checked in the VM by IpvsContract)
        int headers = (v6 ? 40 : 20) + 8;
        int mtu = daemon.state() == SyncState.MASTER ? 1500 : Math.max(1500, Math.min(65535,
                mtus.getOrDefault(daemon.interfaceName(), daemon.interfaceName().equals("lo") ? 65536 : 1500)));
        if (daemon.maxLength().isEmpty()) {
            b.maxLength(mtu - headers);
        }
        return b.build();
    }

    private boolean hasMixedFamilyRealServers() {
        for (Map.Entry<ServiceKey, ServiceEntry> e : services.entrySet()) {
            for (Endpoint ep : e.getValue().realServers.keySet()) {
                if (ep.family() != e.getKey().family()) {
                    return true;
                }
            }
        }
        return false;
    }
}
