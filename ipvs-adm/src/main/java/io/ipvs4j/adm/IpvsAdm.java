package io.ipvs4j.adm;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.BatchResult;
import io.ipvs4j.Change;
import io.ipvs4j.Errno;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.Operation;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.ipvsadm.IpvsadmCommand;
import io.ipvs4j.ipvsadm.IpvsadmCommand.Kind;
import io.ipvs4j.ipvsadm.IpvsadmCommand.ListOption;
import io.ipvs4j.ipvsadm.IpvsadmListing;
import io.ipvs4j.ipvsadm.IpvsadmRules;
import io.ipvs4j.ipvsadm.IpvsadmSyntaxException;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code ipvs4j-adm}: ipvsadm's command line for the table operations on ipvs4j. Prints what
 * ipvsadm 1.31 prints and exits with its status (0; 1 for a listing of a missing service; 2
 * for a refused command line; 255 for a kernel error), and runs {@code -R} as batches.
 *
 * <pre>{@code
 * ipvs4j-adm -A -t 192.0.2.100:80 -s rr
 * ipvs4j-adm -a -t 192.0.2.100:80 -r 198.51.100.3 -m -w 5
 * ipvs4j-adm -Ln --stats
 * ipvs4j-adm -Sn > rules; ipvs4j-adm -C; ipvs4j-adm -R < rules
 * }</pre>
 *
 * <p>Addresses and ports are always printed numerically (ipvsadm without {@code -n} resolves
 * names); {@code -c} (connection listing) is not supported.
 */
public final class IpvsAdm {
    private final PrintStream out;
    private final PrintStream err;
    private final Supplier<Ipvs> opener;
    private final boolean closeClient;
    private Ipvs ipvs;

    /**
     * An ipvsadm that opens its own client and closes it after each run.
     *
     * @param out where listings and {@code -S} go
     * @param err where errors go, in ipvsadm's words
     * @param opener opens the client on first use (nothing native is loaded for {@code -h},
     *     {@code -v} or a refused command line); it is closed at the end of each run
     */
    public IpvsAdm(PrintStream out, PrintStream err, Supplier<Ipvs> opener) {
        this(out, err, opener, true);
    }

    /**
     * Like {@link #IpvsAdm(PrintStream, PrintStream, Supplier)}, with a choice of closing.
     *
     * @param out where listings and {@code -S} go
     * @param err where errors go, in ipvsadm's words
     * @param opener opens the client on first use
     * @param closeClient false keeps a shared client open after each run
     */
    public IpvsAdm(PrintStream out, PrintStream err, Supplier<Ipvs> opener, boolean closeClient) {
        this.out = out;
        this.err = err;
        this.opener = opener;
        this.closeClient = closeClient;
    }

    /**
     * The {@code ipvs4j-adm} command: ipvsadm's command line, against the kernel over netlink.
     *
     * @param args ipvsadm's arguments, e.g. {@code -A -t 192.0.2.1:80 -s rr}
     */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
                StandardCharsets.UTF_8);
        int rc;
        if (args.length == 1 && args[0].equals("--cds-training")) {
            rc = CdsTraining.run(out, System.err);
        } else {
            IpvsAdm adm = new IpvsAdm(out, System.err, IpvsAdm::openNetlink);
            rc = adm.run(args, new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        out.flush();
        System.exit(rc);
    }

    static Ipvs openNetlink() {
        try {
            return io.ipvs4j.netlink.IpvsNetlink.open();
        } catch (IpvsException e) {
            throw new Unavailable(e);
        }
    }

    /** The client could not be opened (no IPVS, not root). */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(IpvsException cause) {
            super(cause);
        }
    }

    /**
     * Runs one invocation.
     *
     * @param args ipvsadm's arguments; none means {@code -L}
     * @param stdin read by {@code -R}
     * @return the exit status ipvsadm would give (0 success, non-zero with a message on err)
     */
    public int run(String[] args, Reader stdin) {
        try {
            IpvsadmCommand c;
            try {
                c = args.length == 0 ? IpvsadmCommand.parse("-L") : IpvsadmCommand.parse(List.of(args), 0);
            } catch (IpvsadmSyntaxException e) {
                err.println(e.getMessage());
                return 2;
            }
            switch (c.kind()) {
                case HELP -> {
                    out.print(usage());
                    return 0;
                }
                case VERSION -> {
                    out.println("ipvs4j-adm (ipvsadm v1.31 command line) on ipvs4j");
                    return 0;
                }
                case RESTORE -> {
                    return restore(stdin);
                }
                default -> {
                    return execute(c);
                }
            }
        } catch (Unavailable e) {
            err.println("Can't initialize ipvs: " + e.getCause().getMessage());
            err.println("Are you sure that IP Virtual Server is built in the kernel or as module?");
            return 2;
        } finally {
            if (ipvs != null && closeClient) {
                ipvs.close();
            }
            ipvs = null;
        }
    }

    private Ipvs ipvs() {
        if (ipvs == null) {
            ipvs = opener.get();
        }
        return ipvs;
    }

    private int execute(IpvsadmCommand c) {
        try {
            switch (c.kind()) {
                case LIST -> {
                    return list(c);
                }
                case SAVE -> out.print(IpvsadmRules.save(ipvs().snapshot()));
                case FLUSH -> ipvs().flush();
                case ZERO -> {
                    Optional<ServiceKey> key = c.serviceKey();
                    if (key.isPresent()) {
                        ipvs().zero(key.get());
                    } else {
                        ipvs().zero();
                    }
                }
                case SET -> ipvs().setTimeouts(c.timeouts().orElseThrow());
                case START_DAEMON -> ipvs().startSyncDaemon(c.daemon().orElseThrow());
                case STOP_DAEMON -> ipvs().stopSyncDaemon(c.daemonState().orElseThrow());
                default -> {
                    Change change = c.toChange().orElseThrow();
                    change.applyTo(ipvs());
                }
            }
            return 0;
        } catch (IpvsException e) {
            err.println(message(e));
            return 255;
        }
    }

    private int list(IpvsadmCommand c) throws IpvsException {
        Set<ListOption> o = c.listOptions();
        if (o.contains(ListOption.CONNECTION)) {
            err.println("ipvs4j-adm: the connection listing (-c) is not supported; read /proc/net/ip_vs_conn");
            return 2;
        }
        if (o.contains(ListOption.TIMEOUT)) {
            out.print(IpvsadmListing.timeouts(ipvs().timeouts()));
            return 0;
        }
        if (o.contains(ListOption.DAEMON)) {
            out.print(IpvsadmListing.daemons(ipvs().syncDaemons()));
            return 0;
        }
        Optional<ServiceKey> key = c.serviceKey();
        if (key.isPresent()) {
            Optional<ServiceStatus> s = ipvs().service(key.get());
            if (s.isEmpty()) {
                err.println("No such service");
                return 1;
            }
            out.print(IpvsadmListing.service(new ServiceSnapshot(s.get(), ipvs().realServers(key.get())), o));
            return 0;
        }
        out.print(IpvsadmListing.table(ipvs().info(), ipvs().snapshot(), o));
        return 0;
    }

    /**
     * {@code -R}: the whole input is parsed first (a refused line changes nothing); runs of
     * table changes go to the kernel as batches that continue past failures, each failure
     * reported as ipvsadm reports it; other commands ({@code -C}, {@code --set}, ...) run in
     * their place. The status is the last command's, as with ipvsadm.
     */
    private int restore(Reader stdin) {
        List<IpvsadmRules.Rule> rules;
        try {
            rules = IpvsadmRules.parse(stdin);
        } catch (IpvsadmSyntaxException e) {
            err.println(e.getMessage());
            return 2;
        }
        int rc = 0;
        List<IpvsadmRules.Rule> run = new ArrayList<>();
        for (IpvsadmRules.Rule rule : rules) {
            if (rule.command().kind().isTableChange()) {
                run.add(rule);
                continue;
            }
            if (!run.isEmpty()) {
                rc = applyBatch(run);
                run.clear();
            }
            Kind k = rule.command().kind();
            rc = k == Kind.HELP || k == Kind.VERSION ? 0 : execute(rule.command());
        }
        if (!run.isEmpty()) {
            rc = applyBatch(run);
        }
        return rc;
    }

    private int applyBatch(List<IpvsadmRules.Rule> run) {
        Batch batch = IpvsadmRules.toBatch(run);
        BatchResult result;
        try {
            result = ipvs().apply(batch, BatchOptions.builder().errorPolicy(BatchOptions.ErrorPolicy.CONTINUE).build());
        } catch (IpvsException e) {
            err.println(message(e));
            return 255;
        }
        for (BatchResult.Outcome o : result.failures()) {
            err.println(message(o.error().orElseThrow()));
        }
        BatchResult.Outcome last = result.outcome(result.outcomes().size() - 1);
        return last.status() == BatchResult.Status.APPLIED ? 0 : 255;
    }

    /** ipvsadm's {@code ipvs_strerror}: its text for the operation and errno, else strerror. */
    static String message(IpvsException e) {
        int errno = Math.abs(e.errno());
        Operation op = e.operation();
        switch (errno) {
            case Errno.EEXIST:
                if (op == Operation.ADD_SERVICE) {
                    return "Service already exists";
                }
                if (op == Operation.ADD_REAL_SERVER) {
                    return "Destination already exists";
                }
                if (op == Operation.START_SYNC_DAEMON) {
                    return "Daemon has already run";
                }
                break;
            case Errno.ENOENT:
                if (op == Operation.ADD_SERVICE || op == Operation.UPDATE_SERVICE) {
                    return "Scheduler or persistence engine not found";
                }
                if (op == Operation.UPDATE_REAL_SERVER || op == Operation.REMOVE_REAL_SERVER) {
                    return "No such destination";
                }
                break;
            case Errno.ESRCH:
                if (op == Operation.ADD_REAL_SERVER || op == Operation.UPDATE_REAL_SERVER
                        || op == Operation.REMOVE_REAL_SERVER) {
                    return "Service not defined";
                }
                if (op == Operation.STOP_SYNC_DAEMON) {
                    return "No daemon is running";
                }
                return "No such service";
            default:
                break;
        }
        return switch (errno) {
            case Errno.EPERM -> "Permission denied (you must be root)";
            case Errno.EINVAL -> "Invalid operation.  Possibly wrong module version, address not unicast, ...";
            case Errno.ENOPROTOOPT -> "Protocol not available";
            case Errno.ENOMEM -> "Memory allocation problem";
            case Errno.EOPNOTSUPP -> "Operation not supported with IPv6";
            case Errno.EAFNOSUPPORT -> "Operation not supported with specified address family";
            case Errno.EMSGSIZE -> "Module is wrong version";
            case Errno.ERANGE -> "Numerical result out of range";
            case Errno.ENOENT -> "No such file or directory";
            case Errno.EEXIST -> "File exists";
            case Errno.EBUSY -> "Device or resource busy";
            case Errno.ENODEV -> "No such device";
            case Errno.EADDRNOTAVAIL -> "Cannot assign requested address";
            default -> e.getMessage();
        };
    }

    static String usage() {
        return """
                ipvs4j-adm: ipvsadm's command line on ipvs4j (ipvsadm v1.31 syntax)
                Usage:
                  ipvs4j-adm -A|E virtual-service [-s scheduler] [-p [timeout]] [-M netmask] [--pe persistence_engine] [-b sched-flags]
                  ipvs4j-adm -D virtual-service
                  ipvs4j-adm -C
                  ipvs4j-adm -R
                  ipvs4j-adm -S [-n]
                  ipvs4j-adm -a|e virtual-service -r server-address [options]
                  ipvs4j-adm -d virtual-service -r server-address
                  ipvs4j-adm -L|l [virtual-service] [options]
                  ipvs4j-adm -Z [virtual-service]
                  ipvs4j-adm --set tcp tcpfin udp
                  ipvs4j-adm --start-daemon {master|backup} [daemon-options]
                  ipvs4j-adm --stop-daemon {master|backup}
                  ipvs4j-adm -h
                See ipvsadm(8) for the options. Differences: addresses and ports are numeric only, -c is
                not supported, -R parses the whole input before applying it and applies it in batches.
                """;
    }
}
