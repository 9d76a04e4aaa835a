package io.ipvs4j.director.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.keepalived.KeepalivedParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ipvs4j-director -t -f FILE}: the plan, the warnings and the exit status, without IPVS. */
class ConfigCheckTest {
    @TempDir
    Path dir;

    private record Outcome(int status, String out, String err) {
    }

    private Outcome check(String text, KeepalivedParser.Mode mode) throws Exception {
        Path f = dir.resolve("keepalived.conf");
        Files.writeString(f, text);
        return check(f, mode);
    }

    private static Outcome check(Path f, KeepalivedParser.Mode mode) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ConfigCheck.run(f, mode, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aCleanFilePrintsThePlanAndExitsZero() throws Exception {
        Outcome o = check("""
                global_defs { router_id lb1 notification_email { ops@example.org } }
                static_ipaddress { 192.0.2.100/24 dev eth0 label eth0:1 }
                virtual_server 192.0.2.100 80 {
                  protocol TCP
                  lb_algo wrr
                  lb_kind DR
                  persistence_timeout 600
                  persistence_granularity 255.255.255.0
                  real_server 192.0.2.32 80 { weight 3 uthreshold 100 HTTP_GET { url { path /health } } }
                  real_server 192.0.2.33 80 { weight 1 }
                }
                virtual_server fwmark 7 { lb_kind NAT real_server 2001:db8::5 80 { TCP_CHECK { } } }
                """, KeepalivedParser.Mode.LENIENT);
        assertEquals(ConfigCheck.OK, o.status(), o.err());
        List<String> lines = o.out().lines().toList();
        assertEquals("ip addr add 192.0.2.100/24 dev eth0 label eth0:1", lines.get(0));
        assertTrue(lines.get(1).startsWith("-A -t 192.0.2.100:80 -s wrr -p 600 -M 255.255.255.0    # line 3"), lines.get(1));
        assertTrue(lines.get(2).startsWith("-a -t 192.0.2.100:80 -r 192.0.2.32:80 -g -w 3 -x 100    # line 9"),
                lines.get(2));
        assertTrue(lines.get(3).startsWith("#   check HTTP_GET 192.0.2.32:80/health every PT1M, 1 retries PT3S apart"),
                lines.get(3));
        assertTrue(lines.get(4).endsWith("no health check: always in the pool"), lines.get(4));
        assertTrue(lines.get(5).startsWith("-A -f 7 -6 -s wlc"), lines.get(5));
        assertTrue(o.err().contains("2 virtual services, 1 VIPs, 0 warnings"), o.err());
    }

    @Test
    void vrrpInstancesArePrintedWithWhatIsInEffect() throws Exception {
        Outcome o = check(io.ipvs4j.director.keepalived.KeepalivedVrrpParserTest.seed("BACKUP", 500, "192.0.2.100")
                .replace("router_id LVS_BACKUP", "router_id LVS_BACKUP\n lvs_sync_daemon ens33 VI_1"),
                KeepalivedParser.Mode.LENIENT);
        assertEquals(ConfigCheck.WARNINGS, o.status(), o.err());
        assertTrue(o.err().contains("line 9: (VI_1) Priority not valid! must be between 1 & 255. Using default 100"),
                o.err());
        assertTrue(o.out().contains("# vrrp_instance VI_1: BACKUP on ens33 vrid 51 V2 priority 100 advert_int 1.0 s"
                + " auth PASS multicast 224.0.0.18 garp delay 5 s x5    # line 5"), o.out());
        assertTrue(o.out().contains("#   on MASTER: ip addr add 192.0.2.100/24 dev ens33 label ens33:1"), o.out());
        assertTrue(o.out().contains("# lvs_sync_daemon ens33 VI_1 id 51: "), o.out());
        assertTrue(o.err().contains("1 VRRP instances, 1 warnings"), o.err());
    }

    @Test
    void warningsNameFileLineAndConsequenceAndExitThree() throws Exception {
        Outcome o = check("virtual_server 192.0.2.7 443 {\n  lb_algo loadbalance\n  lb_kind DR\n"
                + "  real_server 192.0.2.7 443 { FILE_CHECK { } }\n}\n", KeepalivedParser.Mode.LENIENT);
        assertEquals(ConfigCheck.WARNINGS, o.status());
        Path f = dir.resolve("keepalived.conf");
        assertTrue(o.err().contains(f + ": warning: line 1: no protocol set: keepalived defaults to UDP"), o.err());
        assertTrue(o.err().contains(f + ": warning: line 2: invalid lb_algo 'loadbalance'"), o.err());
        assertTrue(o.err().contains("line 4: FILE_CHECK is not supported by ipvs4j: real server 192.0.2.7:443 would have"
                + " no health check"), o.err());
        assertTrue(o.out().contains("-A -u 192.0.2.7:443 -s wlc"), "what keepalived would program: " + o.out());
    }

    @Test
    void rejectedAndUnreadableFilesHaveTheirOwnStatus() throws Exception {
        Outcome bad = check("virtual_server 192.0.2.1 80 {\n  weight x\n}\n", KeepalivedParser.Mode.LENIENT);
        assertEquals(ConfigCheck.REJECTED, bad.status());
        assertTrue(bad.err().contains("error: line 2"), bad.err());
        assertEquals("", bad.out());
        Outcome strict = check("virtual_server 192.0.2.1 80 { lb_kind NAT }", KeepalivedParser.Mode.STRICT);
        assertEquals(ConfigCheck.REJECTED, strict.status(), "strict: keepalived's fallbacks are errors");
        assertEquals(ConfigCheck.UNREADABLE, check(dir.resolve("missing.conf"), KeepalivedParser.Mode.LENIENT).status());
    }
}
