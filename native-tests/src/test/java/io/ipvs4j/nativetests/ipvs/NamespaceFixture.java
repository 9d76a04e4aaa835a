package io.ipvs4j.nativetests.ipvs;

import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fresh network namespace per test ("directorN"), an ipvs4j client opened inside it and an
 * ipvsadm oracle bound to it. IPVS tables, timeouts and sync daemons are per namespace, so no
 * test sees another's state, and the VM's own table is never touched.
 *
 * <p>The {@link Topology} (its bridge namespace) is shared by the tests of a class and closed,
 * with every namespace it created, after the last one: each process spawn costs about a second
 * in the emulated VM, and a topology of its own would double the fixed cost of every test.
 * Tests that link their director to the bridge use addresses of their own.
 */
abstract class NamespaceFixture {
    protected static Topology topology;
    private static int directors;

    protected Topology.Node director;
    protected IpvsadmOracle ipvsadm;
    protected Ipvs ipvs;

    @BeforeAll
    static void openTopology() {
        topology = new Topology();
        directors = 0;
    }

    @AfterAll
    static void closeTopology() {
        if (topology != null) {
            topology.close();
            topology = null;
        }
    }

    @BeforeEach
    void openNamespace() throws IpvsException {
        director = topology.node("director" + ++directors);
        ipvsadm = director.ipvsadm();
        ipvs = IpvsNetlink.open(NetlinkOptions.builder()
                .namespace(NetlinkOptions.namedNamespace(director.name())).build());
    }

    @AfterEach
    void closeClient() {
        if (ipvs != null) {
            ipvs.close();
        }
    }
}
