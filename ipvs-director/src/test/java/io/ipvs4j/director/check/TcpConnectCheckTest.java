package io.ipvs4j.director.check;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TcpConnectCheckTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void upWhenSomethingListens() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 5, LOOPBACK)) {
            CheckResult r = TcpConnectCheck.builder(LOOPBACK, s.getLocalPort())
                    .connectTimeout(Duration.ofMillis(300)).bindAddress(LOOPBACK).build().check();
            assertTrue(r.healthy(), r.detail());
        }
    }

    @Test
    void downWhenRefused() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            port = s.getLocalPort();
        }
        CheckResult r = TcpConnectCheck.builder(LOOPBACK, port).connectTimeout(Duration.ofMillis(300)).build().check();
        assertFalse(r.healthy());
        assertTrue(r.detail().contains("127.0.0.1:" + port), r.detail());
    }
}
