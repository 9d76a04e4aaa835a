package io.ipvs4j.director.controller;

import static io.ipvs4j.director.controller.TestBackends.WEB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.testing.InMemoryIpvs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import jnr.ffi.LibraryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlSocketTest {
    @TempDir
    Path dir;

    @Test
    void ownerCanShowChangeAndReload() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends()) {
            String[] text = {rs.conf("")};
            LvsController.ConfigSource source = () -> KeepalivedConverter.toDesiredState(KeepalivedParser.parse(text[0]));
            try (LvsController c = LvsController.builder(ipvs, source).build()) {
                c.start();
                Path sock = dir.resolve("ctl.sock");
                try (ControlSocket s = ControlSocket.start(c, sock)) {
                    assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
                    String a = rs.a.endpoint();
                    String b = rs.b.endpoint();

                    String show = ControlClient.send(sock, "show services");
                    assertTrue(show.startsWith("service TCP 192.0.2.100:80 wrr quorum=up in_table=yes conns=0"), show);
                    assertTrue(show.contains("  rs " + a + " check=UP admin=ready weight=2 configured=2 kernel_weight=2"
                            + " fwd=MASQUERADE active=0 inactive=0 conns=0"), show);
                    assertTrue(show.contains("  rs " + b + " check=UP admin=ready weight=3 configured=3"), show);

                    assertEquals("OK weight of " + a + " in TCP 192.0.2.100:80 set to 5: 1 kernel change",
                            ControlClient.send(sock, "set weight 192.0.2.100:80 " + a + " 5"));
                    assertEquals(5, TestBackends.weights(ipvs, WEB).get(a));
                    assertTrue(ControlClient.send(sock, "show services").contains("weight=5 configured=2 override=5"));

                    assertEquals("OK drain " + b + " of TCP 192.0.2.100:80: 1 kernel change",
                            ControlClient.send(sock, "drain tcp:192.0.2.100:80 " + b));
                    assertEquals(0, TestBackends.weights(ipvs, WEB).get(b));
                    assertTrue(ControlClient.send(sock, "show services").contains("rs " + b + " check=UP admin=drain weight=0"));
                    assertEquals("OK enable " + b + " of TCP 192.0.2.100:80: 1 kernel change",
                            ControlClient.send(sock, "enable 192.0.2.100:80 " + b));
                    assertEquals(3, TestBackends.weights(ipvs, WEB).get(b));

                    text[0] = text[0].replace("weight 3", "weight 9");
                    assertEquals("OK reloaded: 2 kernel changes", ControlClient.send(sock, "reload"),
                            "the override on a is reset to 2, b gets its new weight 9");
                    assertEquals(java.util.Map.of(a, 2, b, 9), TestBackends.weights(ipvs, WEB));

                    text[0] = "virtual_server 192.0.2.100 80 { lb_algo";
                    String bad = ControlClient.send(sock, "reload");
                    assertTrue(bad.startsWith("ERROR ") && bad.contains("line 1"), bad);
                    assertEquals(java.util.Map.of(a, 2, b, 9), TestBackends.weights(ipvs, WEB));

                    assertTrue(ControlClient.send(sock, "help").contains("(you may change: you are the socket's owner)"));
                    assertEquals("ERROR unknown command \"flush\"; try help", ControlClient.send(sock, "flush"));
                    assertEquals("ERROR no real server 127.0.0.1:1 in service TCP 192.0.2.100:80 (configured: ["
                            + a + " of TCP 192.0.2.100:80, " + b + " of TCP 192.0.2.100:80])",
                            ControlClient.send(sock, "drain 192.0.2.100:80 127.0.0.1:1"));
                    assertEquals("ERROR no configured service 192.0.2.99:80",
                            ControlClient.send(sock, "drain 192.0.2.99:80 " + a));
                    assertEquals("ERROR weight must be a number, was \"x\"",
                            ControlClient.send(sock, "set weight 192.0.2.100:80 " + a + " x"));
                    assertEquals("ERROR usage: set weight SERVICE RS WEIGHT", ControlClient.send(sock, "set weight 1"));

                    IOException taken = assertThrows(IOException.class, () -> ControlSocket.start(c, sock));
                    assertTrue(taken.getMessage().contains("another process is listening"), taken.getMessage());
                }
                assertFalse(Files.exists(sock), "close() removes the socket file");
            }
        }
    }

    @Test
    void staleSocketFileIsReplacedButOtherFilesAreNot() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends();
             LvsController c = LvsController.builder(ipvs, rs.desired("")).build()) {
            Path sock = dir.resolve("stale.sock");
            // a socket file nobody listens on any more, as a process that died leaves it: a hard
            // link to a bound socket outlives the socket (close() unlinks only the bound name)
            Path bound = dir.resolve("bound.sock");
            try (java.nio.channels.ServerSocketChannel dead =
                         java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                dead.bind(java.net.UnixDomainSocketAddress.of(bound));
                Files.createLink(sock, bound);
            }
            assertTrue(Files.exists(sock));
            try (ControlSocket s = ControlSocket.start(c, sock)) {
                assertTrue(ControlClient.send(sock, "show services").startsWith("service TCP 192.0.2.100:80"));
            }
            Path plain = Files.writeString(dir.resolve("file"), "keep me");
            IOException e = assertThrows(IOException.class, () -> ControlSocket.start(c, plain));
            assertTrue(e.getMessage().contains("is not a socket"), e.getMessage());
            assertEquals("keep me", Files.readString(plain));
        }
    }

    /** A raw client connection (the JDK's Unix domain sockets) that the test can hold open. */
    private static java.nio.channels.SocketChannel connect(Path sock) throws IOException {
        java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        ch.connect(java.net.UnixDomainSocketAddress.of(sock));
        return ch;
    }

    /** Everything the server sends until it closes the connection. */
    private static String readToEnd(java.nio.channels.SocketChannel ch) throws IOException {
        return new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void connectionsBeyondTheCapAreTurnedAwayAndIdleOnesClosed() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends();
             LvsController c = LvsController.builder(ipvs, rs.desired("")).build()) {
            Path sock = dir.resolve("ctl.sock");
            ControlSocket.Limits limits = ControlSocket.Limits.DEFAULT.withMaxConnections(2)
                    .withIdleTimeout(java.time.Duration.ofSeconds(2));
            try (ControlSocket s = ControlSocket.start(c, sock, ControlSocket.DEFAULT_MODE, limits)) {
                java.nio.channels.SocketChannel first = connect(sock);
                java.nio.channels.SocketChannel second = connect(sock);
                // the server counts a connection once it accepted it: a command round trip on each proves that
                for (java.nio.channels.SocketChannel ch : List.of(first, second)) {
                    ch.write(java.nio.ByteBuffer.wrap("help\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64);
                    assertTrue(ch.read(b) > 0);
                }
                try (java.nio.channels.SocketChannel third = connect(sock)) {
                    assertEquals("ERROR too many connections (2 open); try again later\n\n", readToEnd(third));
                }
                // both held connections send nothing: the idle timeout closes them (end of stream)
                readToEnd(first);
                readToEnd(second);
                first.close();
                second.close();
                assertTrue(ControlClient.send(sock, "show services").startsWith("service TCP 192.0.2.100:80"),
                        "served again once the idle connections are gone");
            }
        }
    }

    @Test
    void theSocketLivesInADirectoryOnlyItsOwnerCanEnter() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends();
             LvsController c = LvsController.builder(ipvs, rs.desired("")).build()) {
            Path sock = dir.resolve("run/ipvs4j/control.sock");
            try (ControlSocket s = ControlSocket.start(c, sock)) {
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock.getParent())),
                        "a missing directory is created for the owner only");
            }
            Path open = Files.createDirectory(dir.resolve("open"));
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
            IOException e = assertThrows(IOException.class, () -> ControlSocket.start(c, open.resolve("ctl.sock")));
            assertTrue(e.getMessage().contains("rwxr-xr-x") && e.getMessage().contains("owner only"), e.getMessage());
            assertFalse(Files.exists(open.resolve("ctl.sock")));
        }
    }

    /** Changes the calling thread's effective uid only (the raw system call, not glibc's process-wide wrapper). */
    public interface Syscalls {
        long syscall(long number, long a, long b, long c);
    }

    @Test
    void othersMayOnlyReadAndThePeersUidComesFromTheKernel() throws Exception {
        long setresuid = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 117;
            case "aarch64" -> 147;
            default -> -1;
        };
        int uid = (Integer) Files.getAttribute(dir, "unix:uid");
        assumeTrue(uid == 0 && setresuid > 0, "needs root on x86_64/aarch64 to connect as another uid");
        Syscalls sys = LibraryLoader.create(Syscalls.class).load("c");
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends();
             LvsController c = LvsController.builder(ipvs, rs.desired("")).build()) {
            c.start();
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path sock = dir.resolve("ctl.sock");
            try (ControlSocket s = ControlSocket.start(c, sock, PosixFilePermissions.fromString("rw-rw-rw-"),
                    ControlSocket.Limits.DEFAULT.withPrivateDirectory(false))) {
                String a = rs.a.endpoint();
                ExecutorService nobody = Executors.newSingleThreadExecutor();
                try {
                    Callable<List<String>> asNobody = () -> {
                        if (sys.syscall(setresuid, -1, 65534, -1) != 0) {
                            throw new IllegalStateException("setresuid failed");
                        }
                        try {
                            return List.of(ControlClient.send(sock, "show services"),
                                    ControlClient.send(sock, "drain 192.0.2.100:80 " + a),
                                    ControlClient.send(sock, "help"));
                        } finally {
                            if (sys.syscall(setresuid, -1, 0, -1) != 0) {
                                throw new IllegalStateException("could not switch back to uid 0");
                            }
                        }
                    };
                    List<String> replies = nobody.submit(asNobody).get();
                    assertTrue(replies.get(0).startsWith("service TCP 192.0.2.100:80"), replies.get(0));
                    assertEquals("ERROR permission denied: uid 65534 is not the socket's owner (uid 0); "
                            + "only show and help are allowed", replies.get(1));
                    assertTrue(replies.get(2).contains("(read-only: you are not the socket's owner)"), replies.get(2));
                    assertEquals(2, TestBackends.weights(ipvs, WEB).get(a), "nothing changed");
                } finally {
                    nobody.shutdown();
                }
                assertTrue(ControlClient.send(sock, "drain 192.0.2.100:80 " + a).startsWith("OK"), "the owner may");
                assertEquals(0, TestBackends.weights(ipvs, WEB).get(a));
            }
        }
    }
}
