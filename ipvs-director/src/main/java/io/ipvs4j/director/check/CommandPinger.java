package io.ipvs4j.director.check;

import io.ipvs4j.model.InetAddresses;
import java.io.File;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/** {@link PingCheck#commandPinger()}: one {@code ping -c 1} per echo, no shell, no thread of ours waiting. */
final class CommandPinger implements PingCheck.Pinger {
    static final CommandPinger INSTANCE = new CommandPinger();

    private CommandPinger() {
    }

    /** {@code ping} from the usual places, else busybox's applet; null when there is neither. */
    static List<String> program() {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, "ping"))) {
                return List.of(dir + "/ping");
            }
        }
        for (String dir : List.of("/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, "busybox"))) {
                return List.of(dir + "/busybox", "ping");
            }
        }
        return null;
    }

    @Override
    public CompletableFuture<Duration> echo(InetAddress target, InetAddress sourceOrNull, Duration timeout) {
        List<String> program = program();
        if (program == null) {
            return CompletableFuture.failedFuture(new IOException("no ping program (iputils-ping or busybox) found"));
        }
        List<String> cmd = new ArrayList<>(program);
        if (target instanceof Inet6Address) {
            cmd.add("-6");
        }
        // -W takes whole seconds in busybox and older iputils
        long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
        cmd.addAll(List.of("-q", "-c", "1", "-W", String.valueOf(seconds)));
        if (sourceOrNull != null) {
            cmd.addAll(List.of("-I", InetAddresses.toText(sourceOrNull)));
        }
        cmd.add(InetAddresses.toText(target));
        long start = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        return p.onExit().thenCompose(done -> done.exitValue() == 0
                ? CompletableFuture.completedFuture(Duration.ofNanos(System.nanoTime() - start))
                : CompletableFuture.failedFuture(done.exitValue() == 1
                        ? new TimeoutException("no echo reply within " + timeout)
                        : new IOException(String.join(" ", cmd) + " exited " + done.exitValue())));
    }
}
