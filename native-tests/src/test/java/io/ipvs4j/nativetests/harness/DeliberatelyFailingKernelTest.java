package io.ipvs4j.nativetests.harness;

import static org.junit.jupiter.api.Assertions.fail;

import io.ipvs4j.nativetests.support.KernelTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Self-check of the harness: a kernel test that always fails, enabled only with
 * {@code IPVS4J_SELFTEST_FAIL=1} ({@code run-kernel-tests.sh} passes it into the VM). Running
 * it must turn {@code run-kernel-tests.sh} and {@code test.sh} red; see native-tests/vm/README.md.
 */
@KernelTest
@EnabledIfEnvironmentVariable(named = "IPVS4J_SELFTEST_FAIL", matches = "1")
class DeliberatelyFailingKernelTest {

    @Test
    void failsOnPurpose() {
        fail("deliberate failure (IPVS4J_SELFTEST_FAIL=1): the harness must report this run as failed");
    }
}
