package io.ipvs4j.nativetests.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.ForeignEntry;
import io.ipvs4j.IpvsTable;
import io.ipvs4j.Reconciler;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.netlink.internal.ipvs.IpvsCodec;
import io.ipvs4j.netlink.internal.ipvs.IpvsNetlinkClient;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import io.ipvs4j.netlink.internal.nl.NetlinkConnection;
import io.ipvs4j.netlink.internal.nl.Nl;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Entries the model cannot represent, written into a real kernel's table by ipvsadm or by a
 * raw generic-netlink request (as another tool could): listings keep working and leave them
 * out, {@code table()} reports each with its key and reason, a {@link Reconciler} whose owned
 * predicate excludes them converges the rest, and {@code ipvsadm -Sn} shows them untouched.
 */
@KernelTest
class ForeignEntryKernelTest extends NamespaceFixture {
    // include/uapi/linux/ip_vs.h
    private static final int CMD_NEW_SERVICE = 1;
    private static final int CMD_NEW_DEST = 5;
    private static final int CMD_SET_DEST = 6;
    private static final int CMD_ATTR_SERVICE = 1;
    private static final int CMD_ATTR_DEST = 2;
    private static final int SVC_ATTR_AF = 1;
    private static final int SVC_ATTR_PROTOCOL = 2;
    private static final int SVC_ATTR_ADDR = 3;
    private static final int SVC_ATTR_PORT = 4;
    private static final int SVC_ATTR_SCHED_NAME = 6;
    private static final int SVC_ATTR_FLAGS = 7;
    private static final int SVC_ATTR_TIMEOUT = 8;
    private static final int SVC_ATTR_NETMASK = 9;
    private static final int DEST_ATTR_ADDR = 1;
    private static final int DEST_ATTR_PORT = 2;
    private static final int DEST_ATTR_FWD_METHOD = 3;
    private static final int DEST_ATTR_WEIGHT = 4;
    private static final int DEST_ATTR_U_THRESH = 5;
    private static final int DEST_ATTR_L_THRESH = 6;
    private static final int DEST_ATTR_ADDR_FAMILY = 11;
    private static final int DEST_ATTR_TUN_TYPE = 13;
    private static final int DEST_ATTR_TUN_PORT = 14;
    private static final int DEST_ATTR_TUN_FLAGS = 15;
    private static final int SVC_F_PERSISTENT = 0x1;

    private static final ServiceKey NETMASK = ServiceKey.tcp("192.0.2.10", 80);   // ipvsadm -M 255.0.255.0
    private static final ServiceKey TIMEOUT = ServiceKey.tcp("192.0.2.11", 80);   // -p 2678401 (raw)
    private static final ServiceKey THEIRS = ServiceKey.tcp("192.0.2.13", 80);    // foreign real servers (raw)
    private static final ServiceKey OWNED = ServiceKey.tcp("192.0.2.20", 80);
    private static final ServiceKey OWNED_NEW = ServiceKey.udp("192.0.2.21", 53);
    private static final Endpoint FWD5 = Endpoint.of("198.51.100.2", 80);
    private static final Endpoint TUN3 = Endpoint.of("198.51.100.3", 80);
    private static final Endpoint THRESH = Endpoint.of("198.51.100.4", 80);
    private static final Endpoint PLAIN = Endpoint.of("198.51.100.5", 80);
    private static final Set<String> FOREIGN_ADDRESSES = Set.of("192.0.2.10:", "192.0.2.11:", "192.0.2.13:");

    /** Sends one raw IPVS request on the client's own socket, as another tool would send it. */
    private void raw(int cmd, Consumer<MessageWriter> attributes) throws Exception {
        IpvsNetlinkClient client = (IpvsNetlinkClient) ipvs;
        client.lock().lock();
        try {
            NetlinkConnection c = client.connection();
            MessageWriter w = c.writer();
            w.clear();
            int seq = c.nextSeq();
            int start = IpvsCodec.begin(w, client.familyId(), cmd, Nl.NLM_F_ACK, seq);
            attributes.accept(w);
            w.endMessage(start);
            c.execute(seq, (type, flags, buffer, payload, end) -> { });
        } finally {
            client.lock().unlock();
        }
    }

    private static void tcpService(MessageWriter w, String address, int flags, int timeout, int netmask) {
        int nest = w.beginNested(CMD_ATTR_SERVICE);
        w.putU16(SVC_ATTR_AF, 2);
        w.putU16(SVC_ATTR_PROTOCOL, 6);
        w.putAddress(SVC_ATTR_ADDR, io.ipvs4j.model.InetAddresses.parse(address), true);
        w.putU16Be(SVC_ATTR_PORT, 80);
        w.putString(SVC_ATTR_SCHED_NAME, "rr");
        // struct ip_vs_flags { flags; mask; } in host order
        w.putU64(SVC_ATTR_FLAGS, ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
                ? (0xffffffffL << 32) | Integer.toUnsignedLong(flags)
                : (Integer.toUnsignedLong(flags) << 32) | 0xffffffffL);
        w.putU32(SVC_ATTR_TIMEOUT, timeout);
        w.putU32Be(SVC_ATTR_NETMASK, netmask);
        w.endNested(nest);
    }

    private static void dest(MessageWriter w, ServiceKey service, Endpoint endpoint, int fwd, int upper, int tunType) {
        IpvsCodec.serviceIdentity(w, service);
        int nest = w.beginNested(CMD_ATTR_DEST);
        w.putU16(DEST_ATTR_ADDR_FAMILY, 2);
        w.putAddress(DEST_ATTR_ADDR, endpoint.address(), true);
        w.putU16Be(DEST_ATTR_PORT, endpoint.port());
        w.putU32(DEST_ATTR_FWD_METHOD, fwd);
        w.putU32(DEST_ATTR_WEIGHT, 1);
        w.putU8(DEST_ATTR_TUN_TYPE, tunType);
        w.putU16Be(DEST_ATTR_TUN_PORT, 0);
        w.putU16(DEST_ATTR_TUN_FLAGS, 0);
        w.putU32(DEST_ATTR_U_THRESH, upper);
        w.putU32(DEST_ATTR_L_THRESH, 0);
        w.endNested(nest);
    }

    /** Writes every kind of foreign entry the 6.1 kernel accepts, plus owned and unowned representable ones. */
    private void writeForeignTable() throws Exception {
        ipvsadm.ok("-A", "-t", "192.0.2.10:80", "-s", "rr", "-p", "60", "-M", "255.0.255.0");
        // ipvsadm refuses -p above 31 days (2678400 s); the kernel stores any u32
        raw(CMD_NEW_SERVICE, w -> tcpService(w, "192.0.2.11", SVC_F_PERSISTENT, 2_678_401, 0xffffffff));
        ipvsadm.ok("-A", "-t", "192.0.2.13:80", "-s", "wlc");
        ipvsadm.ok("-a", "-t", "192.0.2.13:80", "-r", "198.51.100.5:80", "-g", "-w", "3");
        // forwarding method 5: within IP_VS_CONN_F_FWD_MASK (7) but none of masq/local/tunnel/route
        raw(CMD_NEW_DEST, w -> dest(w, THEIRS, FWD5, 5, 0, 0));
        // tunnel forwarding with tunnel type 3 (only IPIP 0, GUE 1, GRE 2 exist)
        raw(CMD_NEW_DEST, w -> dest(w, THEIRS, TUN3, 2, 0, 3));
        ipvsadm.ok("-A", "-t", "192.0.2.20:80", "-s", "rr");
        ipvsadm.ok("-a", "-t", "192.0.2.20:80", "-r", "198.51.100.1:80", "-g", "-w", "1");
    }

    private static ForeignEntry only(List<ForeignEntry> foreign, ServiceKey key, Optional<Endpoint> endpoint) {
        List<ForeignEntry> matching = foreign.stream()
                .filter(f -> f.serviceKey().equals(Optional.of(key)) && f.endpoint().equals(endpoint)).toList();
        assertEquals(1, matching.size(), key + " " + endpoint + " in " + foreign);
        return matching.get(0);
    }

    /** The lines of {@code ipvsadm -Sn} that belong to the foreign entries' services. */
    private String foreignLines() {
        return Arrays.stream(ipvsadm.save().split("\n"))
                .filter(l -> FOREIGN_ADDRESSES.stream().anyMatch(l::contains))
                .sorted().collect(Collectors.joining("\n"));
    }

    @Test
    void listingsAndTableWorkNextToEveryKindOfForeignEntry() throws Exception {
        writeForeignTable();
        List<ServiceKey> listed = ipvs.services().stream().map(ServiceStatus::key).sorted(
                java.util.Comparator.comparing(Object::toString)).toList();
        assertEquals(List.of(THEIRS, OWNED), listed, "representable services only");
        assertEquals(Optional.empty(), ipvs.service(NETMASK));
        assertEquals(Optional.empty(), ipvs.service(TIMEOUT));
        assertEquals(List.of(PLAIN), ipvs.realServers(THEIRS).stream().map(RealServerStatus::endpoint).toList());
        assertEquals(List.of(), ipvs.realServers(NETMASK), "a foreign service exists: its (no) real servers are listed");

        IpvsTable table = ipvs.table();
        assertEquals(ipvs.snapshot().stream().map(s -> s.service().key()).collect(Collectors.toSet()),
                table.services().stream().map(s -> s.service().key()).collect(Collectors.toSet()));
        assertEquals(4, table.foreign().size(), table.foreign().toString());

        ForeignEntry netmask = only(table.foreign(), NETMASK, Optional.empty());
        assertEquals(ForeignEntry.Kind.SERVICE, netmask.kind());
        assertEquals("IPVS_SVC_ATTR_NETMASK", netmask.attribute());
        assertEquals("255.0.255.0", netmask.value());
        assertTrue(netmask.attributes().length > 0);
        ForeignEntry timeout = only(table.foreign(), TIMEOUT, Optional.empty());
        assertEquals("IPVS_SVC_ATTR_TIMEOUT", timeout.attribute());
        assertEquals("2678401", timeout.value());
        ForeignEntry fwd = only(table.foreign(), THEIRS, Optional.of(FWD5));
        assertEquals(ForeignEntry.Kind.REAL_SERVER, fwd.kind());
        assertEquals("IPVS_DEST_ATTR_FWD_METHOD", fwd.attribute());
        assertEquals("5", fwd.value());
        ForeignEntry tun = only(table.foreign(), THEIRS, Optional.of(TUN3));
        assertEquals("IPVS_DEST_ATTR_TUN_TYPE", tun.attribute());
        assertEquals("3", tun.value());
        ServiceSnapshot theirs = table.service(THEIRS).orElseThrow();
        assertEquals(List.of(PLAIN), theirs.realServers().stream().map(RealServerStatus::endpoint).toList());
    }

    @Test
    void reconcilerConvergesTheOwnedServicesAndLeavesForeignEntriesUntouched() throws Exception {
        writeForeignTable();
        String before = foreignLines();
        assertTrue(before.contains("255.0.255.0"), before);
        Set<ServiceKey> mine = Set.of(OWNED, OWNED_NEW);
        Reconciler reconciler = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withOwned(mine::contains));
        List<Reconciler.DesiredService> desired = List.of(
                new Reconciler.DesiredService(VirtualService.of(OWNED, Scheduler.WLC), List.of(
                        RealServer.builder(Endpoint.of("198.51.100.1", 80)).weight(5).build(),
                        RealServer.of(Endpoint.of("198.51.100.6", 80)))),
                new Reconciler.DesiredService(VirtualService.of(OWNED_NEW, Scheduler.RR), List.of(
                        RealServer.of(Endpoint.of("198.51.100.7", 53)))));
        Reconciler.Result result = reconciler.apply(desired);
        assertTrue(result.isSuccess(), result.batch().toString());
        assertEquals(5, result.changes().size(), result.changes().toString());
        assertEquals(4, result.foreign().size(), "every foreign entry reported as left alone: " + result.foreign());
        assertTrue(result.foreignChanged().isEmpty());
        assertEquals(before, foreignLines(), "ipvsadm -Sn: the foreign entries are untouched");
        String save = ipvsadm.save();
        assertTrue(save.contains("-A -t 192.0.2.20:80 -s wlc"), save);
        assertTrue(save.contains("-a -t 192.0.2.20:80 -r 198.51.100.1:80 -g -w 5"), save);
        assertTrue(save.contains("-a -t 192.0.2.20:80 -r 198.51.100.6:80 -g -w 1"), save);
        assertTrue(save.contains("-A -u 192.0.2.21:53 -s rr"), save);
        Reconciler.Result again = reconciler.apply(desired);
        assertTrue(again.changes().isEmpty(), "converged: " + again.changes());
        assertEquals(before, foreignLines());

        // The desired state names the foreign service's key: it owns it, so the service is replaced.
        List<Reconciler.DesiredService> claiming = new java.util.ArrayList<>(desired);
        claiming.add(new Reconciler.DesiredService(VirtualService.of(NETMASK, Scheduler.RR), List.of()));
        Reconciler.Result claimed = reconciler.apply(claiming);
        assertTrue(claimed.isSuccess(), claimed.batch().toString());
        assertEquals(List.of(new io.ipvs4j.Change.UpdateService(VirtualService.of(NETMASK, Scheduler.RR))),
                claimed.changes());
        assertEquals(List.of(NETMASK), claimed.foreignChanged().stream().map(f -> f.serviceKey().orElseThrow()).toList());
        assertEquals(VirtualService.of(NETMASK, Scheduler.RR), ipvs.service(NETMASK).orElseThrow().service());
        assertTrue(ipvsadm.save().contains("-A -t 192.0.2.10:80 -s rr\n"), ipvsadm.save());
        assertEquals(3, ipvs.table().foreign().size());
    }

    @Test
    void kernelRefusesTheFamiliesAndThresholdsTheModelLacks() throws Exception {
        // An unknown address family or protocol cannot reach the table (ip_vs_genl_parse_service:
        // EAFNOSUPPORT; ip_vs_genl_set_cmd: EPROTONOSUPPORT), so the decoder's foreign entries for
        // them are only for other kernels; the codec tests cover them with crafted bytes.
        io.ipvs4j.netlink.internal.nl.KernelErrorException e = assertThrows(
                io.ipvs4j.netlink.internal.nl.KernelErrorException.class, () -> raw(CMD_NEW_SERVICE, w -> {
            int nest = w.beginNested(CMD_ATTR_SERVICE);
            w.putU16(SVC_ATTR_AF, 7);
            w.putU16(SVC_ATTR_PROTOCOL, 6);
            w.putAddress(SVC_ATTR_ADDR, io.ipvs4j.model.InetAddresses.parse("192.0.2.30"), true);
            w.putU16Be(SVC_ATTR_PORT, 80);
            w.putString(SVC_ATTR_SCHED_NAME, "rr");
            w.putU64(SVC_ATTR_FLAGS, 0xffffffffL << 32);
            w.putU32(SVC_ATTR_TIMEOUT, 0);
            w.putU32Be(SVC_ATTR_NETMASK, -1);
            w.endNested(nest);
        }));
        assertEquals(97, e.errno(), "EAFNOSUPPORT");
        // A threshold above 2^31-1: Debian's 6.1.0-57 refuses it (EINVAL), 6.1.0-50 stores it
        // (the field is a u32 in ip_vs_dest). Either is the kernel's right; what must hold is
        // that a refusal is EINVAL and a stored one is listed by the kernel as it was sent, and
        // that the same real server with a small threshold is then accepted.
        ipvsadm.ok("-A", "-t", "192.0.2.13:80", "-s", "wlc");
        boolean stored;
        try {
            raw(CMD_NEW_DEST, w -> dest(w, THEIRS, THRESH, 3, (int) 3_000_000_000L, 0));
            stored = true;
            assertTrue(ipvsadm.ok("-Ln", "--thresholds").contains("3000000000"),
                    "stored as sent: " + ipvsadm.ok("-Ln", "--thresholds"));
        } catch (io.ipvs4j.netlink.internal.nl.KernelErrorException big) {
            stored = false;
            assertEquals(22, big.errno(), "EINVAL");
        }
        raw(stored ? CMD_SET_DEST : CMD_NEW_DEST, w -> dest(w, THEIRS, THRESH, 3, 1000, 0));
        assertEquals(1000, ipvs.realServers(THEIRS).get(0).realServer().thresholds().upper());
    }

    @Test
    void combinationsIpvsadmRefusesButTheKernelStores() throws Exception {
        // Port 0 without persistence (ipvsadm: "Zero port specified for non-persistent service")
        raw(CMD_NEW_SERVICE, w -> {
            int nest = w.beginNested(CMD_ATTR_SERVICE);
            w.putU16(SVC_ATTR_AF, 2);
            w.putU16(SVC_ATTR_PROTOCOL, 6);
            w.putAddress(SVC_ATTR_ADDR, io.ipvs4j.model.InetAddresses.parse("192.0.2.40"), true);
            w.putU16Be(SVC_ATTR_PORT, 0);
            w.putString(SVC_ATTR_SCHED_NAME, "rr");
            w.putU64(SVC_ATTR_FLAGS, ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 0xffffffffL << 32 : 0xffffffffL);
            w.putU32(SVC_ATTR_TIMEOUT, 0);
            w.putU32Be(SVC_ATTR_NETMASK, -1);
            w.endNested(nest);
        });
        // Persistent with timeout 0 (ipvsadm takes -p 1..2678400)
        raw(CMD_NEW_SERVICE, w -> tcpService(w, "192.0.2.41", SVC_F_PERSISTENT, 0, 0xffffffff));
        assertEquals(List.of(), ipvs.services());
        assertEquals(List.of(), ipvs.snapshot());
        List<ForeignEntry> foreign = ipvs.table().foreign();
        assertEquals(2, foreign.size(), foreign.toString());
        ForeignEntry port0 = only(foreign, ServiceKey.tcp("192.0.2.40", 0), Optional.empty());
        assertTrue(port0.reason().contains("port 0"), port0.reason());
        ForeignEntry timeout0 = only(foreign, ServiceKey.tcp("192.0.2.41", 80), Optional.empty());
        assertEquals("IPVS_SVC_ATTR_TIMEOUT", timeout0.attribute());
        assertEquals("0", timeout0.value());
        // A reconcile owning nothing of it changes nothing, and says what it left alone.
        Reconciler.Result r = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withOwned(k -> false)).apply(List.of());
        assertEquals(List.of(), r.changes());
        assertEquals(Set.copyOf(foreign), Set.copyOf(r.foreign()));
        assertEquals(2, ipvsadm.save().lines().count(), ipvsadm.save());
    }
}
