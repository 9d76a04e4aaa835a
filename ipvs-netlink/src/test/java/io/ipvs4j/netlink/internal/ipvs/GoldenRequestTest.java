package io.ipvs4j.netlink.internal.ipvs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.model.SyncState;
import io.ipvs4j.model.Timeouts;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.netlink.internal.nl.Fixtures;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import io.ipvs4j.netlink.internal.nl.Nl;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Requests encoded by ipvs4j compared with what ipvsadm sent to the kernel (captured bytes),
 * with sequence number and port id masked. Where ipvsadm sends more than the kernel reads (a
 * full service entry in real-server requests), the attributes the kernel uses are compared.
 */
class GoldenRequestTest {
    private static final int FAMILY = 0x21;   // the IPVS family id in the captures
    private static final ServiceKey WEB = ServiceKey.tcp("192.0.2.100", 80);

    private static byte[] encode(int cmd, int flags, Consumer<MessageWriter> body) {
        MessageWriter w = new MessageWriter(4096);
        int start = IpvsCodec.begin(w, FAMILY, cmd, flags, 0);
        body.accept(w);
        w.endMessage(start);
        byte[] out = new byte[w.size()];
        w.buffer().get(0, out);
        return out;
    }

    private static void assertExact(String fixture, byte[] actual) {
        byte[] expected = Fixtures.masked(Fixtures.lastIpvsRequest(fixture).bytes());
        assertEquals(HexFormat.of().formatHex(expected), HexFormat.of().formatHex(Fixtures.masked(actual)), fixture);
    }

    /** Same header and same DEST nest; the service nest carries at least the identity ipvsadm sent. */
    private static void assertSameDestRequest(String fixture, byte[] actual) {
        byte[] expected = Fixtures.lastIpvsRequest(fixture).bytes();
        assertArrayEquals(java.util.Arrays.copyOfRange(expected, 4, 8), java.util.Arrays.copyOfRange(actual, 4, 8), "type/flags");
        assertEquals(expected[16], actual[16], "genl cmd");
        Map<Integer, byte[]> e = Fixtures.attributes(expected, 20, expected.length);
        Map<Integer, byte[]> a = Fixtures.attributes(actual, 20, actual.length);
        assertEquals(HexFormat.of().formatHex(e.get(IpvsUapi.CMD_ATTR_DEST)),
                HexFormat.of().formatHex(a.get(IpvsUapi.CMD_ATTR_DEST)), fixture + " DEST");
        byte[] es = e.get(IpvsUapi.CMD_ATTR_SERVICE);
        byte[] as = a.get(IpvsUapi.CMD_ATTR_SERVICE);
        Map<Integer, byte[]> eSvc = Fixtures.attributes(es, 4, es.length);
        Map<Integer, byte[]> aSvc = Fixtures.attributes(as, 4, as.length);
        for (int identity : new int[] {IpvsUapi.SVC_ATTR_AF, IpvsUapi.SVC_ATTR_PROTOCOL, IpvsUapi.SVC_ATTR_ADDR, IpvsUapi.SVC_ATTR_PORT}) {
            assertArrayEquals(eSvc.get(identity), aSvc.get(identity), fixture + " service attribute " + identity);
        }
    }

    @Test
    void addTcpService() {
        VirtualService s = VirtualService.builder(WEB).scheduler(Scheduler.RR).build();
        assertExact("02-add-service-tcp", encode(IpvsUapi.CMD_NEW_SERVICE, Nl.NLM_F_ACK,
                w -> IpvsCodec.serviceFull(w, s, s.flagBits(), -1)));
    }

    @Test
    void addUdpService() {
        VirtualService s = VirtualService.builder(ServiceKey.udp("192.0.2.100", 53)).scheduler(Scheduler.RR).build();
        assertExact("03-add-service-udp", encode(IpvsUapi.CMD_NEW_SERVICE, Nl.NLM_F_ACK,
                w -> IpvsCodec.serviceFull(w, s, s.flagBits(), -1)));
    }

    @Test
    void addFwmarkService() {
        VirtualService s = VirtualService.builder(ServiceKey.fwmark(1, AddressFamily.INET)).scheduler(Scheduler.RR).build();
        assertExact("04-add-service-fwmark", encode(IpvsUapi.CMD_NEW_SERVICE, Nl.NLM_F_ACK,
                w -> IpvsCodec.serviceFull(w, s, s.flagBits(), -1)));
    }

    @Test
    void addIpv6PersistentService() {
        VirtualService s = VirtualService.builder(ServiceKey.tcp("2001:db8::100", 443))
                .scheduler(Scheduler.WLC).persistence(Persistence.of(Duration.ofSeconds(300))).build();
        assertExact("05-add-service-ipv6", encode(IpvsUapi.CMD_NEW_SERVICE, Nl.NLM_F_ACK,
                w -> IpvsCodec.serviceFull(w, s, s.flagBits(), -1)));
    }

    @Test
    void editService() {
        VirtualService s = VirtualService.builder(WEB).scheduler(Scheduler.WRR).build();
        assertExact("11-edit-service", encode(IpvsUapi.CMD_SET_SERVICE, Nl.NLM_F_ACK,
                w -> IpvsCodec.serviceFull(w, s, s.flagBits(), -1)));
    }

    @Test
    void realServerRequests() {
        RealServer dr = RealServer.builder(Endpoint.of("198.51.100.3", 80)).weight(1).forwarding(ForwardingMethod.DIRECT_ROUTE).build();
        assertSameDestRequest("06-add-dest-dr", encode(IpvsUapi.CMD_NEW_DEST, Nl.NLM_F_ACK, w -> {
            IpvsCodec.serviceIdentity(w, WEB);
            IpvsCodec.destFull(w, dr);
        }));
        RealServer masq = RealServer.builder(Endpoint.of("198.51.100.4", 8080)).weight(1).forwarding(ForwardingMethod.MASQUERADE).build();
        assertSameDestRequest("07-add-dest-masq", encode(IpvsUapi.CMD_NEW_DEST, Nl.NLM_F_ACK, w -> {
            IpvsCodec.serviceIdentity(w, WEB);
            IpvsCodec.destFull(w, masq);
        }));
        RealServer tun = RealServer.builder(Endpoint.of("198.51.100.5", 80)).weight(1).forwarding(ForwardingMethod.TUNNEL).build();
        assertSameDestRequest("08-add-dest-tunnel", encode(IpvsUapi.CMD_NEW_DEST, Nl.NLM_F_ACK, w -> {
            IpvsCodec.serviceIdentity(w, WEB);
            IpvsCodec.destFull(w, tun);
        }));
        RealServer heavier = dr.withWeight(5);
        assertSameDestRequest("09-edit-dest-weight", encode(IpvsUapi.CMD_SET_DEST, Nl.NLM_F_ACK, w -> {
            IpvsCodec.serviceIdentity(w, WEB);
            IpvsCodec.destFull(w, heavier);
        }));
    }

    @Test
    void deleteRealServerSendsIdentityOnly() {
        byte[] actual = encode(IpvsUapi.CMD_DEL_DEST, Nl.NLM_F_ACK, w -> {
            IpvsCodec.serviceIdentity(w, WEB);
            IpvsCodec.destIdentity(w, Endpoint.of("198.51.100.5", 80));
        });
        byte[] expected = Fixtures.lastIpvsRequest("10-delete-dest").bytes();
        Map<Integer, byte[]> e = Fixtures.attributes(expected, 20, expected.length);
        Map<Integer, byte[]> a = Fixtures.attributes(actual, 20, actual.length);
        byte[] ed = e.get(IpvsUapi.CMD_ATTR_DEST);
        byte[] ad = a.get(IpvsUapi.CMD_ATTR_DEST);
        Map<Integer, byte[]> eDest = Fixtures.attributes(ed, 4, ed.length);
        Map<Integer, byte[]> aDest = Fixtures.attributes(ad, 4, ad.length);
        assertEquals(3, aDest.size());
        for (int t : new int[] {IpvsUapi.DEST_ATTR_ADDR_FAMILY, IpvsUapi.DEST_ATTR_ADDR, IpvsUapi.DEST_ATTR_PORT}) {
            assertArrayEquals(eDest.get(t), aDest.get(t), "dest attribute " + t);
        }
    }

    @Test
    void listRealServersSendsServiceIdentity() {
        assertExact("15-list-one-service", encode(IpvsUapi.CMD_GET_DEST, Nl.NLM_F_ACK | Nl.NLM_F_DUMP,
                w -> IpvsCodec.serviceIdentity(w, WEB)));
    }

    @Test
    void timeoutsDaemonsZeroFlush() {
        assertExact("16-set-timeouts", encode(IpvsUapi.CMD_SET_CONFIG, Nl.NLM_F_ACK,
                w -> IpvsCodec.timeouts(w, Timeouts.ofSeconds(900, 120, 300))));
        assertExact("17-get-timeouts", encode(IpvsUapi.CMD_GET_CONFIG, Nl.NLM_F_ACK, w -> { }));
        assertExact("18-start-daemon", encode(IpvsUapi.CMD_NEW_DAEMON, Nl.NLM_F_ACK,
                w -> IpvsCodec.daemonFull(w, SyncDaemon.builder(SyncState.MASTER, "lo", 5).build())));
        assertExact("19-get-daemon", encode(IpvsUapi.CMD_GET_DAEMON, Nl.NLM_F_ACK | Nl.NLM_F_DUMP, w -> { }));
        assertExact("21-zero", encode(IpvsUapi.CMD_ZERO, Nl.NLM_F_ACK, w -> { }));
        assertExact("22-flush", encode(IpvsUapi.CMD_FLUSH, Nl.NLM_F_ACK, w -> { }));
        assertExact("01-family-lookup", encode(IpvsUapi.CMD_GET_SERVICE, Nl.NLM_F_ACK | Nl.NLM_F_DUMP, w -> { }));
    }

    @Test
    void familyLookupMatchesIpvsadm() {
        MessageWriter w = new MessageWriter(256);
        int start = w.beginMessage(Nl.GENL_ID_CTRL, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, 0);
        w.genlHeader(Nl.CTRL_CMD_GETFAMILY, 1);
        w.putString(Nl.CTRL_ATTR_FAMILY_NAME, "IPVS");
        w.endMessage(start);
        byte[] actual = new byte[w.size()];
        w.buffer().get(0, actual);
        byte[] expected = Fixtures.load("02-add-service-tcp").get(0).bytes();
        assertArrayEquals(Fixtures.masked(expected), Fixtures.masked(actual));
    }
}
