package io.ipvs4j.nativetests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.IpvsException;
import io.ipvs4j.NetlinkProtocolException;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.HostNetwork;
import io.ipvs4j.netlink.NetlinkOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Address dumps while the table changes: 1,000 addresses on a dummy interface in a test
 * namespace, one IPv4 and one IPv6 address flapping in a shell loop (another process), and 100
 * {@code addresses()} calls. The kernel marks dumps that saw a change NLM_F_DUMP_INTR; the
 * client reads each such dump to its end and starts it again (at most 5 attempts), so no call
 * fails with EBUSY (a dump abandoned in the middle used to leave the kernel dumping on the
 * socket), and every call lists all the stable addresses. (Sized for the emulated, single-CPU
 * VM of CI; the reproduction used 3,000 addresses and 300 calls.)
 */
@KernelTest
class AddressDumpInterruptKernelTest {
    private static final int STABLE_V6 = 800;
    private static final int STABLE_V4 = 200;
    private static final int CALLS = 100;

    @Test
    void addressDumpsDuringFlappingNeverLeakEbusyAndListEveryStableAddress() throws Exception {
        try (Topology t = new Topology()) {
            Topology.Node node = t.node("flap");
            node.ok("ip", "link", "add", "dum0", "type", "dummy");
            node.ok("ip", "link", "set", "dum0", "up");
            Path batch = Files.createTempFile("i4j-addrs-", ".batch");
            try {
                StringBuilder lines = new StringBuilder();
                for (int i = 1; i <= STABLE_V6; i++) {
                    lines.append("addr add 2001:db8:1::").append(Integer.toHexString(i)).append("/128 dev dum0 nodad\n");
                }
                for (int i = 0; i < STABLE_V4; i++) {
                    String net = i < 250 ? "198.51.100." : "203.0.113.";
                    lines.append("addr add ").append(net).append(1 + i % 250).append("/32 dev dum0\n");
                }
                Files.writeString(batch, lines);
                node.exec(Duration.ofSeconds(120), "ip", "-batch", batch.toString()).check();
            } finally {
                Files.deleteIfExists(batch);
            }
            node.start("sh", "-c", "while :; do "
                    + "ip addr add 203.0.113.254/32 dev dum0; ip -6 addr add 2001:db8:2::1/128 dev dum0 nodad; "
                    + "ip addr del 203.0.113.254/32 dev dum0; ip -6 addr del 2001:db8:2::1/128 dev dum0; done");

            NetlinkOptions options = NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(node.name())).build();
            int ok = 0;
            int interrupted = 0;
            Map<String, Integer> otherFailures = new LinkedHashMap<>();
            List<Integer> stableSeen = new ArrayList<>();
            long started = System.nanoTime();
            try (InterfaceAddresses addresses = HostNetwork.addresses(options)) {
                for (int call = 0; call < CALLS; call++) {
                    try {
                        List<InterfaceAddress> all = addresses.addresses();
                        // the kernel's own fe80:: link-local address on dum0 is not one of ours
                        int stable = (int) all.stream().filter(a -> a.interfaceName().equals("dum0")
                                && !a.address().isLinkLocalAddress()
                                && !a.address().getHostAddress().equals("203.0.113.254")
                                && !a.address().getHostAddress().startsWith("2001:db8:2:")).count();
                        stableSeen.add(stable);
                        ok++;
                    } catch (NetlinkProtocolException e) {
                        if (e.getMessage().contains("interrupted after")) {
                            interrupted++;
                        } else {
                            otherFailures.merge(e.getMessage(), 1, Integer::sum);
                        }
                    } catch (IpvsException e) {
                        otherFailures.merge(e.getClass().getSimpleName() + " errno " + e.errno() + ": " + e.getMessage(), 1,
                                Integer::sum);
                    }
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("[reliability] %d addresses() calls over %d stable addresses with 2 flapping: %d ok, "
                    + "%d interrupted after 5 attempts, other failures %s, %d ms%n",
                    CALLS, STABLE_V6 + STABLE_V4, ok, interrupted, otherFailures, millis);
            assertTrue(otherFailures.isEmpty(), "no EBUSY or other failure: " + otherFailures);
            assertEquals(CALLS, ok + interrupted);
            assertTrue(ok > CALLS / 2, ok + " of " + CALLS + " calls listed the table");
            for (int stable : stableSeen) {
                assertEquals(STABLE_V6 + STABLE_V4, stable, "every stable address in every successful listing");
            }
        }
    }
}
