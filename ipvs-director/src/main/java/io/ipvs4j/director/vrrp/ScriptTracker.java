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
 * keepalived's vrrp_track.c does.
 *
 * <p>It starts in INIT ({@link #initializing()}), neither up nor down, as keepalived's
 * {@code SCRIPT_INIT_STATE_INIT}: the first result decides at once (one success is up, one
 * failure is down; vrrp_scheduler.c vrrp_init_script sets the result to {@code rise - 1}).
 * While it initializes it adds no positive weight, subtracts no negative one, and holds a
 * weight-0 instance out of BACKUP/MASTER. With {@code init_fail} it starts down instead and
 * needs {@code rise} successes.
 *
 * <p>{@code user NAME [GROUP]} runs the script as that user and group (the user's own group
 * when none is given, with the user's supplementary groups), through util-linux
 * {@code setpriv}; an unknown user or group is refused when the tracker is built.
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
    private volatile boolean initializing;
    /** The program run: the script's command, behind setpriv when it has a user. */
    private final List<String> argv;
    private int successes;
    private int failures;
    private volatile ScheduledFuture<?> task;
    private volatile boolean closed;

    /**
     * A tracker of {@code script}, run on {@code executor} once started.
     *
     * @param script the vrrp_script
     * @param executor runs the script (each run waits for the process, so give it a thread per script)
     * @throws IllegalArgumentException if the script's {@code user} or group does not exist
     */
    public ScriptTracker(KeepalivedVrrp.Script script, ScheduledExecutorService executor) {
        this.script = Objects.requireNonNull(script, "script");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.up = false;
        this.initializing = !script.initFail();
        this.argv = script.user().isPresent() ? asUser(script, script.user().get()) : script.command();
    }

    /** {@code setpriv --reuid U --regid G --init-groups -- command...}, the ids looked up now. */
    private static List<String> asUser(KeepalivedVrrp.Script script, String user) {
        String[] parts = user.trim().split("\\s+");
        if (parts.length < 1 || parts.length > 2 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("vrrp_script " + script.name() + " (line " + script.line() + "): user '"
                    + user + "' must be NAME [GROUP]");
        }
        List<String> passwd = getent("passwd", parts[0]);
        if (passwd == null || passwd.size() < 4) {
            throw new IllegalArgumentException("vrrp_script " + script.name() + " (line " + script.line() + "): user '"
                    + parts[0] + "' is unknown");
        }
        String uid = passwd.get(2);
        String gid = passwd.get(3);
        if (parts.length == 2) {
            List<String> group = getent("group", parts[1]);
            if (group == null || group.size() < 3) {
                throw new IllegalArgumentException("vrrp_script " + script.name() + " (line " + script.line()
                        + "): group '" + parts[1] + "' is unknown");
            }
            gid = group.get(2);
        }
        List<String> a = new java.util.ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups",
                "--"));
        a.addAll(script.command());
        return List.copyOf(a);
    }

    /** The fields of {@code getent DB KEY}, or null if there is no such entry. */
    private static List<String> getent(String db, String key) {
        try {
            Process p = new ProcessBuilder("getent", db, key).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("getent " + db + " " + key + " did not finish");
            }
            return p.exitValue() == 0 && !out.isEmpty() ? List.of(out.lines().findFirst().orElseThrow().split(":", -1)) : null;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run getent to look up " + db + " " + key + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted looking up " + db + " " + key, e);
        }
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
            p = new ProcessBuilder(argv).redirectErrorStream(true)
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
            if (initializing) {
                // the first result decides at once, whatever rise and fall (keepalived: result = rise - 1)
                initializing = false;
                up = ok;
                successes = 0;
                failures = 0;
                changed = true;
            } else if (ok) {
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
    public boolean initializing() {
        return initializing;
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
        return script.name() + (initializing ? " init" : up ? " up" : " down");
    }
}
