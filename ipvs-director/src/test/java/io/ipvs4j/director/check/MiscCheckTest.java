package io.ipvs4j.director.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.keepalived.ConfigParseException;
import io.ipvs4j.director.keepalived.DesiredState;
import io.ipvs4j.director.keepalived.KeepalivedConfig;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keepalived's MISC_CHECK with real programs: exit 0, exit 1, dynamic exit codes, too slow, missing, no shell. */
class MiscCheckTest {
    @TempDir
    Path dir;

    private Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    @Test
    void exitStatusDecides() throws Exception {
        Path ok = script("ok", "exit 0");
        Path down = script("down", "exit 1");
        Path five = script("five", "exit 5");
        Duration t = Duration.ofSeconds(20);
        assertTrue(new MiscCheck(List.of(ok.toString()), t, false).check().healthy());
        assertFalse(new MiscCheck(List.of(down.toString()), t, false).check().healthy());
        assertFalse(new MiscCheck(List.of(five.toString()), t, false).check().healthy(), "5 fails without misc_dynamic");
        CheckResult dynamic = new MiscCheck(List.of(five.toString()), t, true).check();
        assertTrue(dynamic.healthy(), dynamic.toString());
        assertTrue(dynamic.detail().contains("weight 3"), dynamic.detail());
        assertFalse(new MiscCheck(List.of(down.toString()), t, true).check().healthy(), "1 always fails");
    }

    @Test
    void argumentsArePassedWithoutAShell() throws Exception {
        Path args = script("args", "[ \"$1\" = 'a;b' ] && [ \"$#\" = 1 ]");
        assertTrue(new MiscCheck(List.of(args.toString(), "a;b"), Duration.ofSeconds(20), false).check().healthy(),
                "';' is an argument, not a shell command separator");
    }

    @Test
    void aSlowProgramIsKilledAndFails() throws Exception {
        Path slow = script("slow", "sleep 30");
        long start = System.nanoTime();
        CheckResult r = new MiscCheck(List.of(slow.toString()), Duration.ofMillis(300), false).check();
        assertFalse(r.healthy());
        assertTrue(r.detail().contains("killed"), r.detail());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(25).toNanos(), "it did not wait for the sleep");
        assertFalse(new MiscCheck(List.of(dir.resolve("missing").toString()), Duration.ofSeconds(5), false).check()
                .healthy());
    }

    @Test
    void fromKeepalivedConf() throws Exception {
        Path ok = script("ok", "exit 0");
        KeepalivedConfig c = KeepalivedParser.parse("virtual_server 192.0.2.1 80 { protocol TCP lb_kind NAT delay_loop 7\n"
                + " real_server 192.0.2.2 80 { MISC_CHECK { misc_path \"" + ok + " --quiet\" } }\n"
                + " real_server 192.0.2.3 80 {\n  MISC_CHECK {\n   misc_path " + ok + "\n   misc_timeout 3\n"
                + "   misc_dynamic\n  }\n }\n}");
        DesiredState d = KeepalivedConverter.toDesiredState(c);
        CheckSpec first = d.services().get(0).realServers().get(0).checks().get(0);
        assertEquals(new MiscCheck(List.of(ok.toString(), "--quiet"), Duration.ofSeconds(7), false), first.check(),
                "the quoted misc_path is split into words; the timeout defaults to the delay_loop");
        assertEquals(0, first.policy().retries(), "MISC_CHECK's default retry is 0 (check_misc.c)");
        assertTrue(first.check().check().healthy());
        CheckSpec second = d.services().get(0).realServers().get(1).checks().get(0);
        assertEquals(new MiscCheck(List.of(ok.toString()), Duration.ofSeconds(3), true), second.check());
        assertTrue(c.warnings().stream().noneMatch(w -> w.message().contains("misc_dynamic")),
                "misc_dynamic weights are applied now: " + c.warnings());
        assertThrows(ConfigParseException.class, () -> KeepalivedParser.parse(
                "virtual_server 192.0.2.1 80 { protocol TCP lb_kind NAT real_server 192.0.2.2 80 { MISC_CHECK { } } }"));
    }
}
