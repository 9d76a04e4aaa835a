package io.ipvs4j.nativetests.ipvs;

import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import io.ipvs4j.testing.IpvsContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract that {@code InMemoryIpvs} passes on the host ({@code InMemoryIpvsTest} in
 * ipvs-testing), here against the kernel: the netlink client opened in a fresh network
 * namespace per test (its own IPVS table, timeouts and sync daemons, lo up). Where the two
 * differ, the kernel is right and the fake is fixed.
 */
@KernelTest
class ContractKernelTest extends IpvsContract {
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
    protected Ipvs open() throws IpvsException {
        Topology.Node node = topology.node("contract" + ++namespaces);
        return IpvsNetlink.open(NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(node.name())).build());
    }
}
