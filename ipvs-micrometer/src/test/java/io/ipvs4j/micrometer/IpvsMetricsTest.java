package io.ipvs4j.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.Errno;
import io.ipvs4j.IpvsException;
import io.ipvs4j.IpvsTable;
import io.ipvs4j.Operation;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.Stats;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.testing.InMemoryIpvs;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IpvsMetricsTest {
    private static final ServiceKey.Inet WEB = ServiceKey.tcp("192.0.2.100", 80);
    private static final ServiceKey.Inet DNS = ServiceKey.udp("2001:db8::53", 53);
    private static final ServiceKey.Inet SIG = ServiceKey.sctp("192.0.2.100", 3868);
    private static final ServiceKey.FwMark MARK = ServiceKey.fwmark(7, AddressFamily.INET);
    private static final Endpoint RS1 = Endpoint.of("198.51.100.11", 8080);
    private static final Endpoint RS2 = Endpoint.of("198.51.100.12", 8080);
    private static final Endpoint RS6 = Endpoint.of("2001:db8:1::53", 53);

    /** An InMemoryIpvs that counts how often the binder asks it. */
    static final class CountingIpvs extends InMemoryIpvs {
        final AtomicInteger tables = new AtomicInteger();
        final AtomicInteger otherListings = new AtomicInteger();

        @Override
        public synchronized IpvsTable table() throws IpvsException {
            tables.incrementAndGet();
            return super.table();
        }

        @Override
        public synchronized List<ServiceStatus> services() throws IpvsException {
            otherListings.incrementAndGet();
            return super.services();
        }

        @Override
        public synchronized Optional<ServiceStatus> service(ServiceKey key) throws IpvsException {
            otherListings.incrementAndGet();
            return super.service(key);
        }

        @Override
        public synchronized List<RealServerStatus> realServers(ServiceKey key) throws IpvsException {
            otherListings.incrementAndGet();
            return super.realServers(key);
        }
    }

    private static IpvsMetrics manual(InMemoryIpvs ipvs) {
        return IpvsMetrics.builder(ipvs).refreshInterval(Duration.ZERO).build();
    }

    private static Stats stats(long base) {
        // distinct values per field, so a swapped field cannot pass
        return new Stats(base + 1, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7, base + 8, base + 9, base + 10);
    }

    private static double counter(SimpleMeterRegistry r, String name, Tags tags) {
        FunctionCounter c = r.find(name).tags(tags).functionCounter();
        assertNotNull(c, () -> "no counter " + name + " " + tags + " in " + names(r));
        return c.count();
    }

    private static double gauge(SimpleMeterRegistry r, String name, Tags tags) {
        Gauge g = r.find(name).tags(tags).gauge();
        assertNotNull(g, () -> "no gauge " + name + " " + tags + " in " + names(r));
        return g.value();
    }

    private static TreeSet<String> names(SimpleMeterRegistry r) {
        TreeSet<String> out = new TreeSet<>();
        for (Meter m : r.getMeters()) {
            out.add(m.getId().getName() + m.getId().getTags());
        }
        return out;
    }

    private static long metersTagged(SimpleMeterRegistry r, String key, String value) {
        return r.getMeters().stream().filter(m -> value.equals(m.getId().getTag(key))).count();
    }

    @Test
    void everyCounterRateConnectionCountAndWeightWithItsTags() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ipvs.addService(VirtualService.of(WEB, Scheduler.WRR));
        ipvs.addRealServer(WEB, RealServer.builder(RS1).weight(3).forwarding(ForwardingMethod.MASQUERADE).build());
        ipvs.setStats(WEB, stats(100));
        ipvs.setRealServerStatus(WEB, RS1, 11, 12, 13, stats(200));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (IpvsMetrics metrics = manual(ipvs)) {
            metrics.bindTo(registry);

            Tags svc = Tags.of("protocol", "tcp", "family", "ipv4", "service", "192.0.2.100:80", "scheduler", "wrr");
            assertEquals(101, counter(registry, "ipvs.service.connections", svc));
            assertEquals(102, counter(registry, "ipvs.service.packets", svc.and("direction", "in")));
            assertEquals(103, counter(registry, "ipvs.service.packets", svc.and("direction", "out")));
            assertEquals(104, counter(registry, "ipvs.service.bytes", svc.and("direction", "in")));
            assertEquals(105, counter(registry, "ipvs.service.bytes", svc.and("direction", "out")));
            assertEquals(106, gauge(registry, "ipvs.service.connections.per.second", svc));
            assertEquals(107, gauge(registry, "ipvs.service.packets.per.second", svc.and("direction", "in")));
            assertEquals(108, gauge(registry, "ipvs.service.packets.per.second", svc.and("direction", "out")));
            assertEquals(109, gauge(registry, "ipvs.service.bytes.per.second", svc.and("direction", "in")));
            assertEquals(110, gauge(registry, "ipvs.service.bytes.per.second", svc.and("direction", "out")));

            Tags rs = Tags.of("protocol", "tcp", "family", "ipv4", "service", "192.0.2.100:80", "realserver", "198.51.100.11:8080");
            assertEquals(201, counter(registry, "ipvs.realserver.connections", rs));
            assertEquals(202, counter(registry, "ipvs.realserver.packets", rs.and("direction", "in")));
            assertEquals(203, counter(registry, "ipvs.realserver.packets", rs.and("direction", "out")));
            assertEquals(204, counter(registry, "ipvs.realserver.bytes", rs.and("direction", "in")));
            assertEquals(205, counter(registry, "ipvs.realserver.bytes", rs.and("direction", "out")));
            assertEquals(206, gauge(registry, "ipvs.realserver.connections.per.second", rs));
            assertEquals(207, gauge(registry, "ipvs.realserver.packets.per.second", rs.and("direction", "in")));
            assertEquals(208, gauge(registry, "ipvs.realserver.packets.per.second", rs.and("direction", "out")));
            assertEquals(209, gauge(registry, "ipvs.realserver.bytes.per.second", rs.and("direction", "in")));
            assertEquals(210, gauge(registry, "ipvs.realserver.bytes.per.second", rs.and("direction", "out")));
            assertEquals(11, gauge(registry, "ipvs.realserver.active.connections", rs));
            assertEquals(12, gauge(registry, "ipvs.realserver.inactive.connections", rs));
            assertEquals(13, gauge(registry, "ipvs.realserver.persistent.connections", rs));
            assertEquals(3, gauge(registry, "ipvs.realserver.weight", rs));

            // 10 service meters + 14 real-server meters + the binder's two counters, exact tag sets
            assertEquals(26, registry.getMeters().size(), names(registry).toString());
            for (Meter m : registry.getMeters()) {
                String name = m.getId().getName();
                List<String> keys = m.getId().getTags().stream().map(Tag::getKey).sorted().toList();
                List<String> expected = new ArrayList<>(name.startsWith("ipvs.service.")
                        ? List.of("family", "protocol", "scheduler", "service")
                        : name.startsWith("ipvs.realserver.") ? List.of("family", "protocol", "realserver", "service") : List.of());
                if (name.endsWith(".packets") || name.endsWith(".bytes") || name.contains("packets.per") || name.contains("bytes.per")) {
                    expected.add("direction");
                }
                assertEquals(expected.stream().sorted().toList(), keys, name);
            }
            assertEquals("bytes", registry.find("ipvs.service.bytes").functionCounter().getId().getBaseUnit());
            assertEquals("packets", registry.find("ipvs.realserver.packets").functionCounter().getId().getBaseUnit());

            // values move with the next refresh, not before
            ipvs.setRealServerStatus(WEB, RS1, 1, 2, 3, stats(300));
            ipvs.updateRealServer(WEB, RealServer.builder(RS1).weight(0).forwarding(ForwardingMethod.MASQUERADE).build());
            assertEquals(201, counter(registry, "ipvs.realserver.connections", rs));
            assertTrue(metrics.refresh());
            assertEquals(301, counter(registry, "ipvs.realserver.connections", rs));
            assertEquals(1, gauge(registry, "ipvs.realserver.active.connections", rs));
            assertEquals(0, gauge(registry, "ipvs.realserver.weight", rs));
            assertEquals(2, counter(registry, "ipvs.refreshes", Tags.empty()));
        }
    }

    @Test
    void sctpFwmarkAndIpv6ServicesWithTheirRealServers() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ipvs.addService(VirtualService.of(SIG, Scheduler.RR));
        ipvs.addRealServer(SIG, RealServer.of(Endpoint.of("198.51.100.11", 3868)));
        ipvs.addService(VirtualService.of(MARK, Scheduler.SH));
        ipvs.addRealServer(MARK, RealServer.of(RS2));
        ServiceKey.FwMark mark6 = ServiceKey.fwmark(7, AddressFamily.INET6);
        ipvs.addService(VirtualService.of(mark6, Scheduler.LC));
        ipvs.addService(VirtualService.of(DNS, Scheduler.RR));
        ipvs.addRealServer(DNS, RealServer.of(RS6));
        ipvs.setStats(SIG, stats(10));
        ipvs.setStats(MARK, stats(20));
        ipvs.setRealServerStatus(MARK, RS2, 4, 5, 6, stats(30));
        ipvs.setStats(mark6, stats(40));
        ipvs.setRealServerStatus(DNS, RS6, 0, 9, 0, stats(50));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (IpvsMetrics metrics = manual(ipvs)) {
            metrics.bindTo(registry);
            Tags sctp = Tags.of("protocol", "sctp", "family", "ipv4", "service", "192.0.2.100:3868");
            assertEquals(11, counter(registry, "ipvs.service.connections", sctp.and("scheduler", "rr")));
            assertEquals(0, counter(registry, "ipvs.realserver.connections", sctp.and("realserver", "198.51.100.11:3868")));
            Tags fwm = Tags.of("protocol", "fwmark", "family", "ipv4", "service", "7");
            assertEquals(21, counter(registry, "ipvs.service.connections", fwm.and("scheduler", "sh")));
            assertEquals(31, counter(registry, "ipvs.realserver.connections", fwm.and("realserver", "198.51.100.12:8080")));
            assertEquals(4, gauge(registry, "ipvs.realserver.active.connections", fwm.and("realserver", "198.51.100.12:8080")));
            // the same mark in the other family is another service
            Tags fwm6 = Tags.of("protocol", "fwmark", "family", "ipv6", "service", "7", "scheduler", "lc");
            assertEquals(41, counter(registry, "ipvs.service.connections", fwm6));
            Tags udp6 = Tags.of("protocol", "udp", "family", "ipv6", "service", "[2001:db8::53]:53");
            assertEquals(58, gauge(registry, "ipvs.realserver.packets.per.second",
                    udp6.and("realserver", "[2001:db8:1::53]:53", "direction", "out")));
            assertEquals(9, gauge(registry, "ipvs.realserver.inactive.connections", udp6.and("realserver", "[2001:db8:1::53]:53")));
            // 4 services x 10, 3 real servers x 14, 2 of the binder
            assertEquals(4 * 10 + 3 * 14 + 2, registry.getMeters().size());
        }
    }

    @Test
    void servicesAndRealServersThatAppearGetMetersThoseThatVanishLoseThem() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        ipvs.addRealServer(WEB, RealServer.of(RS1));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (IpvsMetrics metrics = manual(ipvs)) {
            metrics.bindTo(registry);
            assertEquals(14, metersTagged(registry, "realserver", "198.51.100.11:8080"));
            assertEquals(0, metersTagged(registry, "realserver", "198.51.100.12:8080"));

            ipvs.addRealServer(WEB, RealServer.of(RS2));
            ipvs.addService(VirtualService.of(SIG, Scheduler.RR));
            assertEquals(0, metersTagged(registry, "realserver", "198.51.100.12:8080"), "no meters before the refresh");
            metrics.refresh();
            assertEquals(14, metersTagged(registry, "realserver", "198.51.100.12:8080"));
            assertEquals(10, metersTagged(registry, "service", "192.0.2.100:3868"));

            ipvs.removeRealServer(WEB, RS1);
            ipvs.removeService(SIG);
            metrics.refresh();
            assertEquals(0, metersTagged(registry, "realserver", "198.51.100.11:8080"));
            assertEquals(0, metersTagged(registry, "service", "192.0.2.100:3868"));
            assertEquals(14, metersTagged(registry, "realserver", "198.51.100.12:8080"));

            // a changed scheduler is a new tag set: the old service meters go, the real server's stay
            ipvs.updateService(VirtualService.of(WEB, Scheduler.WLC));
            metrics.refresh();
            assertEquals(0, metersTagged(registry, "scheduler", "rr"));
            assertEquals(10, metersTagged(registry, "scheduler", "wlc"));
            assertEquals(14, metersTagged(registry, "realserver", "198.51.100.12:8080"));

            ipvs.flush();
            metrics.refresh();
            assertEquals(List.of("ipvs.refresh.failures", "ipvs.refreshes"),
                    registry.getMeters().stream().map(m -> m.getId().getName()).sorted().toList());
        }
    }

    @Test
    void oneListingPerRefreshNoKernelCallWhenMetersAreRead() throws Exception {
        CountingIpvs ipvs = new CountingIpvs();
        for (int port = 1; port <= 5; port++) {
            ServiceKey key = ServiceKey.tcp("192.0.2.100", port);
            ipvs.addService(VirtualService.of(key, Scheduler.RR));
            ipvs.addRealServer(key, RealServer.of(RS1));
            ipvs.addRealServer(key, RealServer.of(RS2));
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (IpvsMetrics metrics = manual(ipvs)) {
            metrics.bindTo(registry);
            metrics.refresh();
            double sum = 0;
            for (Meter m : registry.getMeters()) {
                for (var measurement : m.measure()) {
                    sum += measurement.getValue();
                }
            }
            assertTrue(sum >= 0);
            assertEquals(2, ipvs.tables.get(), "bindTo and refresh: one table listing each");
            assertEquals(0, ipvs.otherListings.get(), "no per-service or per-meter listing");
        }
    }

    @Test
    void aFailingListingIsCountedNotThrownAndTheMetersKeepTheirValues() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        ipvs.setStats(WEB, stats(100));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (IpvsMetrics metrics = manual(ipvs)) {
            ipvs.failNext(Operation.LIST_SERVICES, Errno.ENOMEM);
            metrics.bindTo(registry); // the first listing fails: no exception into Micrometer
            assertEquals(1, counter(registry, "ipvs.refresh.failures", Tags.empty()));
            assertEquals(1, metrics.failures());
            assertNull(registry.find("ipvs.service.connections").functionCounter());

            assertTrue(metrics.refresh());
            Tags svc = Tags.of("service", "192.0.2.100:80");
            assertEquals(101, counter(registry, "ipvs.service.connections", svc));

            ipvs.setStats(WEB, stats(500));
            ipvs.failNext(Operation.LIST_SERVICES, Errno.EPERM);
            assertFalse(metrics.refresh());
            assertEquals(2, counter(registry, "ipvs.refresh.failures", Tags.empty()));
            assertEquals(101, counter(registry, "ipvs.service.connections", svc), "the last listing's values");

            // a closed Ipvs (IllegalStateException) is a failure too, not an exception
            ipvs.close();
            assertFalse(metrics.refresh());
            assertEquals(3, metrics.failures());
            assertEquals(1, counter(registry, "ipvs.refreshes", Tags.empty()));
        }
    }

    @Test
    void prefixAndExtraTagsOnEveryMeterAndBadOptionsNamed() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        ipvs.addRealServer(WEB, RealServer.of(RS1));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (IpvsMetrics metrics = IpvsMetrics.builder(ipvs).refreshInterval(Duration.ZERO).prefix("lb.ipvs")
                .tag("site", "ams1").tags(Tags.of("director", "lb1")).build()) {
            metrics.bindTo(registry);
            assertEquals(26, registry.getMeters().size());
            for (Meter m : registry.getMeters()) {
                assertTrue(m.getId().getName().startsWith("lb.ipvs."), m.getId().getName());
                assertEquals("ams1", m.getId().getTag("site"), m.getId().toString());
                assertEquals("lb1", m.getId().getTag("director"), m.getId().toString());
            }
        }
        IpvsMetrics.Builder b = IpvsMetrics.builder(ipvs);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.prefix("IPVS metrics"));
        assertTrue(e.getMessage().contains("prefix") && e.getMessage().contains("IPVS metrics"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.refreshInterval(Duration.ofSeconds(-1)));
        assertTrue(e.getMessage().contains("refreshInterval") && e.getMessage().contains("PT-1S"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.tag("service", "x"));
        assertTrue(e.getMessage().contains("\"service\""), e.getMessage());
        assertThrows(NullPointerException.class, () -> IpvsMetrics.builder(null));
    }

    @Test
    void severalRegistriesAndCloseRemovesEverythingAndStopsRefreshing() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        SimpleMeterRegistry one = new SimpleMeterRegistry();
        SimpleMeterRegistry two = new SimpleMeterRegistry();
        IpvsMetrics metrics = manual(ipvs);
        metrics.bindTo(one);
        metrics.bindTo(two);
        metrics.bindTo(two); // again: nothing doubled
        ipvs.setStats(WEB, stats(0));
        metrics.refresh();
        assertEquals(1, counter(one, "ipvs.service.connections", Tags.empty()));
        assertEquals(1, counter(two, "ipvs.service.connections", Tags.empty()));
        assertEquals(12, two.getMeters().size());

        metrics.close();
        metrics.close();
        assertEquals(0, one.getMeters().size(), names(one).toString());
        assertEquals(0, two.getMeters().size(), names(two).toString());
        assertFalse(metrics.refresh());
        assertThrows(IllegalStateException.class, () -> metrics.bindTo(new SimpleMeterRegistry()));
        assertFalse(ipvs.isClosed(), "the Ipvs is the caller's");
    }

    /** Captures the scheduled refresh instead of running it on a clock. */
    static final class CapturingScheduler extends ScheduledThreadPoolExecutor {
        Runnable task;
        long periodNanos;
        ScheduledFuture<?> future;

        CapturingScheduler() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
            task = command;
            periodNanos = unit.toNanos(delay);
            future = new CancellableFuture();
            return future;
        }
    }

    static final class CancellableFuture implements ScheduledFuture<Object> {
        volatile boolean cancelled;

        @Override public long getDelay(TimeUnit unit) { return 0; }
        @Override public int compareTo(Delayed o) { return 0; }
        @Override public boolean cancel(boolean mayInterruptIfRunning) { cancelled = true; return true; }
        @Override public boolean isCancelled() { return cancelled; }
        @Override public boolean isDone() { return cancelled; }
        @Override public Object get() { return null; }
        @Override public Object get(long timeout, TimeUnit unit) { return null; }
    }

    @Test
    void theScheduledRefreshRunsEveryIntervalAndCloseCancelsIt() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        CapturingScheduler scheduler = new CapturingScheduler();
        try {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            IpvsMetrics metrics = IpvsMetrics.builder(ipvs).refreshInterval(Duration.ofSeconds(15)).executor(scheduler).build();
            metrics.bindTo(registry);
            assertEquals(TimeUnit.SECONDS.toNanos(15), scheduler.periodNanos);
            ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
            assertNull(registry.find("ipvs.service.connections").functionCounter());
            scheduler.task.run();
            assertNotNull(registry.find("ipvs.service.connections").functionCounter());
            // a failing listing inside the scheduled task does not escape it (it would end the schedule)
            ipvs.failNext(Operation.LIST_SERVICES, Errno.ENOMEM);
            scheduler.task.run();
            assertEquals(1, metrics.failures());
            metrics.close();
            assertTrue(scheduler.future.isCancelled());
            assertFalse(scheduler.isShutdown(), "a supplied executor is the caller's");
            scheduler.task.run(); // a run racing with close() does nothing
            assertEquals(0, registry.getMeters().size());
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void countersPast2To63StayPositive() {
        assertEquals(0x1p64 - 1, IpvsMetrics.unsigned(-1L));
        assertEquals(42.0, IpvsMetrics.unsigned(42L));
        assertEquals(0x1p63, IpvsMetrics.unsigned(Long.MIN_VALUE));
    }
}
