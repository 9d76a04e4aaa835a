package io.ipvs4j.nativetests.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.IpvsUnavailableException;
import io.ipvs4j.Operation;
import io.ipvs4j.netlink.IpvsNetlink;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * On a host whose kernel has no IPVS (no {@code /proc/net/ip_vs}: module not loaded or not
 * built), opening a client must fail with {@link IpvsUnavailableException} telling the user to
 * load the module. A plain (non-kernel) test: where IPVS exists, {@link FamilyKernelTest} covers
 * the other side and this one is skipped with the reason below.
 */
@EnabledIf(value = "ipvsAbsent", disabledReason = "IPVS is available here (/proc/net/ip_vs exists); FamilyKernelTest covers this case")
class IpvsUnavailableHostTest {

    static boolean ipvsAbsent() {
        return !Files.exists(Path.of("/proc/net/ip_vs"));
    }

    @Test
    void openWithoutIpvsSaysModprobeIpVs() {
        IpvsUnavailableException e = assertThrows(IpvsUnavailableException.class, IpvsNetlink::open);
        assertEquals(Operation.RESOLVE_FAMILY, e.operation());
        assertTrue(e.getMessage().contains("modprobe ip_vs"), e.getMessage());
    }
}
