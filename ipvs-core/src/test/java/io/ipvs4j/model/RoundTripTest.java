package io.ipvs4j.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundTripTest {

    static List<VirtualService> services() {
        return List.of(
                VirtualService.builder(ServiceKey.tcp("192.0.2.100", 80)).build(),
                VirtualService.builder(ServiceKey.tcp("2001:db8::1", 443)).scheduler(Scheduler.RR)
                        .persistence(Persistence.of(Duration.ofSeconds(300), 64)).build(),
                VirtualService.builder(ServiceKey.udp("192.0.2.100", 5060)).scheduler(Scheduler.SH)
                        .flag(ServiceFlag.SH_FALLBACK).flag(ServiceFlag.SH_PORT).flag(ServiceFlag.ONE_PACKET)
                        .persistence(Persistence.of(Duration.ofSeconds(60))).persistenceEngine("sip").build(),
                VirtualService.builder(ServiceKey.fwmark(0xFFFF_FFF0L, AddressFamily.INET6)).scheduler(Scheduler.MH)
                        .flags(Set.of(ServiceFlag.MH_PORT)).build());
    }

    @Test
    void virtualServiceToBuilderBuildsEqual() {
        for (VirtualService s : services()) {
            VirtualService copy = s.toBuilder().build();
            assertEquals(s, copy);
            assertEquals(s.hashCode(), copy.hashCode());
            assertEquals(s.toString(), copy.toString());
        }
        assertNotEquals(services().get(0), services().get(0).toBuilder().scheduler(Scheduler.RR).build());
    }

    @Test
    void virtualServiceFromKernelBitsRebuildsEqual() {
        // What a decoder does: flags from the kernel's bits (HASHED always set) + scheduler.
        for (VirtualService s : services()) {
            int kernelBits = s.flagBits() | ServiceFlag.HASHED.bit();
            Set<ServiceFlag> decoded = ServiceFlag.fromBits(kernelBits, s.scheduler());
            VirtualService.Builder b = VirtualService.builder(s.key()).scheduler(s.scheduler()).flags(decoded);
            s.persistence().ifPresent(b::persistence);
            s.persistenceEngine().ifPresent(b::persistenceEngine);
            assertEquals(s, b.build());
        }
    }

    @Test
    void persistentFlagFollowsPersistence() {
        VirtualService p = services().get(1);
        assertTrue(p.flags().contains(ServiceFlag.PERSISTENT));
        assertEquals(300, p.timeoutSeconds());
        VirtualService np = p.toBuilder().persistence(null).build();
        assertFalse(np.flags().contains(ServiceFlag.PERSISTENT));
        assertEquals(128, np.netmaskBits());
        assertEquals(0, np.timeoutSeconds());
        assertFalse(np.flags().contains(ServiceFlag.HASHED));
    }

    @Test
    void hostMaskResolvedPerFamily() {
        Persistence host = Persistence.of(Duration.ofSeconds(300));
        assertEquals(Persistence.HOST, host.netmaskBits());
        VirtualService v4 = VirtualService.builder(ServiceKey.tcp("192.0.2.1", 80)).persistence(host).build();
        VirtualService v6 = VirtualService.builder(ServiceKey.tcp("2001:db8::1", 80)).persistence(host).build();
        assertEquals(32, v4.netmaskBits());
        assertEquals(32, v4.persistence().orElseThrow().netmaskBits());
        assertEquals(128, v6.netmaskBits());
        // Desired (HOST) and observed (/32 from the kernel) compare equal.
        assertEquals(v4, VirtualService.builder(v4.key()).persistence(Persistence.of(Duration.ofSeconds(300), 32)).build());
        assertEquals(32, VirtualService.of(ServiceKey.tcp("192.0.2.1", 80), Scheduler.RR).netmaskBits());
    }

    @Test
    void defaults() {
        VirtualService s = VirtualService.builder(ServiceKey.tcp("192.0.2.1", 80)).build();
        assertSame(Scheduler.WLC, s.scheduler());
        assertTrue(s.flags().isEmpty());
        assertTrue(s.persistence().isEmpty());
        RealServer r = RealServer.of(Endpoint.of("198.51.100.3", 80));
        assertEquals(1, r.weight());
        assertEquals(ForwardingMethod.DIRECT_ROUTE, r.forwarding());
        assertEquals(Thresholds.NONE, r.thresholds());
        assertTrue(r.tunnel().isEmpty());
    }

    @Test
    void flagsAreImmutable() {
        VirtualService s = services().get(2);
        assertThrows(UnsupportedOperationException.class, () -> s.flags().clear());
        EnumSet<ServiceFlag> mine = EnumSet.of(ServiceFlag.ONE_PACKET);
        VirtualService.Builder b = VirtualService.builder(ServiceKey.udp("192.0.2.1", 53)).flags(mine);
        VirtualService built = b.build();
        mine.clear();
        b.flag(ServiceFlag.ONE_PACKET);
        assertEquals(Set.of(ServiceFlag.ONE_PACKET), built.flags());
    }

    @Test
    void serviceFlagBits() {
        assertEquals(0x1F, ServiceFlag.toBits(EnumSet.of(ServiceFlag.PERSISTENT, ServiceFlag.HASHED,
                ServiceFlag.ONE_PACKET, ServiceFlag.SH_FALLBACK, ServiceFlag.SH_PORT)));
        assertEquals(Set.of(ServiceFlag.SH_FALLBACK, ServiceFlag.SH_PORT), ServiceFlag.fromBits(0x18, Scheduler.SH));
        assertEquals(Set.of(ServiceFlag.MH_FALLBACK, ServiceFlag.MH_PORT), ServiceFlag.fromBits(0x18, Scheduler.MH));
        assertEquals(Set.of(ServiceFlag.PERSISTENT), ServiceFlag.fromBits(0x3, Scheduler.RR), "HASHED dropped");
        assertEquals(Set.of(ServiceFlag.FLAG_3), ServiceFlag.fromBits(0x20 | 0x2, Scheduler.SH), "SCHED3 kept, HASHED dropped");
        assertEquals(Set.of(ServiceFlag.FLAG_1, ServiceFlag.FLAG_2), ServiceFlag.fromBits(0x18, Scheduler.RR));
        assertEquals(Set.of(ServiceFlag.ONE_PACKET), ServiceFlag.fromBits(0x4, Scheduler.of("mh")));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4, 5, 8, 0x10, 0x18, 0x1d})
    void serviceFlagBitsRoundTrip(int bits) {
        for (Scheduler s : List.of(Scheduler.SH, Scheduler.MH)) {
            assertEquals(bits, ServiceFlag.toBits(ServiceFlag.fromBits(bits, s)));
            assertEquals(bits, ServiceFlag.toBits(ServiceFlag.fromBits(bits | 0x2, s)));
        }
    }

    @Test
    void tunnelFlagBits() {
        for (int bits = 0; bits < 4; bits++) {
            assertEquals(bits, TunnelFlag.toBits(TunnelFlag.fromBits(bits)));
        }
        assertEquals(3, Tunnel.gue(1, TunnelFlag.CHECKSUM).flagBits() | TunnelFlag.REMOTE_CHECKSUM.bit());
    }

    @Test
    void realServerRoundTrip() {
        Endpoint ep = Endpoint.of("198.51.100.3", 80);
        List<RealServer> all = List.of(
                RealServer.of(ep),
                RealServer.builder(ep).weight(0).forwarding(ForwardingMethod.MASQUERADE).thresholds(new Thresholds(100, 80)).build(),
                RealServer.builder(Endpoint.of("2001:db8::3", 80)).forwarding(ForwardingMethod.TUNNEL)
                        .tunnel(Tunnel.gue(6080, TunnelFlag.CHECKSUM)).build(),
                RealServer.builder(ep).forwarding(ForwardingMethod.TUNNEL).tunnel(Tunnel.gre()).build());
        for (RealServer r : all) {
            assertEquals(r, r.toBuilder().build());
            assertEquals(r.hashCode(), r.toBuilder().build().hashCode());
        }
        RealServer w = all.get(1).withWeight(7);
        assertEquals(7, w.weight());
        assertEquals(all.get(1).thresholds(), w.thresholds());
        assertEquals(all.get(1), w.withWeight(0));
    }

    @Test
    void tunnelDefaultsToIpip() {
        Endpoint ep = Endpoint.of("198.51.100.3", 80);
        RealServer implicit = RealServer.builder(ep).forwarding(ForwardingMethod.TUNNEL).build();
        RealServer explicit = RealServer.builder(ep).forwarding(ForwardingMethod.TUNNEL).tunnel(Tunnel.ipip()).build();
        assertEquals(Tunnel.ipip(), implicit.tunnel().orElseThrow());
        assertEquals(explicit, implicit);
        // Switching away from TUNNEL drops the (default) tunnel instead of failing.
        assertTrue(implicit.toBuilder().forwarding(ForwardingMethod.DIRECT_ROUTE).tunnel(null).build().tunnel().isEmpty());
    }

    @Test
    void syncDaemonRoundTrip() {
        SyncDaemon d = SyncDaemon.builder(SyncState.MASTER, "eth0", 7).maxLength(1400)
                .multicastGroup(InetAddresses.parse("239.1.1.1")).multicastPort(8848).multicastTtl(2).build();
        assertEquals(d, d.toBuilder().build());
        assertEquals(d.hashCode(), d.toBuilder().build().hashCode());
        SyncDaemon bare = SyncDaemon.builder(SyncState.BACKUP, "eth1", 0).build();
        assertTrue(bare.maxLength().isEmpty());
        assertTrue(bare.multicastGroup().isEmpty());
        assertTrue(bare.multicastPort().isEmpty());
        assertTrue(bare.multicastTtl().isEmpty());
        assertEquals(bare, bare.toBuilder().build());
        assertNotEquals(d, bare);
    }

    @Test
    void timeoutsApplyZeroAsUnchanged() {
        Timeouts t = Timeouts.KERNEL_DEFAULTS.apply(Timeouts.ofSeconds(0, 0, 60));
        assertEquals(Timeouts.ofSeconds(900, 120, 60), t);
        assertEquals(t, t.apply(Timeouts.UNCHANGED));
    }

    @Test
    void enumValuesRoundTrip() {
        for (AddressFamily f : AddressFamily.values()) {
            assertSame(f, AddressFamily.fromValue(f.value()));
        }
        for (Protocol p : Protocol.values()) {
            assertSame(p, Protocol.fromValue(p.value()));
        }
        for (ForwardingMethod m : ForwardingMethod.values()) {
            assertSame(m, ForwardingMethod.fromValue(m.value()));
        }
        for (TunnelType t : TunnelType.values()) {
            assertSame(t, TunnelType.fromValue(t.value()));
        }
        for (SyncState s : SyncState.values()) {
            assertSame(s, SyncState.fromValue(s.value()));
        }
        assertEquals(List.of(2, 10), List.of(AddressFamily.INET.value(), AddressFamily.INET6.value()));
        assertEquals(List.of(0, 1, 2, 3), List.of(ForwardingMethod.MASQUERADE.value(), ForwardingMethod.LOCAL.value(),
                ForwardingMethod.TUNNEL.value(), ForwardingMethod.DIRECT_ROUTE.value()));
    }

    @Test
    void schedulers() {
        assertSame(Scheduler.RR, Scheduler.of("rr"));
        assertEquals(14, Scheduler.builtIn().size());
        assertEquals("ip_vs_wlc", Scheduler.WLC.moduleName());
        assertEquals(new Scheduler("custom"), Scheduler.of("custom"));
    }
}
