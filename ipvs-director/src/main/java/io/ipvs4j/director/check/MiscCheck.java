package io.ipvs4j.director.check;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * keepalived's {@code MISC_CHECK}: runs a program and decides by its exit status. It is run
 * directly, without a shell (the argument list is given, as keepalived splits
 * {@code misc_path}); its output is discarded. Exit status 0 passes, anything else fails; with
 * {@code misc_dynamic}, 2..255 also pass and set the real server's weight to status - 2
 * (the result's {@link CheckResult#weight()}; exit 0 keeps the configured weight), as
 * keepalived does. A program that runs longer than the timeout is killed (with its children)
 * and the attempt fails, as keepalived does (check_misc.c). No thread waits for the program:
 * its exit is {@link Process#onExit()}, its timeout a timer of the {@link CheckIo} loop.
 *
 * <pre>{@code
 * MiscCheck c = new MiscCheck(List.of("/usr/local/bin/check-db", "192.0.2.32"), Duration.ofSeconds(5), false);
 * CheckResult r = c.start(io).join();
 * }</pre>
 *
 * @param command the program and its arguments (no shell)
 * @param timeout how long it may run ({@code misc_timeout}; keepalived's default is the delay_loop)
 * @param dynamic {@code misc_dynamic}: exit 2..255 pass with weight status - 2
 */
public record MiscCheck(List<String> command, Duration timeout, boolean dynamic) implements HealthCheck {
    /**
     * Checks the parts.
     *
     * @param command the program and its arguments (no shell)
     * @param timeout how long it may run ({@code misc_timeout}; keepalived's default is the delay_loop)
     * @param dynamic {@code misc_dynamic}: exit 2..255 pass with weight status - 2
     */
    public MiscCheck {
        command = List.copyOf(command);
        if (command.isEmpty() || command.get(0).isEmpty()) {
            throw new IllegalArgumentException("MISC_CHECK needs a program (misc_path), was " + command);
        }
        Timeouts.positive("timeout", timeout);
    }

    /**
     * The weight keepalived gives a real server whose dynamic check exited with {@code status} (2..255).
     *
     * @param status the program's exit status
     * @return the weight, 0..253
     */
    public static int dynamicWeight(int status) {
        return status - 2;
    }

    @Override
    public CompletableFuture<CheckResult> start(CheckIo io) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            return CompletableFuture.completedFuture(
                    CheckResult.down("MISC_CHECK " + command.get(0) + " could not be started: " + e.getMessage()));
        }
        // the exit is observed by the JDK's process reaper; the timeout is a timer of the loop,
        // so no thread of ours waits for the program
        return io.within(p.onExit(), timeout, "MISC_CHECK " + command.get(0), () -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }).handle((done, e) -> {
            if (e != null) {
                Throwable cause = HttpGetCheck.unwrap(e);
                if (cause instanceof TimeoutException) {
                    return CheckResult.down("MISC_CHECK " + command.get(0) + " did not finish within " + timeout
                            + " (killed)");
                }
                return CheckResult.down("MISC_CHECK " + command.get(0) + " failed: " + cause);
            }
            return judge(done.exitValue());
        });
    }

    /** keepalived's reading of an exit status (check_misc.c, misc_check_child_thread). */
    CheckResult judge(int status) {
        if (status == 0) {
            return CheckResult.up("MISC_CHECK " + command.get(0) + " exited 0");
        }
        if (dynamic && status >= 2 && status <= 255) {
            return CheckResult.upWithWeight("MISC_CHECK " + command.get(0) + " exited " + status
                    + " (misc_dynamic: weight " + dynamicWeight(status) + ")", dynamicWeight(status));
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
