package io.ipvs4j.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every validation rule rejects with a message naming the field and the value. */
class ValidationTest {

    static void rejects(String expectedMessage, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertEquals(expectedMessage, ex.getMessage());
    }

    static void rejectsContaining(Executable e, String... parts) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String p : parts) {
            assertTrue(ex.getMessage().contains(p), () -> "message \"" + ex.getMessage() + "\" lacks \"" + p + "\"");
        }
    }

    static final ServiceKey.Inet TCP80 = ServiceKey.tcp("192.0.2.100", 80);

    @Test
    void port() {
        rejects("port must be 0..65535, was 70000", () -> ServiceKey.tcp("192.0.2.1", 70000));
        rejects("port must be 0..65535, was -1", () -> Endpoint.of("192.0.2.1", -1));
        assertDoesNotThrow(() -> ServiceKey.udp("192.0.2.1", 65535));
    }

    @Test
    void fwmark() {
        rejects("fwmark must be 1..4294967295, was 0", () -> ServiceKey.fwmark(0, AddressFamily.INET));
        rejects("fwmark must be 1..4294967295, was 4294967296", () -> ServiceKey.fwmark(4294967296L, AddressFamily.INET));
        rejects("fwmark must be 1..4294967295, was 0", () -> new ServiceKey.FwMark(0, AddressFamily.INET6));
        ServiceKey.FwMark max = ServiceKey.fwmark(4294967295L, AddressFamily.INET);
        assertEquals(-1, max.mark());
        assertEquals(4294967295L, max.markUnsigned());
    }

    @Test
    void addressesAreLiteralsOnly() {
        rejectsContaining(() -> ServiceKey.tcp("localhost", 80), "address", "\"localhost\"");
        rejectsContaining(() -> Endpoint.of("256.1.1.1", 80), "\"256.1.1.1\"");
        rejectsContaining(() -> Endpoint.of("1.2.3", 80), "\"1.2.3\"");
        rejectsContaining(() -> Endpoint.of("", 80), "address");
        rejectsContaining(() -> Endpoint.of("2001:db8::g", 80), "\"2001:db8::g\"");
        rejectsContaining(() -> Endpoint.of("fe80::1%eth0", 80), "zone", "fe80::1%eth0");
        rejectsContaining(() -> Endpoint.of("1.2.3.4.example.com", 80), "1.2.3.4.example.com");
    }

    @Test
    void protocolAndFamilyNumbers() {
        rejects("protocol must be 6 (TCP), 17 (UDP) or 132 (SCTP), was 99", () -> Protocol.fromValue(99));
        rejects("address family must be 2 (AF_INET) or 10 (AF_INET6), was 7", () -> AddressFamily.fromValue(7));
        rejects("forwarding method must be 0..3, was 7", () -> ForwardingMethod.fromValue(7));
        rejects("tunnel type must be 0 (IPIP), 1 (GUE) or 2 (GRE), was 3", () -> TunnelType.fromValue(3));
        rejects("sync state must be 1 (MASTER) or 2 (BACKUP), was 0", () -> SyncState.fromValue(0));
        rejects("tunnel flags must be a combination of 0x1 and 0x2, was 0x4", () -> TunnelFlag.fromBits(4));
    }

    @Test
    void scheduler() {
        rejects("scheduler must be 1..15 characters, was \"\" (0)", () -> Scheduler.of(""));
        rejects("scheduler must be 1..15 characters, was \"abcdefghijklmnop\" (16)", () -> Scheduler.of("abcdefghijklmnop"));
        rejects("scheduler must match [a-z0-9_]+, was \"Round-Robin\"", () -> Scheduler.of("Round-Robin"));
        assertDoesNotThrow(() -> Scheduler.of("abcdefghijklmno"));
    }

    @Test
    void persistence() {
        rejects("persistence timeout must be whole seconds in 1..2678400 s (the kernel counts in seconds), was 0 s",
                () -> Persistence.of(Duration.ZERO));
        rejectsContaining(() -> Persistence.of(Duration.ofSeconds(2678401)), "persistence timeout", "was 2678401 s");
        rejectsContaining(() -> Persistence.of(Duration.ofMillis(1500)), "persistence timeout", "was 1.5 s");
        rejects("persistence netmaskBits must be 0..128, was 129", () -> Persistence.of(Duration.ofSeconds(60), 129));
        rejects("persistence netmaskBits must be 0..128, was -2", () -> Persistence.of(Duration.ofSeconds(60), -2));
    }

    @Test
    void netmaskPerFamily() {
        Persistence p33 = Persistence.of(Duration.ofSeconds(60), 33);
        rejects("persistence netmaskBits must be 0..32 for IPv4, was 33",
                () -> VirtualService.builder(TCP80).persistence(p33).build());
        Persistence p0 = Persistence.of(Duration.ofSeconds(60), 0);
        rejects("persistence netmaskBits must be 1..128 for IPv6, was 0",
                () -> VirtualService.builder(ServiceKey.tcp("2001:db8::1", 80)).persistence(p0).build());
        assertEquals(0, VirtualService.builder(TCP80).persistence(p0).build().netmaskBits());
    }

    @Test
    void serviceFlags() {
        rejectsContaining(() -> VirtualService.builder(TCP80).flag(ServiceFlag.HASHED).build(), "flags", "HASHED");
        rejectsContaining(() -> VirtualService.builder(TCP80).flag(ServiceFlag.PERSISTENT).build(),
                "PERSISTENT", "persistence", "TCP 192.0.2.100:80");
        rejects("flag SH_PORT needs scheduler sh, was rr",
                () -> VirtualService.builder(TCP80).scheduler(Scheduler.RR).flag(ServiceFlag.SH_PORT).build());
        rejects("flag MH_FALLBACK needs scheduler mh, was sh",
                () -> VirtualService.builder(TCP80).scheduler(Scheduler.SH).flag(ServiceFlag.MH_FALLBACK).build());
        rejects("flag ONE_PACKET needs a UDP or fwmark service, was TCP 192.0.2.100:80",
                () -> VirtualService.builder(TCP80).flag(ServiceFlag.ONE_PACKET).build());
        assertDoesNotThrow(() -> VirtualService.builder(ServiceKey.udp("192.0.2.100", 53)).flag(ServiceFlag.ONE_PACKET).build());
        assertDoesNotThrow(() -> VirtualService.builder(ServiceKey.fwmark(7, AddressFamily.INET)).flag(ServiceFlag.ONE_PACKET).build());
        assertDoesNotThrow(() -> VirtualService.builder(TCP80).scheduler(Scheduler.MH)
                .flag(ServiceFlag.MH_FALLBACK).flag(ServiceFlag.MH_PORT).build());
    }

    @Test
    void persistenceEngine() {
        rejects("persistenceEngine \"sip\" needs persistence to be set on UDP 192.0.2.100:5060",
                () -> VirtualService.builder(ServiceKey.udp("192.0.2.100", 5060)).persistenceEngine("sip").build());
        rejects("persistenceEngine must be 1..15 characters, was \"\" (0)",
                () -> VirtualService.builder(TCP80).persistenceEngine(""));
        rejects("persistenceEngine must match [a-z0-9_]+, was \"SIP\"",
                () -> VirtualService.builder(TCP80).persistenceEngine("SIP"));
    }

    @Test
    void portZeroNeedsPersistence() {
        ServiceKey any = ServiceKey.tcp("192.0.2.100", 0);
        rejects("port 0 needs a persistent service, was TCP 192.0.2.100:0 without persistence",
                () -> VirtualService.builder(any).build());
        assertDoesNotThrow(() -> VirtualService.builder(any).persistence(Persistence.of(Duration.ofSeconds(300))).build());
    }

    @Test
    void realServer() {
        Endpoint ep = Endpoint.of("198.51.100.3", 80);
        rejects("weight must be 0..2147483647, was -1", () -> RealServer.builder(ep).weight(-1));
        rejects("tunnel GUE needs forwarding TUNNEL, was DIRECT_ROUTE",
                () -> RealServer.builder(ep).tunnel(Tunnel.gue(6080)).build());
        assertDoesNotThrow(() -> RealServer.builder(ep).weight(Integer.MAX_VALUE).build());
    }

    @Test
    void mixedFamilyNeedsTunnel() {
        RealServer v6 = RealServer.of(Endpoint.of("2001:db8::3", 80));
        rejects("real server [2001:db8::3]:80 is IPv6 but service TCP 192.0.2.100:80 is IPv4;"
                        + " mixing families needs forwarding TUNNEL, was DIRECT_ROUTE",
                () -> RealServer.checkCompatible(TCP80, v6));
        VirtualService svc = VirtualService.of(TCP80, Scheduler.RR);
        assertThrows(IllegalArgumentException.class, () -> RealServer.checkCompatible(svc, v6));
        assertDoesNotThrow(() -> RealServer.checkCompatible(TCP80,
                v6.toBuilder().forwarding(ForwardingMethod.TUNNEL).build()));
        assertDoesNotThrow(() -> RealServer.checkCompatible(ServiceKey.fwmark(1, AddressFamily.INET6), v6));
    }

    @Test
    void thresholds() {
        rejects("upper threshold must be 0..2147483647, was 2147483648", () -> new Thresholds(2147483648L, 0));
        rejects("lower threshold must be 0..2147483647, was -1", () -> new Thresholds(10, -1));
        rejects("lower threshold must be 0..10 (the upper threshold), was 11", () -> new Thresholds(10, 11));
        rejects("lower threshold must be 0..0 (the upper threshold, 0 meaning no limit), was 5", () -> new Thresholds(0, 5));
        assertDoesNotThrow(() -> new Thresholds(10, 10));
    }

    @Test
    void tunnels() {
        rejects("tunnel port must be 1..65535, was 0", () -> Tunnel.gue(0));
        rejects("tunnel port must be 1..65535, was 65536", () -> Tunnel.gue(65536));
        rejects("tunnel port must be 0 for IPIP, was 1", () -> new Tunnel(TunnelType.IPIP, 1, Set.of()));
        rejects("tunnel flags must be empty for IPIP, was [CHECKSUM]",
                () -> new Tunnel(TunnelType.IPIP, 0, Set.of(TunnelFlag.CHECKSUM)));
        rejects("tunnel port must be 0 for GRE, was 4754", () -> new Tunnel(TunnelType.GRE, 4754, Set.of()));
        rejectsContaining(() -> Tunnel.gre(TunnelFlag.REMOTE_CHECKSUM), "GRE", "REMOTE_CHECKSUM");
        rejectsContaining(() -> Tunnel.gue(6080, TunnelFlag.CHECKSUM, TunnelFlag.REMOTE_CHECKSUM),
                "GUE", "CHECKSUM", "REMOTE_CHECKSUM");
        assertDoesNotThrow(() -> Tunnel.gre(TunnelFlag.CHECKSUM));
        assertDoesNotThrow(() -> Tunnel.gue(6080, TunnelFlag.REMOTE_CHECKSUM));
    }

    @Test
    void timeouts() {
        rejectsContaining(() -> Timeouts.ofSeconds(-1, 0, 0), "tcp timeout", "was -1 s");
        rejectsContaining(() -> Timeouts.ofSeconds(0, 2147484, 0), "tcpFin timeout", "0..2147483", "was 2147484 s");
        rejectsContaining(() -> new Timeouts(Duration.ZERO, Duration.ZERO, Duration.ofMillis(10)), "udp timeout", "was 0.01 s");
        assertDoesNotThrow(() -> Timeouts.ofSeconds(2147483, 0, 0));
    }

    @Test
    void syncDaemon() {
        rejects("syncId must be 0..255, was 256", () -> SyncDaemon.builder(SyncState.MASTER, "eth0", 256));
        rejects("interfaceName must be 1..15 characters, was \"\" (0)", () -> SyncDaemon.builder(SyncState.MASTER, "", 1));
        rejects("interfaceName must be 1..15 characters, was \"abcdefghijklmnop\" (16)",
                () -> SyncDaemon.builder(SyncState.MASTER, "abcdefghijklmnop", 1));
        rejectsContaining(() -> SyncDaemon.builder(SyncState.MASTER, "eth/0", 1), "interfaceName", "\"eth/0\"");
        rejectsContaining(() -> SyncDaemon.builder(SyncState.MASTER, "eth 0", 1), "interfaceName", "\"eth 0\"");
        rejectsContaining(() -> SyncDaemon.builder(SyncState.MASTER, "..", 1), "interfaceName", "\"..\"");
        SyncDaemon.Builder b = SyncDaemon.builder(SyncState.BACKUP, "eth0", 0);
        rejects("multicastGroup must be a multicast address, was 192.0.2.1",
                () -> b.multicastGroup(InetAddresses.parse("192.0.2.1")));
        rejects("multicastTtl must be 1..255, was 0", () -> b.multicastTtl(0));
        rejects("multicastPort must be 1..65535, was 65536", () -> b.multicastPort(65536));
        rejects("maxLength must be 1..65535, was 0", () -> b.maxLength(0));
        assertDoesNotThrow(() -> b.multicastGroup(InetAddresses.parse("ff02::1:2")));
    }

    @Test
    void genericSchedulerFlagsOnAnySchedulerReportedUnderTheSchedulersNames() {
        for (Scheduler s : List.of(Scheduler.RR, Scheduler.WLC, Scheduler.LC, Scheduler.of("mysched"))) {
            VirtualService v = VirtualService.builder(TCP80).scheduler(s).flag(ServiceFlag.FLAG_1)
                    .flag(ServiceFlag.FLAG_2).flag(ServiceFlag.FLAG_3).build();
            assertEquals(Set.of(ServiceFlag.FLAG_1, ServiceFlag.FLAG_2, ServiceFlag.FLAG_3), v.flags());
            assertEquals(0x38, v.flagBits());
        }
        VirtualService sh = VirtualService.builder(TCP80).scheduler(Scheduler.SH).flag(ServiceFlag.FLAG_2).build();
        assertEquals(Set.of(ServiceFlag.SH_PORT), sh.flags(), "flag-2 on sh is sh-port: the same bit");
        assertEquals(VirtualService.builder(TCP80).scheduler(Scheduler.SH).flag(ServiceFlag.SH_PORT).build(), sh);
        VirtualService mh = VirtualService.builder(TCP80).scheduler(Scheduler.MH).flag(ServiceFlag.FLAG_1)
                .flag(ServiceFlag.FLAG_3).build();
        assertEquals(Set.of(ServiceFlag.MH_FALLBACK, ServiceFlag.FLAG_3), mh.flags());
    }

    @Test
    void bareDashPIsIpvsadmsSixMinutes() {
        assertEquals(java.time.Duration.ofSeconds(360), Persistence.DEFAULT_TIMEOUT);
    }
}
