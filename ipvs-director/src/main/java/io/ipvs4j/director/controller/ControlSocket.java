package io.ipvs4j.director.controller;

import io.ipvs4j.IpvsException;
import io.ipvs4j.Reconciler;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.Protocol;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Stats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.unixsocket.Credentials;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's run-time API over a Unix domain socket, in the spirit of HAProxy's
 * "stats socket": a line protocol, one command per line, each reply ended by an empty line.
 *
 * <pre>
 * $ echo 'show services' | socat - UNIX-CONNECT:/run/ipvs4j.sock     # or: nc -U /run/ipvs4j.sock
 * service TCP 192.0.2.100:80 rr quorum=up in_table=yes conns=12 inpkts=96 inbytes=6310
 *   rs 192.0.2.32:80 check=UP admin=ready weight=1 configured=1 kernel_weight=1 active=0 inactive=6 conns=6 ...
 *   rs 192.0.2.33:80 check=DOWN admin=ready weight=- configured=1 kernel_weight=- ...
 *
 * $ echo 'drain 192.0.2.100:80 192.0.2.32:80' | socat - UNIX-CONNECT:/run/ipvs4j.sock
 * OK drain 192.0.2.32:80 of TCP 192.0.2.100:80: 1 kernel change
 * </pre>
 *
 * <pre>{@code
 * try (ControlSocket socket = ControlSocket.start(controller, Path.of("/run/ipvs4j.sock"))) {
 *     ...   // serve until closed
 * }
 * }</pre>
 *
 * <p>Commands: {@code show services}, {@code set weight SERVICE RS WEIGHT},
 * {@code drain SERVICE RS}, {@code enable SERVICE RS}, {@code reload}, {@code help},
 * {@code quit}. SERVICE is {@code VIP:PORT} ({@code [v6]:PORT} for IPv6), optionally prefixed
 * with the protocol ({@code udp:192.0.2.100:53}; without one, the only configured service on
 * that address and port), or {@code fwmark:N}; RS is {@code ADDRESS:PORT}. Errors are one line
 * starting with {@code ERROR}.
 *
 * <p>Access: by default the socket is created inside a directory only its owner can enter
 * (mode 0700: created so when missing, refused when it is open to others), so nobody else
 * can connect at all. With {@link Limits#privateDirectory()} off, the socket file's mode
 * (0660 by default: owner and group) decides who may connect. Only a peer with the uid of the socket's owner (or root) may change anything; the
 * peer's uid is taken from the kernel ({@code SO_PEERCRED}), not from anything the peer sends.
 * Others get the read-only commands ({@code show}, {@code help}).
 *
 * <p>Limits ({@link Limits}): at most {@link Limits#maxConnections()} connections at a time
 * (one more is told {@code ERROR too many connections} and closed), and a connection that
 * sends nothing for {@link Limits#idleTimeout()} is closed. A socket file left by a dead
 * process is replaced only when connecting to it is refused ({@code ECONNREFUSED}); any other
 * answer leaves it alone.
 */
public final class ControlSocket implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlSocket.class);
    private static final int MAX_LINE = 4096;
    /** Default mode of the socket file: owner and group may connect. */
    public static final Set<PosixFilePermission> DEFAULT_MODE = PosixFilePermissions.fromString("rw-rw----");

    private final LvsController controller;
    private final Path path;
    private final UnixServerSocketChannel server;
    private final int ownerUid;
    private final ExecutorService threads;
    private final Thread acceptor;
    /** The open connections, each with the time (System.nanoTime) it last sent something. */
    private final java.util.Map<UnixSocketChannel, java.util.concurrent.atomic.AtomicLong> open =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final Limits limits;
    private final java.util.concurrent.ScheduledExecutorService idleWatch;
    private volatile boolean closed;

    /**
     * How much the control socket serves.
     *
     * <pre>{@code
     * ControlSocket.start(controller, path, ControlSocket.DEFAULT_MODE,
     *         ControlSocket.Limits.DEFAULT.withMaxConnections(4));
     * }</pre>
     *
     * @param maxConnections connections served at once (at least 1)
     * @param idleTimeout a connection that sends nothing for this long is closed (positive)
     * @param privateDirectory require (or create) the socket's directory with mode 0700, owned
     *     by the socket's owner
     */
    public record Limits(int maxConnections, java.time.Duration idleTimeout, boolean privateDirectory) {
        /** 16 connections, 60 s idle, private directory. */
        public static final Limits DEFAULT = new Limits(16, java.time.Duration.ofSeconds(60), true);

        /**
         * Checks the parts.
         *
         * @param maxConnections connections served at once (at least 1)
         * @param idleTimeout a connection that sends nothing for this long is closed (positive)
         * @param privateDirectory require (or create) the socket's directory with mode 0700, owned
         *     by the socket's owner
         */
        public Limits {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1, was " + maxConnections);
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("idleTimeout must be positive, was " + idleTimeout);
            }
        }

        /**
         * These limits with another connection cap.
         *
         * @param n connections served at once (at least 1)
         * @return the new limits
         */
        public Limits withMaxConnections(int n) {
            return new Limits(n, idleTimeout, privateDirectory);
        }

        /**
         * These limits with another idle timeout.
         *
         * @param timeout a connection that sends nothing for this long is closed (positive)
         * @return the new limits
         */
        public Limits withIdleTimeout(java.time.Duration timeout) {
            return new Limits(maxConnections, timeout, privateDirectory);
        }

        /**
         * These limits with or without the private-directory requirement.
         *
         * @param required whether the socket's directory must be mode 0700 and owned by its owner
         * @return the new limits
         */
        public Limits withPrivateDirectory(boolean required) {
            return new Limits(maxConnections, idleTimeout, required);
        }
    }

    private ControlSocket(LvsController controller, Path path, UnixServerSocketChannel server, int ownerUid,
            Limits limits) {
        this.controller = controller;
        this.path = path;
        this.server = server;
        this.ownerUid = ownerUid;
        this.limits = limits;
        this.idleWatch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ipvs4j-control-idle");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ipvs4j-control-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "ipvs4j-control-accept");
        this.acceptor.setDaemon(true);
    }

    /**
     * {@link #start(LvsController, Path, Set, Limits)} with {@link #DEFAULT_MODE} and {@link Limits#DEFAULT}.
     *
     * @param controller the controller the commands act on
     * @param path where the socket file is created
     * @return the listening socket; {@link #close()} stops it and removes the file
     * @throws IOException if the path is taken by a live socket or another file, or cannot be bound
     */
    public static ControlSocket start(LvsController controller, Path path) throws IOException {
        return start(controller, path, DEFAULT_MODE, Limits.DEFAULT);
    }

    /**
     * {@link #start(LvsController, Path, Set, Limits)} with {@link Limits#DEFAULT}.
     *
     * @param controller the controller the commands act on
     * @param path where the socket file is created
     * @param mode the socket file's permissions: who may connect at all
     * @return the listening socket; {@link #close()} stops it and removes the file
     * @throws IOException if the path is taken by a live socket or another file, or cannot be bound
     */
    public static ControlSocket start(LvsController controller, Path path, Set<PosixFilePermission> mode)
            throws IOException {
        return start(controller, path, mode, Limits.DEFAULT);
    }

    /**
     * Listens on {@code path} (a stale socket file left by a dead process is replaced; a live
     * one is an error) and serves until {@link #close()}.
     *
     * @param mode the socket file's permissions: who may connect at all
     * @param limits connections, idle timeout, private directory
     * @param controller the controller the commands act on
     * @param path where the socket file is created
     * @return the listening socket; {@link #close()} stops it and removes the file
     * @throws IOException if the path is taken by a live socket or another file, or cannot be
     *     bound, or its directory is open to others while {@link Limits#privateDirectory()}
     */
    public static ControlSocket start(LvsController controller, Path path, Set<PosixFilePermission> mode,
            Limits limits) throws IOException {
        Objects.requireNonNull(controller, "controller");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(limits, "limits");
        Path p = path.toAbsolutePath();
        Path dir = p.getParent();
        if (limits.privateDirectory()) {
            preparePrivateDirectory(dir);
        }
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            if (!"s".equals(fileType(p))) {
                throw new IOException(p + " exists and is not a socket; refusing to replace it");
            }
            removeIfStale(p);
        }
        UnixServerSocketChannel server = UnixServerSocketChannel.open();
        try {
            server.socket().bind(new UnixSocketAddress(p.toFile()));
            Files.setPosixFilePermissions(p, mode);
            int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (limits.privateDirectory()) {
                int dirUid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                if (dirUid != uid) {
                    throw new IOException("the control socket's directory " + dir + " belongs to uid " + dirUid
                            + ", not to this process (uid " + uid + "); refusing to serve in it");
                }
            }
            ControlSocket s = new ControlSocket(controller, p, server, uid, limits);
            s.acceptor.start();
            long period = Math.max(10, Math.min(1000, limits.idleTimeout().toMillis() / 4));
            s.idleWatch.scheduleWithFixedDelay(s::closeIdle, period, period, TimeUnit.MILLISECONDS);
            log.info("control socket listening on {} (mode {}, owner uid {}, at most {} connections, idle timeout {})",
                    p, PosixFilePermissions.toString(mode), uid, limits.maxConnections(), limits.idleTimeout());
            return s;
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(p);
            throw e;
        }
    }

    /** Creates {@code dir} with mode 0700, or checks that the existing one is closed to others. */
    private static void preparePrivateDirectory(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            return;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("the control socket's directory " + dir + " is not a directory");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> others = java.util.EnumSet.copyOf(perms);
        others.removeAll(PosixFilePermissions.fromString("rwx------"));
        if (!others.isEmpty()) {
            throw new IOException("the control socket's directory " + dir + " has mode "
                    + PosixFilePermissions.toString(perms) + ": it must be accessible by its owner only (chmod 700 "
                    + dir + ", or give the socket a directory of its own)");
        }
    }

    /**
     * Removes {@code p} only if connecting to it is refused (ECONNREFUSED: nobody listens, a
     * process that died left it); a listening socket or any other error leaves it.
     */
    private static void removeIfStale(Path p) throws IOException {
        try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open(
                java.net.StandardProtocolFamily.UNIX)) {
            probe.connect(java.net.UnixDomainSocketAddress.of(p));
        } catch (java.net.ConnectException refused) {
            log.info("removing the stale control socket {} (connection refused: nobody listens)", p);
            Files.delete(p);
            return;
        } catch (IOException other) {
            throw new IOException("cannot tell whether " + p + " is in use (" + other.getMessage()
                    + "); not replacing it", other);
        }
        throw new IOException("another process is listening on " + p);
    }

    /** Closes the connections idle for longer than the limit. Runs on the idle-watch thread. */
    private void closeIdle() {
        long now = System.nanoTime();
        long limit = limits.idleTimeout().toNanos();
        open.forEach((ch, last) -> {
            if (now - last.get() > limit) {
                log.info("control socket: closing a connection idle for more than {}", limits.idleTimeout());
                // no longer counted from the moment the peer can see the hang-up, so that a
                // client reconnecting at once is not refused for a slot being freed
                open.remove(ch);
                hangUp(ch);
            }
        });
    }

    private static void hangUp(UnixSocketChannel ch) {
        try {
            ch.shutdownInput();   // unblocks a read(2) in progress, which close(2) would not
        } catch (IOException | RuntimeException ignored) {
            // already gone
        }
        closeQuietly(ch);
    }

    private static String fileType(Path p) throws IOException {
        // "unix:mode" holds the S_IFMT bits: 0140000 is a socket
        int m = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (m & 0170000) == 0140000 ? "s" : "other";
    }

    /**
     * The socket file.
     *
     * @return the path clients connect to
     */
    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            UnixSocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.error("control socket accept failed: {}", e.toString());
                }
                return;
            }
            if (ch == null) {
                continue;
            }
            if (open.size() >= limits.maxConnections()) {
                log.warn("control socket: refusing a connection, {} are open (the limit)", open.size());
                try {
                    ch.write(java.nio.ByteBuffer.wrap(("ERROR too many connections (" + limits.maxConnections()
                            + " open); try again later\n\n").getBytes(StandardCharsets.UTF_8)));
                } catch (IOException | RuntimeException ignored) {
                    // it is being turned away anyway
                }
                closeQuietly(ch);
                continue;
            }
            open.put(ch, new java.util.concurrent.atomic.AtomicLong(System.nanoTime()));
            try {
                threads.execute(() -> serve(ch));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                closeQuietly(ch);
            }
        }
    }

    private void serve(UnixSocketChannel ch) {
        int peerUid;
        try {
            Credentials c = ch.getOption(UnixSocketOptions.SO_PEERCRED);
            peerUid = c.getUid();
        } catch (IOException | RuntimeException e) {
            // without the peer's identity nothing may change: treat it as a stranger
            peerUid = -1;
        }
        boolean mayChange = peerUid == ownerUid || peerUid == 0;
        java.util.concurrent.atomic.AtomicLong lastActive = open.get(ch);
        try (InputStream in = Channels.newInputStream(ch); OutputStream out = Channels.newOutputStream(ch)) {
            while (!closed) {
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                if (lastActive != null) {
                    lastActive.set(System.nanoTime());
                }
                line = line.strip();
                if (line.isEmpty()) {
                    continue;
                }
                if (line.equalsIgnoreCase("quit")) {
                    return;
                }
                String reply = execute(line, peerUid, mayChange);
                out.write((reply.endsWith("\n") ? reply : reply + "\n").getBytes(StandardCharsets.UTF_8));
                out.write('\n');
                out.flush();
                if (lastActive != null) {
                    lastActive.set(System.nanoTime());   // a slow command is not idleness
                }
            }
        } catch (IOException | UncheckedIOException e) {
            log.debug("control connection ended: {}", e.toString());
        } finally {
            open.remove(ch);
            closeQuietly(ch);
        }
    }

    /** Reads one line (LF or CRLF); null at end of stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                return buf.size() == 0 ? null : buf.toString(StandardCharsets.UTF_8);
            }
            if (c == '\n') {
                return buf.toString(StandardCharsets.UTF_8);
            }
            if (buf.size() >= MAX_LINE) {
                throw new IOException("command line longer than " + MAX_LINE + " bytes");
            }
            buf.write(c);
        }
    }

    /**
     * Runs one command line and returns the reply (without the terminating empty line).
     * Package-private for tests of the protocol without a socket.
     */
    String execute(String line, int peerUid, boolean mayChange) {
        String[] w = line.trim().split("\\s+");
        String cmd = w[0].toLowerCase(Locale.ROOT);
        try {
            switch (cmd) {
                case "help":
                    return help(mayChange);
                case "show":
                    if (w.length == 2 && w[1].equalsIgnoreCase("services")) {
                        return show();
                    }
                    return "ERROR usage: show services";
                case "vrrp":
                    return vrrp();
                case "set":
                case "drain":
                case "enable":
                case "reload":
                    if (!mayChange) {
                        log.warn("control socket: uid {} may not run \"{}\" (only uid {} or root)", peerUid, line,
                                ownerUid);
                        return "ERROR permission denied: uid " + peerUid + " is not the socket's owner (uid "
                                + ownerUid + "); only show and help are allowed";
                    }
                    return change(cmd, w, line);
                default:
                    return "ERROR unknown command \"" + w[0] + "\"; try help";
            }
        } catch (IllegalArgumentException e) {
            return "ERROR " + e.getMessage();
        } catch (IpvsException e) {
            return "ERROR kernel: " + e.getMessage();
        } catch (Exception e) {
            return "ERROR " + e;
        }
    }

    private String change(String cmd, String[] w, String line) throws Exception {
        log.info("control socket: {}", line);
        Reconciler.Result r;
        String what;
        switch (cmd) {
            case "set" -> {
                if (w.length != 5 || !w[1].equalsIgnoreCase("weight")) {
                    return "ERROR usage: set weight SERVICE RS WEIGHT";
                }
                ServiceKey key = service(w[2]);
                Endpoint rs = endpoint(w[3]);
                int weight;
                try {
                    weight = Integer.parseInt(w[4]);
                } catch (NumberFormatException e) {
                    return "ERROR weight must be a number, was \"" + w[4] + "\"";
                }
                r = controller.setWeight(key, rs, weight);
                what = "weight of " + rs + " in " + key + " set to " + weight;
            }
            case "drain", "enable" -> {
                if (w.length != 3) {
                    return "ERROR usage: " + cmd + " SERVICE RS";
                }
                ServiceKey key = service(w[1]);
                Endpoint rs = endpoint(w[2]);
                r = cmd.equals("drain") ? controller.drain(key, rs) : controller.enable(key, rs);
                what = cmd + " " + rs + " of " + key;
            }
            default -> {
                if (w.length != 1) {
                    return "ERROR usage: reload";
                }
                r = controller.reload();
                what = "reloaded";
            }
        }
        if (!r.isSuccess()) {
            return "ERROR " + what + " but the kernel refused: " + r.batch().failures();
        }
        int n = r.changes().size();
        return "OK " + what + ": " + n + " kernel change" + (n == 1 ? "" : "s");
    }

    private static String help(boolean mayChange) {
        return String.join("\n",
                "show services                      services and real servers: check state, weights, counters",
                "vrrp                               VRRP instances: state, priority, master, counters, sync daemon",
                "set weight SERVICE RS WEIGHT       override a real server's weight (until reload)",
                "drain SERVICE RS                   weight 0: no new connections, established ones finish",
                "enable SERVICE RS                  undo drain and weight overrides",
                "reload                             re-read the configuration file",
                "help                               this text",
                "quit                               close the connection",
                "SERVICE: VIP:PORT, [tcp|udp|sctp]:VIP:PORT or fwmark:N; RS: ADDRESS:PORT",
                mayChange ? "(you may change: you are the socket's owner)" : "(read-only: you are not the socket's owner)");
    }

    /** One line per VRRP instance, the sync daemon's role, then the recent transitions. */
    private String vrrp() {
        Optional<io.ipvs4j.director.vrrp.VrrpDirector> v = controller.vrrp();
        if (v.isEmpty()) {
            return "no vrrp_instance in the configuration";
        }
        StringBuilder sb = new StringBuilder();
        for (io.ipvs4j.director.vrrp.VrrpDirector.InstanceStatus s : v.get().status()) {
            sb.append("instance ").append(s).append('\n');
        }
        v.get().syncDaemonRole().ifPresent(r -> sb.append("sync_daemon ").append(r).append('\n'));
        for (io.ipvs4j.vrrp.VrrpTransition t : v.get().recentTransitions()) {
            sb.append("transition ").append(t).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    private String show() {
        StringBuilder sb = new StringBuilder();
        for (LvsController.ServiceView v : controller.view()) {
            sb.append("service ").append(v.service().key()).append(' ').append(v.service().scheduler())
                    .append(" quorum=").append(v.quorumUp() ? "up" : "down")
                    .append(" in_table=").append(v.kernel().isPresent() ? "yes" : "no");
            v.kernel().ifPresent(k -> stats(sb, k.stats()));
            sb.append('\n');
            for (LvsController.BackendView b : v.backends()) {
                sb.append("  ").append(b.sorryServer() ? "sorry " : "rs ").append(b.endpoint())
                        .append(" check=").append(b.sorryServer() ? "-" : b.checked() ? b.check() : "none")
                        .append(" admin=").append(b.drained() ? "drain" : "ready")
                        .append(" weight=").append(b.desiredWeight().isPresent() ? b.desiredWeight().getAsInt() : "-")
                        .append(" configured=").append(b.configuredWeight());
                b.weightOverride().ifPresent(o -> sb.append(" override=").append(o));
                if (b.kernel().isPresent()) {
                    RealServerStatus k = b.kernel().get();
                    sb.append(" kernel_weight=").append(k.realServer().weight())
                            .append(" fwd=").append(k.realServer().forwarding())
                            .append(" active=").append(k.activeConnections())
                            .append(" inactive=").append(k.inactiveConnections());
                    stats(sb, k.stats());
                } else {
                    sb.append(" kernel_weight=-");
                }
                if (!b.sorryServer() && b.check() == CheckState.DOWN && b.checked()) {
                    sb.append(b.inhibitOnFailure() ? " (inhibited)" : " (removed)");
                }
                sb.append('\n');
            }
        }
        return sb.length() == 0 ? "no services configured" : sb.toString();
    }

    private static void stats(StringBuilder sb, Stats s) {
        sb.append(" conns=").append(Long.toUnsignedString(s.connections()))
                .append(" inpkts=").append(Long.toUnsignedString(s.packetsIn()))
                .append(" outpkts=").append(Long.toUnsignedString(s.packetsOut()))
                .append(" inbytes=").append(Long.toUnsignedString(s.bytesIn()))
                .append(" outbytes=").append(Long.toUnsignedString(s.bytesOut()));
    }

    /** Resolves SERVICE against the configured services. */
    private ServiceKey service(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        if (t.startsWith("fwmark:")) {
            long mark;
            try {
                mark = Long.parseLong(t.substring(7));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad fwmark in \"" + text + "\"");
            }
            return match(text, k -> k instanceof ServiceKey.FwMark f && f.markUnsigned() == mark);
        }
        Protocol protocol = null;
        for (Protocol p : Protocol.values()) {
            String prefix = p.name().toLowerCase(Locale.ROOT) + ":";
            if (t.startsWith(prefix)) {
                protocol = p;
                text = text.substring(prefix.length());
                break;
            }
        }
        Endpoint e = endpoint(text);
        Protocol want = protocol;
        return match(text, k -> k instanceof ServiceKey.Inet i && i.endpoint().equals(e)
                && (want == null || i.protocol() == want));
    }

    private ServiceKey match(String text, java.util.function.Predicate<ServiceKey> p) {
        List<ServiceKey> found = new ArrayList<>();
        for (var s : controller.config().services()) {
            if (p.test(s.service().key())) {
                found.add(s.service().key());
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no configured service " + text);
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException(text + " is ambiguous: " + found + "; prefix the protocol, e.g. udp:" + text);
        }
        return found.get(0);
    }

    /** Parses {@code 192.0.2.32:80} or {@code [2001:db8::1]:80}; never resolves names. */
    static Endpoint endpoint(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected ADDRESS:PORT, was \"" + text + "\"");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("write an IPv6 address in brackets: [" + host + "]:PORT");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in \"" + text + "\"");
        }
        return new Endpoint(InetAddresses.parse(host), port);
    }

    private static void closeQuietly(UnixSocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing more to tell the peer
        }
    }

    /** Stops listening, removes the socket file and ends open connections. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // a thread blocked in accept(2) does not notice close(2) of its socket: wake it with a
        // connection, which it then sees as "closed"
        try (UnixSocketChannel wake = UnixSocketChannel.open(new UnixSocketAddress(path.toFile()))) {
            acceptor.join(2000);
        } catch (IOException | InterruptedException e) {
            log.debug("waking the control socket acceptor: {}", e.toString());
        }
        idleWatch.shutdownNow();
        for (UnixSocketChannel ch : open.keySet()) {
            hangUp(ch);
        }
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing the control socket: {}", e.toString());
        }
        threads.shutdownNow();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("could not remove {}: {}", path, e.toString());
        }
        log.info("control socket {} closed", path);
    }
}
