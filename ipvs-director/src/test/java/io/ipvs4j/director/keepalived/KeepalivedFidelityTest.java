package io.ipvs4j.director.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.check.CheckPolicy;
import io.ipvs4j.director.check.CheckSpec;
import io.ipvs4j.director.keepalived.KeepalivedConfig.LbKind;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.Protocol;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What keepalived 2.2 would program, keyword by keyword. Each expectation cites the keepalived
 * source (v2.2.8, keepalived/check/) that decides it.
 */
class KeepalivedFidelityTest {
    @TempDir
    Path dir;

    private static DesiredState desired(String text) throws Exception {
        return KeepalivedConverter.toDesiredState(KeepalivedParser.parse(text));
    }

    private static List<String> messages(KeepalivedConfig c) {
        return c.warnings().stream().map(ConfigWarning::message).toList();
    }

    private static CheckPolicy policy(DesiredState d, int service, int rs, int check) {
        return d.services().get(service).realServers().get(rs).checks().get(check).policy();
    }

    @Test
    void missingProtocolIsUdpWithAWarning() throws Exception {
        // check_data.c validate_check_config: "no protocol set - defaulting to UDP"
        KeepalivedConfig c = KeepalivedParser.parse("virtual_server 192.0.2.1 53 { lb_kind NAT }");
        assertEquals(Protocol.UDP, c.virtualServers().get(0).protocol());
        assertTrue(messages(c).get(0).startsWith("no protocol set: keepalived defaults to UDP"), messages(c).toString());
        assertEquals(ServiceKey.udp("192.0.2.1", 53), desired("virtual_server 192.0.2.1 53 { }").services().get(0)
                .service().key());
        assertEquals(ServiceKey.tcp("192.0.2.1", 53), desired("virtual_server 192.0.2.1 53 { protocol tcp }")
                .services().get(0).service().key(), "strcasecmp: tcp is TCP");
    }

    @Test
    void unknownSchedulerFallsBackToWlc() throws Exception {
        // check_parser.c lbalgo_handler: "Invalid lvs_scheduler ... - ignoring"; then IPVS_DEF_SCHED "wlc"
        for (String algo : List.of("loadbalance", "RR", "wrrr")) {
            KeepalivedConfig c = KeepalivedParser.parse("virtual_server 192.0.2.1 80 { protocol TCP lb_algo " + algo + " }");
            assertTrue(messages(c).get(0).startsWith("invalid lb_algo '" + algo + "'"), messages(c).toString());
            assertTrue(messages(c).get(0).contains("wlc"));
            assertEquals(Scheduler.WLC, KeepalivedConverter.toDesiredState(c).services().get(0).service().scheduler());
        }
        assertEquals(Scheduler.of("twos"), desired("virtual_server 192.0.2.1 80 { protocol TCP lb_algo twos }")
                .services().get(0).service().scheduler(), "every scheduler keepalived 2.2 knows");
        assertThrows(ConfigParseException.class, () -> KeepalivedParser.parse(
                "virtual_server 192.0.2.1 80 { protocol TCP lb_algo loadbalance }", KeepalivedParser.Mode.STRICT));
    }

    @Test
    void lbKindIsExactAndDefaultsToNat() throws Exception {
        // check_parser.c svr_forwarding_handler: strcmp with "NAT", "DR", "TUN"; else ignored
        KeepalivedConfig lower = KeepalivedParser.parse(
                "virtual_server 192.0.2.1 80 { protocol TCP lb_kind dr real_server 192.0.2.2 80 { } }");
        assertEquals(LbKind.NAT, lower.virtualServers().get(0).lbKind());
        assertTrue(messages(lower).get(0).startsWith("unknown lb_kind 'dr'"), messages(lower).toString());
        assertTrue(messages(lower).get(1).startsWith("no lb_kind/lvs_method set"), messages(lower).toString());
        KeepalivedConfig alias = KeepalivedParser.parse(
                "virtual_server 192.0.2.1 80 { protocol TCP lvs_method DR real_server 192.0.2.2 80 { lvs_method TUN } }");
        assertEquals(List.of(), alias.warnings());
        assertEquals(LbKind.DR, alias.virtualServers().get(0).lbKind());
        assertEquals(Optional.of(LbKind.TUN), alias.virtualServers().get(0).realServers().get(0).lbKind());
    }

    @Test
    void checkerTimingsAreInheritedFromRealAndVirtualServer() throws Exception {
        // check_data.c: checker <- real server <- virtual server <- checker default;
        // check_http.c: HTTP_GET default_delay_before_retry 3 s; check_api.c: others 1 s, retry 1
        DesiredState d = desired("""
                virtual_server 192.0.2.1 80 {
                  protocol TCP
                  lb_kind NAT
                  delay_loop 10
                  retry 4
                  connect_timeout 7
                  real_server 192.0.2.2 80 {
                    delay_before_retry 2
                    HTTP_GET { url { path / } }
                    TCP_CHECK { retry 0 }
                  }
                  real_server 192.0.2.3 80 {
                    HTTP_GET { url { path / } }
                    TCP_CHECK { }
                  }
                }
                virtual_server 192.0.2.1 81 {
                  protocol TCP
                  lb_kind NAT
                  real_server 192.0.2.2 81 { HTTP_GET { url { path / } } TCP_CHECK { } }
                }
                """);
        assertEquals(new CheckPolicy(Duration.ofSeconds(10), 4, Duration.ofSeconds(2)).withWarmup(Duration.ofSeconds(10)), policy(d, 0, 0, 0));
        assertEquals(new CheckPolicy(Duration.ofSeconds(10), 0, Duration.ofSeconds(2)).withWarmup(Duration.ofSeconds(10)), policy(d, 0, 0, 1));
        assertEquals(new CheckPolicy(Duration.ofSeconds(10), 4, Duration.ofSeconds(3)).withWarmup(Duration.ofSeconds(10)), policy(d, 0, 1, 0));
        assertEquals(new CheckPolicy(Duration.ofSeconds(10), 4, Duration.ofSeconds(1)).withWarmup(Duration.ofSeconds(10)), policy(d, 0, 1, 1));
        assertEquals(new CheckPolicy(Duration.ofSeconds(60), 1, Duration.ofSeconds(3)).withWarmup(Duration.ofSeconds(60)), policy(d, 1, 0, 0),
                "keepalived's defaults: delay_loop 60, retry 1, HTTP_GET 3 s apart, warmup the delay_loop");
        assertEquals(new CheckPolicy(Duration.ofSeconds(60), 1, Duration.ofSeconds(1)).withWarmup(Duration.ofSeconds(60)), policy(d, 1, 0, 1));
        KeepalivedConfig c = KeepalivedParser.parse("virtual_server 192.0.2.1 80 { protocol TCP lb_kind NAT"
                + " connect_timeout 7 real_server 192.0.2.2 80 { TCP_CHECK { } } }");
        assertEquals(Duration.ofSeconds(7), c.virtualServers().get(0).realServers().get(0).checkers().get(0).options()
                .connectTimeout());
    }

    @Test
    void everyVirtualServerGroupForm() throws Exception {
        // check_data.c alloc_vsg_entry: IP, IP-LAST (v4 decimal, v6 hex), IP-IP, IP/PREFIX, fwmark N [inet|inet6]
        KeepalivedConfig c = KeepalivedParser.parse("""
                virtual_server_group G {
                  192.0.2.10-11 80
                  2001:db8::a-b 80
                  198.51.100.254-198.51.101.1 443
                  203.0.113.8/30 25
                  2001:db8:1::/127 53
                  fwmark 5 inet6
                }
                """);
        assertEquals(List.of(), c.warnings());
        List<String> members = c.group("G").orElseThrow().members().stream().map(Object::toString).toList();
        assertEquals(List.of("192.0.2.10:80", "192.0.2.11:80", "[2001:db8::a]:80", "[2001:db8::b]:80",
                "198.51.100.254:443", "198.51.100.255:443", "198.51.101.0:443", "198.51.101.1:443",
                "203.0.113.8:25", "203.0.113.9:25", "203.0.113.10:25", "203.0.113.11:25",
                "[2001:db8:1::]:53", "[2001:db8:1::1]:53", "fwmark 5"), members);

        // entries keepalived skips ("skipping") are skipped with a warning, the rest of the file loads
        KeepalivedConfig bad = KeepalivedParser.parse("virtual_server_group G {\n 192.0.2.9/24 80\n 192.0.2.20-10 80\n"
                + " 192.0.2.1 80\n}");
        assertEquals(List.of("192.0.2.1:80"), bad.group("G").orElseThrow().members().stream().map(Object::toString).toList());
        assertTrue(messages(bad).get(0).contains("mask bits not empty"), messages(bad).toString());
        assertTrue(messages(bad).get(1).contains("not greater than the start"), messages(bad).toString());
        assertEquals(2, bad.warnings().get(0).line());
    }

    @Test
    void virtualServerWithoutAPortIsPersistent() throws Exception {
        // check_data.c: "zero port only valid for persistent services - setting" (IPVS_SVC_PERSISTENT_TIMEOUT 360)
        KeepalivedConfig c = KeepalivedParser.parse(
                "virtual_server 192.0.2.1 { protocol TCP lb_kind DR real_server 192.0.2.2 { } }");
        assertTrue(messages(c).get(0).contains("persistence_timeout 360"), messages(c).toString());
        DesiredState.Service s = KeepalivedConverter.toDesiredState(c).services().get(0);
        assertEquals(ServiceKey.tcp("192.0.2.1", 0), s.service().key());
        assertEquals(Duration.ofSeconds(360), s.service().persistence().orElseThrow().timeout());
        assertEquals(Endpoint.of("192.0.2.2", 0), s.realServers().get(0).server().endpoint());
        assertEquals(List.of(), KeepalivedParser.parse(
                "virtual_server 192.0.2.1 { protocol TCP lb_kind DR persistence_timeout 50 }").warnings());
    }

    @Test
    void duplicatesAsKeepalivedTreatsThem() throws Exception {
        // check_data.c: "real server ... is duplicated - removing second rs"
        KeepalivedConfig c = KeepalivedParser.parse("""
                virtual_server 192.0.2.1 80 {
                  protocol TCP
                  lb_kind NAT
                  real_server 192.0.2.2 80 { weight 1 }
                  real_server 192.0.2.2 80 { weight 9 }
                }
                virtual_server 192.0.2.1 80 { protocol TCP lb_kind NAT }
                """);
        assertEquals(1, c.virtualServers().size(), "the second add of the same service fails in keepalived");
        assertEquals(1, c.virtualServers().get(0).realServers().size());
        assertEquals(1, c.virtualServers().get(0).realServers().get(0).weight(), "the first one stays");
        assertTrue(messages(c).get(0).contains("real server 192.0.2.2:80 is duplicated"), messages(c).toString());
        assertEquals(5, c.warnings().get(0).line());
        assertTrue(messages(c).get(1).contains("is defined again (first at line 1)"), messages(c).toString());
    }

    @Test
    void netNamespaceIsRead() throws Exception {
        KeepalivedConfig c = KeepalivedParser.parse("global_defs {\n net_namespace lb\n router_id x\n}");
        assertEquals(Optional.of("lb"), c.netNamespace());
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void globalDefsOutsideLoadBalancingAreAcceptedEvenInStrictMode() throws Exception {
        String text = """
                global_defs {
                   notification_email { admin@example.org ops@example.org }
                   notification_email_from lb@example.org
                   smtp_server 192.0.2.25
                   smtp_connect_timeout 30
                   router_id LVS_DEVEL
                   vrrp_skip_check_adv_addr
                   vrrp_garp_interval 0
                   enable_script_security
                   script_user root
                }
                virtual_server 192.0.2.1 80 { protocol TCP lb_kind DR lb_algo rr smtp_alert
                  real_server 192.0.2.2 80 { weight 1 smtp_alert TCP_CHECK { connect_timeout 3 } }
                }
                """;
        assertEquals(List.of(), KeepalivedParser.parse(text, KeepalivedParser.Mode.STRICT).warnings());
        ConfigParseException e = assertThrows(ConfigParseException.class, () -> KeepalivedParser.parse(
                "global_defs {\n lvs_sync_daemon eth0 VI_1\n}", KeepalivedParser.Mode.STRICT));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("lvs_sync_daemon"), e.getMessage());
    }

    @Test
    void unsupportedCheckersSayWhatFollowsAndStrictModeRefusesThem() throws Exception {
        String text = """
                virtual_server 192.0.2.1 443 {
                  protocol TCP
                  lb_kind NAT
                  real_server 192.0.2.7 443 { FILE_CHECK { track_file f } }
                  real_server 192.0.2.8 443 { BFD_CHECK { name b } TCP_CHECK { } }
                }
                """;
        KeepalivedConfig c = KeepalivedParser.parse(text);
        assertEquals(List.of("FILE_CHECK is not supported by ipvs4j: real server 192.0.2.7:443 would have no health check:"
                + " it is always in the pool", "BFD_CHECK is not supported by ipvs4j: real server 192.0.2.8:443 is"
                + " checked by its other checkers only"), messages(c));
        assertEquals(4, c.warnings().get(0).line());
        ConfigParseException e = assertThrows(ConfigParseException.class,
                () -> KeepalivedParser.parse(text, KeepalivedParser.Mode.STRICT));
        assertEquals(4, e.line());
        assertTrue(e.getMessage().contains("would have no health check"), e.getMessage());
    }

    @Test
    void includeWithGlobsInNameOrder() throws Exception {
        Path conf = dir.resolve("keepalived.conf");
        Path d = Files.createDirectory(dir.resolve("conf.d"));
        Files.writeString(d.resolve("20-b.conf"), "virtual_server 192.0.2.2 80 { protocol TCP lb_kind NAT }\n");
        Files.writeString(d.resolve("10-a.conf"), "virtual_server 192.0.2.1 80 { protocol TCP lb_kind NAT }\n");
        Files.writeString(d.resolve("ignored.txt"), "this is not included");
        Files.writeString(conf, "global_defs { router_id x }\ninclude conf.d/*.conf\ninclude missing/none.conf\n");
        KeepalivedConfig c = KeepalivedParser.parse(conf);
        assertEquals(List.of("192.0.2.1:80", "192.0.2.2:80"),
                c.virtualServers().stream().map(v -> v.address().toString()).toList());
        assertEquals(List.of("include 'missing/none.conf' matches no file (nothing included)"), messages(c));

        Files.writeString(d.resolve("30-bad.conf"), "\n\nvirtual_server 192.0.2.3 80 { weight x }\n");
        ConfigParseException e = assertThrows(ConfigParseException.class, () -> KeepalivedParser.parse(conf));
        assertTrue(e.getMessage().startsWith(d.resolve("30-bad.conf") + ": line 3"), e.getMessage());
    }

    @Test
    void anyBytesInCommentsAndAByteOrderMark() throws Exception {
        Path f = dir.resolve("latin1.conf");
        byte[] text = ("# r\u00e9partiteur de charge \u00a9 2024\nvirtual_server 192.0.2.1 80 { protocol TCP lb_kind NAT }\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        Files.write(f, text);
        assertEquals(1, KeepalivedParser.parse(f).virtualServers().size(), "an ISO-8859-1 comment is a comment");

        Path bom = dir.resolve("bom.conf");
        byte[] body = "virtual_server 192.0.2.1 80 { protocol TCP lb_kind NAT }\n".getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[body.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(body, 0, withBom, 3, body.length);
        Files.write(bom, withBom);
        assertEquals(List.of(), KeepalivedParser.parse(bom, KeepalivedParser.Mode.STRICT).warnings());
        assertEquals(1, KeepalivedParser.parse("\uFEFF" + new String(body, StandardCharsets.UTF_8)).virtualServers().size());
    }

    @Test
    void virtualHostFromTheRealServer() throws Exception {
        DesiredState d = desired("virtual_server 192.0.2.1 80 { protocol TCP lb_kind NAT virtualhost vs.example.org\n"
                + " real_server 192.0.2.2 80 { virtualhost rs.example.org HTTP_GET { url { path / } } }\n"
                + " real_server 192.0.2.3 80 { HTTP_GET { url { path / } } } }");
        CheckSpec rs = d.services().get(0).realServers().get(0).checks().get(0);
        CheckSpec vs = d.services().get(0).realServers().get(1).checks().get(0);
        assertEquals(Optional.of("rs.example.org"), ((io.ipvs4j.director.check.HttpGetCheck) rs.check()).virtualHost());
        assertEquals(Optional.of("vs.example.org"), ((io.ipvs4j.director.check.HttpGetCheck) vs.check()).virtualHost());
    }

    @Test
    void smtpDnsUdpAndPingChecksWithKeepalivedDefaultsAndInheritance() throws Exception {
        // check_smtp.c, check_dns.c, check_udp.c, check_ping.c; inheritance as check_data.c
        String text = """
                virtual_server 192.0.2.1 53 {
                  protocol UDP
                  lb_kind NAT
                  delay_loop 8
                  retry 2
                  connect_timeout 4
                  real_server 192.0.2.2 53 {
                    DNS_CHECK { type a name www.example.org }
                    UDP_CHECK {
                      payload 4f 50 54
                      require_reply 53 49 5x
                      max_reply_length 100
                    }
                  }
                  real_server 192.0.2.3 53 {
                    delay_before_retry 5
                    warmup 2
                    PING_CHECK { }
                    DNS_CHECK { }
                  }
                }
                virtual_server 192.0.2.1 25 {
                  protocol TCP
                  lb_kind NAT
                  real_server 192.0.2.4 25 {
                    SMTP_CHECK {
                      helo_name lb1.example.org
                      host { connect_ip 192.0.2.5 connect_port 2525 }
                      host { connect_ip 192.0.2.6 }
                    }
                  }
                  real_server 192.0.2.7 25 { SMTP_CHECK { } }
                  real_server 192.0.2.8 25 { DNS_CHECK { retry 1 } }
                }
                """;
        KeepalivedConfig c = KeepalivedParser.parse(text);
        assertEquals(List.of(), c.warnings(), "all four checkers are supported now");
        DesiredState d = KeepalivedConverter.toDesiredState(c, (t, s, timeout) ->
                java.util.concurrent.CompletableFuture.completedFuture(Duration.ZERO));
        io.ipvs4j.director.check.DnsCheck dns = (io.ipvs4j.director.check.DnsCheck) spec(d, 0, 0, 0).check();
        assertEquals("A", dns.type());
        assertEquals("www.example.org", dns.name());
        assertEquals(new CheckPolicy(Duration.ofSeconds(8), 2, Duration.ofSeconds(8)).withWarmup(Duration.ofSeconds(8)),
                spec(d, 0, 0, 0).policy(), "retry from the virtual server; DNS delay_before_retry is the delay_loop");
        io.ipvs4j.director.check.UdpCheck udp = (io.ipvs4j.director.check.UdpCheck) spec(d, 0, 0, 1).check();
        assertTrue(udp.requireReply());
        assertTrue(udp.toString().contains("payload 3 bytes require_reply reply 53495x connect_timeout PT4S"), udp.toString());
        assertEquals(new CheckPolicy(Duration.ofSeconds(8), 2, Duration.ofSeconds(1)).withWarmup(Duration.ofSeconds(8)),
                spec(d, 0, 0, 1).policy());
        io.ipvs4j.director.check.PingCheck ping = (io.ipvs4j.director.check.PingCheck) spec(d, 0, 1, 0).check();
        assertEquals(java.net.InetAddress.getByName("192.0.2.3"), ping.target());
        assertEquals(Duration.ofSeconds(4), ping.timeout(), "connect_timeout from the virtual server");
        assertEquals(new CheckPolicy(Duration.ofSeconds(8), 2, Duration.ofSeconds(5)).withWarmup(Duration.ofSeconds(2)),
                spec(d, 0, 1, 0).policy(), "delay_before_retry and warmup from the real server");
        assertEquals(new CheckPolicy(Duration.ofSeconds(8), 2, Duration.ofSeconds(5)).withWarmup(Duration.ofSeconds(2)),
                spec(d, 0, 1, 1).policy());
        // SMTP host blocks: one checker each, the main block only holds them (smtp_check_end_handler)
        List<CheckSpec> smtp = d.services().get(1).realServers().get(0).checks();
        assertEquals(2, smtp.size());
        io.ipvs4j.director.check.SmtpCheck h1 = (io.ipvs4j.director.check.SmtpCheck) smtp.get(0).check();
        io.ipvs4j.director.check.SmtpCheck h2 = (io.ipvs4j.director.check.SmtpCheck) smtp.get(1).check();
        assertEquals(new java.net.InetSocketAddress("192.0.2.5", 2525), h1.target());
        assertEquals(new java.net.InetSocketAddress("192.0.2.6", 25), h2.target());
        assertEquals("lb1.example.org", h2.heloName());
        io.ipvs4j.director.check.SmtpCheck plain =
                (io.ipvs4j.director.check.SmtpCheck) spec(d, 1, 1, 0).check();
        assertEquals("smtpchecker.keepalived.org", plain.heloName());
        assertEquals(new CheckPolicy(Duration.ofSeconds(60), 1, Duration.ofSeconds(1)).withWarmup(Duration.ofSeconds(60)),
                spec(d, 1, 1, 0).policy(), "keepalived's defaults");
        assertEquals(1, spec(d, 1, 2, 0).policy().retries());
        assertEquals(3, KeepalivedConverter.toDesiredState(KeepalivedParser.parse(
                "virtual_server 192.0.2.1 53 { protocol UDP lb_kind NAT real_server 192.0.2.2 53 { DNS_CHECK { } } }"))
                .services().get(0).realServers().get(0).checks().get(0).policy().retries(), "DNS_DEFAULT_RETRY 3");
    }

    @Test
    void badValuesInTheNewCheckersAreKeepalivedsFallbacksOrErrors() throws Exception {
        KeepalivedConfig c = KeepalivedParser.parse("""
                virtual_server 192.0.2.1 53 {
                  protocol UDP
                  lb_kind NAT
                  real_server 192.0.2.2 53 {
                    DNS_CHECK {
                      type PTR
                      name a..b
                    }
                  }
                }
                """);
        assertEquals(2, c.warnings().size(), c.warnings().toString());
        assertEquals(6, c.warnings().get(0).line());
        assertTrue(c.warnings().get(0).message().contains("unknown DNS_CHECK type 'PTR'"), c.warnings().toString());
        assertTrue(c.warnings().get(1).message().contains("queries the root"), c.warnings().toString());
        ConfigParseException e = assertThrows(ConfigParseException.class, () -> KeepalivedParser.parse(
                "virtual_server 192.0.2.1 53 { protocol UDP lb_kind NAT real_server 192.0.2.2 53 {\n"
                        + " UDP_CHECK {\n  payload 4g\n }\n} }"));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("payload"), e.getMessage());
        assertThrows(ConfigParseException.class, () -> KeepalivedParser.parse(
                "virtual_server 192.0.2.1 53 { protocol UDP lb_kind NAT real_server 192.0.2.2 53 {\n notify_up\n} }"));
        assertThrows(ConfigParseException.class, () -> KeepalivedParser.parse("""
                virtual_server 192.0.2.1 53 {
                  protocol UDP
                  lb_kind NAT
                  real_server 192.0.2.2 53 { DNS_CHECK { type PTR } }
                }
                """, KeepalivedParser.Mode.STRICT), "strict: a fallback changes behaviour");
    }

    private static CheckSpec spec(DesiredState d, int service, int rs, int check) {
        return d.services().get(service).realServers().get(rs).checks().get(check);
    }
}
