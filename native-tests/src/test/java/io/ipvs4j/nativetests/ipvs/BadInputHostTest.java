package io.ipvs4j.nativetests.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Thresholds;
import io.ipvs4j.model.VirtualService;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input never reaches the kernel: the model refuses it while the value is built, with a
 * message naming the field and the value. Host-only (no kernel needed); what the kernel itself
 * refuses is in {@link ErrorPathKernelTest}.
 */
class BadInputHostTest {

    private static void refused(String message, Executable build) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, build).getMessage());
    }

    @Test
    void portOutOfRange() {
        refused("port must be 0..65535, was 70000", () -> ServiceKey.tcp("192.0.2.100", 70000));
        refused("port must be 0..65535, was 70000", () -> Endpoint.of("198.51.100.3", 70000));
        refused("port must be 0..65535, was -1", () -> Endpoint.of("198.51.100.3", -1));
    }

    @Test
    void negativeWeight() {
        refused("weight must be 0..2147483647, was -1",
                () -> RealServer.builder(Endpoint.of("198.51.100.3", 80)).weight(-1));
    }

    @Test
    void lowerThresholdAboveUpper() {
        refused("lower threshold must be 0..100 (the upper threshold), was 101", () -> new Thresholds(100, 101));
        refused("lower threshold must be 0..0 (the upper threshold, 0 meaning no limit), was 5", () -> new Thresholds(0, 5));
        refused("upper threshold must be 0..2147483647, was 2147483648", () -> new Thresholds(1L << 31, 0));
    }

    @Test
    void schedulerNameTooLong() {
        refused("scheduler must be 1..15 characters, was \"abcdefghijklmnop\" (16)", () -> Scheduler.of("abcdefghijklmnop"));
    }

    @Test
    void ipv6PrefixZero() {
        refused("persistence netmaskBits must be 1..128 for IPv6, was 0",
                () -> VirtualService.builder(ServiceKey.tcp("2001:db8::1", 80))
                        .persistence(Persistence.of(Duration.ofSeconds(60), 0)).build());
        refused("persistence netmaskBits must be 0..32 for IPv4, was 33",
                () -> VirtualService.builder(ServiceKey.tcp("192.0.2.1", 80))
                        .persistence(Persistence.of(Duration.ofSeconds(60), 33)).build());
    }

    @Test
    void fwmarkZero() {
        refused("fwmark must be 1..4294967295, was 0", () -> ServiceKey.fwmark(0, AddressFamily.INET));
        refused("fwmark must be 1..4294967295, was 4294967296", () -> ServiceKey.fwmark(1L << 32, AddressFamily.INET6));
    }

    @Test
    void mixedFamilyWithoutTunnel() {
        refused("real server [2001:db8::3]:80 is IPv6 but service TCP 192.0.2.100:80 is IPv4;"
                        + " mixing families needs forwarding TUNNEL, was DIRECT_ROUTE",
                () -> RealServer.checkCompatible(ServiceKey.tcp("192.0.2.100", 80), RealServer.of(Endpoint.of("2001:db8::3", 80))));
    }
}
