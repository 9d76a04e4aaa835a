package io.ipvs4j.nativetests.host;

import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.HostNetwork;
import io.ipvs4j.netlink.NetlinkOptions;
import io.ipvs4j.testing.HostContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The host helpers' contract that {@code InMemoryInterfaceAddresses} and
 * {@code InMemoryHostSysctls} pass on the host ({@code HostFakesContractTest}), here against
 * the kernel: rtnetlink and {@code /proc/sys} in a fresh network namespace per test (lo up),
 * interfaces created as dummies. Where the two differ, the kernel is right and the fakes are
 * fixed.
 */
@KernelTest
class HostContractKernelTest extends HostContract {
    private static Topology topology;
    private static int namespaces;

    @BeforeAll
    static void openTopology() {
        topology = new Topology();
        namespaces = 0;
    }

    @AfterAll
    static void closeTopology() {
        if (topology != null) {
            topology.close();
            topology = null;
        }
    }

    @Override
    protected Host open() throws Exception {
        Topology.Node node = topology.node("hostc" + ++namespaces);
        Path ns = NetlinkOptions.namedNamespace(node.name());
        return new Host(HostNetwork.addresses(NetlinkOptions.builder().namespace(ns).build()), HostNetwork.sysctls(ns),
                name -> node.addDummy(name));
    }
}
