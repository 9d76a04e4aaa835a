package io.ipvs4j.examples.demo;

import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.ServiceNotFoundException;
import io.ipvs4j.director.controller.ControlClient;
import io.ipvs4j.host.HostChange;
import io.ipvs4j.host.DirectRouting;
import io.ipvs4j.host.HostSysctls;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.host.IpvsSysctl;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.netlink.HostNetwork;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The main demo: the classic LVS/DR + keepalived deployment, built in network namespaces on
 * this machine and driven entirely by ipvs4j.
 *
 * <pre>
 *   client 192.0.2.10 ──┐
 *   director 192.0.2.20 ├── bridge      VIP 192.0.2.100:80 (eth0:1 on the director), rr, DR
 *   rs1 192.0.2.32 ─────┤               rs1, rs2: VIP on lo/32, arp_ignore=1, arp_announce=2
 *   rs2 192.0.2.33 ─────┘
 * </pre>
 *
 * <p>Namespaces, veth pairs and the bridge are made with {@code ip} (the "hardware"); all LVS
 * configuration goes through ipvs4j: the real servers' VIP on {@code lo} and ARP policy with
 * {@link DirectRouting}, and the director by the {@link io.ipvs4j.director.controller.Main
 * controller} (run in the director's namespace) from a keepalived.conf equivalent to the
 * seed's, which brings up the VIP alias, programs the DR service and health-checks the real
 * servers. Then requests go from the client through the VIP, one real server's web server is
 * stopped (the controller takes it out, all traffic goes to the other), and started again (it
 * comes back). Everything the demo made is removed at the end, also on failure or Ctrl-C.
 *
 * <pre>{@code
 * LvsDrDemo.Observations o = LvsDrDemo.run(LvsDrDemo.Options.defaults(System.out));
 * o.initial().counts();      // {rs1=5, rs2=5}
 * o.removalTime();           // how long the controller took to take rs2 out
 * }</pre>
 *
 * <p>Needs root and a kernel with IPVS ({@code ./demo.sh} runs it in the project's VM
 * otherwise), {@code ip} (iproute2), and a JDK (each namespace's program is a {@code java}
 * started with {@code ip netns exec}, on this JVM's class path). Traffic goes only to
 * documentation addresses (192.0.2.0/24) inside the namespaces it created.
 */
public final class LvsDrDemo {
    /** The VIP of the seed's deployment (192.168.159.100), mapped to the documentation range. */
    public static final String VIP = "192.0.2.100";
    /** The seed's real servers .32 and .33. */
    public static final List<String> REAL_SERVERS = List.of("192.0.2.32", "192.0.2.33");
    static final String CLIENT = "192.0.2.10";
    static final String DIRECTOR = "192.0.2.20";
    private static final String PREFIX = "i4jdemo-";

    private LvsDrDemo() {
    }

    /** The moments at which {@link Options#listener()} is called. */
    public enum Phase {
        /** The controller has both real servers in the table and one round of requests is done. */
        BOTH_UP,
        /** rs2's web server is stopped, the controller has removed it, a round is done. */
        ONE_DOWN,
        /** rs2's web server runs again, the controller has it back, a round is done. */
        BOTH_BACK
    }

    /** What a {@link PhaseListener} may look at while the deployment is up. */
    public interface Environment {
        /** The director's network namespace name (for {@code ip netns exec NAME ipvsadm -Ln}). */
        String directorNamespace();

        /** The client's network namespace name. */
        String clientNamespace();

        /** The controller's control socket. */
        Path controlSocket();
    }

    /** Called at each {@link Phase}, e.g. by a test to compare with {@code ipvsadm -Ln}. */
    @FunctionalInterface
    public interface PhaseListener {
        void atPhase(Phase phase, Environment environment) throws Exception;
    }

    /**
     * Demo settings.
     *
     * @param out where the narrative goes
     * @param requestsPerRound requests sent from the client per round
     * @param checkInterval the health checks' {@code delay_loop} (also their retry delay)
     * @param failoverTimeout how long the controller may take to remove or restore a real server
     * @param startTimeout how long the programs in the namespaces may take to start (JVMs are slow in the VM)
     * @param listener called at each phase
     */
    public record Options(PrintStream out, int requestsPerRound, Duration checkInterval, Duration failoverTimeout,
            Duration startTimeout, PhaseListener listener) {
        public Options {
            Objects.requireNonNull(out, "out");
            Objects.requireNonNull(listener, "listener");
            if (requestsPerRound < 2) {
                throw new IllegalArgumentException("requestsPerRound must be at least 2, was " + requestsPerRound);
            }
        }

        /** 10 requests per round, checks every second, 30 s for a failover, 120 s for starts. */
        public static Options defaults(PrintStream out) {
            return new Options(out, 10, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(120),
                    (phase, env) -> { });
        }

        public Options withListener(PhaseListener l) {
            return new Options(out, requestsPerRound, checkInterval, failoverTimeout, startTimeout, l);
        }
    }

    /**
     * One round of requests.
     *
     * @param answers each request's answer: the node name, or {@code ERROR ...}
     */
    public record Round(List<String> answers) {
        public Round {
            answers = List.copyOf(answers);
        }

        /** Answers per node name (errors under "ERROR"). */
        public Map<String, Long> counts() {
            return answers.stream().collect(Collectors.groupingBy(a -> a.startsWith("ERROR") ? "ERROR" : a,
                    TreeMap::new, Collectors.counting()));
        }

        @Override
        public String toString() {
            return String.join(" ", answers) + "  " + counts();
        }
    }

    /**
     * What the demo saw.
     *
     * @param initial the round with both real servers up
     * @param removalTime from stopping rs2's web server until the controller had removed it from the table
     * @param afterFailure the round after that
     * @param returnTime from restarting it until it was back in the table (web server start included)
     * @param afterReturn the round after that
     * @param finalTable the control socket's {@code show services} at the end
     * @param leftAfterStop what the controller left in the director after SIGTERM (should be nothing:
     *     it runs with {@code --remove-on-exit})
     */
    public record Observations(Round initial, Duration removalTime, Round afterFailure, Duration returnTime,
            Round afterReturn, String finalTable, List<String> leftAfterStop) {

        /** Empty if the demo showed what it should, else what went wrong. */
        public List<String> problems() {
            List<String> p = new ArrayList<>();
            if (!initial.counts().keySet().equals(java.util.Set.of("rs1", "rs2"))) {
                p.add("with both up, answers came from " + initial.counts() + " instead of rs1 and rs2");
            }
            if (!afterFailure.counts().keySet().equals(java.util.Set.of("rs1"))) {
                p.add("with rs2 down, answers came from " + afterFailure.counts() + " instead of rs1 only");
            }
            if (!afterReturn.counts().keySet().equals(java.util.Set.of("rs1", "rs2"))) {
                p.add("after rs2 came back, answers came from " + afterReturn.counts() + " instead of rs1 and rs2");
            }
            if (!leftAfterStop.isEmpty()) {
                p.add("the controller left " + leftAfterStop + " behind after SIGTERM");
            }
            return p;
        }
    }

    /** Runs the demo; exit status 0 if it showed what it should, 1 otherwise. */
    public static void main(String[] args) {
        PrintStream out = System.out;
        Options options = Options.defaults(out);
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--requests") && i + 1 < args.length) {
                options = new Options(out, Integer.parseInt(args[++i]), options.checkInterval(),
                        options.failoverTimeout(), options.startTimeout(), options.listener());
            } else {
                System.err.println("usage: LvsDrDemo [--requests N]");
                System.exit(2);
            }
        }
        long start = System.nanoTime();
        try {
            Observations o = run(options);
            List<String> problems = o.problems();
            out.println();
            out.printf("demo finished in %.1f s%n", (System.nanoTime() - start) / 1e9);
            if (problems.isEmpty()) {
                out.println("DEMO OK: traffic was balanced over both real servers, failed over to rs1 within "
                        + seconds(o.removalTime()) + " and came back after rs2 restarted.");
                System.exit(0);
            }
            problems.forEach(p -> out.println("DEMO FAILED: " + p));
            System.exit(1);
        } catch (Exception e) {
            out.println();
            out.println("DEMO FAILED: " + e);
            e.printStackTrace(out);
            System.exit(1);
        }
    }

    /**
     * Builds the deployment, runs the scenario, tears everything down and reports what it saw.
     *
     * @throws Exception if a step fails (with what failed); everything is cleaned up first
     */
    public static Observations run(Options options) throws Exception {
        Lab lab = new Lab(options.out());
        Thread hook = new Thread(lab::close, "ipvs4j-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return new Scenario(options, lab).run();
        } finally {
            lab.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    private static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }

    /** The keepalived.conf the controller loads: the seed's, in 192.0.2.0/24, with short check intervals. */
    static String keepalivedConf(String directorInterface, Duration checkInterval) {
        String interval = String.format(java.util.Locale.ROOT, "%.1f", checkInterval.toMillis() / 1000.0);
        StringBuilder sb = new StringBuilder();
        sb.append("# the seed deployment's keepalived.conf, mapped from 192.168.159.0/24 to 192.0.2.0/24;\n")
          .append("# delay_loop, nb_get_retry and delay_before_retry shortened so that the demo is quick\n")
          .append("global_defs { router_id LVS_DEMO }\n")
          .append("static_ipaddress {\n")
          .append("    ").append(VIP).append("/24 dev ").append(directorInterface).append(" label ")
          .append(directorInterface).append(":1\n")
          .append("}\n")
          .append("virtual_server ").append(VIP).append(" 80 {\n")
          .append("    delay_loop ").append(interval).append('\n')
          .append("    lb_algo rr\n")
          .append("    lb_kind DR\n")
          .append("    persistence_timeout 0\n")
          .append("    protocol TCP\n");
        for (String rs : REAL_SERVERS) {
            sb.append("    real_server ").append(rs).append(" 80 {\n")
              .append("        weight 1\n")
              .append("        HTTP_GET {\n")
              .append("            url { path / status_code 200 }\n")
              .append("            connect_timeout 3\n")
              .append("            nb_get_retry 1\n")
              .append("            delay_before_retry ").append(interval).append('\n')
              .append("        }\n")
              .append("    }\n");
        }
        return sb.append("}\n").toString();
    }

    /** The scenario, step by step. */
    private static final class Scenario implements Environment {
        private final Options o;
        private final PrintStream out;
        private final Lab lab;
        private final ServiceKey service = ServiceKey.tcp(VIP, 80);
        private String switchNs;
        private String clientNs;
        private String directorNs;
        private final List<String> rsNs = new ArrayList<>();
        private Path controlSocket;
        private final List<Proc> web = new ArrayList<>(List.of(Proc.NONE, Proc.NONE));
        private final long started = System.nanoTime();
        private final boolean busybox = hasBusybox();
        private Proc client;
        private Proc controller;
        private BufferedReader clientOut;
        private Writer clientIn;

        Scenario(Options o, Lab lab) {
            this.o = o;
            this.out = o.out();
            this.lab = lab;
        }

        @Override
        public String directorNamespace() {
            return directorNs;
        }

        @Override
        public String clientNamespace() {
            return clientNs;
        }

        @Override
        public Path controlSocket() {
            return controlSocket;
        }

        Observations run() throws Exception {
            try (Ipvs here = IpvsNetlink.open()) {
                here.info();
            } catch (IpvsException e) {
                // before anything is created: the namespaces' IPVS is the same kernel's
                throw new IllegalStateException("this kernel's IPVS is not usable (" + e.getMessage()
                        + "); ./demo.sh runs the demo in the project's VM then", e);
            }
            out.println("ipvs4j LVS/DR demo: the seed deployment in network namespaces, configured with ipvs4j");
            out.println("(web servers and client: " + (busybox ? "busybox httpd and nc" : "small Java programs, no busybox here")
                    + "; kernel " + System.getProperty("os.version") + ")");
            step("1. network: four hosts on one bridge (namespaces, veth, bridge: plain `ip`, the \"hardware\")");
            network();

            step("2. real servers: VIP on lo/32, arp_ignore=1, arp_announce=2 (ipvs4j DirectRouting)");
            for (int i = 0; i < 2; i++) {
                prepareRealServer(i);
            }

            step("3. a web server in each real server, answering with its node name");
            for (int i = 0; i < 2; i++) {
                startWeb(i);
            }

            step("4. director: the controller loads keepalived.conf (VIP alias, DR service, HTTP_GET checks)");
            Path conf = lab.tempDir().resolve("keepalived.conf");
            Files.writeString(conf, keepalivedConf("eth0", o.checkInterval()));
            Files.readString(conf).lines().forEach(l -> out.println("   | " + l));
            controlSocket = lab.tempDir().resolve("controller.sock");
            startController(conf);
            try (Ipvs ipvs = IpvsNetlink.open(in(directorNs))) {
                Duration t = awaitTable(ipvs, rs -> rs.size() == 2, "both real servers in " + service);
                out.println("   the controller programmed " + service + " with both real servers in " + seconds(t));
                // a connection to a real server that was removed is dropped at once, not left
                // to time out: what keepalived setups normally configure too
                HostSysctls sysctls = HostNetwork.sysctls(NetlinkOptions.namedNamespace(directorNs));
                sysctls.set(IpvsSysctl.EXPIRE_NODEST_CONN, true);
                out.println("   director: net.ipv4.vs.expire_nodest_conn = 1 (ipvs4j HostSysctls)");
                show("ip -o -4 addr show dev eth0 (director)", lab.ok(directorNs, "ip", "-o", "-4", "addr", "show", "dev", "eth0"));

                step("5. " + o.requestsPerRound() + " requests from the client to http://" + VIP + "/");
                startClient();
                Round initial = round();
                o.listener().atPhase(Phase.BOTH_UP, this);

                step("6. failure: stop rs2's web server; the health check takes it out");
                long stopped = System.nanoTime();
                web.get(1).stop();
                out.println("   rs2's web server stopped");
                awaitTable(ipvs, rs -> rs.size() == 1 && rs.get(0).endpoint().equals(endpoint(0)),
                        "rs2 removed from " + service);
                Duration removal = Duration.ofNanos(System.nanoTime() - stopped);
                out.println("   the controller removed rs2 " + seconds(removal) + " after its web server stopped");
                Round afterFailure = round();
                o.listener().atPhase(Phase.ONE_DOWN, this);

                step("7. recovery: start rs2's web server again; the health check brings it back");
                long restarted = System.nanoTime();
                startWeb(1);
                awaitTable(ipvs, rs -> rs.size() == 2, "rs2 back in " + service);
                Duration back = Duration.ofNanos(System.nanoTime() - restarted);
                out.println("   rs2 is back " + seconds(back) + " after its web server was started again");
                Round afterReturn = round();
                o.listener().atPhase(Phase.BOTH_BACK, this);

                step("8. the controller's view (control socket: show services)");
                String table = ControlClient.send(controlSocket, "show services");
                show("show services", table);

                step("9. stop: SIGTERM to the controller (--remove-on-exit), then remove the namespaces");
                controller.stop();
                List<String> left = new ArrayList<>();
                ipvs.services().forEach(svc -> left.add("service " + svc.service()));
                try (InterfaceAddresses addrs = HostNetwork.addresses(in(directorNs))) {
                    addrs.addresses("eth0").stream().filter(a -> InetAddresses.toText(a.address()).equals(VIP))
                            .forEach(a -> left.add("VIP " + a));
                }
                out.println(left.isEmpty() ? "   the controller exited and removed its service and VIP"
                        : "   the controller exited but left " + left);
                lab.stopAll();
                out.println("   done");
                return new Observations(initial, removal, afterFailure, back, afterReturn, table, left);
            }
        }

        private void step(String title) {
            out.println();
            out.printf("== [%5.1f s] %s%n", (System.nanoTime() - started) / 1e9, title);
        }

        private void show(String title, String text) {
            out.println("   $ " + title);
            text.strip().lines().forEach(l -> out.println("     " + l));
        }

        private void network() {
            String base = PREFIX + ProcessHandle.current().pid() + "-";
            switchNs = lab.namespace(base + "switch");
            lab.ok(switchNs, "ip", "link", "add", "br0", "type", "bridge");
            lab.ok(switchNs, "ip", "link", "set", "br0", "up");
            clientNs = host(base, "client", CLIENT);
            directorNs = host(base, "director", DIRECTOR);
            for (int i = 0; i < 2; i++) {
                rsNs.add(host(base, "rs" + (i + 1), REAL_SERVERS.get(i)));
            }
        }

        private String host(String base, String role, String address) {
            String ns = lab.namespace(base + role);
            String peer = "v-" + role;
            lab.run(List.of("ip", "link", "add", peer, "netns", switchNs, "type", "veth", "peer", "name", "eth0",
                    "netns", ns));
            lab.ok(switchNs, "ip", "link", "set", peer, "master", "br0", "up");
            lab.ok(ns, "ip", "addr", "add", address + "/24", "dev", "eth0");
            lab.ok(ns, "ip", "link", "set", "eth0", "up");
            out.printf("   %-9s %-32s eth0 %s/24%n", role, ns, address);
            return ns;
        }

        private void prepareRealServer(int i) throws IpvsException {
            String ns = rsNs.get(i);
            try (InterfaceAddresses addrs = HostNetwork.addresses(in(ns))) {
                DirectRouting dr = new DirectRouting(addrs, HostNetwork.sysctls(NetlinkOptions.namedNamespace(ns)));
                List<HostChange> done = dr.prepareRealServer(InetAddresses.parse(VIP), Optional.of("lo:0"));
                for (HostChange c : done) {
                    out.println("   rs" + (i + 1) + ": " + describe(c));
                }
            }
        }

        private static String describe(HostChange c) {
            if (c instanceof HostChange.ArpIgnoreChanged a) {
                return "net.ipv4.conf." + a.interfaceName() + ".arp_ignore " + a.before() + " -> " + a.after();
            } else if (c instanceof HostChange.ArpAnnounceChanged a) {
                return "net.ipv4.conf." + a.interfaceName() + ".arp_announce " + a.before() + " -> " + a.after();
            } else if (c instanceof HostChange.AddressAdded a) {
                return "added " + a.address();
            }
            return c.toString();
        }

        private void startWeb(int i) throws Exception {
            String name = "rs" + (i + 1);
            if (!busybox) {
                Proc p = lab.java(rsNs.get(i), "[" + name + " web] ", NodeHttpServer.class, "80", name);
                web.set(i, p);
                p.awaitLine(l -> l.startsWith("listening"), o.startTimeout(), name + "'s web server to start");
                return;
            }
            Path root = lab.tempDir().resolve("www-" + name);
            Files.createDirectories(root);
            Files.writeString(root.resolve("index.html"), name + "\n");
            Proc p = lab.start(rsNs.get(i), "[" + name + " web] ", "busybox", "httpd", "-f", "-p", "80", "-h", root.toString());
            web.set(i, p);
            // busybox httpd prints nothing when ready: ask it, from inside its namespace
            long deadline = System.nanoTime() + o.startTimeout().toNanos();
            while (!lab.ok(rsNs.get(i), "sh", "-c", httpGetScript(REAL_SERVERS.get(i), 1)).startsWith("ANSWER")) {
                if (!p.process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + "'s web server did not start");
                }
                Thread.sleep(100);
            }
            out.println("[" + name + " web] busybox httpd serving \"" + name + "\" on port 80");
        }

        private void startController(Path conf) throws Exception {
            Proc c = controller = lab.java(directorNs, "   [controller] ", io.ipvs4j.director.controller.Main.class,
                    "-f", conf.toString(), "--control-socket", controlSocket.toString(), "--remove-on-exit",
                    "--resync", "10");
            c.awaitLine(l -> l.contains("running;"), o.startTimeout(), "the controller to start");
        }

        private void startClient() throws Exception {
            if (busybox) {
                return;
            }
            client = lab.javaInteractive(clientNs, DemoClient.class, VIP, "80");
            clientOut = new BufferedReader(new InputStreamReader(client.process.getInputStream(), StandardCharsets.UTF_8));
            clientIn = new OutputStreamWriter(client.process.getOutputStream(), StandardCharsets.UTF_8);
            String ready = clientOut.readLine();
            if (!"READY".equals(ready)) {
                throw new IllegalStateException("the client did not start: " + ready);
            }
        }

        private Round round() throws IOException {
            if (busybox) {
                // one shell per round: each wget is a new TCP connection, scheduled by IPVS anew
                List<String> answers = new ArrayList<>();
                for (String line : lab.ok(clientNs, "sh", "-c", httpGetScript(VIP, o.requestsPerRound())).lines().toList()) {
                    answers.add(line.startsWith("ANSWER ") ? line.substring(7).strip() : line);
                }
                return report(new Round(answers));
            }
            clientIn.write(o.requestsPerRound() + "\n");
            clientIn.flush();
            List<String> answers = new ArrayList<>();
            String line;
            while ((line = clientOut.readLine()) != null && !line.equals("DONE")) {
                answers.add(line.startsWith("ANSWER ") ? line.substring(7) : line);
            }
            if (line == null) {
                throw new IOException("the client ended unexpectedly after " + answers);
            }
            return report(new Round(answers));
        }

        private Round report(Round r) {
            out.println("   answers: " + String.join(" ", r.answers()));
            out.println("   per node: " + r.counts());
            return r;
        }

        private Endpoint endpoint(int i) {
            return Endpoint.of(REAL_SERVERS.get(i), 80);
        }

        /** Polls the director's table (through ipvs4j) until {@code ok} holds; returns the wait. */
        private Duration awaitTable(Ipvs ipvs, Predicate<List<RealServerStatus>> ok, String what) throws Exception {
            long start = System.nanoTime();
            long deadline = start + o.failoverTimeout().toNanos();
            List<RealServerStatus> last = List.of();
            while (System.nanoTime() < deadline) {
                try {
                    last = ipvs.realServers(service);
                    if (ok.test(last)) {
                        return Duration.ofNanos(System.nanoTime() - start);
                    }
                } catch (ServiceNotFoundException notYet) {
                    last = List.of();
                }
                lab.checkAlive();
                Thread.sleep(100);
            }
            throw new IllegalStateException("timed out waiting for " + what + "; the table has " + last);
        }
    }

    /**
     * A shell script that sends {@code n} GETs to {@code address}:80, one connection each, with
     * busybox nc (busybox's wget crashes when statically linked: it resolves through NSS), and
     * prints {@code ANSWER <last line of the body>} or {@code ERROR <first line>} per request.
     */
    static String httpGetScript(String address, int n) {
        return "for i in $(seq " + n + "); do"
                + " r=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 " + address + " 80 2>&1);"
                + " case \"$r\" in 'HTTP/1.'?' 200 '*) printf 'ANSWER %s\\n' \"$(printf '%s' \"$r\" | tail -n 1)\";;"
                + " *) printf 'ERROR %s\\n' \"$(printf '%s' \"${r:-no response}\" | head -n 1)\";; esac; done";
    }

    /** busybox with the httpd and nc applets (the VM's host root has it: the VM's initramfs needs it). */
    static boolean hasBusybox() {
        try {
            Process p = new ProcessBuilder("busybox", "--list").redirectErrorStream(true).start();
            String list = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 && list.lines().anyMatch("httpd"::equals) && list.lines().anyMatch("nc"::equals);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static NetlinkOptions in(String namespace) {
        return NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(namespace)).build();
    }

    /** A started program and its output. */
    private static final class Proc {
        static final Proc NONE = new Proc(null, "", null);
        final Process process;
        final String name;
        final BlockingQueue<String> lines;
        volatile Thread pump;

        Proc(Process process, String name, BlockingQueue<String> lines) {
            this.process = process;
            this.name = name;
            this.lines = lines;
        }

        void awaitLine(Predicate<String> wanted, Duration timeout, String what) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                String l = lines.poll(100, TimeUnit.MILLISECONDS);
                if (l != null && wanted.test(l)) {
                    return;
                }
                if (l == null && !process.isAlive() && lines.isEmpty()) {
                    throw new IllegalStateException(name.strip() + " exited with status " + process.exitValue()
                            + " while waiting for " + what);
                }
            }
            throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
        }

        /**
         * SIGTERM to the program, then SIGKILL if it does not end within 30 s. Through
         * {@link ProcessHandle}: {@link Process#destroy()} also closes our ends of its pipes, and
         * the program's last words (the controller logs its clean-up) would be lost. Should
         * {@code ip netns exec} have forked rather than exec'd, the signal goes to its
         * descendants, the actual program.
         */
        void stop() throws InterruptedException {
            if (process == null || !process.isAlive()) {
                return;
            }
            List<ProcessHandle> children = process.descendants().toList();
            children.forEach(ProcessHandle::destroy);
            if (children.isEmpty()) {
                process.toHandle().destroy();
            }
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.toHandle().destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            if (pump != null) {
                pump.join(5000);   // until the program's last output is shown
            }
        }
    }

    /**
     * Everything the demo creates, so that it can all be removed: namespaces, programs, the
     * temp directory. Commands run with a timeout and fail with their output.
     */
    private static final class Lab implements AutoCloseable {
        private final PrintStream out;
        private final List<String> namespaces = Collections.synchronizedList(new ArrayList<>());
        private final List<Proc> procs = Collections.synchronizedList(new ArrayList<>());
        private final List<Proc> critical = Collections.synchronizedList(new ArrayList<>());
        private Path tempDir;
        private boolean closed;

        Lab(PrintStream out) {
            this.out = out;
            removeStale();
        }

        /** Namespaces of earlier demo runs whose JVM is gone (killed before it could clean up). */
        private void removeStale() {
            String list = run(List.of("ip", "netns", "list"));
            for (String line : list.lines().toList()) {
                String name = line.split("\\s+")[0];
                if (!name.startsWith(PREFIX)) {
                    continue;
                }
                String[] parts = name.substring(PREFIX.length()).split("-", 2);
                try {
                    long pid = Long.parseLong(parts[0]);
                    if (ProcessHandle.of(pid).isEmpty()) {
                        out.println("removing namespace " + name + " left by an earlier demo run");
                        runQuietly(List.of("ip", "netns", "del", name));
                    }
                } catch (NumberFormatException notOurs) {
                    // not a name this demo makes
                }
            }
        }

        synchronized Path tempDir() throws IOException {
            if (tempDir == null) {
                tempDir = Files.createTempDirectory("ipvs4j-demo-");
            }
            return tempDir;
        }

        String namespace(String name) {
            run(List.of("ip", "netns", "add", name));
            namespaces.add(name);
            ok(name, "ip", "link", "set", "lo", "up");
            return name;
        }

        String ok(String ns, String... command) {
            List<String> c = new ArrayList<>();
            if (command[0].equals("ip")) {
                // ip -n: no mount namespace and /sys remount per command, as ip netns exec does
                c.addAll(List.of("ip", "-n", ns));
                c.addAll(List.of(command).subList(1, command.length));
            } else {
                c.addAll(List.of("ip", "netns", "exec", ns));
                c.addAll(List.of(command));
            }
            return run(c);
        }

        /** Runs a command to completion (60 s at most); throws with its output if it fails. */
        String run(List<String> command) {
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + " did not finish in 60 s");
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue()
                            + "): " + output.strip());
                }
                return output;
            } catch (IOException e) {
                throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
            }
        }

        private void runQuietly(List<String> command) {
            try {
                run(command);
            } catch (RuntimeException e) {
                out.println("   cleanup: " + e.getMessage());
            }
        }

        private static List<String> javaCommand(String ns, Class<?> main, String... args) {
            List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // short-lived helpers: C1 only and the serial GC start fastest (the VM emulates the CPU)
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k",
                    "-cp", System.getProperty("java.class.path"), main.getName()));
            c.addAll(List.of(args));
            return c;
        }

        /** Starts {@code command} in {@code ns}; its output is shown prefixed. */
        Proc start(String ns, String prefix, String... command) throws IOException {
            List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
            c.addAll(List.of(command));
            return started(c, prefix, false);
        }

        /** Starts a Java program in {@code ns}; its output is shown prefixed and kept for awaitLine. */
        Proc java(String ns, String prefix, Class<?> main, String... args) throws IOException {
            return started(javaCommand(ns, main, args), prefix, main == io.ipvs4j.director.controller.Main.class);
        }

        private Proc started(List<String> command, String prefix, boolean isCritical) throws IOException {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Proc proc = new Proc(p, prefix, lines);
            procs.add(proc);
            if (isCritical) {
                critical.add(proc);
            }
            Thread pump = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        lines.add(l);
                        out.println(prefix + l);
                    }
                } catch (IOException ended) {
                    // the program is gone
                }
            }, "ipvs4j-demo-output");
            pump.setDaemon(true);
            proc.pump = pump;
            pump.start();
            return proc;
        }

        /** Starts a Java program in {@code ns} whose stdin/stdout the caller talks to. */
        Proc javaInteractive(String ns, Class<?> main, String... args) throws IOException {
            Process p = new ProcessBuilder(javaCommand(ns, main, args))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Proc proc = new Proc(p, main.getSimpleName(), new LinkedBlockingQueue<>());
            procs.add(proc);
            return proc;
        }

        /** Fails fast when the controller died instead of waiting for a timeout. */
        void checkAlive() {
            for (Proc p : critical) {
                if (!p.process.isAlive()) {
                    throw new IllegalStateException(p.name.strip() + " exited with status " + p.process.exitValue());
                }
            }
        }

        /** Stops the programs, the controller first (it removes its rules and VIP on SIGTERM). */
        void stopAll() {
            List<Proc> order = new ArrayList<>(critical);
            synchronized (procs) {
                for (Proc p : procs) {
                    if (!order.contains(p)) {
                        order.add(p);
                    }
                }
            }
            for (Proc p : order) {
                try {
                    p.stop();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.process.destroyForcibly();
                }
            }
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            stopAll();
            List<String> ns = new ArrayList<>(namespaces);
            Collections.reverse(ns);
            for (String n : ns) {
                runQuietly(List.of("ip", "netns", "del", n));
            }
            if (tempDir != null) {
                try (var files = Files.walk(tempDir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException e) {
                    out.println("   cleanup: cannot remove " + tempDir + ": " + e.getMessage());
                }
            }
        }
    }
}
