package io.ipvs4j.director.check;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a notify program ({@code notify_up}, {@code notify_down}) as keepalived does: directly,
 * without a shell, with no arguments added, and without waiting for it (notify.c,
 * notify_exec): the caller continues at once; its exit is logged when it comes.
 *
 * <pre>{@code
 * NotifyScript.start(List.of("/etc/keepalived/rs-down.sh", "web1"), "notify_down of 192.0.2.32:80");
 * }</pre>
 */
public final class NotifyScript {
    private static final Logger log = LoggerFactory.getLogger(NotifyScript.class);

    private NotifyScript() {
    }

    /**
     * Starts {@code command}; {@code what} names it in the log. Never throws: a program that
     * cannot be started is logged and the future completes with -1.
     *
     * @param command the program and its arguments, run without a shell
     * @param what names the script in the log, e.g. {@code "notify_up of 192.0.2.7:80"}
     * @return its exit status, when it has exited
     */
    public static CompletableFuture<Integer> start(List<String> command, String what) {
        if (command.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException | RuntimeException e) {
            log.warn("{}: {} could not be started: {}", what, command.get(0), e.getMessage());
            return CompletableFuture.completedFuture(-1);
        }
        log.info("{}: started {} (pid {})", what, String.join(" ", command), p.pid());
        return p.onExit().thenApply(done -> {
            int status = done.exitValue();
            if (status != 0) {
                // as keepalived: a script's failure is not the server's
                log.warn("{}: {} exited {}", what, command.get(0), status);
            }
            return status;
        });
    }
}
