package io.ipvs4j.director.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.keepalived.KeepalivedVrrp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vrrp_script runs: real processes, no shell; rise and fall counted as keepalived does. */
class ScriptTrackerTest {
    @TempDir
    Path dir;

    private static KeepalivedVrrp.Script script(List<String> command, Duration timeout, int rise, int fall,
            boolean initFail) {
        return new KeepalivedVrrp.Script("chk", command, Duration.ofSeconds(1), timeout, 0, rise, fall,
                Optional.empty(), initFail, 1);
    }

    @Test
    void fallThenRiseCountedOnConsecutiveResults() throws Exception {
        // the script's exit status is read from a file the test writes: 0 or 1
        Path status = dir.resolve("status");
        Files.writeString(status, "0");
        Path runs = dir.resolve("runs");
        Path sh = dir.resolve("chk.sh");
        Files.writeString(sh, "#!/bin/sh\necho x >> " + runs + "\nexit $(cat " + status + ")\n");
        sh.toFile().setExecutable(true);
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1);
        Semaphore changes = new Semaphore(0);
        try (ScriptTracker t = new ScriptTracker(script(List.of(sh.toString()), Duration.ofSeconds(5), 2, 3, false),
                pool)) {
            t.addChangeCallback(changes::release);
            assertTrue(t.up(), "starts up without init_fail");
            t.start();
            Files.writeString(status, "1");
            assertTrue(changes.tryAcquire(30, TimeUnit.SECONDS), "goes down");
            assertFalse(t.up());
            assertTrue(runCount(runs) >= 3, "fall 3: at least three failing runs before down, saw " + runCount(runs));
            int before = runCount(runs);
            Files.writeString(status, "0");
            assertTrue(changes.tryAcquire(30, TimeUnit.SECONDS), "comes back up");
            assertTrue(t.up());
            assertTrue(runCount(runs) - before >= 2, "rise 2: two successes needed");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void timeoutIsAFailureAndTheProcessIsKilled() throws Exception {
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1);
        Semaphore changes = new Semaphore(0);
        try (ScriptTracker t = new ScriptTracker(script(List.of("sleep", "30"), Duration.ofMillis(200), 1, 1, false),
                pool)) {
            t.addChangeCallback(changes::release);
            t.start();
            assertTrue(changes.tryAcquire(20, TimeUnit.SECONDS), "a run past its timeout fails");
            assertFalse(t.up());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void initFailStartsDownAndNoShellIsUsed() throws Exception {
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1);
        Semaphore changes = new Semaphore(0);
        Path marker = dir.resolve("made-by-shell");
        // with a shell, "; touch" would run: without one, "true" gets two arguments and succeeds
        try (ScriptTracker t = new ScriptTracker(script(List.of("true", ";", "touch " + marker), Duration.ofSeconds(5),
                1, 1, true), pool)) {
            t.addChangeCallback(changes::release);
            assertFalse(t.up(), "init_fail: down until the first success");
            t.start();
            assertTrue(changes.tryAcquire(20, TimeUnit.SECONDS));
            assertTrue(t.up());
            assertFalse(Files.exists(marker), "no shell interpreted the arguments");
            assertEquals("chk", t.name());
        } finally {
            pool.shutdownNow();
        }
    }

    private static int runCount(Path runs) throws Exception {
        return Files.exists(runs) ? Files.readAllLines(runs).size() : 0;
    }
}
