package io.ipvs4j.nativetests.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ipvs4j.director.check.CheckPolicy;
import io.ipvs4j.director.check.CheckSpec;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.director.check.DnsCheck;
import io.ipvs4j.director.check.HealthCheck;
import io.ipvs4j.director.check.HealthChecker;
import io.ipvs4j.director.check.HttpGetCheck;
import io.ipvs4j.director.check.MiscCheck;
import io.ipvs4j.director.check.PingCheck;
import io.ipvs4j.netlink.IcmpPinger;
import io.ipvs4j.director.check.SmtpCheck;
import io.ipvs4j.director.check.TcpConnectCheck;
import io.ipvs4j.director.check.UdpCheck;
import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every checker against real servers in a network namespace (198.51.100.11), checked from the
 * test's own namespace over a veth joined to the topology's bridge: all come UP; wrong answers,
 * a frozen server (SIGSTOP: connections queue, nothing answers), ICMP echo ignored and a killed
 * server each take down exactly the checkers that see them, and recovery brings them back.
 * Needs no IPVS, but namespaces and root: it runs in the VM with the kernel tests.
 */
@KernelTest
class ChecksInNamespacesKernelTest {
    static final String RS = "198.51.100.11";
    static final String RS6 = "2001:db8:11::11";
    static final Set<String> ALL = Set.of("tcp", "http", "ssl", "smtp", "dns", "udp-reply", "udp", "misc", "ping",
            "tcp6", "http6");

    @TempDir
    Path dir;

    private final Map<String, CheckState> states = new ConcurrentHashMap<>();

    private void await(Map<String, CheckState> expected, String phase) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (expected.equals(Map.copyOf(states))) {
                return;
            }
            Thread.sleep(50);
        }
        assertEquals(new java.util.TreeMap<>(expected), new java.util.TreeMap<>(states), phase);
    }

    private static Map<String, CheckState> allUpExcept(String... down) {
        Map<String, CheckState> m = new LinkedHashMap<>();
        for (String c : ALL) {
            m.put(c, CheckState.UP);
        }
        for (String d : down) {
            m.put(d, CheckState.DOWN);
        }
        return m;
    }

    @Test
    void everyCheckerFlipsWithItsServer() throws Exception {
        Path ks = dir.resolve("rs.p12");
        // keytool's JVM once died of a SIGSEGV in C1-compiled SHA code (exit 134) in the emulated VM,
        // a fault of the emulation, not of the test: the key is made again, at most three times
        Commands.Result keytool = null;
        for (int attempt = 0; attempt < 3 && (keytool == null || keytool.exitCode() == 134); attempt++) {
            Files.deleteIfExists(ks);
            keytool = Commands.run(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                    "-alias", "rs", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=rs1.example.org",
                    "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit",
                    "-keypass", "changeit");
        }
        keytool.check();
        Path mode = dir.resolve("mode");
        Files.writeString(mode, "ok");
        Path misc = dir.resolve("misc.sh");
        Files.writeString(misc, "#!/bin/sh\nexec busybox wget -q -O /dev/null http://" + RS + "/\n");
        Files.setPosixFilePermissions(misc, PosixFilePermissions.fromString("rwx------"));
        String rootEnd = "i4jck" + (ProcessHandle.current().pid() % 100000);

        try (Topology t = new Topology()) {
            Topology.Node rs = t.node("rs");
            t.link(rs, RS + "/24", RS6 + "/64");
            // our own namespace joins the bridge: the checks run in this JVM
            Commands.run("ip", "link", "add", rootEnd, "type", "veth", "peer", "name", "ck0", "netns",
                    t.switchNode().name()).check();
            try {
                t.switchNode().ok("ip", "link", "set", "ck0", "master", "br0");
                t.switchNode().ok("ip", "link", "set", "ck0", "up");
                Commands.run("ip", "addr", "add", "198.51.100.1/24", "dev", rootEnd).check();
                Commands.run("ip", "-6", "addr", "add", "2001:db8:11::1/64", "dev", rootEnd, "nodad").check();
                Commands.run("ip", "link", "set", rootEnd, "up").check();

                Topology.Background servers = rs.start(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m",
                        "-cp", System.getProperty("java.class.path"), FakeServers.class.getName(), RS, mode.toString(),
                        ks.toString(), RS6);
                // a JVM starting from the host's files over 9p on one CPU: allow it time
                long ready = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (!servers.output().contains("ready")) {
                    if (!servers.isAlive() || System.nanoTime() > ready) {
                        throw new IllegalStateException("the servers did not start: " + servers.output());
                    }
                    Thread.sleep(100);
                }

                InetAddress addr = InetAddress.getByName(RS);
                Duration timeout = Duration.ofSeconds(2);
                String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest("rs1\n".getBytes()));
                Map<String, HealthCheck> checks = new LinkedHashMap<>();
                checks.put("tcp", TcpConnectCheck.builder(addr, 80).connectTimeout(timeout).build());
                checks.put("http", HttpGetCheck.builder(addr, 80).url(new HttpGetCheck.Url("/", Set.of(200),
                        Optional.of(md5))).connectTimeout(timeout).build());
                InetAddress addr6 = InetAddress.getByName(RS6);
                checks.put("tcp6", TcpConnectCheck.builder(addr6, 80).connectTimeout(timeout).build());
                checks.put("http6", HttpGetCheck.builder(addr6, 80).url(new HttpGetCheck.Url("/", Set.of(200),
                        Optional.of(md5))).connectTimeout(timeout).build());
                checks.put("ssl", HttpGetCheck.builder(addr, 443).tls(true).url(HttpGetCheck.Url.of("/", 200))
                        .connectTimeout(Duration.ofSeconds(4)).build());
                checks.put("smtp", SmtpCheck.builder(addr, 25).connectTimeout(timeout).build());
                checks.put("dns", DnsCheck.builder(addr, 53).type("A").name("rs1.example.org").connectTimeout(timeout)
                        .build());
                checks.put("udp-reply", UdpCheck.builder(addr, 5060).requireReply(UdpCheck.Reply.hex("53 49 50"))
                        .connectTimeout(timeout).build());
                checks.put("udp", UdpCheck.builder(addr, 5060).connectTimeout(timeout).build());
                checks.put("misc", new MiscCheck(List.of(misc.toString()), timeout, false));
                // the director's pinger: the native ICMP sockets (the ping command is only its fallback)
                IcmpPinger icmp = IcmpPinger.open();
                checks.put("ping", new PingCheck(icmp::echo, addr, null, timeout));
                CheckPolicy policy = new CheckPolicy(Duration.ofMillis(300), 0, Duration.ofMillis(100));
                try (icmp; HealthChecker<String> checker = new HealthChecker<>((name, old, now) -> states.put(name, now))) {
                    checks.forEach((name, c) -> {
                        states.put(name, CheckState.DOWN);
                        checker.add(name, CheckState.DOWN, new CheckSpec(c, policy));
                    });
                    await(allUpExcept(), "all servers answer");

                    Files.writeString(mode, "wrong");
                    await(allUpExcept("http", "http6", "ssl", "smtp", "dns", "udp-reply", "misc"),
                            "wrong answers: status 500, 554 greeting, SERVFAIL, wrong UDP reply");
                    Files.writeString(mode, "ok");
                    await(allUpExcept(), "right answers again");

                    Commands.run("kill", "-STOP", String.valueOf(servers.pid())).check();
                    await(allUpExcept("http", "http6", "ssl", "smtp", "dns", "udp-reply", "misc"),
                            "frozen server: connects queue, nothing answers (timeouts)");
                    Commands.run("kill", "-CONT", String.valueOf(servers.pid())).check();
                    await(allUpExcept(), "server thawed");

                    rs.sysctl("net.ipv4.icmp_echo_ignore_all", "1");
                    await(allUpExcept("ping"), "echo requests ignored");
                    rs.sysctl("net.ipv4.icmp_echo_ignore_all", "0");
                    await(allUpExcept(), "echo answered again");

                    Commands.run("kill", "-KILL", String.valueOf(servers.pid())).check();
                    await(allUpExcept("tcp", "http", "tcp6", "http6", "ssl", "smtp", "dns", "udp-reply", "udp", "misc"),
                            "killed: TCP refused, UDP port unreachable; the host still answers pings");
                }
            } finally {
                Commands.run("ip", "link", "del", rootEnd);
            }
        }
    }
}
