package io.ipvs4j.netlink.internal.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A socket dropped without close() gives its descriptor back once it is collected. */
class SocketCleanerTest {
    private static final int NETLINK_ROUTE = 0;

    private static int openDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    private static void openAndDrop(int count) throws Exception {
        NativeNetlinkSocket.SocketOptions options = new NativeNetlinkSocket.SocketOptions(
                1 << 16, 1 << 16, Duration.ofSeconds(1), 4096);
        for (int i = 0; i < count; i++) {
            NativeNetlinkSocket.open(NETLINK_ROUTE, options);   // never closed
        }
    }

    @Test
    void unclosedSocketsAreClosedByTheCleaner() throws Exception {
        // warm up jnr-ffi and the cleaner thread so they do not count
        NativeNetlinkSocket.open(NETLINK_ROUTE, new NativeNetlinkSocket.SocketOptions(
                1 << 16, 1 << 16, Duration.ofSeconds(1), 4096)).close();
        int before = openDescriptors();
        openAndDrop(200);
        assertTrue(openDescriptors() >= before + 200, "200 sockets are open");
        int now = openDescriptors();
        // bounded: up to 200 rounds of System.gc() (the cleaner runs right after collection)
        for (int round = 0; round < 200 && now > before; round++) {
            System.gc();
            Thread.sleep(20);
            now = openDescriptors();
        }
        assertEquals(before, now, "descriptors leaked by unclosed sockets");   // 200 leaked before
    }

    @Test
    void closeThenCollectClosesOnce() throws Exception {
        NativeNetlinkSocket.SocketOptions options = new NativeNetlinkSocket.SocketOptions(
                1 << 16, 1 << 16, Duration.ofSeconds(1), 4096);
        NativeNetlinkSocket.open(NETLINK_ROUTE, options).close();
        int before = openDescriptors();
        NativeNetlinkSocket s = NativeNetlinkSocket.open(NETLINK_ROUTE, options);
        s.close();
        s.close();
        assertEquals(before, openDescriptors());
    }
}
