package io.ipvs4j.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The command line's usage errors for {@code put} (several keys, one transaction), without etcd.
 * Each command is pointed at a local listener standing in for etcd, which must see no
 * connection: a usage error is decided before anything is sent. (The refusal of a bad value
 * comes after {@code put} has read the whole prefix from etcd, so it needs etcd and is not
 * tested here.)
 */
class FleetMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Runs the program against a listener that must not be contacted; returns its exit code. */
    private int runWithoutContact(String... command) throws Exception {
        try (ServerSocket etcd = new ServerSocket()) {
            etcd.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            String[] args = new String[command.length + 4];
            args[0] = "--endpoints";
            args[1] = "http://127.0.0.1:" + etcd.getLocalPort();
            args[2] = "--timeout";
            args[3] = "1";
            System.arraycopy(command, 0, args, 4, command.length);
            int code = FleetMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            etcd.setSoTimeout(200);   // a connection made during run would be queued already
            try {
                etcd.accept().close();
                throw new AssertionError("the command contacted etcd before refusing its arguments");
            } catch (SocketTimeoutException expected) {
                // nothing connected
            }
            return code;
        }
    }

    private String errText() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void putWithoutAValueIsAUsageError() throws Exception {
        assertEquals(2, runWithoutContact("put", "services/web"));
        assertTrue(errText().contains("usage: put KEY VALUE [KEY VALUE ...]"), errText());
    }

    @Test
    void putWithAKeyLeftWithoutValueAmongSeveralIsAUsageError() throws Exception {
        // the second pair lacks its value: nothing of the transaction may be written
        assertEquals(2, runWithoutContact("put", "services/web", "address=192.0.2.100 port=80",
                "servers/web/198.51.100.3:80"));
        assertTrue(errText().contains("usage: put KEY VALUE"), errText());
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void putAloneIsAUsageError() throws Exception {
        assertEquals(2, runWithoutContact("put"));
        assertTrue(errText().contains("usage: put"), errText());
    }

    @Test
    void prefixWithoutSlashIsAUsageError() throws Exception {
        assertEquals(2, runWithoutContact("--prefix", "/ipvs4j/fleet", "put", "services/web", "address=192.0.2.100 port=80"));
        assertTrue(errText().startsWith("usage: ipvs4j-fleet"), errText());
    }

    @Test
    void runWithoutNameIsAUsageError() throws Exception {
        assertEquals(2, runWithoutContact("run"));
        assertTrue(errText().contains("run needs --name"), errText());
    }
}
