package io.ipvs4j.director.controller;

import static io.ipvs4j.director.controller.TestBackends.WEB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.keepalived.DesiredState;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.testing.InMemoryIpvs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ownership that survives a restart: the state file, and what a restart removes and keeps. */
class OwnershipTest {
    private static final ServiceKey OLD = ServiceKey.tcp("192.0.2.101", 80);
    private static final ServiceKey FOREIGN = ServiceKey.tcp("198.51.100.7", 443);
    private static final InterfaceAddress FOREIGN_VIP = InterfaceAddress.of("eth0", "198.51.100.7/32");

    @TempDir
    Path dir;

    /** Run 1: VIPs .100 and .101, services WEB and OLD. */
    private static String firstConfig(TestBackends rs) {
        return "static_ipaddress {\n 192.0.2.100/24 dev eth0 label eth0:1\n 192.0.2.101/24 dev eth0\n}\n"
                + rs.conf("")
                + "virtual_server 192.0.2.101 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n"
                + " real_server 192.0.2.50 80 { weight 1 }\n}\n";
    }

    /** Run 2, after a config change: only VIP .100 and WEB. */
    private static String secondConfig(TestBackends rs) {
        return "static_ipaddress {\n 192.0.2.100/24 dev eth0 label eth0:1\n}\n" + rs.conf("");
    }

    private static DesiredState desired(String conf) throws Exception {
        return KeepalivedConverter.toDesiredState(KeepalivedParser.parse(conf));
    }

    private static Set<ServiceKey> services(InMemoryIpvs ipvs) throws Exception {
        return ipvs.services().stream().map(ServiceStatus::key).collect(Collectors.toSet());
    }

    private static InMemoryIpvs tableWithForeignService() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ipvs.addService(VirtualService.of(FOREIGN, Scheduler.RR));
        ipvs.addRealServer(FOREIGN, RealServer.of(Endpoint.of("198.51.100.8", 443)));
        return ipvs;
    }

    @Test
    void restartWithAChangedConfigRemovesWhatItOwnedAndNothingElse() throws Exception {
        Path state = dir.resolve("lib/ipvs4j/director.state");
        InMemoryIpvs ipvs = tableWithForeignService();
        LvsControllerTest.FakeAddresses addrs = new LvsControllerTest.FakeAddresses("eth0");
        addrs.ensurePresent(FOREIGN_VIP);
        try (TestBackends rs = new TestBackends()) {
            LvsController first = LvsController.builder(ipvs, desired(firstConfig(rs))).addresses(addrs)
                    .stateFile(state).build();
            first.start();
            first.close();   // stopped without --remove-on-exit: everything stays, as keepalived leaves it
            assertEquals(Set.of(FOREIGN, WEB, OLD), services(ipvs));
            OwnershipState recorded = OwnershipState.load(state);
            assertEquals(Set.of(WEB, OLD), recorded.services().keySet());
            assertEquals(List.of(Endpoint.of("192.0.2.50", 80)), recorded.services().get(OLD));
            assertEquals(2, recorded.vips().size());
            assertEquals("rwx------",
                    java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(state.getParent())),
                    "the state directory it created is the owner's only");

            try (LvsController second = LvsController.builder(ipvs, desired(secondConfig(rs))).addresses(addrs)
                    .stateFile(state).build()) {
                second.start();
                assertEquals(Set.of(FOREIGN, WEB), services(ipvs), "OLD (owned, no longer configured) is removed");
                assertEquals(1, ipvs.realServers(FOREIGN).size(), "the foreign service is untouched");
                assertEquals(Set.of("192.0.2.100/24", "198.51.100.7/32"),
                        addrs.present.stream().map(InterfaceAddress::cidr).collect(Collectors.toSet()),
                        "the VIP .101 of the previous run is taken down, the foreign address stays");
                assertEquals(Set.of(WEB), OwnershipState.load(state).services().keySet());
                assertEquals(List.of("192.0.2.100/24"),
                        OwnershipState.load(state).vips().stream().map(InterfaceAddress::cidr).toList());
            }
        }
    }

    @Test
    void withoutAStateFileARestartCannotKnowWhatThePreviousRunOwned() throws Exception {
        InMemoryIpvs ipvs = tableWithForeignService();
        LvsControllerTest.FakeAddresses addrs = new LvsControllerTest.FakeAddresses("eth0");
        try (TestBackends rs = new TestBackends()) {
            LvsController first = LvsController.builder(ipvs, desired(firstConfig(rs))).addresses(addrs).build();
            first.start();
            first.close();
            try (LvsController second = LvsController.builder(ipvs, desired(secondConfig(rs))).addresses(addrs)
                    .build()) {
                second.start();
                assertEquals(Set.of(FOREIGN, WEB, OLD), services(ipvs), "OLD is left: nothing says it was ours");
            }
        }
    }

    @Test
    void removeOnExitEmptiesTheStateFile() throws Exception {
        Path state = dir.resolve("director.state");
        InMemoryIpvs ipvs = tableWithForeignService();
        LvsControllerTest.FakeAddresses addrs = new LvsControllerTest.FakeAddresses("eth0");
        try (TestBackends rs = new TestBackends()) {
            LvsController c = LvsController.builder(ipvs, desired(firstConfig(rs))).addresses(addrs)
                    .stateFile(state).removeOnExit(true).build();
            c.start();
            c.close();
        }
        assertEquals(Set.of(FOREIGN), services(ipvs));
        assertEquals(OwnershipState.EMPTY, OwnershipState.load(state));
    }

    @Test
    void stateFileRoundTripsAndABadLineIsAnErrorNamingIt() throws Exception {
        Path f = dir.resolve("s.state");
        OwnershipState s = new OwnershipState(Map.of(
                ServiceKey.udp("2001:db8::1", 53), List.of(Endpoint.of("2001:db8::2", 53)),
                ServiceKey.fwmark(7, io.ipvs4j.model.AddressFamily.INET6), List.of()),
                List.of(InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1"),
                        InterfaceAddress.of("eth1", "2001:db8::1/64")));
        s.save(f);
        OwnershipState back = OwnershipState.load(f);
        assertEquals(s.services(), back.services());
        assertEquals(s.vips().stream().map(InterfaceAddress::toString).toList(),
                back.vips().stream().map(InterfaceAddress::toString).toList());
        assertEquals(OwnershipState.EMPTY, OwnershipState.load(dir.resolve("missing")), "first run");

        Files.writeString(f, "# comment\nservice tcp 192.0.2.1 80\nreal 192.0.2.2 99999\n");
        IOException e = assertThrows(IOException.class, () -> OwnershipState.load(f));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }
}
