package io.ipvs4j.nativetests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Prints where the kernel is stuck when a test step takes far longer than it should: after
 * {@code patience}, the kernel stacks of the IPVS sync threads ({@code ipvs-m:*}, {@code ipvs-b:*}),
 * of every task in uninterruptible sleep (D) and of the test's own threads (the one waiting in
 * a netlink call among them). A kernel call that blocks for a minute in the VM is otherwise a
 * bare "no reply within the receive timeout"; with this the CI log says on which lock.
 *
 * <pre>{@code
 * try (KernelStackWatchdog w = KernelStackWatchdog.start("stop sync daemon", Duration.ofSeconds(20))) {
 *     ipvs.stopSyncDaemon(SyncState.MASTER);
 * }
 * }</pre>
 */
public final class KernelStackWatchdog implements AutoCloseable {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ipvs4j-kernel-stack-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final ScheduledFuture<?> dump;

    private KernelStackWatchdog(String what, Duration patience) {
        long self = ProcessHandle.current().pid();
        dump = TIMER.schedule(() -> System.out.println(report(what, patience, self)), patience.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Arms a watchdog; {@link #close()} disarms it.
     *
     * @param what what the test is doing, for the report's first line
     * @param patience how long before the stacks are printed
     * @return the armed watchdog
     */
    public static KernelStackWatchdog start(String what, Duration patience) {
        return new KernelStackWatchdog(what, patience);
    }

    @Override
    public void close() {
        dump.cancel(false);
    }

    private static String report(String what, Duration patience, long self) {
        StringBuilder out = new StringBuilder("kernel stacks: '" + what + "' still running after " + patience + "\n");
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                String comm = read(p.resolve("comm")).strip();
                String state = stateOf(read(p.resolve("stat")));
                boolean ipvs = comm.startsWith("ipvs-m") || comm.startsWith("ipvs-b");
                if (ipvs || state.equals("D")) {
                    out.append("-- pid ").append(p.getFileName()).append(' ').append(comm).append(" state ")
                            .append(state).append('\n').append(read(p.resolve("stack")));
                }
            }
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(self), "task"))) {
                for (Path t : tasks.toList()) {
                    String stack = read(t.resolve("stack"));
                    // Only the test's threads that are inside the kernel for something other than a wait
                    // of their own (futex, poll), which is where a stuck netlink call shows.
                    if (stack.contains("netlink") || stack.contains("genl")) {
                        out.append("-- test thread ").append(t.getFileName()).append(' ')
                                .append(read(t.resolve("comm")).strip()).append('\n').append(stack);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            out.append("(could not read /proc: ").append(e).append(")\n");
        }
        return out.toString();
    }

    private static String stateOf(String stat) {
        int close = stat.lastIndexOf(')');
        List<String> rest = close < 0 ? List.of() : List.of(stat.substring(close + 1).trim().split(" "));
        return rest.isEmpty() ? "?" : rest.get(0);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")\n";
        }
    }
}
