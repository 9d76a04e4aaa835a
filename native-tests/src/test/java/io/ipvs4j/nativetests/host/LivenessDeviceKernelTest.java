package io.ipvs4j.nativetests.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.IpvsException;
import io.ipvs4j.Operation;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.HostNetwork;
import io.ipvs4j.netlink.LivenessDevice;
import io.ipvs4j.netlink.NetlinkOptions;
import org.junit.jupiter.api.Test;

/**
 * {@link LivenessDevice} against the kernel: the interface appears up in the namespace it was
 * asked for (and only there), a second holder of the name is refused with EBUSY, and closing
 * the descriptor deletes the interface, which is what a process death does too (the fleet
 * test kills a director's JVM and watches BIRD withdraw its routes).
 */
@KernelTest
class LivenessDeviceKernelTest {

    @Test
    void existsUpWhileHeldAndIsGoneWhenReleased() throws Exception {
        try (Topology t = new Topology()) {
            Topology.Node node = t.node("live");
            NetlinkOptions in = NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(node.name())).build();
            try (InterfaceAddresses links = HostNetwork.addresses(in)) {
                LivenessDevice live = LivenessDevice.hold("live0", in);
                assertTrue(live.isHeld());
                assertTrue(links.link("live0").up(), "up: " + links.links());
                assertTrue(node.ok("ip", "-o", "link", "show", "live0").contains("<POINTOPOINT"),
                        "a tun device as ip sees it");
                assertFalse(HostNetwork.addresses().links().stream().anyMatch(l -> l.name().equals("live0")),
                        "created in the namespace asked for, not in the caller's");

                IpvsException busy = assertThrows(IpvsException.class, () -> LivenessDevice.hold("live0", in));
                assertEquals(Operation.ADD_LINK, busy.operation(), busy.getMessage());
                assertEquals(16, busy.errno(), "EBUSY: " + busy.getMessage());
                assertTrue(busy.getMessage().contains("live0"), busy.getMessage());

                live.close();
                assertFalse(live.isHeld());
                assertFalse(links.links().stream().anyMatch(l -> l.name().equals("live0")),
                        "deleted with its descriptor: " + links.links());
                try (LivenessDevice again = LivenessDevice.hold("live0", in)) {
                    assertTrue(links.link("live0").up(), "the name is free again");
                }
            }
        }
    }
}
