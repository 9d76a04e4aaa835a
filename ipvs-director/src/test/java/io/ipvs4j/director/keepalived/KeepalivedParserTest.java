package io.ipvs4j.director.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.keepalived.KeepalivedConfig.FwMark;
import io.ipvs4j.director.keepalived.KeepalivedConfig.HttpGet;
import io.ipvs4j.director.keepalived.KeepalivedConfig.Inet;
import io.ipvs4j.director.keepalived.KeepalivedConfig.LbKind;
import io.ipvs4j.director.keepalived.KeepalivedConfig.RealServer;
import io.ipvs4j.director.keepalived.KeepalivedConfig.TcpCheck;
import io.ipvs4j.director.keepalived.KeepalivedConfig.VirtualServer;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.Protocol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeepalivedParserTest {

    /** The seed deployment's keepalived.conf, exactly as the issue gives it. */
    static final String SEED = """
            global_defs { router_id LVS_DEVEL }
            static_ipaddress { 192.168.159.100/24 dev eth0 label eth0:1 }
            virtual_server 192.168.159.100 80 {
                delay_loop 6
                lb_algo rr
                lb_kind DR
                persistence_timeout 0
                protocol TCP
                real_server 192.168.159.32 80 {
                    weight 1
                    HTTP_GET {
                        url { path / status_code 200 }
                        connect_timeout 3
                        nb_get_retry 3
                        delay_before_retry 3
                    }
                }
                real_server 192.168.159.33 80 {
                    weight 1
                    HTTP_GET { url { path / status_code 200 } connect_timeout 3 nb_get_retry 3 delay_before_retry 3 }
                }
            }
            """;

    static String oneLine(String text) {
        return text.replaceAll("\\s*\\n\\s*", " ").strip();
    }

    @Test
    void seedConfigLoads() throws Exception {
        KeepalivedConfig c = KeepalivedParser.parse(SEED);
        assertEquals(Optional.of("LVS_DEVEL"), c.routerId());
        assertEquals(List.of(), c.warnings());

        assertEquals(1, c.staticAddresses().size());
        KeepalivedConfig.StaticAddress a = c.staticAddresses().get(0);
        assertEquals(InetAddresses.parse("192.168.159.100"), a.address());
        assertEquals(24, a.prefixLength());
        assertEquals(Optional.of("eth0"), a.device());
        assertEquals(Optional.of("eth0:1"), a.label());
        assertEquals(2, a.line());

        assertEquals(1, c.virtualServers().size());
        VirtualServer vs = c.virtualServers().get(0);
        assertEquals(new Inet(InetAddresses.parse("192.168.159.100"), 80), vs.address());
        assertEquals(3, vs.line());
        assertEquals(Duration.ofSeconds(6), vs.delayLoop());
        assertEquals(Optional.of("rr"), vs.scheduler());
        assertEquals(LbKind.DR, vs.lbKind());
        assertEquals(Optional.empty(), vs.persistenceTimeout(), "persistence_timeout 0 means not persistent");
        assertEquals(Protocol.TCP, vs.protocol());
        assertFalse(vs.alpha());

        assertEquals(2, vs.realServers().size());
        for (int i = 0; i < 2; i++) {
            RealServer rs = vs.realServers().get(i);
            assertEquals(InetAddresses.parse("192.168.159." + (32 + i)), rs.address());
            assertEquals(80, rs.port());
            assertEquals(1, rs.weight());
            assertEquals(1, rs.checkers().size());
            HttpGet http = (HttpGet) rs.checkers().get(0);
            assertEquals(1, http.urls().size());
            assertEquals("/", http.urls().get(0).path());
            assertEquals(Set.of(200), http.urls().get(0).statusCodes());
            assertEquals(Duration.ofSeconds(3), http.options().connectTimeout());
            assertEquals(3, http.options().retries());
            assertEquals(Duration.ofSeconds(3), http.options().delayBeforeRetry());
            assertEquals(Duration.ofSeconds(6), http.options().delayLoop(), "inherits the virtual server's delay_loop");
        }
        assertEquals(9, vs.realServers().get(0).line());
        assertEquals(18, vs.realServers().get(1).line());
    }

    @Test
    void seedConfigOnOneLineLoadsTheSame() throws Exception {
        String line = oneLine(SEED);
        assertFalse(line.contains("\n"));
        KeepalivedConfig multi = KeepalivedParser.parse(SEED);
        KeepalivedConfig one = KeepalivedParser.parse(line);
        assertEquals(List.of(), one.warnings());
        assertEquals(KeepalivedConverter.toDesiredState(multi).services().stream().map(s -> s.service()).toList(),
                KeepalivedConverter.toDesiredState(one).services().stream().map(s -> s.service()).toList());
        VirtualServer a = multi.virtualServers().get(0);
        VirtualServer b = one.virtualServers().get(0);
        assertEquals(a.realServers().size(), b.realServers().size());
        for (int i = 0; i < a.realServers().size(); i++) {
            RealServer x = a.realServers().get(i);
            RealServer y = b.realServers().get(i);
            assertEquals(x.address(), y.address());
            assertEquals(x.weight(), y.weight());
            assertEquals(x.checkers().get(0).options(), y.checkers().get(0).options());
            assertEquals(((HttpGet) x.checkers().get(0)).urls().get(0).statusCodes(),
                    ((HttpGet) y.checkers().get(0)).urls().get(0).statusCodes());
        }
        assertEquals(1, b.line());
    }

    @Test
    void gluedBracesCommentsAndQuotes() throws Exception {
        String text = """
                # a comment
                ! another comment
                virtual_server 10.0.0.1 8080{ lb_algo wrr   # trailing comment
                  real_server 10.0.0.2 8080{weight 3 HTTP_GET{url{path "/health?x=1#{y}" status_code 200-204 301}}}
                  real_server 10.0.0.3 8080 {
                    TCP_CHECK { connect_timeout 0.25 }
                  }
                }
                """;
        KeepalivedConfig c = KeepalivedParser.parse(text);
        // keepalived reports a missing protocol and lb_kind and falls back to UDP and NAT
        assertEquals(List.of("no protocol set", "no lb_kind/lvs_method set"),
                c.warnings().stream().map(w -> w.message().replaceAll(":.*", "")).toList());
        VirtualServer vs = c.virtualServers().get(0);
        assertEquals(Optional.of("wrr"), vs.scheduler());
        assertEquals(LbKind.NAT, vs.lbKind(), "keepalived's default");
        assertEquals(Protocol.UDP, vs.protocol(), "keepalived's default (the kernel's)");
        RealServer rs = vs.realServers().get(0);
        assertEquals(3, rs.weight());
        KeepalivedConfig.Url url = ((HttpGet) rs.checkers().get(0)).urls().get(0);
        assertEquals("/health?x=1#{y}", url.path(), "quoted: # and braces are part of the value");
        assertEquals(Set.of(200, 201, 202, 203, 204, 301), url.statusCodes());
        TcpCheck tcp = (TcpCheck) vs.realServers().get(1).checkers().get(0);
        assertEquals(Duration.ofMillis(250), tcp.options().connectTimeout());
        assertEquals(Duration.ofSeconds(60), tcp.options().delayLoop(), "keepalived's default delay_loop");
    }

    @Test
    void oldAndNewKeywordSpellingsMeanTheSame() throws Exception {
        String old = """
                virtual_server 192.0.2.1 80 {
                  lb_algo sh
                  lb_kind TUN
                  real_server 192.0.2.10 80 { HTTP_GET { url { path /x } nb_get_retry 4 } }
                }
                """;
        String modern = old.replace("lb_algo", "lvs_sched").replace("lb_kind", "lvs_method")
                .replace("nb_get_retry", "retry");
        assertFalse(modern.contains("lb_algo") || modern.contains("lb_kind") || modern.contains("nb_get_retry"));
        VirtualServer a = KeepalivedParser.parse(old).virtualServers().get(0);
        VirtualServer b = KeepalivedParser.parse(modern).virtualServers().get(0);
        assertEquals(Optional.of("sh"), b.scheduler());
        assertEquals(LbKind.TUN, b.lbKind());
        assertEquals(4, b.realServers().get(0).checkers().get(0).options().retries());
        assertEquals(a, b);
    }

    @Test
    void unsupportedBlocksAndKeywordsAreReportedByNameAndLine() throws Exception {
        String text = """
                global_defs {
                   router_id LB1
                   notification_email { admin@example.org }
                }
                vrrp_track_process VP_1 {
                    process haproxy
                    weight 10
                    quorum 1
                }
                virtual_server 192.168.159.100 80 {
                    lb_algo rr
                    lb_kind DR
                    protocol TCP
                    ha_suspend
                    real_server 192.168.159.32 80 {
                        FILE_CHECK { retry 2 }
                        notify_down /bin/true
                    }
                }
                """;
        KeepalivedConfig c = KeepalivedParser.parse(text);
        assertEquals(Optional.of("LB1"), c.routerId());
        List<ConfigWarning> w = c.warnings();
        // global_defs mail settings do not concern load balancing: accepted without a warning
        assertEquals(3, w.size(), w.toString());
        assertEquals("vrrp_track_process", w.get(0).keyword());
        assertEquals(5, w.get(0).line());
        assertEquals(1, w.get(0).column());
        assertTrue(w.get(0).message().contains("vrrp_track_process VP_1"), w.get(0).message());
        assertTrue(w.get(0).toString().startsWith("line 5: unsupported block 'vrrp_track_process VP_1'"), w.get(0).toString());
        assertEquals("ha_suspend", w.get(1).keyword());
        assertEquals(14, w.get(1).line());
        // the consequence of an unsupported checker is said, once the real server is complete
        assertEquals("FILE_CHECK", w.get(2).keyword());
        assertEquals(16, w.get(2).line());
        assertTrue(w.get(2).message().contains("real server 192.168.159.32:80 would have no health check"),
                w.get(2).message());
        assertEquals(List.of("/bin/true"), c.virtualServers().get(0).realServers().get(0).notifyDown(),
                "notify_down is run now");
        // what follows the skipped parts still loads
        assertEquals(1, c.virtualServers().get(0).realServers().size());
        assertEquals(List.of(), c.virtualServers().get(0).realServers().get(0).checkers());
    }

    @Test
    void unsupportedBlockOnOneLineDoesNotSwallowTheRest() throws Exception {
        String text = "garp_group { garp_interval 0.001 interfaces { eth0 eth1 } } " + oneLine(SEED);
        KeepalivedConfig c = KeepalivedParser.parse(text);
        assertEquals(1, c.warnings().size());
        assertEquals("garp_group", c.warnings().get(0).keyword());
        assertEquals(2, c.virtualServers().get(0).realServers().size());
    }

    @Test
    void strictModeRejectsUnsupportedParts() {
        String text = "\n\nvrrp_track_process VP_1 {\n process haproxy\n}\n" + SEED;
        ConfigParseException e = assertThrows(ConfigParseException.class,
                () -> KeepalivedParser.parse(text, KeepalivedParser.Mode.STRICT));
        assertEquals(3, e.line());
        assertEquals("vrrp_track_process", e.token());
        assertTrue(e.getMessage().contains("vrrp_track_process VP_1"), e.getMessage());
    }

    @Test
    void groupsFwmarkAndManyOptions() throws Exception {
        String text = """
                virtual_server_group WEB {
                  192.0.2.10-12 80
                  2001:db8::1 80
                  fwmark 7
                }
                virtual_server group WEB {
                  lvs_sched wlc
                  lvs_method NAT
                  persistence_timeout 300
                  persistence_granularity 255.255.255.0
                  alpha
                  omega
                  quorum 2
                  hysteresis 1
                  inhibit_on_failure
                  virtualhost www.example.org
                  sorry_server 192.0.2.99 8080
                  real_server 192.0.2.20 80 {
                    weight 5
                    uthreshold 100
                    lthreshold 50
                    HTTP_GET {
                      url { path /a digest 9B3A0C85A887A256D6939DA88AABD8CD status_code 200 }
                      url { path /b }
                      connect_port 8081
                      bindto 192.0.2.1
                      delay_loop 2.5
                    }
                    TCP_CHECK { connect_ip 192.0.2.21 retry 0 }
                  }
                }
                virtual_server fwmark 9 { protocol UDP ops lb_kind NAT real_server 192.0.2.30 { weight 2 } }
                """;
        KeepalivedConfig c = KeepalivedParser.parse(text);
        assertEquals(List.of("no protocol set", "protocol UDP is ignored for a fwmark service (as keepalived does)"),
                c.warnings().stream().map(w -> w.message().replaceAll(":.*", "")).toList());
        KeepalivedConfig.VirtualServerGroup g = c.group("WEB").orElseThrow();
        assertEquals(5, g.members().size());
        assertEquals(new Inet(InetAddresses.parse("192.0.2.11"), 80), g.members().get(1));
        assertEquals(new FwMark(7), g.members().get(4));

        VirtualServer vs = c.virtualServers().get(0);
        assertEquals(Optional.of(Duration.ofSeconds(300)), vs.persistenceTimeout());
        assertEquals(24, vs.persistenceGranularity().getAsInt());
        assertTrue(vs.alpha() && vs.omega());
        assertEquals(2, vs.quorum());
        assertEquals(1, vs.hysteresis());
        RealServer rs = vs.realServers().get(0);
        assertTrue(rs.inhibitOnFailure(), "inherited from the virtual server");
        assertEquals(100, rs.upperThreshold());
        assertEquals(50, rs.lowerThreshold());
        HttpGet http = (HttpGet) rs.checkers().get(0);
        assertEquals(Optional.of("9b3a0c85a887a256d6939da88aabd8cd"), http.urls().get(0).digest());
        assertEquals(Set.of(), http.urls().get(1).statusCodes());
        assertEquals(8081, http.options().connectPort().getAsInt());
        assertEquals(Optional.of(InetAddresses.parse("192.0.2.1")), http.options().bindTo());
        assertEquals(Duration.ofMillis(2500), http.options().delayLoop());
        assertEquals(Optional.of("www.example.org"), http.virtualHost());
        TcpCheck tcp = (TcpCheck) rs.checkers().get(1);
        assertEquals(0, tcp.options().retries());
        assertEquals(Optional.of(InetAddresses.parse("192.0.2.21")), tcp.options().connectIp());
        assertEquals(8080, vs.sorryServer().orElseThrow().port());

        VirtualServer fw = c.virtualServers().get(1);
        assertEquals(new FwMark(9), fw.address());
        assertEquals(Protocol.UDP, fw.protocol());
        assertTrue(fw.onePacket());
        assertEquals(0, fw.realServers().get(0).port());
        assertEquals(2, fw.realServers().get(0).weight());
    }

    @Test
    void granularityWithoutPersistenceIsReported() throws Exception {
        KeepalivedConfig c = KeepalivedParser.parse(
                "virtual_server 192.0.2.1 80 {\n  protocol TCP\n  persistence_granularity 24\n}");
        assertEquals(1, c.warnings().size());
        assertEquals("persistence_granularity", c.warnings().get(0).keyword());
        assertEquals(3, c.warnings().get(0).line());
    }

    @Test
    void readsFiles(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("keepalived.conf");
        Files.writeString(f, SEED);
        assertEquals(2, KeepalivedParser.parse(f).virtualServers().get(0).realServers().size());
    }
}
