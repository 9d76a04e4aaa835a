package io.ipvs4j.director.controller;

import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.director.keepalived.ConfigParseException;
import io.ipvs4j.director.keepalived.DesiredState;
import io.ipvs4j.director.keepalived.KeepalivedConfig;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.director.vrrp.VrrpDirector;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.netlink.HostNetwork;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import io.ipvs4j.netlink.VrrpHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller as a command, a drop-in for keepalived's load-balancing half:
 *
 * <pre>
 * ipvs4j-director -f /etc/keepalived/keepalived.conf \
 *      [--namespace NS] [--control-socket /run/ipvs4j/control.sock] [--state-file /var/lib/ipvs4j/director.state]
 *      [--remove-on-exit] [--resync SECONDS] [--strict] [--metrics-listen 127.0.0.1:9280]
 * ipvs4j-director -t -f /etc/keepalived/keepalived.conf [--strict]
 * </pre>
 *
 * <p>({@code ipvs4j-director} is the distribution's launcher for this class.) {@code -t}
 * checks the file without IPVS and prints what would be programmed and every warning
 * ({@link ConfigCheck}; exit status 0, 1, 3 or 4 as documented there).
 *
 * <p>Reads the {@code virtual_server}, {@code static_ipaddress} and VRRP parts of the file
 * (other parts are reported as warnings), runs the {@code vrrp_instance}s (their VIPs up while
 * MASTER, the IPVS sync daemon following {@code lvs_sync_daemon}'s instance), brings up the VIPs, health-checks the real servers and keeps
 * the IPVS table in step. SIGHUP re-reads the file, as keepalived does (the control socket's
 * {@code reload}; a file that does not convert leaves the running configuration in force).
 * It runs until SIGTERM or SIGINT, which stop it cleanly: the checks end and the
 * rules and VIPs stay for the next run to take over, or are removed with
 * {@code --remove-on-exit}. {@code --namespace NS} programs the network namespace
 * {@code /run/netns/NS} (made by {@code ip netns add}); note that the health checks still run
 * from the namespace the JVM runs in, so for checks inside NS start the JVM with
 * {@code ip netns exec NS java ...} instead. Exit status: the signal's (143 for SIGTERM) after a signal, 1 if it could not
 * start, 2 for bad arguments.
 * {@code --state-file FILE} records what the director programs, so that a restart with a
 * changed configuration removes what the previous run owned and no longer wants
 * ({@link OwnershipState}); without it, ownership is "what the current configuration names".
 * {@code --strict} makes unsupported keywords errors instead of warnings.
 * {@code --metrics-listen ADDR:PORT} serves Prometheus metrics at {@code /metrics}, {@code /healthz},
 * {@code /readyz} and a status page at {@code /} ({@link io.ipvs4j.director.metrics.MetricsServer};
 * a bare {@code PORT} listens on the loopback address; off without the option).
 */
public final class Main {
    private Main() {
    }

    private static final String USAGE = "usage: ipvs4j-director -f keepalived.conf [--namespace NS]"
            + " [--control-socket PATH] [--state-file PATH] [--remove-on-exit] [--resync SECONDS] [--strict]\n"
            + "       [--metrics-listen ADDR:PORT]\n"
            + "       ipvs4j-director -t -f keepalived.conf [--strict]   (check the file, program nothing)";

    /**
     * Runs the controller until SIGTERM/SIGINT.
     *
     * @param args the command line; see the usage it prints for {@code --help}
     */
    public static void main(String[] args) {
        configureLogging();
        Path file = null;
        String namespace = null;
        Path socketPath = null;
        Path stateFile = null;
        boolean removeOnExit = false;
        boolean configTest = false;
        KeepalivedParser.Mode mode = KeepalivedParser.Mode.LENIENT;
        Duration resync = Duration.ofSeconds(60);
        java.net.InetSocketAddress metricsListen = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "-f", "--use-file" -> file = Path.of(value(args, ++i));
                    case "--namespace" -> namespace = value(args, ++i);
                    case "--control-socket" -> socketPath = Path.of(value(args, ++i));
                    case "--remove-on-exit" -> removeOnExit = true;
                    case "--state-file" -> stateFile = Path.of(value(args, ++i));
                    case "-t", "--config-test" -> configTest = true;
                    case "--strict" -> mode = KeepalivedParser.Mode.STRICT;
                    case "--metrics-listen" -> metricsListen = io.ipvs4j.director.metrics.MetricsServer
                            .parseListen(value(args, ++i));
                    case "--resync" -> resync = Duration.ofMillis((long) (Double.parseDouble(value(args, ++i)) * 1000));
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            if (file == null) {
                throw new IllegalArgumentException("-f FILE is required");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (configTest) {
            System.exit(ConfigCheck.run(file, mode, System.out, System.err));
            return;
        }
        System.exit(run(file, mode, namespace, socketPath, stateFile, removeOnExit, resync, metricsListen));
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    /** slf4j-simple defaults that make the log readable as a daemon's log; -D settings win. */
    private static void configureLogging() {
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
        setDefault("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        setDefault("org.slf4j.simpleLogger.showThreadName", "false");
        setDefault("org.slf4j.simpleLogger.showShortLogName", "true");
        setDefault("org.slf4j.simpleLogger.levelInBrackets", "true");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** Reads the file each time: the controller's start and every {@code reload}. */
    static LvsController.ConfigSource fileSource(Path file, KeepalivedParser.Mode mode, Logger log) {
        return fileSource(file, mode, log, new AtomicReference<>());
    }

    /**
     * As {@link #fileSource(Path, KeepalivedParser.Mode, Logger)}; once the director has started
     * ({@code running} set: the VRRP director, or empty without VRRP), a reload also applies the
     * file's VRRP part ({@link VrrpDirector#reload}), after the whole file was read and converted
     * and before the services are applied; a refused VRRP change fails the reload.
     */
    static LvsController.ConfigSource fileSource(Path file, KeepalivedParser.Mode mode, Logger log,
            AtomicReference<Optional<VrrpDirector>> running) {
        return () -> {
            KeepalivedConfig config = KeepalivedParser.parse(file, mode);
            config.warnings().forEach(w -> log.warn("{}: {}", file, w));
            DesiredState desired = KeepalivedConverter.toDesiredState(config, PINGER);
            Optional<VrrpDirector> vrrp = running.get();
            if (vrrp != null && vrrp.isPresent()) {
                vrrp.get().reload(config.vrrp());
            } else if (vrrp != null && !config.vrrp().instances().isEmpty()) {
                log.warn("{}: vrrp_instance added on reload: VRRP starts only with the director; restart it", file);
            }
            return desired;
        };
    }

    /** What sends PING_CHECK's echoes: the native ICMP sockets, opened at the first echo. */
    static final io.ipvs4j.director.check.PingCheck.Pinger PINGER = new NativePinger();

    private static int run(Path file, KeepalivedParser.Mode mode, String namespace, Path socketPath, Path stateFile,
            boolean removeOnExit, Duration resync, java.net.InetSocketAddress metricsListen) {
        Logger log = LoggerFactory.getLogger(Main.class);
        if (!Files.isReadable(file)) {
            log.error("cannot read {}", file);
            return 1;
        }
        KeepalivedConfig parsed;
        try {
            parsed = KeepalivedParser.parse(file, mode);
        } catch (ConfigParseException | IOException e) {
            log.error("{}: {}", file, e.getMessage());
            return 1;
        }
        if (namespace == null) {
            // keepalived's global_defs net_namespace: the whole daemon runs in that namespace
            try {
                Optional<String> configured = parsed.netNamespace();
                if (configured.isPresent() && !runningIn(configured.get())) {
                    namespace = configured.get();
                    log.warn("{}: net_namespace {}: IPVS and the VIPs are programmed in /run/netns/{}, but the health"
                            + " checks run from this JVM's namespace; start it with 'ip netns exec {} ipvs4j-director"
                            + " ...' to check from inside, as keepalived does", file, namespace, namespace, namespace);
                }
            } catch (RuntimeException e) {
                log.error("{}: {}", file, e.getMessage());
                return 1;
            }
        }
        NetlinkOptions options = namespace == null ? NetlinkOptions.DEFAULT
                : NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(namespace)).build();
        Ipvs ipvs;
        try {
            ipvs = IpvsNetlink.open(options);
        } catch (IpvsException e) {
            log.error("cannot open IPVS{}: {}", namespace == null ? "" : " in namespace " + namespace, e.getMessage());
            return 1;
        }
        InterfaceAddresses addresses = null;
        VrrpDirector vrrp = null;
        AtomicReference<Optional<VrrpDirector>> running = new AtomicReference<>();
        LvsController controller = null;
        ControlSocket socket = null;
        CompletableFuture<ControlSocket> pendingSocket = null;
        io.ipvs4j.director.metrics.MetricsServer metricsServer = null;
        Ipvs metricsIpvs = null;
        try {
            addresses = HostNetwork.addresses(options);
            if (!parsed.vrrp().instances().isEmpty()) {
                // VRRP owns the VIPs of its instances: MASTER brings them up, the controller the services
                vrrp = VrrpDirector.create(parsed.vrrp(), VrrpHost.network(options), ipvs, addresses);
                log.info("{}: {} VRRP instances: {}", file, parsed.vrrp().instances().size(),
                        parsed.vrrp().instances().stream().map(i -> i.config().name()).toList());
            }
            controller = LvsController.builder(ipvs, fileSource(file, mode, log, running))
                    .addresses(addresses).removeOnExit(removeOnExit).resyncInterval(resync)
                    .stateFile(stateFile).vrrp(vrrp).build();
            vrrp = null;   // the controller owns it now
            DesiredState config = controller.config();
            log.info("{}: {} virtual services, {} VIPs", file, config.services().size(), config.staticAddresses().size());
            // the socket's native setup (jnr-unixsocket) takes seconds on a slow machine: do it
            // while the controller starts; commands that arrive before start() see the configuration
            LvsController forSocket = controller;
            if (socketPath != null) {
                pendingSocket = CompletableFuture.supplyAsync(() -> {
                    try {
                        return ControlSocket.start(forSocket, socketPath);
                    } catch (IOException e) {
                        throw new UncheckedIOException("control socket " + socketPath + ": " + e.getMessage(), e);
                    }
                });
            }
            if (metricsListen != null) {
                // before start(): /readyz answers 503 until the first apply succeeded
                // the scrapes read the kernel on a netlink socket of their own: on the controller's,
                // whose lock serialises every request, an apply would wait behind a scrape's dump
                metricsIpvs = IpvsNetlink.open(options);
                metricsServer = io.ipvs4j.director.metrics.MetricsServer.start(
                        io.ipvs4j.director.metrics.DirectorMetrics.of(metricsIpvs, controller, Duration.ofSeconds(1)),
                        metricsListen);
            }
            controller.start();
            running.set(controller.vrrp());   // from now on a reload also reloads VRRP
            if (pendingSocket != null) {
                socket = pendingSocket.join();
            }
        } catch (ConfigParseException e) {
            log.error("{}: {}", file, e.getMessage());
            closeQuietly(vrrp);
            closeQuietly(metricsServer);
            closeQuietly(metricsIpvs);
            closeAll(awaitQuietly(pendingSocket), controller, addresses, ipvs);
            return 1;
        } catch (Exception e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            log.error("cannot start: {}", cause.getMessage() != null ? cause.getMessage() : cause.toString());
            closeQuietly(vrrp);
            closeQuietly(metricsServer);
            closeQuietly(metricsIpvs);
            closeAll(awaitQuietly(pendingSocket), controller, addresses, ipvs);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        LvsController c = controller;
        ControlSocket s = socket;
        InterfaceAddresses a = addresses;
        io.ipvs4j.director.metrics.MetricsServer m = metricsServer;
        Ipvs mIpvs = metricsIpvs;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("signal received: stopping");
            closeQuietly(m);
            closeQuietly(mIpvs);
            closeAll(s, c, a, ipvs);
            stopped.countDown();
        }, "ipvs4j-shutdown"));
        reloadOnHangup(c, log);
        log.info("running; SIGHUP reloads {}; SIGTERM or SIGINT stops it ({})", file,
                removeOnExit ? "its rules and VIPs are then removed" : "its rules and VIPs are then left in place");
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * SIGHUP re-reads the configuration, as it does keepalived's ({@code kill -HUP}, the reload
     * of init scripts and of operators' habits); the JVM's default for SIGHUP is to exit, which
     * here would stop the checks (and with {@code --remove-on-exit} remove the whole table).
     * The reload runs on its own thread: the signal dispatcher must not wait for the kernel.
     */
    private static void reloadOnHangup(LvsController controller, Logger log) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                Thread t = new Thread(() -> {
                    log.info("SIGHUP: reloading the configuration");
                    try {
                        controller.reload();
                    } catch (Exception e) {
                        // reload() throws before changing anything when the file does not read or convert
                        log.error("SIGHUP reload failed, the previous configuration stays in force: {}",
                                e.getMessage() != null ? e.getMessage() : e.toString());
                    }
                }, "ipvs4j-sighup-reload");
                t.setDaemon(true);
                t.start();
            });
        } catch (IllegalArgumentException e) {
            // the JVM was started with -Xrs (signals left to the JVM): SIGHUP then stops it
            log.warn("SIGHUP cannot be handled in this JVM ({}): it stops the director instead of reloading",
                    e.getMessage());
        }
    }

    /** Whether this process already runs in the network namespace /run/netns/{@code name}. */
    private static boolean runningIn(String name) {
        try {
            String self = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();   // net:[INODE]
            Object inode = Files.getAttribute(Path.of("/run/netns", name), "unix:ino");
            return self.equals("net:[" + inode + "]");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void closeQuietly(VrrpDirector vrrp) {
        if (vrrp != null) {
            vrrp.close();
        }
    }

    private static void closeQuietly(io.ipvs4j.director.metrics.MetricsServer server) {
        if (server != null) {
            server.close();
        }
    }

    private static void closeQuietly(Ipvs ipvs) {
        if (ipvs != null) {
            try {
                ipvs.close();
            } catch (RuntimeException e) {
                // stopping: the socket goes with the process anyway
            }
        }
    }

    private static ControlSocket awaitQuietly(CompletableFuture<ControlSocket> pending) {
        try {
            return pending == null ? null : pending.join();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void closeAll(ControlSocket socket, LvsController controller, InterfaceAddresses addresses, Ipvs ipvs) {
        if (socket != null) {
            socket.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (addresses != null) {
            addresses.close();
        }
        ipvs.close();
    }
}
