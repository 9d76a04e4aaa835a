package io.ipvs4j.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ipvs4j.director.check.HttpGetCheck;
import io.ipvs4j.director.keepalived.DesiredState;
import io.ipvs4j.director.keepalived.KeepalivedConfig;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.Scheduler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's parts that need no IPVS: its keepalived.conf and its busybox HTTP client script. */
class LvsDrDemoTest {

    @Test
    void embeddedConfigIsTheSeedsInTheDocumentationRange() throws Exception {
        KeepalivedConfig config = KeepalivedParser.parse(LvsDrDemo.keepalivedConf("eth0", Duration.ofSeconds(1)),
                KeepalivedParser.Mode.STRICT);
        DesiredState d = KeepalivedConverter.toDesiredState(config);
        assertEquals(1, d.staticAddresses().size());
        KeepalivedConfig.StaticAddress vip = d.staticAddresses().get(0);
        assertEquals("192.0.2.100/24 dev eth0 label eth0:1", vip.toString());
        DesiredState.Service s = d.service("TCP 192.0.2.100:80").orElseThrow();
        assertEquals(Scheduler.RR, s.service().scheduler());
        assertEquals(Optional.empty(), s.service().persistence(), "persistence_timeout 0");
        assertEquals(List.of(Endpoint.of("192.0.2.32", 80), Endpoint.of("192.0.2.33", 80)),
                s.realServers().stream().map(b -> b.server().endpoint()).toList());
        for (DesiredState.Backend b : s.realServers()) {
            assertEquals(ForwardingMethod.DIRECT_ROUTE, b.server().forwarding());
            assertEquals(1, b.server().weight());
            assertEquals(1, b.checks().size());
            HttpGetCheck check = (HttpGetCheck) b.checks().get(0).check();
            assertEquals("HTTP_GET " + b.server().endpoint() + "/", check.describe());
            assertEquals(Duration.ofSeconds(1), b.checks().get(0).policy().interval());
            assertEquals(1, b.checks().get(0).policy().retries());
        }
    }

    @Test
    void clientScriptReportsAnswersAndErrors(@TempDir Path dir) throws Exception {
        assumeTrue(LvsDrDemo.hasBusybox(), "needs busybox with httpd and nc");
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for a network namespace");
        String ns = "i4jdemo-test-" + ProcessHandle.current().pid();
        run("ip", "netns", "add", ns);
        Process httpd = null;
        try {
            run("ip", "-n", ns, "link", "set", "lo", "up");
            Files.writeString(dir.resolve("index.html"), "rs9\n");
            httpd = new ProcessBuilder("ip", "netns", "exec", ns, "busybox", "httpd", "-f", "-p", "80", "-h",
                    dir.toString()).redirectErrorStream(true).start();
            String out = "";
            for (int i = 0; i < 50 && !out.startsWith("ANSWER"); i++) {
                Thread.sleep(100);
                out = run("ip", "netns", "exec", ns, "sh", "-c", LvsDrDemo.httpGetScript("127.0.0.1", 1));
            }
            assertEquals("ANSWER rs9\nANSWER rs9\n",
                    run("ip", "netns", "exec", ns, "sh", "-c", LvsDrDemo.httpGetScript("127.0.0.1", 2)));
            String refused = run("ip", "netns", "exec", ns, "sh", "-c", LvsDrDemo.httpGetScript("127.0.0.1", 1)
                    .replace(" 80 ", " 81 "));
            assertTrue(refused.startsWith("ERROR ") && refused.lines().count() == 1, refused);
        } finally {
            if (httpd != null) {
                httpd.descendants().forEach(ProcessHandle::destroyForcibly);   // ip netns exec forks
                httpd.destroyForcibly().waitFor();
            }
            run("ip", "netns", "del", ns);
        }
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }
}
