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
            assertTrue(t.initializing() && !t.up(), "starts in INIT without init_fail");
            t.start();
            assertTrue(changes.tryAcquire(30, TimeUnit.SECONDS), "the first success: up");
            assertTrue(t.up() && !t.initializing());
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

    /** INIT: the first result decides at once, whatever rise and fall (keepalived vrrp_init_script). */
    @Test
    void initStateIsDecidedByTheFirstResult() throws Exception {
        for (boolean succeed : new boolean[] {true, false}) {
            Path runs = dir.resolve("runs-" + succeed);
            Path sh = dir.resolve("chk-" + succeed + ".sh");
            Files.writeString(sh, "#!/bin/sh\necho x >> " + runs + "\nexit " + (succeed ? 0 : 1) + "\n");
            sh.toFile().setExecutable(true);
            ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1);
            Semaphore changes = new Semaphore(0);
            try (ScriptTracker t = new ScriptTracker(script(List.of(sh.toString()), Duration.ofSeconds(5), 5, 5, false),
                    pool)) {
                t.addChangeCallback(changes::release);
                assertTrue(t.initializing());
                assertFalse(t.up(), "INIT is not up");
                assertEquals("chk init", t.toString());
                t.start();
                assertTrue(changes.tryAcquire(30, TimeUnit.SECONDS), "the first result ends INIT");
                assertFalse(t.initializing());
                assertEquals(succeed, t.up(), "one result, not rise 5 / fall 5");
                assertEquals(1, runCount(runs), "decided after one run");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** {@code user nobody [nogroup]}: the script runs with that uid and gid (the test runs as root). */
    @Test
    void userRunsTheScriptAsThatUserAndGroup() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "switching user needs root");
        Path out = Files.createDirectory(dir.resolve("out"));
        out.toFile().setWritable(true, false);
        dir.toFile().setExecutable(true, false);
        Path sh = dir.resolve("ids.sh");
        Files.writeString(sh, "#!/bin/sh\nid -u > " + out + "/ids.$1\nid -g >> " + out + "/ids.$1\n");
        sh.toFile().setExecutable(true, false);
        sh.toFile().setReadable(true, false);
        String nobodyUid = getentField("passwd", "nobody", 2);
        String nobodyGid = getentField("passwd", "nobody", 3);
        String rootGid = "0";
        for (String user : List.of("nobody", "nobody root")) {
            String tag = user.replace(' ', '-');
            ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1);
            Semaphore changes = new Semaphore(0);
            try (ScriptTracker t = new ScriptTracker(new KeepalivedVrrp.Script("chk", List.of(sh.toString(), tag),
                    Duration.ofSeconds(1), Duration.ofSeconds(5), 0, 1, 1, Optional.of(user), false, 1), pool)) {
                t.addChangeCallback(changes::release);
                t.start();
                assertTrue(changes.tryAcquire(30, TimeUnit.SECONDS));
                assertTrue(t.up(), "the script ran as " + user);
                assertEquals(List.of(nobodyUid, user.contains("root") ? rootGid : nobodyGid),
                        Files.readAllLines(out.resolve("ids." + tag)), "uid and gid of the run as '" + user + "'");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void unknownUserOrGroupIsRefusedByName() {
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1);
        try {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new ScriptTracker(new KeepalivedVrrp.Script("chk_x", List.of("true"), Duration.ofSeconds(1),
                            Duration.ofSeconds(5), 0, 1, 1, Optional.of("no-such-user-i4j"), false, 7), pool));
            assertEquals("vrrp_script chk_x (line 7): user 'no-such-user-i4j' is unknown", e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new ScriptTracker(new KeepalivedVrrp.Script("chk_x", List.of("true"), Duration.ofSeconds(1),
                            Duration.ofSeconds(5), 0, 1, 1, Optional.of("nobody no-such-group-i4j"), false, 7), pool));
            assertEquals("vrrp_script chk_x (line 7): group 'no-such-group-i4j' is unknown", e.getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    private static String getentField(String db, String key, int field) throws Exception {
        Process p = new ProcessBuilder("getent", db, key).start();
        String line = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor());
        return line.split(":")[field];
    }

    private static int runCount(Path runs) throws Exception {
        return Files.exists(runs) ? Files.readAllLines(runs).size() : 0;
    }
}
