package io.ipvs4j.nativetests.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.KernelRejectedException;
import io.ipvs4j.Operation;
import io.ipvs4j.host.HostSysctls;
import io.ipvs4j.host.IpvsSysctl;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.HostNetwork;
import io.ipvs4j.netlink.NetlinkOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * IPVS sysctls ({@code net.ipv4.vs.*}) read and written inside a namespace the test created,
 * checked with {@code ip netns exec NS sysctl -n}; the VM's initial namespace keeps its values.
 */
@KernelTest
class IpvsSysctlKernelTest {

    @Test
    void readAndWriteInsideANamespace() throws Exception {
        String initialConntrack = Files.readString(Path.of("/proc/sys/net/ipv4/vs/conntrack")).strip();
        String initialThreshold = Files.readString(Path.of("/proc/sys/net/ipv4/vs/sync_threshold")).strip();
        try (Topology t = new Topology()) {
            Topology.Node node = t.node("lb");
            HostSysctls sysctls = HostNetwork.sysctls(NetlinkOptions.namedNamespace(node.name()));

            List<IpvsSysctl<?>> available = sysctls.available();
            for (IpvsSysctl<?> k : List.of(IpvsSysctl.CONNTRACK, IpvsSysctl.EXPIRE_NODEST_CONN,
                    IpvsSysctl.EXPIRE_QUIESCENT_TEMPLATE, IpvsSysctl.CONN_REUSE_MODE, IpvsSysctl.SLOPPY_TCP,
                    IpvsSysctl.SCHEDULE_ICMP, IpvsSysctl.SYNC_THRESHOLD, IpvsSysctl.SYNC_VERSION)) {
                assertTrue(available.contains(k), k + " missing from " + available);
            }
            String ls = node.ok("ls", "/proc/sys/net/ipv4/vs");
            for (IpvsSysctl<?> k : available) {
                assertTrue(ls.contains(k.name()), k + " listed but not in: " + ls);
            }

            sysctls.set(IpvsSysctl.CONNTRACK, true);
            sysctls.set(IpvsSysctl.EXPIRE_NODEST_CONN, true);
            sysctls.set(IpvsSysctl.CONN_REUSE_MODE, 2);
            sysctls.set(IpvsSysctl.SYNC_THRESHOLD, new IpvsSysctl.SyncThreshold(5, 100));
            assertEquals("1", sysctl(node, "net.ipv4.vs.conntrack"));
            assertEquals("1", sysctl(node, "net.ipv4.vs.expire_nodest_conn"));
            assertEquals("2", sysctl(node, "net.ipv4.vs.conn_reuse_mode"));
            assertEquals("5\t100", sysctl(node, "net.ipv4.vs.sync_threshold"));
            assertEquals(true, sysctls.get(IpvsSysctl.CONNTRACK));
            assertEquals(new IpvsSysctl.SyncThreshold(5, 100), sysctls.get(IpvsSysctl.SYNC_THRESHOLD));

            node.ok("sysctl", "-q", "-w", "net.ipv4.vs.sloppy_tcp=1");
            assertEquals(true, sysctls.get(IpvsSysctl.SLOPPY_TCP));
            assertEquals(false, sysctls.get(IpvsSysctl.SCHEDULE_ICMP));

            // the kernel's range check (proc_do_sync_mode: 0..1) surfaces as a typed error
            KernelRejectedException e = assertThrows(KernelRejectedException.class,
                    () -> sysctls.set(IpvsSysctl.SYNC_VERSION, 7));
            assertEquals(Operation.WRITE_SYSCTL, e.operation());
            assertTrue(e.getMessage().contains("net.ipv4.vs.sync_version=7"), e.getMessage());
            assertEquals("1", sysctl(node, "net.ipv4.vs.sync_version"));
        }
        assertEquals(initialConntrack, Files.readString(Path.of("/proc/sys/net/ipv4/vs/conntrack")).strip());
        assertEquals(initialThreshold, Files.readString(Path.of("/proc/sys/net/ipv4/vs/sync_threshold")).strip());
    }

    private static String sysctl(Topology.Node node, String key) {
        return node.ok("sysctl", "-n", key).strip();
    }
}
