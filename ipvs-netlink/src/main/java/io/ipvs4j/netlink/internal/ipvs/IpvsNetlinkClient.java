package io.ipvs4j.netlink.internal.ipvs;

import static io.ipvs4j.netlink.internal.ipvs.IpvsUapi.*;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.BatchResult;
import io.ipvs4j.Errno;
import io.ipvs4j.ForeignEntry;
import io.ipvs4j.IpvsTable;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsErrors;
import io.ipvs4j.IpvsException;
import io.ipvs4j.IpvsUnavailableException;
import io.ipvs4j.ModuleNotFoundException;
import io.ipvs4j.NetlinkProtocolException;
import io.ipvs4j.Operation;
import io.ipvs4j.ServiceNotFoundException;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.IpvsInfo;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.model.SyncState;
import io.ipvs4j.model.Timeouts;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.netlink.NetlinkOptions;
import io.ipvs4j.netlink.internal.nl.DumpInterruptedException;
import io.ipvs4j.netlink.internal.nl.GenlFamily;
import io.ipvs4j.netlink.internal.nl.KernelErrorException;
import io.ipvs4j.netlink.internal.nl.MalformedMessageException;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import io.ipvs4j.netlink.internal.nl.NetlinkChannel;
import io.ipvs4j.netlink.internal.nl.NetlinkConnection;
import io.ipvs4j.netlink.internal.nl.Nl;
import io.ipvs4j.netlink.internal.nl.SyscallException;
import io.ipvs4j.netlink.internal.sys.NativeNetlinkSocket;
import java.nio.BufferOverflowException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Ipvs} over one generic-netlink socket. Every operation goes through
 * {@link #execute}: encode into the connection's reusable buffer, send, read the replies, and
 * map a kernel error to a typed exception naming the operation and the object. One lock
 * serialises requests on the socket, which is what makes the client thread-safe.
 */
public final class IpvsNetlinkClient implements Ipvs {
    private static final Logger LOG = LoggerFactory.getLogger(IpvsNetlinkClient.class);
    static final int NETLINK_GENERIC = 16;

    private final ReentrantLock lock = new ReentrantLock();
    private final NetlinkConnection connection;
    private volatile GenlFamily family;
    private volatile boolean closed;
    // Extra sockets that spread the real-server dumps of a snapshot (null opener: none).
    private ChannelOpener opener;
    private int listingParallelism = 1;
    private final ReentrantLock listingLock = new ReentrantLock();
    private final List<NetlinkConnection> listingConnections = new ArrayList<>();

    /** Opens another socket to the same kernel and namespace. */
    @FunctionalInterface
    interface ChannelOpener {
        NetlinkChannel open() throws IpvsException;
    }

    /** Writes the attributes of one request after its genl header. */
    @FunctionalInterface
    interface Encoder {
        void encode(MessageWriter writer);
    }

    IpvsNetlinkClient(NetlinkConnection connection, GenlFamily family) {
        this.connection = connection;
        this.family = family;
    }

    /** Opens a socket (in the options' namespace, if any) and resolves the "IPVS" family. */
    public static IpvsNetlinkClient open(NetlinkOptions options) throws IpvsException {
        IpvsNetlinkClient client = open(openSocket(options), options.messageBufferBytes());
        client.spreadListingsOver(() -> openSocket(options), options.listingParallelism());
        return client;
    }

    /** Lets {@link #snapshot()} open up to {@code parallelism} extra sockets with {@code opener}. */
    void spreadListingsOver(ChannelOpener opener, int parallelism) {
        this.opener = opener;
        this.listingParallelism = parallelism;
    }

    private static NativeNetlinkSocket openSocket(NetlinkOptions options) throws IpvsException {
        // IPVS replies fit a page; the listing reads dumps, whose chunks follow the receive length.
        return NativeNetlinkSocket.open(NETLINK_GENERIC, NativeNetlinkSocket.dumpDatagramBytes(), options,
                Operation.RESOLVE_FAMILY, FAMILY_NAME);
    }

    /** Opens over an existing channel (tests pass a scripted kernel here). */
    public static IpvsNetlinkClient open(NetlinkChannel channel, int bufferBytes) throws IpvsException {
        NetlinkConnection connection = new NetlinkConnection(channel, bufferBytes, bufferBytes);
        try {
            return new IpvsNetlinkClient(connection, resolve(connection));
        } catch (IpvsException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    private static GenlFamily resolve(NetlinkConnection connection) throws IpvsException {
        try {
            GenlFamily f = GenlFamily.resolve(connection, FAMILY_NAME);
            LOG.debug("generic netlink family {} has id {} version {}", f.name(), f.id(), f.version());
            return f;
        } catch (KernelErrorException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new IpvsUnavailableException(Operation.RESOLVE_FAMILY, e.errno(), e.extAck());
            }
            throw IpvsErrors.fromErrno(Operation.RESOLVE_FAMILY, FAMILY_NAME, e.errno(), e.extAck());
        } catch (SyscallException e) {
            throw e.toTyped(Operation.RESOLVE_FAMILY, FAMILY_NAME);
        } catch (MalformedMessageException e) {
            throw e.toTyped(Operation.RESOLVE_FAMILY, FAMILY_NAME);
        } catch (DumpInterruptedException e) {
            throw e.toTyped(Operation.RESOLVE_FAMILY, FAMILY_NAME);
        }
    }

    /** The resolved family id (changes if the ip_vs module is reloaded). */
    public int familyId() {
        return family.id();
    }

    /** The connection, for the batch engine, which holds {@link #lock()} while using it. */
    public NetlinkConnection connection() {
        return connection;
    }

    public ReentrantLock lock() {
        return lock;
    }

    /**
     * Sends one request and reads its replies. On ENOENT the family is resolved again: if the
     * kernel gave "IPVS" a new id (module reloaded), the request is retried once with it; if the
     * family is gone, {@link IpvsUnavailableException}.
     */
    void execute(Operation op, Supplier<String> subject, int cmd, int flags, Encoder encoder,
            NetlinkConnection.ReplyHandler handler) throws IpvsException {
        execute(op, subject, cmd, flags, encoder, handler, null);
    }

    /** {@link #execute} of a dump that {@code restart} resets when it must be read again (NLM_F_DUMP_INTR). */
    void execute(Operation op, Supplier<String> subject, int cmd, int flags, Encoder encoder,
            NetlinkConnection.ReplyHandler handler, Runnable restart) throws IpvsException {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("IPVS client is closed");
            }
            executeOn(connection, true, op, subject, cmd, flags, encoder, handler, restart);
        } finally {
            lock.unlock();
        }
    }

    /** The request/reply path on one connection, which the caller uses exclusively. */
    private void executeOn(NetlinkConnection connection, boolean mayResolve, Operation op, Supplier<String> subject, int cmd,
            int flags, Encoder encoder, NetlinkConnection.ReplyHandler handler, Runnable restart) throws IpvsException {
        for (int attempt = 0; ; attempt++) {
            MessageWriter w = connection.writer();
            w.clear();
            int seq = connection.nextSeq();
            try {
                int start = IpvsCodec.begin(w, family.id(), cmd, flags, seq);
                encoder.encode(w);
                w.endMessage(start);
            } catch (BufferOverflowException e) {
                w.clear();
                throw new IllegalStateException(op + " " + subject.get() + ": request larger than the "
                        + w.capacity() + "-byte message buffer");
            }
            try {
                connection.execute(seq, handler, restart);
                return;
            } catch (KernelErrorException e) {
                if (e.errno() == Errno.ENOENT && attempt == 0 && mayResolve && familyChanged(op, subject.get())) {
                    continue;
                }
                throw e.toTyped(op, subject.get());
            } catch (SyscallException e) {
                throw e.toTyped(op, subject.get());
            } catch (MalformedMessageException e) {
                throw e.toTyped(op, subject.get());
            } catch (DumpInterruptedException e) {
                throw e.toTyped(op, subject.get());
            }
        }
    }

    /** Re-resolves the family after an ENOENT; true if its id changed (so the request should be retried). */
    public boolean familyChanged(Operation op, String subject) throws IpvsException {
        GenlFamily fresh;
        try {
            fresh = GenlFamily.resolve(connection, FAMILY_NAME);
        } catch (KernelErrorException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new IpvsUnavailableException(op, e.errno(), e.extAck());
            }
            return false;
        } catch (SyscallException | MalformedMessageException | DumpInterruptedException e) {
            return false;
        }
        if (fresh.id() != family.id()) {
            LOG.info("generic netlink family IPVS moved from id {} to {} (module reloaded?)", family.id(), fresh.id());
            family = fresh;
            return true;
        }
        return false;
    }

    private static final NetlinkConnection.ReplyHandler NO_REPLY = (type, flags, buffer, payload, end) -> {
        throw new MalformedMessageException("unexpected reply message of type " + type + " to a request that expects only an ACK");
    };

    @Override
    public List<ServiceStatus> services() throws IpvsException {
        List<ServiceStatus> out = new ArrayList<>();
        listServices(out, new ArrayList<>());
        return out;
    }

    /** One service dump: representable services into {@code out}, the others into {@code foreign}. */
    private void listServices(List<ServiceStatus> out, List<ForeignEntry> foreign) throws IpvsException {
        execute(Operation.LIST_SERVICES, () -> "all services", CMD_GET_SERVICE, Nl.NLM_F_DUMP, w -> { },
                (type, flags, buffer, payload, end) -> {
                    IpvsCodec.Decoded<ServiceStatus> d = IpvsCodec.decodeServiceEntry(buffer, payload, end, connection.scratch());
                    if (d.foreign() != null) {
                        foreign.add(d.foreign());
                    } else {
                        out.add(d.value());
                    }
                }, () -> {
                    out.clear();
                    foreign.clear();
                });
    }

    /** Empty if there is no such service, or if it is foreign (see {@link Ipvs#service}). */
    @Override
    public Optional<ServiceStatus> service(ServiceKey key) throws IpvsException {
        return serviceEntry(key).map(IpvsCodec.Decoded::value);
    }

    /** The kernel's service {@code key}, representable or foreign; empty if there is none. */
    private Optional<IpvsCodec.Decoded<ServiceStatus>> serviceEntry(ServiceKey key) throws IpvsException {
        Objects.requireNonNull(key, "key");
        List<IpvsCodec.Decoded<ServiceStatus>> out = new ArrayList<>(1);
        try {
            execute(Operation.GET_SERVICE, () -> IpvsErrors.subject(key), CMD_GET_SERVICE, Nl.NLM_F_ACK,
                    w -> IpvsCodec.serviceIdentity(w, key),
                    (type, flags, buffer, payload, end) -> out.add(IpvsCodec.decodeServiceEntry(buffer, payload, end, connection.scratch())));
        } catch (ServiceNotFoundException e) {
            return Optional.empty();
        }
        return out.isEmpty() ? Optional.empty() : Optional.of(out.get(0));
    }

    @Override
    public void addService(VirtualService service) throws IpvsException {
        Objects.requireNonNull(service, "service");
        try {
            execute(Operation.ADD_SERVICE, () -> IpvsErrors.subject(service.key()), CMD_NEW_SERVICE, Nl.NLM_F_ACK,
                    w -> IpvsCodec.serviceFull(w, service, service.flagBits(), -1), NO_REPLY);
        } catch (ModuleNotFoundException e) {
            throw withModuleNames(Operation.ADD_SERVICE, service, e);
        }
    }

    @Override
    public void updateService(VirtualService service) throws IpvsException {
        Objects.requireNonNull(service, "service");
        try {
            execute(Operation.UPDATE_SERVICE, () -> IpvsErrors.subject(service.key()), CMD_SET_SERVICE, Nl.NLM_F_ACK,
                    w -> IpvsCodec.serviceFull(w, service, service.flagBits(),
                            io.ipvs4j.model.ServiceFlag.modelBits(service.key())), NO_REPLY);
        } catch (ModuleNotFoundException e) {
            throw withModuleNames(Operation.UPDATE_SERVICE, service, e);
        }
    }

    /**
     * {@link #execute} maps ENOENT without knowing the service, so the exception would only say
     * "modprobe ip_vs_<name>"; this names the modules the service needs (ip_vs_rr, ip_vs_pe_sip).
     */
    private static IpvsException withModuleNames(Operation op, VirtualService service, ModuleNotFoundException e) {
        return IpvsErrors.fromErrno(op, service, e.errno(), e.kernelMessage().orElse(null));
    }

    @Override
    public void updateServiceFlags(ServiceKey key, Set<ServiceFlag> set, Set<ServiceFlag> clear) throws IpvsException {
        Objects.requireNonNull(key, "key");
        for (ServiceFlag f : set) {
            checkPartialFlag("set", f, clear);
        }
        for (ServiceFlag f : clear) {
            checkPartialFlag("clear", f, Set.of());
        }
        // SET_SERVICE needs the full entry; only the flag bits in the mask change, so concurrent
        // writers of other bits are not overwritten.
        IpvsCodec.Decoded<ServiceStatus> entry = serviceEntry(key)
                .orElseThrow(() -> (ServiceNotFoundException) IpvsErrors.fromErrno(Operation.UPDATE_SERVICE,
                        IpvsErrors.subject(key), Errno.ESRCH, null));
        if (entry.foreign() != null) {
            // SET_SERVICE needs the full entry, which the model cannot write back unchanged.
            throw new IllegalArgumentException("cannot change single flags of " + entry.foreign()
                    + "; replace it with updateService");
        }
        VirtualService current = entry.value().service();
        // The kernel stores any bits (SH_PORT on rr, ONE_PACKET on TCP: uapi doc §12), so the
        // resulting service is validated here, before sending, as the Javadoc promises.
        java.util.EnumSet<ServiceFlag> result = java.util.EnumSet.noneOf(ServiceFlag.class);
        result.addAll(current.flags());
        result.removeAll(clear);
        result.addAll(set);
        current.toBuilder().flags(result).build();
        int bits = ServiceFlag.toBits(set);
        int mask = bits | ServiceFlag.toBits(clear);
        execute(Operation.UPDATE_SERVICE, () -> IpvsErrors.subject(key), CMD_SET_SERVICE, Nl.NLM_F_ACK,
                w -> IpvsCodec.serviceFull(w, current, bits, mask), NO_REPLY);
    }

    private static void checkPartialFlag(String field, ServiceFlag flag, Set<ServiceFlag> other) {
        if (flag == ServiceFlag.HASHED || flag == ServiceFlag.PERSISTENT) {
            throw new IllegalArgumentException(field + " may not contain " + flag
                    + ": HASHED is kernel-internal and PERSISTENT is set through the service's persistence");
        }
        if (other.contains(flag)) {
            throw new IllegalArgumentException("flag " + flag + " is both in set and clear");
        }
    }

    @Override
    public void removeService(ServiceKey key) throws IpvsException {
        Objects.requireNonNull(key, "key");
        execute(Operation.REMOVE_SERVICE, () -> IpvsErrors.subject(key), CMD_DEL_SERVICE, Nl.NLM_F_ACK,
                w -> IpvsCodec.serviceIdentity(w, key), NO_REPLY);
    }

    @Override
    public List<RealServerStatus> realServers(ServiceKey key) throws IpvsException {
        Objects.requireNonNull(key, "key");
        DestListing listing;
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("IPVS client is closed");
            }
            listing = dumpRealServers(connection, true, key);
        } finally {
            lock.unlock();
        }
        // The kernel answers an empty dump both for "no real servers" and "no such service".
        if (listing.isEmpty() && serviceEntry(key).isEmpty()) {
            throw IpvsErrors.fromErrno(Operation.LIST_REAL_SERVERS, IpvsErrors.subject(key), Errno.ESRCH, null);
        }
        return listing.servers();
    }

    @Override
    public void addRealServer(ServiceKey key, RealServer realServer) throws IpvsException {
        Objects.requireNonNull(key, "key");
        RealServer.checkCompatible(key, realServer);
        execute(Operation.ADD_REAL_SERVER, () -> IpvsErrors.subject(Operation.ADD_REAL_SERVER, key, realServer.endpoint()),
                CMD_NEW_DEST, Nl.NLM_F_ACK, w -> {
                    IpvsCodec.serviceIdentity(w, key);
                    IpvsCodec.destFull(w, realServer);
                }, NO_REPLY);
    }

    @Override
    public void updateRealServer(ServiceKey key, RealServer realServer) throws IpvsException {
        Objects.requireNonNull(key, "key");
        RealServer.checkCompatible(key, realServer);
        execute(Operation.UPDATE_REAL_SERVER, () -> IpvsErrors.subject(Operation.UPDATE_REAL_SERVER, key, realServer.endpoint()),
                CMD_SET_DEST, Nl.NLM_F_ACK, w -> {
                    IpvsCodec.serviceIdentity(w, key);
                    IpvsCodec.destFull(w, realServer);
                }, NO_REPLY);
    }

    @Override
    public void removeRealServer(ServiceKey key, Endpoint endpoint) throws IpvsException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(endpoint, "endpoint");
        execute(Operation.REMOVE_REAL_SERVER, () -> IpvsErrors.subject(Operation.REMOVE_REAL_SERVER, key, endpoint),
                CMD_DEL_DEST, Nl.NLM_F_ACK, w -> {
                    IpvsCodec.serviceIdentity(w, key);
                    IpvsCodec.destIdentity(w, endpoint);
                }, NO_REPLY);
    }

    @Override
    public Timeouts timeouts() throws IpvsException {
        Timeouts[] out = new Timeouts[1];
        execute(Operation.GET_TIMEOUTS, () -> "timeouts", CMD_GET_CONFIG, Nl.NLM_F_ACK, w -> { },
                (type, flags, buffer, payload, end) -> out[0] = IpvsCodec.decodeTimeouts(buffer, payload, end));
        if (out[0] == null) {
            throw new NetlinkProtocolException(Operation.GET_TIMEOUTS, "timeouts", "GET_CONFIG acknowledged without a reply", null);
        }
        return out[0];
    }

    @Override
    public void setTimeouts(Timeouts timeouts) throws IpvsException {
        Objects.requireNonNull(timeouts, "timeouts");
        execute(Operation.SET_TIMEOUTS, () -> timeouts.toString(), CMD_SET_CONFIG, Nl.NLM_F_ACK,
                w -> IpvsCodec.timeouts(w, timeouts), NO_REPLY);
    }

    @Override
    public IpvsInfo info() throws IpvsException {
        IpvsInfo[] out = new IpvsInfo[1];
        execute(Operation.GET_INFO, () -> "IPVS", CMD_GET_INFO, Nl.NLM_F_ACK, w -> { },
                (type, flags, buffer, payload, end) -> out[0] = IpvsCodec.decodeInfo(buffer, payload, end));
        if (out[0] == null) {
            throw new NetlinkProtocolException(Operation.GET_INFO, "IPVS", "GET_INFO acknowledged without a reply", null);
        }
        return out[0];
    }

    @Override
    public List<SyncDaemon> syncDaemons() throws IpvsException {
        List<SyncDaemon> out = new ArrayList<>(2);
        execute(Operation.LIST_SYNC_DAEMONS, () -> "sync daemons", CMD_GET_DAEMON, Nl.NLM_F_DUMP, w -> { },
                (type, flags, buffer, payload, end) -> out.add(IpvsCodec.decodeDaemon(buffer, payload, end)), out::clear);
        return out;
    }

    @Override
    public void startSyncDaemon(SyncDaemon daemon) throws IpvsException {
        Objects.requireNonNull(daemon, "daemon");
        execute(Operation.START_SYNC_DAEMON, () -> daemon.toString(), CMD_NEW_DAEMON, Nl.NLM_F_ACK,
                w -> IpvsCodec.daemonFull(w, daemon), NO_REPLY);
    }

    @Override
    public void stopSyncDaemon(SyncState state) throws IpvsException {
        Objects.requireNonNull(state, "state");
        execute(Operation.STOP_SYNC_DAEMON, () -> state + " sync daemon", CMD_DEL_DAEMON, Nl.NLM_F_ACK,
                w -> IpvsCodec.daemonState(w, state), NO_REPLY);
    }

    @Override
    public void zero() throws IpvsException {
        execute(Operation.ZERO, () -> "all services", CMD_ZERO, Nl.NLM_F_ACK, w -> { }, NO_REPLY);
    }

    @Override
    public void zero(ServiceKey key) throws IpvsException {
        Objects.requireNonNull(key, "key");
        execute(Operation.ZERO, () -> IpvsErrors.subject(key), CMD_ZERO, Nl.NLM_F_ACK,
                w -> IpvsCodec.serviceIdentity(w, key), NO_REPLY);
    }

    @Override
    public void flush() throws IpvsException {
        execute(Operation.FLUSH, () -> "all services", CMD_FLUSH, Nl.NLM_F_ACK, w -> { }, NO_REPLY);
    }

    /**
     * Sends the batch many changes per system call (see {@link BatchSender}); every change is
     * reported, also when the transport fails in the middle ({@link BatchResult#transportFailure()}).
     * Holds the socket for the whole batch.
     */
    @Override
    public BatchResult apply(Batch batch, BatchOptions options) throws IpvsException {
        java.util.Objects.requireNonNull(batch, "batch");
        java.util.Objects.requireNonNull(options, "options");
        if (batch.isEmpty()) {
            return new BatchResult(List.of(), 0);
        }
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("IPVS client is closed");
            }
            return new BatchSender(this, batch, options).run();
        } finally {
            lock.unlock();
        }
    }

    /** {@code table().services()}: see {@link #table()}. */
    @Override
    public List<ServiceSnapshot> snapshot() throws IpvsException {
        return table().services();
    }

    /**
     * One service dump, then one real-server dump per service (representable or foreign with a
     * readable key), decoded straight from the receive buffer; unlike {@link #realServers}, no
     * extra existence check per service. The kernel answers one dump at a time per socket, and
     * each costs three system calls, so the real-server dumps are spread over
     * {@link NetlinkOptions#listingParallelism()} sockets of their own, one thread each.
     */
    @Override
    public IpvsTable table() throws IpvsException {
        List<ServiceStatus> representable = new ArrayList<>();
        List<ForeignEntry> foreignServices = new ArrayList<>();
        listServices(representable, foreignServices);
        List<ServiceKey> keys = new ArrayList<>(representable.size() + foreignServices.size());
        representable.forEach(s -> keys.add(s.key()));
        foreignServices.forEach(f -> f.serviceKey().ifPresent(keys::add));
        int workers = opener == null ? 1 : Math.min(listingParallelism, keys.size() / 32 + 1);
        List<DestListing> servers = new ArrayList<>(java.util.Collections.nCopies(keys.size(), null));
        if (workers <= 1) {
            lock.lock();
            try {
                if (closed) {
                    throw new IllegalStateException("IPVS client is closed");
                }
                for (int i = 0; i < keys.size(); i++) {
                    servers.set(i, dumpRealServers(connection, true, keys.get(i)));
                }
            } finally {
                lock.unlock();
            }
        } else {
            listingLock.lock();
            try {
                dumpInParallel(keys, servers, workers);
            } finally {
                listingLock.unlock();
            }
        }
        List<ServiceSnapshot> snapshots = new ArrayList<>(representable.size());
        for (int i = 0; i < representable.size(); i++) {
            snapshots.add(new ServiceSnapshot(representable.get(i), servers.get(i).servers()));
        }
        // Foreign services first (with their representable real servers), then foreign real servers.
        List<ForeignEntry> foreign = new ArrayList<>();
        int next = representable.size();
        for (ForeignEntry f : foreignServices) {
            foreign.add(f.serviceKey().isPresent() ? f.withRealServers(servers.get(next++).servers()) : f);
        }
        for (DestListing listing : servers) {
            foreign.addAll(listing.foreign());
        }
        return new IpvsTable(snapshots, foreign);
    }

    /** One real-server dump: the representable real servers and the foreign ones. */
    private record DestListing(List<RealServerStatus> servers, List<ForeignEntry> foreign) {
        boolean isEmpty() {
            return servers.isEmpty() && foreign.isEmpty();
        }
    }

    private DestListing dumpRealServers(NetlinkConnection on, boolean mayResolve, ServiceKey key)
            throws IpvsException {
        List<RealServerStatus> list = new ArrayList<>();
        List<ForeignEntry> foreign = new ArrayList<>(0);
        executeOn(on, mayResolve, Operation.LIST_REAL_SERVERS, () -> IpvsErrors.subject(key), CMD_GET_DEST, Nl.NLM_F_DUMP,
                w -> IpvsCodec.serviceIdentity(w, key),
                (type, flags, buffer, payload, end) -> {
                    IpvsCodec.Decoded<RealServerStatus> d = IpvsCodec.decodeDestEntry(buffer, payload, end, key, on.scratch());
                    if (d.foreign() != null) {
                        foreign.add(d.foreign());
                    } else {
                        list.add(d.value());
                    }
                }, () -> {
                    list.clear();
                    foreign.clear();
                });
        return new DestListing(list, foreign);
    }

    /**
     * Runs under {@link #listingLock}, which {@link #close()} takes after setting
     * {@link #closed}: a snapshot that sees the client open here finishes before close() closes
     * the listing sockets, and one that sees it closed opens none, so none is ever left open.
     */

    private void dumpInParallel(List<ServiceKey> services, List<DestListing> servers, int workers)
            throws IpvsException {
        while (listingConnections.size() < workers) {
            if (closed) {
                throw new IllegalStateException("IPVS client is closed");
            }
            NetlinkChannel channel = opener.open();
            listingConnections.add(new NetlinkConnection(channel, 64 << 10, connection.receiveCapacity()));
        }
        if (closed) {
            throw new IllegalStateException("IPVS client is closed");
        }
        Object[] failure = new Object[1];
        Thread[] threads = new Thread[workers];
        for (int w = 0; w < workers; w++) {
            int worker = w;
            NetlinkConnection on = listingConnections.get(w);
            threads[w] = new Thread(() -> {
                try {
                    for (int i = worker; i < services.size(); i += workers) {
                        servers.set(i, dumpRealServers(on, false, services.get(i)));
                    }
                } catch (IpvsException | RuntimeException e) {
                    synchronized (failure) {
                        if (failure[0] == null) {
                            failure[0] = e;
                        }
                    }
                }
            }, "ipvs4j-list-" + w);
            threads[w].setDaemon(true);
            threads[w].start();
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] instanceof IpvsException e) {
            throw e;
        }
        if (failure[0] instanceof RuntimeException e) {
            throw e;
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                connection.close();
                listingLock.lock();
                try {
                    listingConnections.forEach(NetlinkConnection::close);
                    listingConnections.clear();
                } finally {
                    listingLock.unlock();
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
