package io.ipvs4j.nativetests.support;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

/** Host unit tests of the kernel-test condition and the topology's address rule. */
class SupportHostTest {

    @Test
    void conditionSkipsWithAReasonOrFailsWhenRequired() {
        Optional<String> noProc = RequiresIpvsCondition.unavailableReason(false, true);
        assertTrue(noProc.orElseThrow().contains("/proc/net/ip_vs"));
        assertTrue(RequiresIpvsCondition.unavailableReason(true, false).orElseThrow().contains("root"));
        assertTrue(RequiresIpvsCondition.unavailableReason(true, true).isEmpty());

        ConditionEvaluationResult skipped = RequiresIpvsCondition.decide(noProc, false);
        assertTrue(skipped.isDisabled());
        assertTrue(skipped.getReason().orElseThrow().contains("/proc/net/ip_vs"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RequiresIpvsCondition.decide(noProc, true));
        assertTrue(e.getMessage().contains("IPVS4J_KERNEL_TESTS=required"), e.getMessage());
        assertFalse(RequiresIpvsCondition.decide(Optional.empty(), true).isDisabled());
        assertFalse(RequiresIpvsCondition.decide(Optional.empty(), false).isDisabled());
    }

    @Test
    void onlyDocumentationAddresses() {
        for (String ok : new String[] {"192.0.2.1/24", "198.51.100.255", "203.0.113.7/32", "2001:db8::1/64",
                "2001:db8:ffff::1", "[2001:db8::5]"}) {
            assertDoesNotThrow(() -> Topology.checkDocumentationAddress(ok), ok);
        }
        for (String bad : new String[] {"10.0.0.1/8", "192.0.3.1", "192.168.1.1/24", "2001:db9::1/64", "fe80::1",
                "8.8.8.8", "example.org", "127.0.0.1"}) {
            assertThrows(IllegalArgumentException.class, () -> Topology.checkDocumentationAddress(bad), bad);
        }
    }
}
