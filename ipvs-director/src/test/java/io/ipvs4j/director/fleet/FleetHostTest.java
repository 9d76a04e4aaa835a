package io.ipvs4j.director.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.host.ArpAnnounce;
import io.ipvs4j.host.ArpIgnore;
import io.ipvs4j.host.HostSysctls;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.IpvsSysctl;
import io.ipvs4j.testing.InMemoryHostSysctls;
import io.ipvs4j.testing.InMemoryInterfaceAddresses;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetHostTest {
    private static final String P = "/ipvs4j/fleet/";

    private final InMemoryInterfaceAddresses addresses = new InMemoryInterfaceAddresses();
    private final InMemoryHostSysctls sysctls = new InMemoryHostSysctls();

    FleetHostTest() {
        addresses.onLinkCreated(sysctls::addInterface);
    }

    private static FleetState state(Map<String, String> entries) throws FleetStateException {
        return FleetState.parse(P, entries);
    }

    @Test
    void prepareSetsTheSloppySysctlsAndTheVipInterfaceOnce() throws Exception {
        FleetHost host = new FleetHost(addresses, sysctls, FleetHost.DEFAULT_VIP_INTERFACE);
        List<String> changed = host.prepare();
        assertEquals(3, changed.size(), changed.toString());
        assertTrue(sysctls.get(IpvsSysctl.SLOPPY_TCP));
        assertTrue(sysctls.get(IpvsSysctl.SLOPPY_SCTP));
        assertTrue(addresses.link("ipvs4j-vip").up());
        assertEquals(List.of(), host.prepare(), "nothing left to change");
    }

    @Test
    void theVipInterfaceHoldsExactlyTheServicesVips() throws Exception {
        FleetHost host = new FleetHost(addresses, sysctls, "vip0");
        host.prepare();
        addresses.add(InterfaceAddress.host("vip0", io.ipvs4j.model.InetAddresses.parse("203.0.113.99")));   // a leftover
        host.holdVips(state(Map.of(
                P + "services/web", "address=203.0.113.10 port=80",
                P + "services/dns", "address=203.0.113.10 port=53 protocol=udp",
                P + "services/web6", "address=2001:db8::10 port=80")));
        assertEquals(List.of("203.0.113.10/32", "2001:db8::10/128"),
                addresses.addresses("vip0").stream().map(InterfaceAddress::cidr).toList(), "one address per VIP, the leftover gone");
        for (String iface : List.of("vip0", HostSysctls.ALL)) {
            assertEquals(ArpIgnore.TARGET_ON_INCOMING_INTERFACE, sysctls.arpIgnore(iface), iface);
            assertEquals(ArpAnnounce.BEST_LOCAL_ADDRESS, sysctls.arpAnnounce(iface), iface);
        }
        assertEquals(List.of(), host.holdVips(state(Map.of(
                P + "services/web", "address=203.0.113.10 port=80",
                P + "services/web6", "address=2001:db8::10 port=80"))), "the same VIPs: no change");
        host.holdVips(state(Map.of(P + "services/web6", "address=2001:db8::10 port=80")));
        assertEquals(List.of("2001:db8::10/128"), addresses.addresses("vip0").stream().map(InterfaceAddress::cidr).toList());
        host.holdVips(state(Map.of()));
        assertEquals(List.of(), addresses.addresses("vip0"));
        assertTrue(addresses.addresses("lo").size() >= 2, "other interfaces untouched");
    }
}
