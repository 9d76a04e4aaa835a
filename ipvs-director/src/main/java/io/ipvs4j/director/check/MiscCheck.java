package io.ipvs4j.director.check;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * keepalived's {@code MISC_CHECK}: runs a program and decides by its exit status. It is run
 * directly, without a shell (the argument list is given, as keepalived splits
 * {@code misc_path}); its output is discarded. Exit status 0 passes, anything else fails; with
 * {@code misc_dynamic}, 2..255 also pass (keepalived then sets the weight to status - 2: see
 * {@link #dynamicWeight(int)}; ipvs4j reports it in the result's detail). A program that runs
 * longer than the timeout is killed (with its children) and the attempt fails, as keepalived
 * does (check_misc.c).
 *
 * <pre>{@code
 * MiscCheck c = new MiscCheck(List.of("/usr/local/bin/check-db", "192.0.2.32"), Duration.ofSeconds(5), false);
 * CheckResult r = c.check();
 * }</pre>
 *
 * @param command the program and its arguments (no shell)
 * @param timeout how long it may run ({@code misc_timeout}; keepalived's default is the delay_loop)
 * @param dynamic {@code misc_dynamic}: exit 2..255 pass with weight status - 2
 */
public record MiscCheck(List<String> command, Duration timeout, boolean dynamic) implements HealthCheck {
    public MiscCheck {
        command = List.copyOf(command);
        if (command.isEmpty() || command.get(0).isEmpty()) {
            throw new IllegalArgumentException("MISC_CHECK needs a program (misc_path), was " + command);
        }
        Timeouts.positive("timeout", timeout);
    }

    /** The weight keepalived gives a real server whose dynamic check exited with {@code status} (2..255). */
    public static int dynamicWeight(int status) {
        return status - 2;
    }

    @Override
    public CheckResult check() {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            return CheckResult.down("MISC_CHECK " + command.get(0) + " could not be started: " + e.getMessage());
        }
        try {
            if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return CheckResult.down("MISC_CHECK " + command.get(0) + " did not finish within " + timeout
                        + " (killed)");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return CheckResult.down("MISC_CHECK " + command.get(0) + " interrupted");
        }
        int status = p.exitValue();
        if (status == 0) {
            return CheckResult.up("MISC_CHECK " + command.get(0) + " exited 0");
        }
        if (dynamic && status >= 2 && status <= 255) {
            return CheckResult.up("MISC_CHECK " + command.get(0) + " exited " + status + " (misc_dynamic: keepalived"
                    + " would set weight " + dynamicWeight(status) + ")");
        }
        return CheckResult.down("MISC_CHECK " + command.get(0) + " exited " + status);
    }

    @Override
    public String describe() {
        return "MISC_CHECK " + String.join(" ", command);
    }

    @Override
    public String toString() {
        return describe() + " timeout " + timeout + (dynamic ? " dynamic" : "");
    }

}
