package io.ipvs4j.nativetests.support;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real server of the end-to-end tests (failover, fleet): a python3 TCP server on port 80
 * that answers each line of a connection with {@code "LINE NAME"} on that same connection, so
 * a client sees which real server a flow reached and that a connection survived (a thread per
 * connection; python3-minimal's standard library only).
 *
 * <pre>{@code
 * Path script = LineServer.write(tmp);
 * Topology.Background rs = node.start("/usr/bin/python3", script.toString(), "rs1");        // IPv4
 * Topology.Background rs6 = node.start("/usr/bin/python3", script.toString(), "rs1", "6");  // IPv6
 * node.awaitListening(rs, 80);
 * }</pre>
 */
public final class LineServer {
    private static final String SCRIPT = """
            import socket, sys, threading
            name = sys.argv[1].encode()
            v6 = len(sys.argv) > 2 and sys.argv[2] == "6"
            srv = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind(("::" if v6 else "0.0.0.0", 80))
            srv.listen(1024)
            def serve(c):
                buf = b""
                try:
                    while True:
                        data = c.recv(4096)
                        if not data:
                            break
                        buf += data
                        while b"\\n" in buf:
                            line, buf = buf.split(b"\\n", 1)
                            c.sendall(line + b" " + name + b"\\n")
                except OSError:
                    pass
                c.close()
            while True:
                conn, _ = srv.accept()
                threading.Thread(target=serve, args=(conn,), daemon=True).start()
            """;

    private LineServer() {
    }

    /**
     * Writes the script into {@code dir}.
     *
     * @param dir a directory the test owns
     * @return the script's path ({@code line-server.py})
     * @throws java.io.IOException if it cannot be written
     */
    public static Path write(Path dir) throws java.io.IOException {
        return Files.writeString(dir.resolve("line-server.py"), SCRIPT);
    }
}
