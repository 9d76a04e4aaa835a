package io.ipvs4j.netlink.internal.sysctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.NetlinkProtocolException;
import io.ipvs4j.NotFoundException;
import io.ipvs4j.Operation;
import io.ipvs4j.host.ArpAnnounce;
import io.ipvs4j.host.ArpIgnore;
import io.ipvs4j.host.HostSysctls;
import io.ipvs4j.host.IpvsSysctl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ProcSysctls} over a fake sysctl tree (the injectable root). */
class ProcSysctlsTest {
    @TempDir
    Path root;
    private HostSysctls sysctls;

    @BeforeEach
    void tree() throws Exception {
        for (String iface : List.of("all", "default", "lo", "eth0")) {
            Path dir = Files.createDirectories(root.resolve("net/ipv4/conf").resolve(iface));
            Files.writeString(dir.resolve("arp_ignore"), "0\n");
            Files.writeString(dir.resolve("arp_announce"), "0\n");
        }
        Path vs = Files.createDirectories(root.resolve("net/ipv4/vs"));
        Files.writeString(vs.resolve("conntrack"), "0\n");
        Files.writeString(vs.resolve("sync_threshold"), "3\t50\n");
        Files.writeString(vs.resolve("sync_qlen_max"), "123456789012\n");
        Files.writeString(vs.resolve("unknown_future_knob"), "1\n");
        sysctls = new ProcSysctls(root, Optional.empty());
    }

    @Test
    void arpRoundTrip() throws Exception {
        sysctls.setArpIgnore("eth0", ArpIgnore.NEVER);
        sysctls.setArpAnnounce(HostSysctls.ALL, ArpAnnounce.BEST_LOCAL_ADDRESS);
        assertEquals("8\n", Files.readString(root.resolve("net/ipv4/conf/eth0/arp_ignore")));
        assertEquals("2\n", Files.readString(root.resolve("net/ipv4/conf/all/arp_announce")));
        assertEquals(ArpIgnore.NEVER, sysctls.arpIgnore("eth0"));
        assertEquals(ArpAnnounce.BEST_LOCAL_ADDRESS, sysctls.arpAnnounce("all"));
        assertEquals(ArpIgnore.ANY_LOCAL_ADDRESS, sysctls.arpIgnore(HostSysctls.DEFAULT));
    }

    @Test
    void ipvsRoundTripAndAvailable() throws Exception {
        assertEquals(List.of(IpvsSysctl.CONNTRACK, IpvsSysctl.SYNC_QLEN_MAX, IpvsSysctl.SYNC_THRESHOLD), sysctls.available());
        assertEquals(new IpvsSysctl.SyncThreshold(3, 50), sysctls.get(IpvsSysctl.SYNC_THRESHOLD));
        assertEquals(123456789012L, sysctls.get(IpvsSysctl.SYNC_QLEN_MAX));
        sysctls.set(IpvsSysctl.SYNC_THRESHOLD, new IpvsSysctl.SyncThreshold(0, 0));
        assertEquals("0 0\n", Files.readString(root.resolve("net/ipv4/vs/sync_threshold")));
        sysctls.set(IpvsSysctl.CONNTRACK, true);
        assertTrue(sysctls.get(IpvsSysctl.CONNTRACK));
        assertTrue(sysctls.isPresent(IpvsSysctl.CONNTRACK));
        assertFalse(sysctls.isPresent(IpvsSysctl.SLOPPY_SCTP));
    }

    @Test
    void missingEntriesAreNotFoundAndNeverCreated() throws Exception {
        NotFoundException e = assertThrows(NotFoundException.class, () -> sysctls.get(IpvsSysctl.SLOPPY_SCTP));
        assertEquals(Operation.READ_SYSCTL, e.operation());
        assertEquals("read sysctl net.ipv4.vs.sloppy_sctp failed: not present: ip_vs not loaded in this network "
                + "namespace, or a kernel without net.ipv4.vs.sloppy_sctp (ENOENT, errno 2)", e.getMessage());
        NotFoundException w = assertThrows(NotFoundException.class, () -> sysctls.set(IpvsSysctl.SLOPPY_SCTP, true));
        assertEquals(Operation.WRITE_SYSCTL, w.operation());
        assertFalse(Files.exists(root.resolve("net/ipv4/vs/sloppy_sctp")), "a write must not create the file");
        NotFoundException i = assertThrows(NotFoundException.class, () -> sysctls.setArpIgnore("eth9", ArpIgnore.NEVER));
        assertTrue(i.getMessage().contains("net.ipv4.conf.eth9.arp_ignore") && i.getMessage().contains("no such interface"),
                i.getMessage());
        assertFalse(Files.exists(root.resolve("net/ipv4/conf/eth9")));
    }

    @Test
    void namesThatCouldEscapeAreRejectedBeforeAnyIo() throws Exception {
        Files.writeString(root.resolve("net/ipv4/arp_ignore"), "0\n");
        long before;
        try (Stream<Path> all = Files.walk(root)) {
            before = all.count();
        }
        for (String bad : new String[] {"..", ".", "", "../conf", "eth0/../../vs", "abcdefghijklmnop", "eth0:1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sysctls.setArpIgnore(bad, ArpIgnore.NEVER), bad);
            assertTrue(e.getMessage().startsWith("interface name"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> sysctls.arpAnnounce(bad));
        }
        assertEquals("0\n", Files.readString(root.resolve("net/ipv4/arp_ignore")));
        try (Stream<Path> all = Files.walk(root)) {
            assertEquals(before, all.count(), "no file or directory was created");
        }
    }

    @Test
    void unexpectedKernelTextIsAProtocolError() throws Exception {
        Files.writeString(root.resolve("net/ipv4/conf/lo/arp_ignore"), "12\n");
        Files.writeString(root.resolve("net/ipv4/vs/sync_threshold"), "3\n");
        NetlinkProtocolException a = assertThrows(NetlinkProtocolException.class, () -> sysctls.arpIgnore("lo"));
        assertTrue(a.getMessage().contains("arp_ignore must be 0..8, was 12"), a.getMessage());
        NetlinkProtocolException t = assertThrows(NetlinkProtocolException.class, () -> sysctls.get(IpvsSysctl.SYNC_THRESHOLD));
        assertTrue(t.getMessage().contains("expected two integers"), t.getMessage());
    }

    @Test
    void wrongValueTypeIsRejectedBeforeWriting() throws Exception {
        @SuppressWarnings({"unchecked", "rawtypes"})
        IpvsSysctl<Object> raw = (IpvsSysctl) IpvsSysctl.CONNTRACK;
        assertThrows(IllegalArgumentException.class, () -> sysctls.set(raw, "yes"));
        assertEquals("0\n", Files.readString(root.resolve("net/ipv4/vs/conntrack")));
    }
}
