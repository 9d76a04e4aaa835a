package io.ipvs4j.director.vrrp;

import io.ipvs4j.director.keepalived.KeepalivedVrrp;
import io.ipvs4j.vrrp.Tracker;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * keepalived's {@code vrrp_script} as a {@link Tracker}: the program runs without a shell every
 * {@code interval} on a thread of the given executor (never on the VRRP scheduler thread, never
 * two runs of one script at once); exit status 0 is a success, anything else or running past
 * {@code timeout} (the process is then killed) a failure. It goes down after {@code fall}
 * failures in a row while up, and up after {@code rise} successes in a row while down, as
 * keepalived's vrrp_track.c does. It starts up, or down with {@code init_fail}.
 *
 * <pre>{@code
 * ScriptTracker chk = new ScriptTracker(config.vrrp().script("chk_http").orElseThrow(), executor);
 * chk.start();
 * builder.track(chk, -20);
 * }</pre>
 */
public final class ScriptTracker implements Tracker, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScriptTracker.class);

    private final KeepalivedVrrp.Script script;
    private final ScheduledExecutorService executor;
    private final List<Runnable> callbacks = new CopyOnWriteArrayList<>();
    private volatile boolean up;
    private int successes;
    private int failures;
    private volatile ScheduledFuture<?> task;
    private volatile boolean closed;

    /**
     * A tracker of {@code script}, run on {@code executor} once started.
     *
     * @param script the vrrp_script
     * @param executor runs the script (each run waits for the process, so give it a thread per script)
     */
    public ScriptTracker(KeepalivedVrrp.Script script, ScheduledExecutorService executor) {
        this.script = Objects.requireNonNull(script, "script");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.up = !script.initFail();
    }

    /** Runs the script now and then every interval. Once only. */
    public synchronized void start() {
        if (task != null) {
            throw new IllegalStateException("vrrp_script " + script.name() + " already started");
        }
        task = executor.scheduleWithFixedDelay(this::runOnce, 0, script.interval().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void runOnce() {
        if (closed) {
            return;
        }
        boolean ok = false;
        String outcome;
        Process p = null;
        try {
            p = new ProcessBuilder(script.command()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            if (p.waitFor(script.timeout().toNanos(), TimeUnit.NANOSECONDS)) {
                ok = p.exitValue() == 0;
                outcome = "exited with status " + p.exitValue();
            } else {
                p.destroyForcibly();
                outcome = "timed out after " + script.timeout().toMillis() + " ms (killed)";
            }
        } catch (IOException e) {
            outcome = "could not run: " + e.getMessage();
        } catch (InterruptedException e) {
            if (p != null) {
                p.destroyForcibly();
            }
            Thread.currentThread().interrupt();
            return;
        }
        record(ok, outcome);
    }

    private void record(boolean ok, String outcome) {
        boolean changed = false;
        synchronized (this) {
            if (ok) {
                failures = 0;
                if (!up && ++successes >= script.rise()) {
                    up = true;
                    changed = true;
                }
            } else {
                successes = 0;
                if (up && ++failures >= script.fall()) {
                    up = false;
                    changed = true;
                }
            }
        }
        if (changed) {
            log.info("VRRP_Script({}) {}: {}", script.name(), up ? "succeeded" : "failed", outcome);
            callbacks.forEach(Runnable::run);
        } else if (!ok) {
            log.debug("VRRP_Script({}) {}", script.name(), outcome);
        }
    }

    /**
     * The script.
     *
     * @return the vrrp_script this tracker runs
     */
    public KeepalivedVrrp.Script script() {
        return script;
    }

    @Override
    public String name() {
        return script.name();
    }

    @Override
    public boolean up() {
        return up;
    }

    @Override
    public void addChangeCallback(Runnable onChange) {
        callbacks.add(Objects.requireNonNull(onChange, "onChange"));
    }

    /** Stops the runs (a run in progress finishes). Idempotent. */
    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> t = task;
        if (t != null) {
            t.cancel(false);
        }
    }

    @Override
    public String toString() {
        return script.name() + (up ? " up" : " down");
    }
}
