package io.ipvs4j.testing;

import io.ipvs4j.AlreadyExistsException;
import io.ipvs4j.Change;
import io.ipvs4j.ForeignEntry;
import io.ipvs4j.IpvsException;
import io.ipvs4j.IpvsTable;
import io.ipvs4j.Reconciler;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Stats;
import io.ipvs4j.model.VirtualService;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Foreign entries in the fake and next to the Reconciler. */
class ForeignEntryReconcilerTest {
    private static final ServiceKey MINE = ServiceKey.tcp("192.0.2.1", 80);
    private static final ServiceKey THEIRS = ServiceKey.tcp("192.0.2.2", 80);
    private static final RealServer A = RealServer.builder(Endpoint.of("198.51.100.3", 80)).weight(1).build();
    private static final RealServer B = RealServer.builder(Endpoint.of("198.51.100.4", 80)).weight(1).build();
    private static final Endpoint ODD = Endpoint.of("198.51.100.9", 80);

    private static final ForeignEntry NETMASK = ForeignEntry.service(THEIRS, new byte[] {1, 2, 3},
            "IPVS_SVC_ATTR_NETMASK", "255.0.255.0", "IPv4 persistence netmask is not contiguous");
    private static final ForeignEntry KEYLESS = new ForeignEntry(ForeignEntry.Kind.SERVICE, Optional.empty(),
            Optional.empty(), new byte[0], "IPVS_SVC_ATTR_AF", "7", "unknown family", List.of());

    private static ForeignEntry fwd5(ServiceKey key, Endpoint endpoint) {
        return ForeignEntry.realServer(key, endpoint, new byte[] {9}, "IPVS_DEST_ATTR_FWD_METHOD", "5",
                "unknown forwarding method");
    }

    private static Reconciler.DesiredService desired(ServiceKey key, RealServer... servers) {
        return new Reconciler.DesiredService(VirtualService.of(key, Scheduler.RR), List.of(servers));
    }

    /** MINE with A and a foreign real server; THEIRS foreign with B; a keyless foreign service. */
    private static InMemoryIpvs sharedTable() throws IpvsException {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ipvs.addService(VirtualService.of(MINE, Scheduler.RR));
        ipvs.addRealServer(MINE, A);
        ipvs.injectForeign(fwd5(MINE, ODD));
        ipvs.injectForeign(NETMASK.withRealServers(List.of(new RealServerStatus(B, 1, 2, 3, Stats.ZERO))));
        ipvs.injectForeign(KEYLESS);
        return ipvs;
    }

    @Test
    void foreignEntryCopiesAndBoundsItsAttributes() {
        byte[] raw = new byte[ForeignEntry.MAX_ATTRIBUTE_BYTES + 100];
        raw[0] = 42;
        ForeignEntry f = ForeignEntry.service(MINE, raw, "X", "1", "why");
        raw[0] = 0;
        assertEquals(42, f.attributes()[0], "copied on the way in");
        f.attributes()[0] = 0;
        assertEquals(42, f.attributes()[0], "copied on the way out");
        assertEquals(ForeignEntry.MAX_ATTRIBUTE_BYTES, f.attributes().length);
        assertEquals(raw.length, f.attributesLength());
        assertEquals(ForeignEntry.service(MINE, new byte[] {1}, "X", "1", "why"),
                ForeignEntry.service(MINE, new byte[] {1}, "X", "1", "why"));
        assertThrows(IllegalArgumentException.class, () -> new ForeignEntry(ForeignEntry.Kind.REAL_SERVER,
                Optional.empty(), Optional.of(ODD), new byte[0], "X", "1", "why", List.of()));
        assertTrue(NETMASK.toString().contains("IPVS_SVC_ATTR_NETMASK=255.0.255.0"), NETMASK.toString());
    }

    @Test
    void fakeListsForeignEntriesOnlyInTheTable() throws Exception {
        try (InMemoryIpvs ipvs = sharedTable()) {
            assertEquals(List.of(MINE), ipvs.services().stream().map(s -> s.key()).toList());
            assertEquals(Optional.empty(), ipvs.service(THEIRS));
            assertEquals(List.of(A), ipvs.realServers(MINE).stream().map(RealServerStatus::realServer).toList());
            assertEquals(List.of(B), ipvs.realServers(THEIRS).stream().map(RealServerStatus::realServer).toList());
            IpvsTable table = ipvs.table();
            assertEquals(ipvs.snapshot(), table.services());
            assertEquals(1, table.services().size());
            assertEquals(3, table.foreign().size(), table.foreign().toString());
            assertEquals(THEIRS, table.foreign().get(0).serviceKey().orElseThrow());
            assertEquals(List.of(B), table.foreign().get(0).realServers().stream().map(RealServerStatus::realServer).toList());
            assertArrayEquals(new byte[] {1, 2, 3}, table.foreign().get(0).attributes());
            assertEquals(KEYLESS, table.foreign().get(1));
            assertEquals(fwd5(MINE, ODD), table.foreign().get(2));
            assertEquals(List.of(fwd5(MINE, ODD)), table.foreignOf(MINE));
        }
    }

    @Test
    void fakeTreatsForeignKeysAsTakenAndReplaceable() throws Exception {
        try (InMemoryIpvs ipvs = sharedTable()) {
            assertThrows(AlreadyExistsException.class, () -> ipvs.addService(VirtualService.of(THEIRS, Scheduler.RR)));
            assertThrows(AlreadyExistsException.class, () -> ipvs.addRealServer(MINE, RealServer.of(ODD)));
            assertThrows(IllegalArgumentException.class,
                    () -> ipvs.updateServiceFlags(THEIRS, Set.of(ServiceFlag.ONE_PACKET), Set.of()));
            assertThrows(IllegalStateException.class, () -> ipvs.injectForeign(NETMASK));
            assertThrows(IllegalStateException.class, () -> ipvs.injectForeign(fwd5(ServiceKey.udp("192.0.2.9", 1), ODD)));
            ipvs.updateService(VirtualService.of(THEIRS, Scheduler.WLC));
            assertEquals(Scheduler.WLC, ipvs.service(THEIRS).orElseThrow().service().scheduler());
            ipvs.updateRealServer(MINE, RealServer.of(ODD));
            assertEquals(2, ipvs.realServers(MINE).size());
            assertEquals(List.of(KEYLESS), ipvs.table().foreign());
            ipvs.flush();
            assertEquals(new IpvsTable(List.of(), List.of()), ipvs.table());
        }
    }

    @Test
    void applyConvergesNextToForeignEntriesItDoesNotOwnAndReportsThem() throws Exception {
        try (InMemoryIpvs ipvs = sharedTable()) {
            ipvs.removeService(MINE);
            Reconciler r = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withOwned(MINE::equals));
            Reconciler.Result result = r.apply(List.of(desired(MINE, A)));
            assertTrue(result.isSuccess());
            assertEquals(List.of(new Change.AddService(VirtualService.of(MINE, Scheduler.RR)),
                    new Change.AddRealServer(MINE, A)), result.changes());
            assertEquals(2, result.foreign().size(), "the foreign service (with its real server) and the keyless one");
            assertTrue(result.foreignChanged().isEmpty());
            // Nothing foreign was touched.
            IpvsTable after = ipvs.table();
            assertEquals(List.of(NETMASK.withRealServers(List.of(new RealServerStatus(B, 1, 2, 3, Stats.ZERO))), KEYLESS),
                    after.foreign());
            assertTrue(r.apply(List.of(desired(MINE, A))).changes().isEmpty(), "converged");
            assertTrue(r.applyIncremental(List.of(desired(MINE, A))).changes().isEmpty());
            assertTrue(r.applyIncremental(List.of(desired(MINE, A)), List.of()).changes().isEmpty());
        }
    }

    @Test
    void foreignServiceIsRemovedOnlyWhenOwned() throws Exception {
        try (InMemoryIpvs ipvs = sharedTable()) {
            Reconciler notOwning = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withOwned(MINE::equals));
            assertTrue(notOwning.apply(List.of(desired(MINE, A))).changes().stream()
                    .noneMatch(c -> c instanceof Change.RemoveService));
            Reconciler owning = new Reconciler(ipvs, Reconciler.Options.DEFAULT);
            Reconciler.Result result = owning.apply(List.of(desired(MINE, A)));
            assertEquals(List.of(new Change.RemoveService(THEIRS)), result.changes());
            assertEquals(List.of(KEYLESS), result.foreign());
            assertEquals(THEIRS, result.foreignChanged().get(0).serviceKey().orElseThrow());
            assertEquals(List.of(KEYLESS), ipvs.table().foreign());
        }
    }

    @Test
    void desiredKeyHeldByAForeignServiceReplacesIt() throws Exception {
        try (InMemoryIpvs ipvs = sharedTable()) {
            Reconciler r = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withOwned(k -> false));
            Reconciler.Result result = r.apply(List.of(desired(MINE, A, RealServer.of(ODD)), desired(THEIRS, B, A)));
            assertTrue(result.isSuccess(), result.toString());
            assertEquals(List.of(new Change.UpdateRealServer(MINE, RealServer.of(ODD)),
                    new Change.UpdateService(VirtualService.of(THEIRS, Scheduler.RR)),
                    new Change.AddRealServer(THEIRS, A)), result.changes());
            assertEquals(List.of(KEYLESS), result.foreign());
            assertEquals(2, result.foreignChanged().size());
            assertEquals(List.of(KEYLESS), ipvs.table().foreign());
            assertEquals(VirtualService.of(THEIRS, Scheduler.RR), ipvs.service(THEIRS).orElseThrow().service());
            assertTrue(r.apply(List.of(desired(MINE, A, RealServer.of(ODD)), desired(THEIRS, B, A))).changes().isEmpty());
        }
    }

    @Test
    void unwantedForeignRealServerOfADesiredServiceIsRemovedButKeptWhenDraining() throws Exception {
        try (InMemoryIpvs ipvs = sharedTable()) {
            Reconciler draining = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withOwned(MINE::equals).withDrain(true));
            Reconciler.Result drained = draining.apply(List.of(desired(MINE, A)));
            assertTrue(drained.changes().isEmpty(), drained.changes().toString());
            assertTrue(drained.foreign().contains(fwd5(MINE, ODD)));
            Reconciler removing = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withOwned(MINE::equals));
            Reconciler.Result removed = removing.apply(List.of(desired(MINE, A)));
            assertEquals(List.of(new Change.RemoveRealServer(MINE, ODD)), removed.changes());
            assertEquals(List.of(fwd5(MINE, ODD)), removed.foreignChanged());
            assertTrue(ipvs.table().foreignOf(MINE).isEmpty());
        }
    }

    @Test
    void incrementalAppliesAfterAReadKeepTrackOfForeignEntries() throws Exception {
        try (InMemoryIpvs ipvs = sharedTable()) {
            Reconciler r = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withOwned(MINE::equals));
            r.apply(List.of(desired(MINE, A)));   // removes the foreign real server of MINE
            Reconciler.Result inc = r.applyIncremental(List.of(desired(MINE, A, B)));
            assertEquals(List.of(new Change.AddRealServer(MINE, B)), inc.changes());
            assertEquals(2, inc.foreign().size(), "still known from the last read: " + inc.foreign());
            // A delta naming the foreign service's key replaces it without a read.
            Reconciler.Result delta = r.applyIncremental(List.of(desired(THEIRS, B)), List.of());
            assertEquals(List.of(new Change.UpdateService(VirtualService.of(THEIRS, Scheduler.RR))), delta.changes());
            assertEquals(List.of(KEYLESS), ipvs.table().foreign());
        }
    }
}
