package io.ipvs4j;

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

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A client of the kernel's IPVS tables in one network namespace: what ipvsadm does, typed.
 *
 * <pre>{@code
 * try (Ipvs ipvs = IpvsNetlink.open()) {          // or new InMemoryIpvs() in tests
 *     ServiceKey web = ServiceKey.tcp("192.0.2.100", 80);
 *     ipvs.addService(VirtualService.builder(web).scheduler(Scheduler.RR).build());
 *     ipvs.addRealServer(web, RealServer.of(Endpoint.of("198.51.100.3", 80)));
 * }
 * }</pre>
 *
 * <p><b>Thread safety:</b> implementations are safe for use by many threads; each call is
 * one kernel transaction (the kernel serialises IPVS operations itself). There is no
 * transaction across calls: a list may miss a service that another process adds meanwhile.
 *
 * <p><b>Errors:</b> arguments are validated before anything is sent ({@link NullPointerException},
 * {@link IllegalArgumentException}); the kernel's answers arrive as subclasses of
 * {@link IpvsException}, e.g. {@link AlreadyExistsException}, {@link ServiceNotFoundException}.
 * Calls after {@link #close()} throw {@link IllegalStateException}.
 */
public interface Ipvs extends AutoCloseable {

    /**
     * All services, IPv4 and IPv6, with their counters. A service the model cannot represent
     * (a {@link ForeignEntry}, e.g. written by another tool) is not in the list and does not
     * make it fail; {@link #table()} reports it.
     *
     * <pre>{@code ipvs.services().forEach(s -> System.out.println(s.service())); }</pre>
     * <p>ipvsadm: {@code ipvsadm -L -n --stats}
     *
     * @return the services the model can represent, with their counters
     * @throws IpvsException if the kernel cannot be asked (IPVS unavailable, socket failure)
     */
    List<ServiceStatus> services() throws IpvsException;

    /**
     * One service, or empty if there is none with {@code key}, or if the kernel's service with
     * that key cannot be represented by the model (a {@link ForeignEntry}, see {@link #table()};
     * {@link #updateService} still replaces it and {@link #removeService} removes it).
     *
     * <pre>{@code Optional<ServiceStatus> s = ipvs.service(ServiceKey.tcp("192.0.2.100", 80)); }</pre>
     * <p>ipvsadm: {@code ipvsadm -L -n -t 192.0.2.100:80}
     *
     * @param key the service
     * @return the service with its counters, or empty
     * @throws IpvsException if the kernel cannot be asked
     */
    Optional<ServiceStatus> service(ServiceKey key) throws IpvsException;

    /**
     * Adds a service.
     *
     * <pre>{@code ipvs.addService(VirtualService.builder(ServiceKey.tcp("192.0.2.100", 80)).scheduler(Scheduler.RR).build()); }</pre>
     * <p>ipvsadm: {@code ipvsadm -A -t 192.0.2.100:80 -s rr}
     *
     * @param service the service to add
     * @throws AlreadyExistsException if a service with the key exists
     * @throws ModuleNotFoundException if the scheduler or persistence-engine module is missing
     * @throws IpvsException for any other refusal, naming the service
     */
    void addService(VirtualService service) throws IpvsException;

    /**
     * Replaces the settings of an existing service (scheduler, flags, persistence, persistence
     * engine: whatever {@code service} does not set is cleared). Flag bits the model does not
     * hold ({@link io.ipvs4j.model.ServiceFlag#modelBits}) are left as they are.
     *
     * <pre>{@code ipvs.updateService(current.toBuilder().scheduler(Scheduler.WLC).build()); }</pre>
     * <p>ipvsadm: {@code ipvsadm -E -t 192.0.2.100:80 -s wlc}
     *
     * @param service the service's new settings; its key names the service
     * @throws ServiceNotFoundException if there is no such service
     * @throws IpvsException for any other refusal, naming the service
     */
    void updateService(VirtualService service) throws IpvsException;

    /**
     * Sets and clears single flags of an existing service, leaving the others alone, through
     * the kernel's flag mask ({@code flags = (old & ~mask) | (new & mask)}).
     * {@code PERSISTENT} cannot be changed this way (it comes with a timeout; use
     * {@link #updateService}), nor {@code HASHED}; a flag must not be in both sets, and the
     * resulting service must be valid (e.g. {@code SH_*} only with {@code sh}).
     *
     * <pre>{@code ipvs.updateServiceFlags(key, Set.of(ServiceFlag.SH_PORT), Set.of()); }</pre>
     * <p>ipvsadm: {@code ipvsadm -E -t 192.0.2.100:80 -s sh -b sh-port} (ipvsadm replaces all flags)
     *
     * @param key the service
     * @param set flags to set
     * @param clear flags to clear
     * @throws IllegalArgumentException for the cases above
     * @throws ServiceNotFoundException if there is no such service
     * @throws IpvsException for any other refusal, naming the service
     */
    void updateServiceFlags(ServiceKey key, Set<ServiceFlag> set, Set<ServiceFlag> clear) throws IpvsException;

    /**
     * Removes a service and its real servers.
     *
     * <pre>{@code ipvs.removeService(ServiceKey.tcp("192.0.2.100", 80)); }</pre>
     * <p>ipvsadm: {@code ipvsadm -D -t 192.0.2.100:80}
     *
     * @param key the service
     * @throws ServiceNotFoundException if there is no such service
     * @throws IpvsException for any other refusal, naming the service
     */
    void removeService(ServiceKey key) throws IpvsException;

    /**
     * The real servers of a service, with their connection counts and counters. Real servers
     * the model cannot represent are left out ({@link #table()} reports them as
     * {@link ForeignEntry}s); the service itself may be foreign, its representable real servers
     * are still listed.
     *
     * <pre>{@code ipvs.realServers(key).forEach(r -> System.out.println(r.endpoint() + " " + r.activeConnections())); }</pre>
     * <p>ipvsadm: {@code ipvsadm -L -n -t 192.0.2.100:80}
     *
     * @param key the service
     * @return its real servers the model can represent, with their counters
     * @throws ServiceNotFoundException if there is no such service (the kernel's dump alone
     *     returns an empty list then, so implementations must check)
     * @throws IpvsException if the kernel cannot be asked
     */
    List<RealServerStatus> realServers(ServiceKey key) throws IpvsException;

    /**
     * Adds a real server to a service.
     *
     * <pre>{@code ipvs.addRealServer(key, RealServer.builder(Endpoint.of("198.51.100.3", 80)).weight(5).build()); }</pre>
     * <p>ipvsadm: {@code ipvsadm -a -t 192.0.2.100:80 -r 198.51.100.3:80 -g -w 5}
     *
     * @param key the service
     * @param realServer the real server to add
     * @throws IllegalArgumentException if the families differ without tunnel forwarding
     *     ({@link RealServer#checkCompatible(ServiceKey, RealServer)})
     * @throws ServiceNotFoundException if there is no such service
     * @throws AlreadyExistsException if the service already has a real server at that endpoint
     * @throws IpvsException for any other refusal, naming the real server and the service
     */
    void addRealServer(ServiceKey key, RealServer realServer) throws IpvsException;

    /**
     * Replaces the settings of a real server (weight, forwarding, thresholds, tunnel).
     *
     * <pre>{@code ipvs.updateRealServer(key, rs.withWeight(0)); // drain }</pre>
     * <p>ipvsadm: {@code ipvsadm -e -t 192.0.2.100:80 -r 198.51.100.3:80 -w 0}
     *
     * @param key the service
     * @param realServer the real server's new settings; its endpoint names it
     * @throws ServiceNotFoundException if there is no such service
     * @throws RealServerNotFoundException if the service has no real server at that endpoint
     * @throws IpvsException for any other refusal, naming the real server and the service
     */
    void updateRealServer(ServiceKey key, RealServer realServer) throws IpvsException;

    /**
     * Removes a real server from a service.
     *
     * <pre>{@code ipvs.removeRealServer(key, Endpoint.of("198.51.100.3", 80)); }</pre>
     * <p>ipvsadm: {@code ipvsadm -d -t 192.0.2.100:80 -r 198.51.100.3:80}
     *
     * @param key the service
     * @param endpoint the real server's address and port
     * @throws ServiceNotFoundException if there is no such service
     * @throws RealServerNotFoundException if the service has no real server at that endpoint
     * @throws IpvsException for any other refusal, naming the real server and the service
     */
    void removeRealServer(ServiceKey key, Endpoint endpoint) throws IpvsException;

    /**
     * The connection timeouts.
     *
     * <pre>{@code Duration tcp = ipvs.timeouts().tcp(); }</pre>
     * <p>ipvsadm: {@code ipvsadm -L --timeout}
     *
     * @return the TCP, TCP FIN and UDP timeouts
     * @throws IpvsException if the kernel cannot be asked
     */
    Timeouts timeouts() throws IpvsException;

    /**
     * Sets connection timeouts; zero fields are left unchanged.
     *
     * <pre>{@code ipvs.setTimeouts(Timeouts.ofSeconds(900, 120, 300)); }</pre>
     * <p>ipvsadm: {@code ipvsadm --set 900 120 300}
     *
     * @param timeouts the timeouts; zero fields keep their value
     * @throws IpvsException if the kernel refuses them
     */
    void setTimeouts(Timeouts timeouts) throws IpvsException;

    /**
     * IPVS version and connection table size.
     *
     * <pre>{@code String v = ipvs.info().version(); // "1.2.1" }</pre>
     * <p>ipvsadm: {@code ipvsadm --version}, and the header of {@code ipvsadm -L}
     *
     * @return the version and the connection table size
     * @throws IpvsException if the kernel cannot be asked
     */
    IpvsInfo info() throws IpvsException;

    /**
     * The running sync daemons (at most one master and one backup).
     *
     * <pre>{@code boolean master = ipvs.syncDaemons().stream().anyMatch(d -> d.state() == SyncState.MASTER); }</pre>
     * <p>ipvsadm: {@code ipvsadm -L --daemon}
     *
     * @return the running daemons, possibly none
     * @throws IpvsException if the kernel cannot be asked
     */
    List<SyncDaemon> syncDaemons() throws IpvsException;

    /**
     * Starts a sync daemon.
     *
     * <pre>{@code ipvs.startSyncDaemon(SyncDaemon.builder(SyncState.MASTER, "eth0", 1).build()); }</pre>
     * <p>ipvsadm: {@code ipvsadm --start-daemon master --mcast-interface eth0 --syncid 1}
     *
     * @param daemon the daemon's settings
     * @throws AlreadyExistsException if a daemon in that state runs
     * @throws KernelRejectedException (EINVAL) if mixed-family real servers exist
     * @throws IpvsException for any other refusal
     */
    void startSyncDaemon(SyncDaemon daemon) throws IpvsException;

    /**
     * Stops the sync daemon in {@code state}.
     *
     * <pre>{@code ipvs.stopSyncDaemon(SyncState.MASTER); }</pre>
     * <p>ipvsadm: {@code ipvsadm --stop-daemon master}
     *
     * @param state master or backup
     * @throws NotFoundException if none runs in that state
     * @throws IpvsException for any other refusal
     */
    void stopSyncDaemon(SyncState state) throws IpvsException;

    /**
     * Zeroes the counters of all services and real servers.
     *
     * <pre>{@code ipvs.zero(); }</pre>
     * <p>ipvsadm: {@code ipvsadm -Z}
     *
     * @throws IpvsException if the kernel refuses
     */
    void zero() throws IpvsException;

    /**
     * Zeroes the counters of one service and its real servers.
     *
     * <pre>{@code ipvs.zero(ServiceKey.tcp("192.0.2.100", 80)); }</pre>
     * <p>ipvsadm: {@code ipvsadm -Z -t 192.0.2.100:80}
     *
     * @param key the service
     * @throws ServiceNotFoundException if there is no such service
     * @throws IpvsException for any other refusal
     */
    void zero(ServiceKey key) throws IpvsException;

    /**
     * Removes every service (and real server) in the namespace.
     *
     * <pre>{@code ipvs.flush(); }</pre>
     * <p>ipvsadm: {@code ipvsadm -C}
     *
     * @throws IpvsException if the kernel refuses
     */
    void flush() throws IpvsException;

    /**
     * Every service with its real servers, as one snapshot per service (services are listed
     * first, then each one's real servers; see the class comment on consistency). Only
     * representable entries: this is {@code table().services()}, and entries the model cannot
     * represent never make it fail.
     *
     * <pre>{@code
     * for (ServiceSnapshot s : ipvs.snapshot()) {
     *     System.out.println(s.service().service() + " -> " + s.realServers().size() + " real servers");
     * }
     * }</pre>
     * <p>ipvsadm: {@code ipvsadm -L -n --stats}
     *
     * @return one snapshot per representable service
     * @throws IpvsException if the kernel cannot be asked
     */
    default List<ServiceSnapshot> snapshot() throws IpvsException {
        List<ServiceSnapshot> out = new java.util.ArrayList<>();
        for (ServiceStatus service : services()) {
            try {
                out.add(new ServiceSnapshot(service, realServers(service.service().key())));
            } catch (ServiceNotFoundException removedMeanwhile) {
                // another process removed it between the two listings: it is not in the snapshot
            }
        }
        return out;
    }

    /**
     * The whole table: every service with its real servers, and every entry the model cannot
     * represent (a {@link ForeignEntry}: its key, the kernel's attributes and why), so that
     * nothing the kernel holds is lost silently. Listed like {@link #snapshot()}.
     *
     * <pre>{@code
     * IpvsTable table = ipvs.table();
     * for (ForeignEntry f : table.foreign()) {
     *     System.out.println("cannot represent " + f);
     * }
     * }</pre>
     * <p>ipvsadm: {@code ipvsadm -S -n}
     *
     * <p>This default suits implementations whose entries are all representable: it returns
     * {@link #snapshot()} and no foreign entries. The netlink client and {@code InMemoryIpvs}
     * override it.
     *
     * @return the representable services with their real servers, and the foreign entries
     * @throws IpvsException if the kernel cannot be asked
     */
    default IpvsTable table() throws IpvsException {
        return new IpvsTable(snapshot(), List.of());
    }

    /**
     * Applies a batch of changes with {@link BatchOptions#DEFAULT} (continue past errors, every
     * change acknowledged).
     *
     * <pre>{@code
     * ipvs.apply(Batch.builder().addService(svc).addRealServer(svc.key(), rs).build()).throwIfFailed();
     * }</pre>
     * <p>ipvsadm: {@code ipvsadm -R < rules}
     *
     * @param batch the changes, in order
     * @return the outcome of every change
     * @throws IpvsException only for failures that are not about one change (e.g. the socket failed)
     */
    default BatchResult apply(Batch batch) throws IpvsException {
        return apply(batch, BatchOptions.DEFAULT);
    }

    /**
     * Applies a batch of changes in order and reports each one. This default applies them one
     * by one through the single-change methods; the netlink client packs many into each system
     * call.
     *
     * <pre>{@code
     * BatchResult r = ipvs.apply(batch, BatchOptions.builder().errorPolicy(BatchOptions.ErrorPolicy.STOP).build());
     * }</pre>
     * <p>ipvsadm: {@code ipvsadm -R < rules}
     *
     * @param batch the changes, in order
     * @param options how to send them
     * @return the outcome of every change
     * @throws IpvsException only for failures that are not about one change (e.g. the socket failed)
     */
    default BatchResult apply(Batch batch, BatchOptions options) throws IpvsException {
        List<BatchResult.Outcome> outcomes = new java.util.ArrayList<>(batch.size());
        boolean stopped = false;
        int index = 0;
        for (Change change : batch.changes()) {
            if (stopped) {
                outcomes.add(new BatchResult.Outcome(index++, change, BatchResult.Status.NOT_ATTEMPTED, Optional.empty()));
                continue;
            }
            try {
                change.applyTo(this);
                outcomes.add(new BatchResult.Outcome(index++, change, BatchResult.Status.APPLIED, Optional.empty()));
            } catch (IpvsException e) {
                if (e instanceof IpvsUnavailableException || e instanceof NetlinkIoException) {
                    throw e;
                }
                outcomes.add(new BatchResult.Outcome(index++, change, BatchResult.Status.FAILED, Optional.of(e)));
                stopped = options.errorPolicy() == BatchOptions.ErrorPolicy.STOP;
            }
        }
        return new BatchResult(outcomes, 0);
    }

    /** Releases the connection; idempotent, never throws. Services stay in the kernel. */
    @Override
    void close();
}
