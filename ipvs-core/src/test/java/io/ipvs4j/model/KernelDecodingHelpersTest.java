package io.ipvs4j.model;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KernelDecodingHelpersTest {

    @Test
    void ipv4MaskPrefixRoundTrip() {
        for (int p = 0; p <= 32; p++) {
            assertEquals(p, Persistence.prefixLength(Persistence.ipv4Mask(p)));
        }
        assertEquals(0xFFFFFF00, Persistence.ipv4Mask(24));
        assertEquals(0xFFFFFFFF, Persistence.ipv4Mask(32));
        assertEquals(0, Persistence.ipv4Mask(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Persistence.prefixLength(0xFF00FF00));
        assertEquals("IPv4 netmask must be contiguous, was 255.0.255.0", e.getMessage());
        assertEquals("IPv4 prefix length must be 0..32, was 33",
                assertThrows(IllegalArgumentException.class, () -> Persistence.ipv4Mask(33)).getMessage());
    }

    @Test
    void kernelBitsThatTheModelRejectsAreDroppedAndSchedulerFlagsKept() {
        ServiceKey tcp = ServiceKey.tcp("192.0.2.1", 80);
        // ONE_PACKET on TCP (another tool's doing) is dropped; flag-1 on rr is kept.
        Set<ServiceFlag> f = ServiceFlag.fromKernelBits(0x2 | 0x4 | 0x8, tcp, Scheduler.RR);
        assertEquals(Set.of(ServiceFlag.FLAG_1), f);
        assertEquals(Set.of(ServiceFlag.FLAG_2, ServiceFlag.FLAG_3),
                ServiceFlag.fromKernelBits(0x30, tcp, Scheduler.WLC));
        assertEquals(Set.of(ServiceFlag.SH_FALLBACK, ServiceFlag.FLAG_3),
                ServiceFlag.fromKernelBits(0x28, tcp, Scheduler.SH));
        assertEquals(0x39, ServiceFlag.modelBits(tcp));
        assertEquals(0x3d, ServiceFlag.modelBits(ServiceKey.udp("192.0.2.1", 53)));
        assertDoesNotThrow(() -> VirtualService.builder(tcp).scheduler(Scheduler.RR).flags(f).build());
        assertEquals(Set.of(ServiceFlag.ONE_PACKET, ServiceFlag.MH_PORT),
                ServiceFlag.fromKernelBits(0x4 | 0x10 | 0x2, ServiceKey.udp("192.0.2.1", 53), Scheduler.MH));
        assertEquals(Set.of(ServiceFlag.ONE_PACKET, ServiceFlag.PERSISTENT),
                ServiceFlag.fromKernelBits(0x5, ServiceKey.fwmark(1, AddressFamily.INET), Scheduler.WLC));
    }
}
