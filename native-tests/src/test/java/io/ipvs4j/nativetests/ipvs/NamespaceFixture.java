package io.ipvs4j.nativetests.ipvs;

import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * One fresh network namespace per test ("director"), an ipvs4j client opened inside it and an
 * ipvsadm oracle bound to it. IPVS tables, timeouts and sync daemons are per namespace, so no
 * test can see another's state, and the VM's own table is never touched. Everything is closed
 * after the test, also when it failed.
 */
abstract class NamespaceFixture {
    protected Topology topology;
    protected Topology.Node director;
    protected IpvsadmOracle ipvsadm;
    protected Ipvs ipvs;

    @BeforeEach
    void openNamespace() throws IpvsException {
        topology = new Topology();
        director = topology.node("director");
        ipvsadm = director.ipvsadm();
        ipvs = IpvsNetlink.open(NetlinkOptions.builder()
                .namespace(NetlinkOptions.namedNamespace(director.name())).build());
    }

    @AfterEach
    void closeNamespace() {
        try {
            if (ipvs != null) {
                ipvs.close();
            }
        } finally {
            topology.close();
        }
    }
}
