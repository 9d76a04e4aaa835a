package io.ipvs4j.nativetests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Enables {@link KernelTest}s only where IPVS is reachable: {@code /proc/net/ip_vs} exists and
 * the process runs as root. Otherwise the test is disabled with the reason, unless the
 * environment variable {@code IPVS4J_KERNEL_TESTS} (or the system property
 * {@code ipvs4j.kernelTests}) is {@code required}: then the condition throws, and the test
 * fails instead of being skipped.
 */
public final class RequiresIpvsCondition implements ExecutionCondition {
    public static final String ENV = "IPVS4J_KERNEL_TESTS";
    public static final String PROPERTY = "ipvs4j.kernelTests";
    public static final String REQUIRED = "required";
    static final Path PROC_IP_VS = Path.of("/proc/net/ip_vs");

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return decide(unavailableReason(), required());
    }

    /** Pure decision, unit-tested on the host. */
    static ConditionEvaluationResult decide(Optional<String> unavailable, boolean required) {
        if (unavailable.isEmpty()) {
            return ConditionEvaluationResult.enabled("IPVS is reachable (/proc/net/ip_vs, root)");
        }
        if (required) {
            throw new IllegalStateException("kernel tests are required (" + ENV + "=" + REQUIRED
                    + ") but " + unavailable.get());
        }
        return ConditionEvaluationResult.disabled("kernel test skipped: " + unavailable.get()
                + "; run native-tests/vm/run-kernel-tests.sh to run it in a VM with IPVS");
    }

    /** True if kernel tests must run here (inside the project's VM, or on request). */
    public static boolean required() {
        String value = System.getProperty(PROPERTY, System.getenv(ENV));
        return REQUIRED.equalsIgnoreCase(value == null ? "" : value.trim());
    }

    /** Why IPVS is not reachable from this process, or empty if it is. */
    public static Optional<String> unavailableReason() {
        return unavailableReason(Files.exists(PROC_IP_VS), isRoot());
    }

    static Optional<String> unavailableReason(boolean procIpVsExists, boolean root) {
        if (!procIpVsExists) {
            return Optional.of("IPVS not available: " + PROC_IP_VS
                    + " does not exist (kernel without IPVS, or the ip_vs module is not loaded)");
        }
        if (!root) {
            return Optional.of("IPVS not available: not running as root (IPVS needs CAP_NET_ADMIN)");
        }
        return Optional.empty();
    }

    /** Effective uid 0, read from /proc/self/status (no native code). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    return f.length > 1 && f[1].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted
        }
        return "root".equals(System.getProperty("user.name"));
    }
}
