package io.ipvs4j.nativetests.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Several hosts on one machine for kernel tests: network namespaces (client, director, real
 * servers, ...) whose veth interfaces are joined by a bridge that lives in a "switch"
 * namespace of its own, so nothing is added to the namespace of the test process.
 *
 * <pre>{@code
 * try (Topology t = new Topology()) {
 *     Topology.Node director = t.node("director");
 *     Topology.Node rs1 = t.node("rs1");
 *     t.link(director, "192.0.2.1/24");           // -> "eth0" inside director
 *     t.link(rs1, "192.0.2.11/24");
 *     rs1.httpServer("192.0.2.11", 80, "rs1\n");
 *     director.ipvsadm().ok("-A", "-t", "192.0.2.100:80", "-s", "rr");
 * }
 * }</pre>
 *
 * <p>Namespace names are {@code i4j-<pid>-<n>-<role>}: unique per JVM and topology, and
 * namespaces left over by a JVM that died are removed by the next {@code new Topology()}.
 * {@code lo} is up in every namespace (with {@code lo} down the kernel rejects every IPVS real
 * server with EINVAL). Addresses must come from the documentation ranges 192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32. {@link #close()} stops the background
 * processes and deletes every namespace (and with them their interfaces and IPVS tables), also
 * when the test failed. Uses iproute2 ({@code ip}, {@code ss}) and {@code busybox}.
 */
public final class Topology implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Pattern OURS = Pattern.compile("^i4j-(\\d+)-\\d+-[a-z0-9-]+$");
    private static final Pattern ROLE = Pattern.compile("[a-z][a-z0-9]{0,11}");
    private static final String BRIDGE = "br0";

    private final String prefix;
    private final Node switchNode;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Background> processes = new ArrayList<>();
    private final List<Path> tempDirs = new ArrayList<>();
    private int ports;
    private boolean closed;

    public Topology() {
        removeStaleNamespaces();
        prefix = "i4j-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        switchNode = node("switch");
        switchNode.ok("ip", "link", "add", BRIDGE, "type", "bridge");
        switchNode.ok("ip", "link", "set", BRIDGE, "up");
    }

    /** Creates namespace {@code i4j-<pid>-<n>-ROLE} with {@code lo} up. */
    public synchronized Node node(String role) {
        if (!ROLE.matcher(role).matches()) {
            throw new IllegalArgumentException("role must match " + ROLE + ": " + role);
        }
        Node node = new Node(prefix + "-" + role, role);
        for (Node n : nodes) {
            if (n.name.equals(node.name)) {
                throw new IllegalArgumentException("node exists: " + role);
            }
        }
        Commands.run("ip", "netns", "add", node.name).check();
        nodes.add(node);
        node.ok("ip", "link", "set", "lo", "up");
        return node;
    }

    /** The namespace holding the bridge {@code br0}. */
    public Node switchNode() {
        return switchNode;
    }

    public List<Node> nodes() {
        return Collections.unmodifiableList(new ArrayList<>(nodes));
    }

    /**
     * Connects {@code node} to the bridge with a veth pair and assigns the addresses (CIDR, e.g.
     * "192.0.2.1/24", "2001:db8::1/64"). Returns the interface name inside the node: eth0, eth1, ...
     */
    public synchronized String link(Node node, String... cidrs) {
        for (String cidr : cidrs) {
            checkDocumentationAddress(cidr);
        }
        int port = ++ports;
        String dev = "eth" + node.links++;
        String peer = ("p" + port + "-" + node.role);
        peer = peer.substring(0, Math.min(15, peer.length()));
        Commands.run("ip", "link", "add", peer, "netns", switchNode.name, "type", "veth",
                "peer", "name", dev, "netns", node.name).check();
        switchNode.ok("ip", "link", "set", peer, "master", BRIDGE, "up");
        node.ok("ip", "link", "set", dev, "up");
        for (String cidr : cidrs) {
            node.addAddress(dev, cidr);
        }
        return dev;
    }

    /** Throws unless the address (with or without /prefix) is in a documentation range. */
    public static void checkDocumentationAddress(String cidr) {
        String host = cidr.contains("/") ? cidr.substring(0, cidr.indexOf('/')) : cidr;
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (!host.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("not an address literal: " + cidr);
        }
        InetAddress a;
        try {
            a = InetAddress.getByName(host); // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + cidr, e);
        }
        byte[] b = a.getAddress();
        boolean ok;
        if (a instanceof Inet4Address) {
            int x = b[0] & 0xff, y = b[1] & 0xff, z = b[2] & 0xff;
            ok = (x == 192 && y == 0 && z == 2) || (x == 198 && y == 51 && z == 100) || (x == 203 && y == 0 && z == 113);
        } else {
            ok = a instanceof Inet6Address && (b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01
                    && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8;
        }
        if (!ok) {
            throw new IllegalArgumentException("tests use documentation addresses only "
                    + "(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32): " + cidr);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> problems = new ArrayList<>();
        for (Background p : processes) {
            p.close();
        }
        List<Node> all = new ArrayList<>(nodes);
        Collections.reverse(all); // the switch (created first) last
        for (Node n : all) {
            killAll(n.name);
            Commands.Result r = Commands.run("ip", "netns", "del", n.name);
            if (!r.ok()) {
                problems.add(r.toString());
            }
        }
        for (Path dir : tempDirs) {
            deleteTree(dir);
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("topology teardown: " + String.join("\n", problems));
        }
    }

    private static void killAll(String ns) {
        Commands.Result pids = Commands.run("ip", "netns", "pids", ns);
        for (String pid : pids.stdout().split("\\s+")) {
            if (pid.matches("\\d+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** Deletes namespaces {@code i4j-<pid>-...} whose JVM no longer exists. */
    static void removeStaleNamespaces() {
        Commands.Result list = Commands.run("ip", "netns", "list");
        for (String line : list.stdout().split("\n")) {
            String name = line.strip().split("\\s+")[0];
            Matcher m = OURS.matcher(name);
            if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                killAll(name);
                Commands.run("ip", "netns", "del", name);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp dir
        }
    }

    /** One network namespace. */
    public final class Node {
        private final String name;
        private final String role;
        private int links;

        private Node(String name, String role) {
            this.name = name;
            this.role = role;
        }

        /** The namespace name, for {@code ip netns exec}. */
        public String name() {
            return name;
        }

        public String role() {
            return role;
        }

        /** {@code ip netns exec NAME ARGV...}, whatever the exit code. */
        public Commands.Result exec(String... argv) {
            return exec(Commands.DEFAULT_TIMEOUT, argv);
        }

        public Commands.Result exec(Duration timeout, String... argv) {
            List<String> cmd = new ArrayList<>();
            if (argv.length > 0 && argv[0].equals("ip")) {
                cmd.addAll(List.of("ip", "-n", name)); // one exec less than ip netns exec: faster in the VM
                cmd.addAll(Arrays.asList(argv).subList(1, argv.length));
            } else {
                cmd.addAll(List.of("ip", "netns", "exec", name));
                cmd.addAll(Arrays.asList(argv));
            }
            return Commands.run(cmd, timeout);
        }

        /** Runs ARGV in the namespace; throws if it fails; returns stdout. */
        public String ok(String... argv) {
            return exec(argv).check().stdout();
        }

        /** {@code sh -c SCRIPT} in the namespace, whatever the exit code. */
        public Commands.Result sh(String script) {
            return exec("sh", "-c", script);
        }

        public void addAddress(String dev, String cidr) {
            checkDocumentationAddress(cidr);
            if (cidr.contains(":")) {
                ok("ip", "-6", "addr", "add", cidr, "dev", dev, "nodad");
            } else {
                ok("ip", "addr", "add", cidr, "dev", dev);
            }
        }

        /** Adds a dummy interface (up) carrying the addresses, e.g. a VIP on a real server. */
        public void addDummy(String dev, String... cidrs) {
            ok("ip", "link", "add", dev, "type", "dummy");
            ok("ip", "link", "set", dev, "up");
            for (String cidr : cidrs) {
                addAddress(dev, cidr);
            }
        }

        /** Writes /proc/sys/KEY (dots or slashes) inside the namespace. */
        public void sysctl(String key, String value) {
            ok("sh", "-c", "echo \"$1\" > \"/proc/sys/$0\"", key.replace('.', '/'), value);
        }

        /** One ICMP echo (busybox ping), true if answered within 2 s. */
        public boolean ping(String address) {
            checkDocumentationAddress(address);
            return exec(address.contains(":") ? new String[] {"busybox", "ping6", "-c", "1", "-W", "2", address}
                    : new String[] {"busybox", "ping", "-c", "1", "-W", "2", address}).ok();
        }

        /** An ipvsadm oracle bound to this namespace. */
        public IpvsadmOracle ipvsadm() {
            return IpvsadmOracle.inNamespace(name);
        }

        /** Starts ARGV in the background in this namespace; stopped by {@link Topology#close()}. */
        public Background start(String... argv) {
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
            cmd.addAll(Arrays.asList(argv));
            try {
                File log = File.createTempFile("i4j-bg-", ".log");
                log.deleteOnExit();
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(log).start();
                Background b = new Background(String.join(" ", cmd), p, log.toPath());
                synchronized (Topology.this) {
                    processes.add(b);
                }
                return b;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + cmd, e);
            }
        }

        /**
         * Serves {@code body} as {@code /index.html} (and {@code /}) over HTTP with
         * {@code busybox httpd} on ADDRESS:PORT, and waits until it listens.
         */
        public Background httpServer(String address, int port, String body) {
            checkDocumentationAddress(address);
            Path dir;
            try {
                dir = Files.createTempDirectory("i4j-httpd-");
                Files.writeString(dir.resolve("index.html"), body, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            synchronized (Topology.this) {
                tempDirs.add(dir);
            }
            String listen = (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
            Background b = start("busybox", "httpd", "-f", "-p", listen, "-h", dir.toString());
            awaitListening(b, port);
            return b;
        }

        /** Waits up to 10 s until a TCP socket listens on PORT in this namespace. */
        public void awaitListening(Background process, int port) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(process + " exited: " + process.output());
                }
                Commands.Result r = exec("ss", "-Hltn", "sport = :" + port);
                if (r.ok() && !r.stdout().isBlank()) {
                    return;
                }
                sleep(100);
            }
            throw new IllegalStateException("nothing listens on port " + port + " in " + name + ": " + process.output());
        }

        /** {@code busybox wget -q -O - URL} (not -T: it crashes busybox 1.35) from this namespace (throws if it fails). */
        public String httpGet(String url) {
            return exec(Duration.ofSeconds(20), "busybox", "wget", "-q", "-O", "-", url).check().stdout();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A process started with {@link Node#start(String...)}; output goes to a log file. */
    public static final class Background implements AutoCloseable {
        private final String description;
        private final Process process;
        private final Path log;

        Background(String description, Process process, Path log) {
            this.description = description;
            this.process = process;
            this.log = log;
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        public long pid() {
            return process.pid();
        }

        /** Everything it printed so far (stdout and stderr). */
        public String output() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(no output: " + e.getMessage() + ")";
            }
        }

        /** Stops it (SIGTERM, then SIGKILL after 2 s). */
        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                // best effort
            }
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
