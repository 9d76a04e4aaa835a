package io.ipvs4j.nativetests.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.IpvsadmOracle.Service;
import io.ipvs4j.nativetests.support.IpvsadmOracle.ServiceKey;
import io.ipvs4j.nativetests.support.IpvsadmOracle.Table;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Proves the harness: ipvsadm writes a service into a real IPVS table and the oracle reads it
 * back. Runs in a namespace of its own (IPVS tables are per network namespace), so that it
 * never touches the table of the machine it runs on.
 */
@KernelTest
class IpvsadmRoundTripTest {
    private Topology topology;
    private IpvsadmOracle ipvsadm;

    @BeforeEach
    void setUp() {
        topology = new Topology();
        ipvsadm = topology.node("director").ipvsadm();
    }

    @AfterEach
    void tearDown() {
        try {
            ipvsadm.clear();
            assertTrue(ipvsadm.table().isEmpty(), "ipvsadm -C left services behind");
        } finally {
            topology.close();
        }
    }

    @Test
    void addedServiceIsReadBack() {
        assertTrue(ipvsadm.table().isEmpty(), "a fresh namespace has an empty IPVS table");
        ipvsadm.ok("-A", "-t", "192.0.2.100:80", "-s", "rr");
        assertEquals(Table.of(Service.of(ServiceKey.tcp("192.0.2.100:80"), "rr")), ipvsadm.table());
        assertEquals("-A -t 192.0.2.100:80 -s rr\n", ipvsadm.save());
    }

    @Test
    void rawListingsWork() {
        ipvsadm.ok("-A", "-u", "192.0.2.100:53", "-s", "wlc", "-p", "300");
        assertTrue(ipvsadm.stats().contains("UDP  192.0.2.100:53"), ipvsadm.stats());
        assertTrue(ipvsadm.timeouts().startsWith("Timeout (tcp tcpfin udp):"), ipvsadm.timeouts());
        assertEquals("", ipvsadm.daemons().strip());
        assertEquals(300, ipvsadm.table().service(ServiceKey.udp("192.0.2.100:53")).persistence());
    }
}
