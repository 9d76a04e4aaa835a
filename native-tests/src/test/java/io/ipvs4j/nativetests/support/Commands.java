package io.ipvs4j.nativetests.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs external commands (ip, ipvsadm, busybox, ...) with a timeout and captures their output. */
public final class Commands {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final java.util.concurrent.Executor DRAINERS =
            java.util.concurrent.Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "ipvs4j-command-output");
                t.setDaemon(true);
                return t;
            });

    private Commands() {}

    /** Exit code and output of a finished command. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Returns this result, or throws with the command's output if it failed. */
        public Result check() {
            if (exitCode != 0) {
                throw new CommandFailedException(this);
            }
            return this;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " -> exit " + exitCode
                    + (stdout.isBlank() ? "" : "\nstdout: " + stdout.strip())
                    + (stderr.isBlank() ? "" : "\nstderr: " + stderr.strip());
        }
    }

    /** A command that exited non-zero (or timed out: exit code -1). */
    public static final class CommandFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Result result;

        public CommandFailedException(Result result) {
            super("command failed: " + result);
            this.result = result;
        }

        public Result result() {
            return result;
        }
    }

    public static Result run(String... command) {
        return run(List.of(command), DEFAULT_TIMEOUT);
    }

    public static Result run(List<String> command) {
        return run(command, DEFAULT_TIMEOUT);
    }

    /** Runs the command with stdin from /dev/null; exit code -1 if it timed out (it is killed). */
    public static Result run(List<String> command, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(List.copyOf(command), 127, "", "cannot start: " + e.getMessage());
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(List.copyOf(command), -1, out.getNow(""),
                        err.getNow("") + "\n(timed out after " + timeout + ")");
            }
            return new Result(List.copyOf(command), p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        // own daemon threads: the common pool has one thread on a 2-core machine, and
        // draining stdout and stderr one after the other could dead-lock on a full pipe
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, DRAINERS);
    }
}
