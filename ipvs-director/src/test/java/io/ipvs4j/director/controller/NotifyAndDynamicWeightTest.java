package io.ipvs4j.director.controller;

import static io.ipvs4j.director.controller.TestBackends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.keepalived.DesiredState;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.testing.InMemoryIpvs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** notify_up / notify_down run on transitions; misc_dynamic exit statuses set the weight in the table. */
class NotifyAndDynamicWeightTest {
    @TempDir
    Path dir;

    private Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private static List<String> awaitLines(Path file, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (lines.size() >= n) {
                    return lines;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("fewer than " + n + " lines in " + file + ": "
                + (Files.exists(file) ? Files.readAllLines(file) : "no file"));
    }

    @Test
    void notifyScriptsRunWithTheirWordsOnEachTransition() throws Exception {
        Path log = dir.resolve("notified");
        // the words after the program are its arguments; keepalived adds none of its own
        Path mark = script("mark", "echo \"$# $*\" >> " + log);
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends()) {
            String conf = "virtual_server 192.0.2.100 80 {\n delay_loop 0.05\n lb_kind NAT\n protocol TCP\n"
                    + " real_server 127.0.0.1 " + rs.a.port() + " {\n  weight 2\n"
                    + "  notify_up \"" + mark + " up a\"\n  notify_down " + mark + " down\n"
                    + "  HTTP_GET { url { path /health status_code 200 } connect_timeout 1 retry 0 }\n }\n}\n";
            DesiredState d = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(conf));
            assertEquals(List.of(mark.toString(), "up", "a"), d.services().get(0).realServers().get(0).notifyUp());
            try (LvsController c = LvsController.builder(ipvs, d).debounce(Duration.ofMillis(20)).build()) {
                c.start();
                rs.a.status.set(503);
                await(ipvs, w -> w.isEmpty(), "a removed");
                assertEquals(List.of("1 down"), awaitLines(log, 1), "notify_down ran once it went down");
                rs.a.status.set(200);
                await(ipvs, w -> w.size() == 1, "a back");
                assertEquals(List.of("1 down", "2 up a"), awaitLines(log, 2));
            }
        }
    }

    @Test
    void miscDynamicExitStatusSetsTheWeight() throws Exception {
        Path code = dir.resolve("code");
        Files.writeString(code, "0");
        Path check = script("check", "exit $(cat " + code + ")");
        InMemoryIpvs ipvs = new InMemoryIpvs();
        String conf = "virtual_server 192.0.2.100 80 {\n delay_loop 0.05\n lb_kind NAT\n protocol TCP\n"
                + " real_server 127.0.0.1 8080 {\n  weight 3\n"
                + "  MISC_CHECK {\n   misc_path " + check + "\n   misc_dynamic\n   misc_timeout 2\n  }\n }\n}\n";
        DesiredState d = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(conf));
        String rs = "127.0.0.1:8080";
        try (LvsController c = LvsController.builder(ipvs, d).debounce(Duration.ofMillis(20)).build()) {
            c.start();
            assertEquals(Map.of(rs, 3), await(ipvs, w -> w.size() == 1, "in the table"), "exit 0: configured weight");
            Files.writeString(code, "7");
            assertEquals(Map.of(rs, 5), await(ipvs, w -> Integer.valueOf(5).equals(w.get(rs)), "weight 5"),
                    "exit 7: weight 7 - 2");
            Files.writeString(code, "2");
            assertEquals(Map.of(rs, 0), await(ipvs, w -> Integer.valueOf(0).equals(w.get(rs)), "weight 0"),
                    "exit 2: weight 0, still in the table");
            Files.writeString(code, "1");
            assertTrue(await(ipvs, Map::isEmpty, "removed").isEmpty(), "exit 1 fails");
            Files.writeString(code, "0");
            assertEquals(Map.of(rs, 3), await(ipvs, w -> w.size() == 1, "back"),
                    "exit 0 again: the configured weight, not the last dynamic one");
        }
    }
}
