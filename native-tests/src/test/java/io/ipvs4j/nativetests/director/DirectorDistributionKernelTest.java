package io.ipvs4j.nativetests.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ipvs-director distribution as a user gets it: the tar.gz built by Maven
 * ({@code mvn -pl ipvs-director -am package}) is unpacked, its systemd unit verified with
 * {@code systemd-analyze verify}, a keepalived.conf checked with {@code ipvs4j-director -t},
 * and the director started from its launcher in a network namespace. The kernel's table is
 * compared with {@code ipvsadm -Sn} while both real servers pass their HTTP_GET checks, after
 * one fails, and after a restart with a changed configuration (the state file makes the
 * restart remove the service and VIP the first run owned, and nothing else); SIGTERM stops it
 * cleanly (exit 143, its services and VIPs removed with {@code --remove-on-exit}).
 */
@KernelTest
class DirectorDistributionKernelTest {
    /** Under QEMU without KVM a JVM takes tens of seconds to start: generous bounds. */
    private static final Duration CHANGE_BOUND = Duration.ofMinutes(3);
    private static final Duration COMMAND_BOUND = Duration.ofMinutes(4);
    /** JVM options for every launcher run: a short-lived program under TCG (as the kernel tests' own JVM). */
    private static final String JAVA_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

    @TempDir
    Path tmp;

    /** The work tree's root, from where the test classes are (native-tests/target/test-classes). */
    private static Path root() throws Exception {
        Path classes = Path.of(DirectorDistributionKernelTest.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI());
        return classes.getParent().getParent().getParent();
    }

    private static Path distribution() throws Exception {
        String suffix = System.getenv().getOrDefault("IPVS4J_BUILD_SUFFIX", "");
        Path target = root().resolve("ipvs-director").resolve("target" + suffix);
        try (Stream<Path> s = Files.list(target)) {
            return s.filter(p -> p.getFileName().toString().matches("ipvs4j-director-.*-dist\\.tar\\.gz"))
                    .findFirst().orElseThrow();
        } catch (IOException | java.util.NoSuchElementException e) {
            fail("no distribution in " + target + ": build it first with"
                    + " mvn -B -pl ipvs-director -am package -DskipTests (run-kernel-tests.sh does)");
            throw new AssertionError(e);
        }
    }

    private static String conf(String dev, boolean withSecondService) {
        StringBuilder sb = new StringBuilder();
        sb.append("! written by DirectorDistributionKernelTest\n")
                .append("global_defs {\n  router_id ipvs4j_test\n  notification_email { ops@example.org }\n")
                .append("  smtp_server 192.0.2.1\n}\n")
                .append("static_ipaddress {\n  192.0.2.100/24 dev ").append(dev).append(" label ").append(dev)
                .append(":1\n");
        if (withSecondService) {
            sb.append("  192.0.2.101/24 dev ").append(dev).append('\n');
        }
        sb.append("}\n")
                .append("virtual_server 192.0.2.100 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n")
                .append("  protocol TCP\n");
        for (String rs : List.of("192.0.2.32", "192.0.2.33")) {
            sb.append("  real_server ").append(rs).append(" 80 {\n    weight 1\n")
                    .append("    HTTP_GET {\n      url { path /index.html status_code 200 }\n")
                    .append("      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n    }\n  }\n");
        }
        sb.append("}\n");
        if (withSecondService) {
            sb.append("virtual_server 192.0.2.101 8080 {\n  lb_algo wlc\n  lb_kind NAT\n  protocol TCP\n")
                    .append("  real_server 192.0.2.32 80 {\n    weight 2\n    TCP_CHECK { connect_timeout 1 }\n  }\n}\n");
        }
        return sb.toString();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void unpacksChecksRunsRestartsAndStopsFromItsLauncher() throws Exception {
        Path tarball = distribution();
        Commands.run("tar", "-xzf", tarball.toString(), "-C", tmp.toString()).check();
        Path home;
        try (Stream<Path> s = Files.list(tmp)) {
            home = s.filter(p -> p.getFileName().toString().startsWith("ipvs4j-director-")).findFirst().orElseThrow();
        }
        Path launcher = home.resolve("bin/ipvs4j-director");
        assertTrue(Files.isExecutable(launcher), launcher + " is executable");
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            List<String> jars = lib.map(p -> p.getFileName().toString()).toList();
            assertTrue(jars.stream().anyMatch(j -> j.startsWith("slf4j-simple-")), "the binding ships: " + jars);
            assertTrue(jars.stream().anyMatch(j -> j.startsWith("ipvs-director-")), jars.toString());
        }

        // the systemd unit, with the paths of this installation
        Path unit = tmp.resolve("ipvs4j-director.service");
        Files.writeString(unit, Files.readString(home.resolve("systemd/ipvs4j-director.service"))
                .replace("/opt/ipvs4j-director", home.toString()));
        Commands.Result verify = Commands.run("systemd-analyze", "verify", unit.toString());
        assertEquals(0, verify.exitCode(), verify.toString());
        assertEquals("", (verify.stdout() + verify.stderr()).strip(), "systemd-analyze verify has no complaint");

        try (Topology t = new Topology()) {
            Topology.Node lb = t.node("dir");
            lb.addDummy("lan0", "192.0.2.20/24", "192.0.2.32/24", "192.0.2.33/24");
            Topology.Background rs1 = lb.httpServer("192.0.2.32", 80, "rs1");
            lb.httpServer("192.0.2.33", 80, "rs2");

            Path config = tmp.resolve("keepalived.conf");
            Files.writeString(config, conf("lan0", true), StandardCharsets.ISO_8859_1);

            // -t: no IPVS touched; global_defs mail settings are accepted without a word
            Commands.Result check = launch(List.of(launcher.toString(), "-t", "-f", config.toString()), null);
            assertEquals(0, check.exitCode(), check.toString());
            assertTrue(check.stdout().contains("-A -t 192.0.2.100:80 -s rr"), check.stdout());
            assertTrue(check.stdout().contains("-a -t 192.0.2.100:80 -r 192.0.2.33:80 -m -w 1"), check.stdout());
            assertEquals("", lb.ipvsadm().ok("-Sn").strip(), "-t programs nothing");
            // and with a JDK that restricts native access, the launcher passes the flag (no warning)
            Path jdk25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
            if (Files.isExecutable(jdk25.resolve("bin/java"))) {
                Commands.Result c25 = launch(List.of(launcher.toString(), "-t", "-f", config.toString()), jdk25);
                assertEquals(0, c25.exitCode(), c25.toString());
                assertFalse(c25.stderr().contains("WARNING"), c25.stderr());
            }
            Path broken = tmp.resolve("broken.conf");
            Files.writeString(broken, "virtual_server 192.0.2.100 80 {\n  weight x\n");
            assertEquals(1, launch(List.of(launcher.toString(), "-t", "-f", broken.toString()), null).exitCode());

            Path state = tmp.resolve("state/director.state");
            Path socket = tmp.resolve("run/control.sock");
            List<String> start = List.of(launcher.toString(), "-f", config.toString(), "--state-file", state.toString(),
                    "--control-socket", socket.toString());
            Director first = Director.start(lb, start, tmp.resolve("first.log"));
            try {
                String both = awaitTable(lb, s -> s.contains("-a -t 192.0.2.100:80 -r 192.0.2.32:80 -m -w 1")
                        && s.contains("-a -t 192.0.2.100:80 -r 192.0.2.33:80 -m -w 1")
                        && s.contains("-a -t 192.0.2.101:8080 -r 192.0.2.32:80 -m -w 2"), first);
                assertEquals(List.of("-A -t 192.0.2.100:80 -s rr",
                        "-a -t 192.0.2.100:80 -r 192.0.2.32:80 -m -w 1",
                        "-a -t 192.0.2.100:80 -r 192.0.2.33:80 -m -w 1",
                        "-A -t 192.0.2.101:8080 -s wlc",
                        "-a -t 192.0.2.101:8080 -r 192.0.2.32:80 -m -w 2"), lines(both));
                assertTrue(lb.ok("ip", "-o", "addr", "show", "dev", "lan0").contains("192.0.2.101/24"));

                // the control socket through the launcher's ctl
                Commands.Result show = launch(List.of(launcher.toString(), "ctl", "--socket", socket.toString(), "show",
                        "services"), null);
                assertEquals(0, show.exitCode(), show.toString());
                assertTrue(show.stdout().contains("192.0.2.33:80"), show.stdout());

                rs1.close();   // rs1's web server stops: its HTTP_GET and TCP_CHECK fail
                String down = awaitTable(lb, s -> !s.contains("-r 192.0.2.32:80"), first);
                assertEquals(List.of("-A -t 192.0.2.100:80 -s rr",
                        "-a -t 192.0.2.100:80 -r 192.0.2.33:80 -m -w 1",
                        "-A -t 192.0.2.101:8080 -s wlc"), lines(down));
            } finally {
                assertEquals(143, first.stop(), "SIGTERM: a clean stop\n" + first.log());
            }
            assertTrue(first.log().contains("left in place"), first.log());
            assertEquals(3, lines(lb.ipvsadm().ok("-Sn")).size(), "without --remove-on-exit the rules stay");

            // someone else's service in the same table, and a changed configuration
            lb.ipvsadm().ok("-A", "-t", "198.51.100.7:443", "-s", "rr");
            Files.writeString(config, conf("lan0", false), StandardCharsets.ISO_8859_1);
            List<String> again = new ArrayList<>(start);
            again.add("--remove-on-exit");
            Director second = Director.start(lb, again, tmp.resolve("second.log"));
            try {
                awaitTable(lb, s -> !s.contains("192.0.2.101:8080"), second);
                String table = lb.ipvsadm().ok("-Sn");
                assertTrue(table.contains("-A -t 198.51.100.7:443 -s rr"), "the foreign service stays:\n" + table);
                assertTrue(table.contains("-A -t 192.0.2.100:80 -s rr"), table);
                awaitAddresses(lb, s -> !s.contains("192.0.2.101/24"), second);

                // SIGHUP reloads, as it does keepalived (the JVM's own default would exit)
                Files.writeString(config, conf("lan0", true), StandardCharsets.ISO_8859_1);
                Commands.run("kill", "-HUP", Long.toString(second.process.pid())).check();
                awaitTable(lb, s -> s.contains("-A -t 192.0.2.101:8080 -s wlc"), second);   // rs1 is down: no real server
                assertTrue(second.process.isAlive(), "SIGHUP did not stop the director:\n" + second.log());
                assertTrue(second.log().contains("SIGHUP: reloading"), second.log());
            } finally {
                assertEquals(143, second.stop(), "SIGTERM: a clean stop\n" + second.log());
            }
            assertTrue(second.log().contains("were removed"), second.log());
            assertEquals(List.of("-A -t 198.51.100.7:443 -s rr"), lines(lb.ipvsadm().ok("-Sn")),
                    "--remove-on-exit removed its service and nothing else");
            assertFalse(lb.ok("ip", "-o", "addr", "show", "dev", "lan0").contains("192.0.2.100/24"),
                    "its VIP is gone");
            assertTrue(lb.ok("ip", "-o", "addr", "show", "dev", "lan0").contains("192.0.2.20/24"),
                    "the interface's own address stays");
        }
    }

    private static List<String> lines(String s) {
        return s.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private static String awaitTable(Topology.Node lb, Predicate<String> ok, Director d) throws Exception {
        return await(() -> lb.ipvsadm().ok("-Sn"), ok, d, "the kernel's table");
    }

    private static String awaitAddresses(Topology.Node lb, Predicate<String> ok, Director d) throws Exception {
        return await(() -> lb.ok("ip", "-o", "addr", "show", "dev", "lan0"), ok, d, "the addresses of lan0");
    }

    private static String await(java.util.concurrent.Callable<String> read, Predicate<String> ok, Director d,
            String what) throws Exception {
        long deadline = System.nanoTime() + CHANGE_BOUND.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = read.call();
            if (ok.test(last)) {
                return last;
            }
            if (!d.process.isAlive()) {
                fail("the director exited (" + d.process.exitValue() + ") while waiting for " + what + ":\n" + d.log());
            }
            Thread.sleep(200);
        }
        fail("timed out after " + CHANGE_BOUND + " waiting for " + what + "; last:\n" + last + "\ndirector log:\n"
                + d.log());
        return last;
    }

    /** Runs the launcher (with {@link #JAVA_OPTS}; {@code javaHome} as JAVA_HOME when not null). */
    private static Commands.Result launch(List<String> argv, Path javaHome) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("IPVS4J_JAVA_OPTS", JAVA_OPTS);
        if (javaHome != null) {
            pb.environment().put("JAVA_HOME", javaHome.toString());
        }
        File out = File.createTempFile("i4j-cmd-", ".out");
        File err = File.createTempFile("i4j-cmd-", ".err");
        try {
            Process p = pb.redirectOutput(out).redirectError(err).start();
            if (!p.waitFor(COMMAND_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                fail(argv + " did not finish");
            }
            return new Commands.Result(argv, p.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
        } finally {
            out.delete();
            err.delete();
        }
    }

    /** The director started from its launcher with {@code ip netns exec}, its log in a file. */
    private static final class Director {
        final Process process;
        final Path log;

        private Director(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        static Director start(Topology.Node node, List<String> argv, Path log) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", node.name()));
            cmd.addAll(argv);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().put("IPVS4J_JAVA_OPTS", JAVA_OPTS);
            Process p = pb.start();
            return new Director(p, log);
        }

        String log() {
            try {
                return Files.readString(log, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        /** SIGTERM (ip netns exec and the launcher exec the JVM: this is its pid) and the exit status. */
        int stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                fail("the director did not stop within 90 s of SIGTERM:\n" + log());
            }
            return process.exitValue();
        }
    }
}
