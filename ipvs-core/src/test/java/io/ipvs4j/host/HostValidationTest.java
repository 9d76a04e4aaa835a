package io.ipvs4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.InetAddresses;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class HostValidationTest {

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "../vs", "a/b", "eth0:1", "eth 0", "abcdefghijklmnop", "eth\u00e90", "a\nb"})
    void badInterfaceNamesAreRejected(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InterfaceNames.checkInterface(name));
        assertTrue(e.getMessage().startsWith("interface name"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InterfaceAddress.of(name, "192.0.2.1/24"));
    }

    @Test
    void goodNamesAndLabels() {
        assertEquals("abcdefghijklmno", InterfaceNames.checkInterface("abcdefghijklmno"));
        assertEquals(Optional.of("eth0:1"), InterfaceAddress.of("eth0", "192.0.2.1/24").withLabel("eth0:1").label());
        assertEquals(Optional.of("eth0:vip-web"), InterfaceAddress.of("eth0", "192.0.2.1/24").withLabel("eth0:vip-web").label());
        // the kernel's default label (the interface name) is stored as none
        assertEquals(InterfaceAddress.of("eth0", "192.0.2.1/24"), InterfaceAddress.of("eth0", "192.0.2.1/24").withLabel("eth0"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lo:1", "eth0:123456789ab", "eth0/1", "eth0:\u00e9", "eth0 1", ""})
    void badLabelsAreRejected(String label) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InterfaceAddress.of("eth0", "192.0.2.1/24").withLabel(label));
        assertTrue(e.getMessage().contains("label"), e.getMessage());
        assertTrue(e.getMessage().contains(label), e.getMessage());
    }

    @Test
    void labelsAreIpv4Only() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InterfaceAddress.of("eth0", "2001:db8::1/64").withLabel("eth0:1"));
        assertTrue(e.getMessage().contains("IPv4-only"), e.getMessage());
    }

    @Test
    void prefixLengthPerFamily() {
        assertEquals(32, InterfaceAddress.of("lo", "192.0.2.1").prefixLength());
        assertEquals(128, InterfaceAddress.of("lo", "2001:db8::1").prefixLength());
        assertEquals(128, InterfaceAddress.of("lo", "2001:db8::1/128").prefixLength());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InterfaceAddress.of("lo", "192.0.2.1/33"));
        assertEquals("prefixLength must be 0..32 for 192.0.2.1, was 33", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InterfaceAddress.of("lo", "2001:db8::1/129"));
        assertThrows(IllegalArgumentException.class, () -> InterfaceAddress.of("lo", "192.0.2.1/-1"));
        assertThrows(IllegalArgumentException.class, () -> InterfaceAddress.of("lo", "192.0.2.1/x"));
        assertThrows(IllegalArgumentException.class, () -> InterfaceAddress.of("lo", "example.com/24"));
        assertThrows(IllegalArgumentException.class, () -> InterfaceAddress.of("lo", "0.0.0.0/0"));
        assertThrows(IllegalArgumentException.class, () -> InterfaceAddress.of("lo", "224.0.0.1/32"));
    }

    @Test
    void textForms() {
        InterfaceAddress a = InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1").withScope(Scope.LINK);
        assertEquals("192.0.2.100/24 dev eth0 label eth0:1 scope link", a.toString());
        assertEquals("ip addr add 192.0.2.100/32 dev lo scope global",
                new HostChange.AddressAdded(InterfaceAddress.host("lo", InetAddresses.parse("192.0.2.100"))).command());
        assertTrue(a.sameAssignment(InterfaceAddress.of("eth0", "192.0.2.100/24")));
    }

    @Test
    void sysctlEnumsAndTypes() {
        for (int v = 0; v <= 8; v++) {
            assertEquals(v, ArpIgnore.fromValue(v).value());
        }
        assertThrows(IllegalArgumentException.class, () -> ArpIgnore.fromValue(9));
        assertThrows(IllegalArgumentException.class, () -> ArpAnnounce.fromValue(3));
        assertEquals(ArpAnnounce.BEST_LOCAL_ADDRESS, ArpAnnounce.fromValue(2));
        assertEquals(new IpvsSysctl.SyncThreshold(3, 50), IpvsSysctl.SYNC_THRESHOLD.parse("3\t50\n"));
        assertEquals("3 50", IpvsSysctl.SYNC_THRESHOLD.format(new IpvsSysctl.SyncThreshold(3, 50)));
        assertThrows(IllegalArgumentException.class, () -> new IpvsSysctl.SyncThreshold(50, 50));
        assertEquals(new IpvsSysctl.SyncThreshold(7, 0), IpvsSysctl.SYNC_THRESHOLD.parse("7 0"));
        assertEquals(true, IpvsSysctl.CONNTRACK.parse("1\n"));
        assertEquals("0", IpvsSysctl.CONNTRACK.format(false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpvsSysctl.CONNTRACK.format(1));
        assertTrue(e.getMessage().startsWith("conntrack takes a Boolean"), e.getMessage());
        assertEquals(Optional.of(IpvsSysctl.SLOPPY_SCTP), IpvsSysctl.byName("sloppy_sctp"));
        assertEquals(Scope.HOST, Scope.fromValue(254));
        assertThrows(IllegalArgumentException.class, () -> Scope.fromValue(7));
    }
}
