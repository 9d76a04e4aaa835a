package io.ipvs4j.director.controller;

import static io.ipvs4j.director.controller.TestBackends.WEB;
import static io.ipvs4j.director.controller.TestBackends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.IpvsException;
import io.ipvs4j.NotFoundException;
import io.ipvs4j.Reconciler;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.director.keepalived.DesiredState;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.host.Link;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.testing.InMemoryIpvs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class LvsControllerTest {

    @Test
    void failingRealServerIsRemovedAndComesBackWhenItPassesAgain() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends();
             LvsController c = LvsController.builder(ipvs, rs.desired("")).debounce(java.time.Duration.ofMillis(20))
                     .build()) {
            c.start();
            assertEquals(Map.of(rs.a.endpoint(), 2, rs.b.endpoint(), 3), TestBackends.weights(ipvs, WEB),
                    "started UP: both in the table at once with their configured weights");
            assertEquals(Scheduler.WRR, ipvs.service(WEB).orElseThrow().service().scheduler());

            rs.b.status.set(503);
            Map<String, Integer> down = await(ipvs, w -> w.size() == 1, "b removed");
            assertEquals(Map.of(rs.a.endpoint(), 2), down);
            assertEquals(CheckState.DOWN, c.backendsSnapshot().get(new LvsController.BackendKey(WEB,
                    Endpoint.of("127.0.0.1", rs.b.port()))));

            rs.b.status.set(200);
            assertEquals(Map.of(rs.a.endpoint(), 2, rs.b.endpoint(), 3), await(ipvs, w -> w.size() == 2, "b back"));
        }
    }

    @Test
    void inhibitOnFailureKeepsTheServerWithWeightZero() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends();
             LvsController c = LvsController.builder(ipvs, rs.desired("  inhibit_on_failure\n")).build()) {
            c.start();
            rs.a.close();   // connection refused from now on
            Map<String, Integer> w = await(ipvs, x -> x.get(rs.a.endpoint()) == 0, "a at weight 0");
            assertEquals(Map.of(rs.a.endpoint(), 0, rs.b.endpoint(), 3), w);
        }
    }

    @Test
    void restartTakesOverWithoutFlushingWhatItDoesNotOwn() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ServiceKey foreign = ServiceKey.tcp("198.51.100.7", 443);
        ipvs.addService(VirtualService.of(foreign, Scheduler.RR));
        ipvs.addRealServer(foreign, RealServer.of(Endpoint.of("198.51.100.8", 443)));
        try (TestBackends rs = new TestBackends()) {
            // a previous run left our service with a real server that is no longer configured
            ipvs.addService(VirtualService.of(WEB, Scheduler.WRR));
            ipvs.addRealServer(WEB, RealServer.builder(Endpoint.of("127.0.0.1", 1))
                    .forwarding(ForwardingMethod.MASQUERADE).build());

            LvsController first = LvsController.builder(ipvs, rs.desired("")).build();
            first.start();
            assertEquals(Map.of(rs.a.endpoint(), 2, rs.b.endpoint(), 3), TestBackends.weights(ipvs, WEB),
                    "the stale real server of our own service is gone");
            assertEquals(1, ipvs.realServers(foreign).size(), "the foreign service is untouched");
            first.close();   // removeOnExit(false): the rules stay
            assertEquals(2, ipvs.realServers(WEB).size());

            try (LvsController second = LvsController.builder(ipvs, rs.desired("")).build()) {
                second.start();
                Reconciler.Result r = second.reconcileNow();
                assertEquals(List.of(), r.changes(), "nothing to change after a restart");
                assertEquals(2, ipvs.realServers(WEB).size());
            }
        }
        assertEquals(2, ipvs.services().size());
    }

    @Test
    void removeOnExitRemovesOwnServicesAndVipsOnly() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ServiceKey foreign = ServiceKey.tcp("198.51.100.7", 443);
        ipvs.addService(VirtualService.of(foreign, Scheduler.RR));
        FakeAddresses addrs = new FakeAddresses("eth0");
        try (TestBackends rs = new TestBackends()) {
            String conf = "static_ipaddress { 192.0.2.100/24 dev eth0 label eth0:1 }\n" + rs.conf("");
            DesiredState desired = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(conf));
            LvsController c = LvsController.builder(ipvs, desired).addresses(addrs).removeOnExit(true).build();
            c.start();
            assertEquals(List.of(InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1")), addrs.present);
            assertEquals(2, ipvs.services().size());
            c.close();
            assertEquals(List.of(foreign), ipvs.services().stream().map(s -> s.key()).toList());
            assertEquals(List.of(), addrs.present);
        }
    }

    @Test
    void vipsNeedAnAddressClientAndADevice() throws Exception {
        try (TestBackends rs = new TestBackends()) {
            DesiredState withVip = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(
                    "static_ipaddress { 192.0.2.100/24 dev eth0 }\n" + rs.conf("")));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LvsController.builder(new InMemoryIpvs(), withVip).build());
            assertTrue(e.getMessage().contains("static_ipaddress"), e.getMessage());

            DesiredState noDev = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(
                    "static_ipaddress { 192.0.2.100/24 }\n" + rs.conf("")));
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> LvsController.builder(new InMemoryIpvs(), noDev).addresses(new FakeAddresses("eth0")).build());
            assertTrue(e2.getMessage().contains("dev INTERFACE") && e2.getMessage().contains("line 1"), e2.getMessage());
        }
    }

    @Test
    void operatorOverridesDrainAndEnable() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends();
             LvsController c = LvsController.builder(ipvs, rs.desired("")).build()) {
            c.start();
            Endpoint a = Endpoint.of("127.0.0.1", rs.a.port());
            c.setWeight(WEB, a, 7);
            assertEquals(7, TestBackends.weights(ipvs, WEB).get(rs.a.endpoint()));
            c.drain(WEB, a);
            assertEquals(0, TestBackends.weights(ipvs, WEB).get(rs.a.endpoint()));
            c.enable(WEB, a);
            assertEquals(2, TestBackends.weights(ipvs, WEB).get(rs.a.endpoint()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.drain(WEB, Endpoint.of("127.0.0.1", 9)));
            assertTrue(e.getMessage().contains("no real server 127.0.0.1:9"), e.getMessage());
        }
    }

    @Test
    void reloadSwitchesConfigurationAndRemovesDroppedServices() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends()) {
            String[] text = {rs.conf("") + "virtual_server 192.0.2.101 80 { lb_algo rr protocol TCP }\n"};
            LvsController.ConfigSource source = () -> KeepalivedConverter.toDesiredState(KeepalivedParser.parse(text[0]));
            try (LvsController c = LvsController.builder(ipvs, source).build()) {
                c.start();
                assertEquals(2, ipvs.services().size());
                text[0] = rs.conf("");
                c.reload();
                assertEquals(List.of(WEB), ipvs.services().stream().map(s -> s.key()).toList(),
                        "a service dropped from the configuration is removed on reload");
                text[0] = "virtual_server {";
                assertThrows(Exception.class, c::reload);
                assertEquals(2, ipvs.realServers(WEB).size(), "a broken configuration changes nothing");
            }
        }
    }

    @Test
    void sorryServerReplacesTheRealServersWhenTheQuorumIsLost() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends()) {
            String conf = rs.conf("").replace(" protocol TCP\n", " protocol TCP\n sorry_server 127.0.0.1 9\n quorum 3\n");
            DesiredState desired = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(conf));
            try (LvsController c = LvsController.builder(ipvs, desired).debounce(java.time.Duration.ZERO).build()) {
                c.start();
                assertEquals(Map.of(rs.a.endpoint(), 2, rs.b.endpoint(), 3), TestBackends.weights(ipvs, WEB),
                        "alive weight 5 >= quorum 3: no sorry server");
                rs.b.status.set(500);
                // alive weight 2 < quorum 3: the sorry server joins the one that is left
                assertEquals(Map.of(rs.a.endpoint(), 2, "127.0.0.1:9", 1),
                        await(ipvs, w -> w.containsKey("127.0.0.1:9"), "sorry server in"));
                assertTrue(c.view().get(0).backends().stream().anyMatch(v -> v.sorryServer() && v.kernel().isPresent()));
                rs.b.status.set(200);
                assertEquals(Map.of(rs.a.endpoint(), 2, rs.b.endpoint(), 3),
                        await(ipvs, w -> !w.containsKey("127.0.0.1:9") && w.size() == 2, "sorry server out"));
            }
        }
    }

    @Test
    void kernelFailureIsReportedAndRepairedByTheNextApply() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends();
             LvsController c = LvsController.builder(ipvs, rs.desired("")).build()) {
            c.start();
            ipvs.removeService(WEB);   // someone flushed our service behind our back
            Reconciler.Result r = c.reconcileNow();
            assertEquals(3, r.changes().size(), "service and both real servers restored: " + r.changes());
            assertEquals(2, ipvs.realServers(WEB).size());
        }
    }

    @Test
    void operatorChangesActOnTheKernelsTableNotOnACachedView() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (TestBackends rs = new TestBackends();
             LvsController c = LvsController.builder(ipvs, rs.desired("")).resyncInterval(java.time.Duration.ofHours(1))
                     .fullResyncEvery(1000).build()) {
            c.start();
            Endpoint a = Endpoint.of("127.0.0.1", rs.a.port());
            Endpoint b = Endpoint.of("127.0.0.1", rs.b.port());

            ipvs.removeRealServer(WEB, b);   // behind the controller's back
            c.setWeight(WEB, a, 7);
            assertEquals(Map.of(rs.a.endpoint(), 7, rs.b.endpoint(), 3), TestBackends.weights(ipvs, WEB),
                    "the weight applied and b, removed behind its back, restored");

            ipvs.removeRealServer(WEB, b);
            c.drain(WEB, a);
            assertEquals(Map.of(rs.a.endpoint(), 0, rs.b.endpoint(), 3), TestBackends.weights(ipvs, WEB));

            ipvs.removeRealServer(WEB, b);
            c.enable(WEB, a);
            assertEquals(Map.of(rs.a.endpoint(), 2, rs.b.endpoint(), 3), TestBackends.weights(ipvs, WEB));
        }
    }

    /** InterfaceAddresses over a list, for VIP tests without a network namespace. */
    static final class FakeAddresses implements InterfaceAddresses {
        final String iface;
        final List<InterfaceAddress> present = new CopyOnWriteArrayList<>();

        FakeAddresses(String iface) {
            this.iface = iface;
        }

        @Override
        public List<Link> links() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Link link(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean ensureDummy(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean ensureUp(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<InterfaceAddress> addresses() {
            return List.copyOf(present);
        }

        @Override
        public List<InterfaceAddress> addresses(String interfaceName) throws IpvsException {
            return new ArrayList<>(present.stream().filter(a -> a.interfaceName().equals(interfaceName)).toList());
        }

        @Override
        public void add(InterfaceAddress address) throws IpvsException {
            if (!ensurePresent(address)) {
                throw new UnsupportedOperationException("exists");
            }
        }

        @Override
        public void remove(InterfaceAddress address) throws IpvsException {
            if (!ensureAbsent(address)) {
                throw new UnsupportedOperationException("absent");
            }
        }

        @Override
        public boolean ensurePresent(InterfaceAddress address) throws IpvsException {
            if (!address.interfaceName().equals(iface)) {
                throw new NotFoundException(io.ipvs4j.Operation.ADD_ADDRESS, address.toString(), "no such device",
                        io.ipvs4j.Errno.ENODEV, null);
            }
            if (present.stream().anyMatch(a -> a.sameAssignment(address))) {
                return false;
            }
            present.add(address);
            return true;
        }

        @Override
        public boolean ensureAbsent(InterfaceAddress address) {
            return present.removeIf(a -> a.sameAssignment(address));
        }

        @Override
        public void close() {
        }
    }
}
