package io.ipvs4j.nativetests.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.Ipvs;
import io.ipvs4j.model.IpvsInfo;
import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.netlink.IpvsNetlink;
import org.junit.jupiter.api.Test;

/**
 * Resolving the generic-netlink family "IPVS" on a kernel that has it, in the namespace of the
 * test process (the VM's initial one). Only reads: the VM's own table is never changed.
 */
@KernelTest
class FamilyKernelTest {

    @Test
    void openResolvesTheFamilyAndInfoMatchesIpvsadm() throws Exception {
        IpvsInfo info;
        try (Ipvs ipvs = IpvsNetlink.open()) {
            info = ipvs.info();
            // a second request on the same socket reuses the resolved family
            assertEquals(info, ipvs.info());
        }
        assertEquals("1.2.1", info.version());
        assertEquals(0x010201, info.versionCode());
        assertTrue(info.connectionTableSize() > 0, "connection table size " + info.connectionTableSize());
        String header = IpvsadmOracle.current().ok("-L", "-n").lines().findFirst().orElse("");
        assertEquals("IP Virtual Server version 1.2.1 (size=" + info.connectionTableSize() + ")", header);
    }
}
