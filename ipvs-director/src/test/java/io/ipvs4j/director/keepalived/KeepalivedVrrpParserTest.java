package io.ipvs4j.director.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.keepalived.KeepalivedVrrp.Instance;
import io.ipvs4j.director.keepalived.KeepalivedVrrp.Script;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.Scope;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.vrrp.VrrpInstanceConfig;
import io.ipvs4j.vrrp.VrrpState;
import io.ipvs4j.vrrp.VrrpVersion;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The VRRP half of keepalived.conf, against keepalived 2.2.7's own reading (keepalived -t). */
public class KeepalivedVrrpParserTest {
    /** The seed deployment's VRRP block, master or backup, with the VIP in the documentation range. */
    public static String seed(String state, int priority, String vip) {
        return """
                global_defs {
                   router_id LVS_%s
                }
                vrrp_instance VI_1 {
                    state %s
                    interface ens33
                    virtual_router_id 51
                    priority %d
                    advert_int 1
                    authentication {
                        auth_type PASS
                        auth_pass 1111
                    }
                    virtual_ipaddress {
                        192.0.2.100/24 dev ens33 label ens33:1
                    }
                }
                virtual_server %s 80 {
                    delay_loop 6
                    lb_algo rr
                    lb_kind DR
                    protocol TCP
                    real_server 192.0.2.11 80 {
                        weight 1
                        TCP_CHECK {
                            connect_timeout 3
                        }
                    }
                }
                """.formatted(state, state, priority, vip);
    }

    @Test
    void seedMasterReadsAsKeepalivedRunsIt() throws Exception {
        KeepalivedConfig c = KeepalivedParser.parse(seed("MASTER", 100, "192.0.2.100"));
        assertEquals(List.of(), c.warnings(), "the master's file is clean");
        VrrpInstanceConfig vi = c.vrrp().instances().get(0).config();
        assertEquals("VI_1", vi.name());
        assertEquals("ens33", vi.interfaceName());
        assertEquals(51, vi.virtualRouterId());
        assertEquals(100, vi.priority());
        assertEquals(VrrpState.MASTER, vi.initialState());
        assertEquals(VrrpVersion.V2, vi.version());
        assertEquals(Duration.ofSeconds(1), vi.advertInterval());
        assertEquals(Optional.of("1111"), vi.authPass());
        assertTrue(vi.preempt());
        assertEquals(List.of(InterfaceAddress.of("ens33", "192.0.2.100/24").withLabel("ens33:1")), vi.virtualAddresses());
        // keepalived's defaults (vrrp.h)
        assertEquals(Duration.ofSeconds(5), vi.garpMasterDelay());
        assertEquals(5, vi.garpMasterRepeat());
        assertEquals(Duration.ZERO, vi.garpMasterRefresh());
        assertEquals(1, vi.garpMasterRefreshRepeat());
        assertEquals(Duration.ZERO, vi.preemptDelay());
        assertTrue(c.vrrp().syncDaemon().isEmpty());
    }

    @Test
    void seedBackupPriority500IsKeepalivedsDefault100WithItsMessage() throws Exception {
        KeepalivedConfig c = KeepalivedParser.parse(seed("BACKUP", 500, "192.0.2.100"));
        // keepalived 2.2.7 -t: "(Line 8) (VI_1) Priority not valid! must be between 1 & 255. Using default 100"
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        ConfigWarning w = c.warnings().get(0);
        assertEquals(8, w.line());
        assertTrue(w.message().contains("(VI_1) Priority not valid! must be between 1 & 255. Using default 100"),
                w.message());
        assertTrue(w.message().contains("500"), w.message());
        assertEquals(100, c.vrrp().instances().get(0).config().priority());
        assertEquals(VrrpState.BACKUP, c.vrrp().instances().get(0).config().initialState());
        ConfigParseException strict = assertThrows(ConfigParseException.class,
                () -> KeepalivedParser.parse(seed("BACKUP", 500, "192.0.2.100"), KeepalivedParser.Mode.STRICT));
        assertEquals(8, strict.line());
    }

    @Test
    void virtualServerOnNoVipIsAWarningNamingBoth() throws Exception {
        // the seed: VRRP VIP 192.168.150.100, virtual_server 192.168.159.100
        String text = seed("MASTER", 100, "192.0.2.159").replace("192.0.2.100/24", "192.0.2.150/24");
        KeepalivedConfig c = KeepalivedParser.parse(text);
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        ConfigWarning w = c.warnings().get(0);
        assertEquals(18, w.line());
        assertTrue(w.message().contains("192.0.2.159") && w.message().contains("192.0.2.150 (VI_1)"), w.message());
        // a static_ipaddress makes it local: no warning
        KeepalivedConfig withStatic = KeepalivedParser.parse(text + "static_ipaddress { 192.0.2.159/32 dev lo }\n");
        assertEquals(List.of(), withStatic.warnings());
    }

    @Test
    void everyInstanceKeywordWithGlobalDefaults() throws Exception {
        String text = """
                global_defs {
                    vrrp_version 3
                    vrrp_garp_master_delay 2
                    vrrp_garp_master_repeat 3
                    vrrp_garp_master_refresh 60
                    vrrp_garp_master_refresh_repeat 2
                    vrrp_garp_interval 0.001
                    lvs_sync_daemon eth1 VI_6 maxlen 1400 port 8850 ttl 2 group 239.1.1.1
                }
                vrrp_script chk_http {
                    script "/usr/bin/curl -sf http://127.0.0.1/"
                    interval 2
                    timeout 1
                    weight -20
                    rise 3
                    fall 2
                }
                vrrp_instance VI_6 {
                    state BACKUP
                    interface eth0
                    virtual_router_id 60
                    priority 150
                    advert_int 0.5
                    nopreempt
                    preempt_delay 30
                    unicast_src_ip 2001:db8::1
                    unicast_peer {
                        2001:db8::2
                    }
                    virtual_ipaddress {
                        2001:db8::100/64 dev eth0
                        2001:db8::101
                    }
                    virtual_ipaddress_excluded {
                        2001:db8:1::100/64 dev eth1 scope link
                    }
                    track_interface {
                        eth1 weight -30
                        eth2
                    }
                    track_script {
                        chk_http
                        chk_http weight 10
                    }
                    garp_master_delay 1
                    notify "/etc/keepalived/notify.sh --all"
                    notify_master /etc/keepalived/master.sh
                    notify_backup /etc/keepalived/backup.sh
                    notify_fault /etc/keepalived/fault.sh
                    notify_stop /etc/keepalived/stop.sh
                    smtp_alert
                }
                """;
        KeepalivedConfig c = KeepalivedParser.parse(text);
        assertEquals(List.of(), c.warnings());
        Instance i = c.vrrp().instance("VI_6").orElseThrow();
        VrrpInstanceConfig vi = i.config();
        assertEquals(VrrpVersion.V3, vi.version());
        assertEquals(Duration.ofMillis(500), vi.advertInterval());
        assertFalse(vi.preempt());
        assertEquals(Duration.ofSeconds(30), vi.preemptDelay());
        assertEquals(Optional.of(InetAddresses.parse("2001:db8::1")), vi.sourceAddress());
        assertEquals(List.of(InetAddresses.parse("2001:db8::2")), vi.unicastPeers());
        assertEquals(List.of(InterfaceAddress.of("eth0", "2001:db8::100/64"),
                InterfaceAddress.of("eth0", "2001:db8::101/128").withDeprecated(true)), vi.virtualAddresses(),
                "keepalived adds an IPv6 /128 VIP with preferred_lft 0, a /64 preferred");
        assertEquals(List.of(InterfaceAddress.of("eth1", "2001:db8:1::100/64").withScope(Scope.LINK)),
                i.excludedAddresses());
        assertEquals(List.of(new VrrpInstanceConfig.TrackedInterface("eth1", -30),
                new VrrpInstanceConfig.TrackedInterface("eth2", 0)), vi.trackInterfaces());
        assertEquals(2, i.trackScripts().size());
        assertEquals(OptionalInt.empty(), i.trackScripts().get(0).weight());
        assertEquals(OptionalInt.of(10), i.trackScripts().get(1).weight());
        assertEquals(Duration.ofSeconds(1), vi.garpMasterDelay(), "the instance's own value wins");
        assertEquals(3, vi.garpMasterRepeat(), "global vrrp_garp_master_repeat");
        assertEquals(Duration.ofSeconds(60), vi.garpMasterRefresh());
        assertEquals(2, vi.garpMasterRefreshRepeat());
        assertEquals(Duration.ofMillis(1), vi.garpInterval());
        assertEquals(Optional.of(List.of("/etc/keepalived/notify.sh", "--all")), i.notifyScripts().all());
        assertEquals(Optional.of(List.of("/etc/keepalived/master.sh")), i.notifyScripts().master());
        assertEquals(Optional.of(List.of("/etc/keepalived/stop.sh")), i.notifyScripts().stop());
        Script s = c.vrrp().script("chk_http").orElseThrow();
        assertEquals(List.of("/usr/bin/curl", "-sf", "http://127.0.0.1/"), s.command());
        assertEquals(Duration.ofSeconds(2), s.interval());
        assertEquals(Duration.ofSeconds(1), s.timeout());
        assertEquals(-20, s.weight());
        assertEquals(3, s.rise());
        assertEquals(2, s.fall());
        KeepalivedVrrp.SyncDaemonConfig d = c.vrrp().syncDaemon().orElseThrow();
        assertEquals("eth1", d.interfaceName());
        assertEquals("VI_6", d.instance());
        assertEquals(60, d.syncId(), "id defaults to the instance's virtual_router_id");
        assertEquals(OptionalInt.of(1400), d.maxLength());
        assertEquals(OptionalInt.of(8850), d.port());
        assertEquals(OptionalInt.of(2), d.ttl());
        assertEquals(Optional.of(InetAddresses.parse("239.1.1.1")), d.group());
    }

    @Test
    void keepalivedsFallbacksEachNamedWithItsLine() throws Exception {
        // the messages keepalived 2.2.7 -t prints for the same file
        String text = """
                vrrp_script chk {
                  script "/bin/true"
                  interval 0
                  weight 300
                  rise 0
                }
                vrrp_instance VI_3 {
                    state FOO
                    interface eth0
                    virtual_router_id 53
                    priority 0
                    virtual_ipaddress {
                      192.0.2.101
                      2001:db8::1
                    }
                    version 3
                    advert_int 50
                    preempt_delay 2000
                    garp_master_repeat 0
                    authentication {
                      auth_type PASS
                      auth_pass 123456789
                    }
                    track_script {
                      chk weight 10
                      nochk
                    }
                    track_interface {
                      eth1 weight 300
                    }
                }
                vrrp_sync_group VG {
                    group {
                        VI_3
                        VI_X
                    }
                }
                """;
        KeepalivedConfig c = KeepalivedParser.parse(text);
        List<String> w = c.warnings().stream().map(ConfigWarning::toString).toList();
        assertContains(w, "line 3: (chk): vrrp script interval must be greater than 0, setting to 1");
        assertContains(w, "line 4: vrrp_script chk weight 300 must be in [-253, 253]");
        assertContains(w, "line 5: (chk): vrrp script rise value '0' invalid, defaulting to 1");
        assertContains(w, "line 8: (VI_3) unknown state 'FOO', defaulting to BACKUP");
        assertContains(w, "line 11: (VI_3) Priority not valid! must be between 1 & 255. Using default 100");
        assertContains(w, "line 14: (VI_3) address family must match VRRP instance [2001:db8::1] - ignoring");
        assertContains(w, "line 17: (VI_3) VRRPv3 advertisement interval 50s is out of range. Must be less than 40.96s."
                + " Setting to 40.95s");
        assertContains(w, "line 18: (VI_3) Preempt_delay not valid! must be between 0-1000");
        assertContains(w, "line 19: garp_master_repeat must be greater than 0, setting to 1");
        assertContains(w, "line 22: Truncating auth_pass to 8 characters");
        assertContains(w, "line 7: (VI_3) VRRP version 3 does not support authentication. Ignoring.");
        assertContains(w, "line 26: (VI_3) track script nochk not found, ignoring...");
        assertContains(w, "line 25: (VI_3) ignoring tracked script chk with weights due to SYNC group");
        assertContains(w, "line 29: (VI_3) weight 300 for eth1 must be between [-253..253] inclusive. Ignoring...");
        assertContains(w, "line 35: Virtual router VI_X specified in sync group VG doesn't exist - ignoring");
        assertContains(w, "Sync group VG has only 1 virtual router(s)");
        VrrpInstanceConfig vi = c.vrrp().instances().get(0).config();
        assertEquals(100, vi.priority());
        assertEquals(VrrpState.BACKUP, vi.initialState());
        assertEquals(Duration.ofMillis(40_950), vi.advertInterval());
        assertEquals(Duration.ZERO, vi.preemptDelay());
        assertEquals(1, vi.garpMasterRepeat());
        assertEquals(Optional.empty(), vi.authPass());
        assertEquals(List.of(), vi.trackInterfaces());
        assertEquals(List.of(), c.vrrp().instances().get(0).trackScripts());
        Script s = c.vrrp().script("chk").orElseThrow();
        assertEquals(Duration.ofSeconds(1), s.interval());
        assertEquals(1, s.rise());
        assertEquals(List.of("VI_3"), c.vrrp().syncGroups().get(0).members());
    }

    @Test
    void v2FractionalAdvertIsRoundedAndLongPasswordTruncated() throws Exception {
        KeepalivedConfig c = KeepalivedParser.parse("""
                vrrp_instance VI_1 {
                    interface eth0
                    virtual_router_id 1
                    advert_int 1.6
                    authentication {
                        auth_type PASS
                        auth_pass 123456789
                    }
                    virtual_ipaddress {
                        192.0.2.1
                    }
                }
                """);
        VrrpInstanceConfig vi = c.vrrp().instances().get(0).config();
        assertEquals(Duration.ofSeconds(2), vi.advertInterval());
        assertEquals(Optional.of("12345678"), vi.authPass());
        assertEquals(InterfaceAddress.of("eth0", "192.0.2.1/32"), vi.virtualAddresses().get(0));
        assertContains(c.warnings().stream().map(ConfigWarning::toString).toList(),
                "line 4: (VI_1) VRRPv2 advertisement interval 1.6s must be an integer. rounding");
    }

    @Test
    void whatKeepalivedRefusesIsAnErrorWithTheLine() {
        ConfigParseException noVrid = assertThrows(ConfigParseException.class, () -> KeepalivedParser.parse(
                "\nvrrp_instance VI_1 {\n interface eth0\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n"));
        assertEquals(2, noVrid.line());
        assertTrue(noVrid.getMessage().contains("(VI_1) the virtual router id must be set"), noVrid.getMessage());
        ConfigParseException noVip = assertThrows(ConfigParseException.class, () -> KeepalivedParser.parse(
                "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n}\n"));
        assertTrue(noVip.getMessage().contains("(VI_2) No VIP specified; at least one is required"), noVip.getMessage());
        ConfigParseException ah = assertThrows(ConfigParseException.class, () -> KeepalivedParser.parse(
                "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n authentication {\n auth_type AH\n }\n"
                        + " virtual_ipaddress {\n 192.0.2.1\n }\n}\n"));
        assertEquals(5, ah.line());
    }

    @Test
    void syncGroupNotifyAndDeprecatedSyncDaemonInterface() throws Exception {
        KeepalivedConfig c = KeepalivedParser.parse("""
                vrrp_sync_group VG_1 {
                    group {
                        VI_OUT
                        VI_IN
                    }
                    notify_master "/bin/echo master"
                    notify /bin/logger
                    smtp_alert
                }
                vrrp_instance VI_OUT {
                    interface eth0
                    virtual_router_id 10
                    lvs_sync_daemon_interface eth1
                    virtual_ipaddress {
                        192.0.2.10/24
                    }
                }
                vrrp_instance VI_IN {
                    interface eth1
                    virtual_router_id 11
                    virtual_ipaddress {
                        198.51.100.1/24
                    }
                }
                """);
        KeepalivedVrrp.SyncGroup g = c.vrrp().syncGroups().get(0);
        assertEquals(List.of("VI_OUT", "VI_IN"), g.members());
        assertEquals(Optional.of(List.of("/bin/echo", "master")), g.notifyScripts().master());
        assertEquals(Optional.of(List.of("/bin/logger")), g.notifyScripts().all());
        KeepalivedVrrp.SyncDaemonConfig d = c.vrrp().syncDaemon().orElseThrow();
        assertEquals("eth1", d.interfaceName());
        assertEquals("VI_OUT", d.instance());
        assertEquals(10, d.syncId());
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        assertTrue(c.warnings().get(0).message().contains("deprecated"), c.warnings().get(0).message());
    }

    @Test
    void oneLineSeedBlock() throws Exception {
        KeepalivedConfig c = KeepalivedParser.parse("vrrp_instance VI_1 { state MASTER interface eth0"
                + " virtual_router_id 51 priority 100 advert_int 1 authentication { auth_type PASS auth_pass 1111 }"
                + " virtual_ipaddress { 192.0.2.100/24 dev eth0 label eth0:1 } }");
        VrrpInstanceConfig vi = c.vrrp().instances().get(0).config();
        assertEquals(51, vi.virtualRouterId());
        assertEquals(Optional.of("1111"), vi.authPass());
        assertEquals(List.of(InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1")), vi.virtualAddresses());
    }

    private static void assertContains(List<String> warnings, String expected) {
        assertTrue(warnings.stream().anyMatch(w -> w.contains(expected)), "no warning with '" + expected + "' in:\n"
                + String.join("\n", warnings));
    }

    /**
     * {@code preferred_lft}: 0 deprecates an IPv6 VIP, {@code forever} keeps a /128 preferred;
     * another value is kept preferred with a warning (ipvs4j sets no finite lifetime); on IPv4
     * it is not set, with a warning.
     */
    @Test
    void preferredLifetimeOfVirtualAddresses() throws ConfigParseException {
        KeepalivedConfig c = KeepalivedParser.parse("""
                vrrp_instance VI_1 {
                    interface eth0
                    virtual_router_id 51
                    priority 100
                    virtual_ipaddress {
                        2001:db8::100/64 preferred_lft 0
                        2001:db8::101/128 preferred_lft forever
                        2001:db8::102
                        2001:db8::103/128 preferred_lft 600
                    }
                }
                """);
        assertEquals(List.of(InterfaceAddress.of("eth0", "2001:db8::100/64").withDeprecated(true),
                InterfaceAddress.of("eth0", "2001:db8::101/128"),
                InterfaceAddress.of("eth0", "2001:db8::102/128").withDeprecated(true),
                InterfaceAddress.of("eth0", "2001:db8::103/128")),
                c.vrrp().instance("VI_1").orElseThrow().config().virtualAddresses());
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        assertTrue(c.warnings().get(0).toString().contains("preferred_lft 600"), c.warnings().toString());

        KeepalivedConfig v4 = KeepalivedParser.parse("""
                vrrp_instance VI_1 {
                    interface eth0
                    virtual_router_id 51
                    priority 100
                    virtual_ipaddress {
                        192.0.2.100/24 preferred_lft 0
                    }
                }
                """);
        assertEquals(List.of(InterfaceAddress.of("eth0", "192.0.2.100/24")),
                v4.vrrp().instance("VI_1").orElseThrow().config().virtualAddresses());
        assertTrue(v4.warnings().toString().contains("stays preferred"), v4.warnings().toString());
    }
}
