package io.ipvs4j.netlink.internal.ipvs;

import static io.ipvs4j.netlink.internal.ipvs.IpvsUapi.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.ForeignEntry;
import io.ipvs4j.IpvsTable;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.netlink.internal.ipvs.ForeignEntryDecodeTest.Dest;
import io.ipvs4j.netlink.internal.ipvs.ForeignEntryDecodeTest.Svc;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import io.ipvs4j.netlink.internal.nl.NetlinkChannel;
import io.ipvs4j.netlink.internal.nl.Nl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The netlink client over a scripted kernel whose table holds entries the model cannot
 * represent: every listing works, leaves them out, and {@code table()} reports them.
 * Before foreign entries existed, the first such entry made {@code services()},
 * {@code snapshot()} and every full reconcile throw.
 */
class ForeignEntryClientTest {
    private static final ServiceKey A = ServiceKey.tcp("192.0.2.1", 80);
    private static final ServiceKey B = ServiceKey.tcp("192.0.2.2", 80);
    private static final int FAMILY = 42;

    /** A service of the scripted table: its key (null: unreadable), attributes and real servers. */
    private record Row(ServiceKey key, Svc svc, List<Dest> dests) {}

    /** Answers family lookup, service dumps and gets, and real-server dumps from {@code rows}. */
    private static final class TableKernel implements NetlinkChannel {
        private final List<Row> rows;
        private final Deque<byte[]> pending = new ArrayDeque<>();

        TableKernel(List<Row> rows) {
            this.rows = rows;
        }

        @Override
        public void send(ByteBuffer buffer) {
            byte[] request = new byte[buffer.remaining()];
            buffer.get(request);
            ByteBuffer req = ByteBuffer.wrap(request).order(ByteOrder.nativeOrder());
            int type = Short.toUnsignedInt(req.getShort(4));
            int flags = Short.toUnsignedInt(req.getShort(6));
            int seq = req.getInt(8);
            MessageWriter w = new MessageWriter(64 << 10);
            if (type == Nl.GENL_ID_CTRL) {
                int start = w.beginMessage(Nl.GENL_ID_CTRL, 0, seq);
                w.genlHeader(Nl.CTRL_CMD_NEWFAMILY, 2);
                w.putString(Nl.CTRL_ATTR_FAMILY_NAME, "IPVS");
                w.putU16(Nl.CTRL_ATTR_FAMILY_ID, FAMILY);
                w.putU32(Nl.CTRL_ATTR_VERSION, 1);
                w.putU32(Nl.CTRL_ATTR_MAXATTR, 6);
                w.endMessage(start);
                w.buffer().putInt(start + 12, portId());
                ack(w, seq, request);
            } else {
                int cmd = request[16];
                byte[] identity = Arrays.copyOfRange(request, 20, request.length);
                boolean dump = (flags & Nl.NLM_F_DUMP) == Nl.NLM_F_DUMP;
                if (cmd == CMD_GET_SERVICE && dump) {
                    rows.forEach(r -> message(w, seq, Nl.NLM_F_MULTI, CMD_NEW_SERVICE, CMD_ATTR_SERVICE, r.svc()::write));
                    done(w, seq);
                } else if (cmd == CMD_GET_SERVICE) {
                    Row row = find(identity);
                    if (row == null) {
                        error(w, seq, request, 3);   // ESRCH
                    } else {
                        message(w, seq, 0, CMD_NEW_SERVICE, CMD_ATTR_SERVICE, row.svc()::write);
                        ack(w, seq, request);
                    }
                } else if (cmd == CMD_GET_DEST && dump) {
                    Row row = find(identity);
                    if (row != null) {
                        row.dests().forEach(d -> message(w, seq, Nl.NLM_F_MULTI, CMD_NEW_DEST, CMD_ATTR_DEST, d::write));
                    }
                    done(w, seq);
                } else {
                    throw new AssertionError("the scripted kernel only lists; got command " + cmd);
                }
            }
            byte[] out = new byte[w.size()];
            w.buffer().get(0, out);
            pending.add(out);
        }

        private Row find(byte[] identity) {
            for (Row r : rows) {
                if (r.key() != null) {
                    MessageWriter w = new MessageWriter(256);
                    IpvsCodec.serviceIdentity(w, r.key());
                    byte[] mine = new byte[w.size()];
                    w.buffer().get(0, mine);
                    if (Arrays.equals(mine, identity)) {
                        return r;
                    }
                }
            }
            return null;
        }

        private void message(MessageWriter w, int seq, int flags, int cmd, int nest,
                java.util.function.Consumer<MessageWriter> body) {
            int start = w.beginMessage(FAMILY, flags, seq);
            w.genlHeader(cmd, 1);
            int n = w.beginNested(nest);
            body.accept(w);
            w.endNested(n);
            w.endMessage(start);
            w.buffer().putInt(start + 12, portId());
        }

        private void done(MessageWriter w, int seq) {
            int start = w.beginMessage(Nl.NLMSG_DONE, Nl.NLM_F_MULTI, seq);
            w.putRawInt(0);
            w.endMessage(start);
            w.buffer().putInt(start + 12, portId());
        }

        private void ack(MessageWriter w, int seq, byte[] request) {
            error(w, seq, request, 0);
        }

        private void error(MessageWriter w, int seq, byte[] request, int errno) {
            int start = w.beginMessage(Nl.NLMSG_ERROR, Nl.NLM_F_CAPPED, seq);
            w.putRawInt(-errno);
            ByteBuffer r = ByteBuffer.wrap(request).order(ByteOrder.nativeOrder());
            for (int i = 0; i < 4; i++) {
                w.putRawInt(r.getInt(i * 4));
            }
            w.endMessage(start);
            w.buffer().putInt(start + 12, portId());
        }

        @Override
        public boolean receive(ByteBuffer buffer) {
            byte[] next = pending.poll();
            if (next == null) {
                return false;
            }
            int start = buffer.position();
            buffer.put(next);
            buffer.limit(start + next.length).position(start);
            return true;
        }

        @Override
        public int portId() {
            return 4242;
        }

        @Override
        public void close() {}
    }

    private static List<Row> table() {
        // A: representable, one representable and one foreign real server (forwarding method 5)
        Dest good = new Dest();
        good.address = "198.51.100.1";
        Dest fwd5 = new Dest();
        fwd5.address = "198.51.100.2";
        fwd5.fwd = 5;
        Svc a = new Svc();
        // B: ipvsadm -p 60 -M 255.0.255.0, with a representable real server
        Svc b = new Svc().persistent(60);
        b.address = "192.0.2.2";
        b.netmask = 0xff00ff00;
        Dest underB = new Dest();
        underB.address = "198.51.100.3";
        // C: a family the model does not know: no key
        Svc c = new Svc();
        c.af = 7;
        c.address = "192.0.2.3";
        List<Row> rows = new ArrayList<>();
        rows.add(new Row(A, a, List.of(good, fwd5)));
        rows.add(new Row(B, b, List.of(underB)));
        rows.add(new Row(null, c, List.of()));
        return rows;
    }

    private static IpvsNetlinkClient client() throws Exception {
        return IpvsNetlinkClient.open(new TableKernel(table()), 64 << 10);
    }

    @Test
    void listingsLeaveForeignEntriesOutInsteadOfFailing() throws Exception {
        try (IpvsNetlinkClient ipvs = client()) {
            assertEquals(List.of(A), ipvs.services().stream().map(s -> s.key()).toList());
            assertTrue(ipvs.service(A).isPresent());
            assertEquals(Optional.empty(), ipvs.service(B), "foreign: not representable");
            assertEquals(List.of(Endpoint.of("198.51.100.1", 80)),
                    ipvs.realServers(A).stream().map(RealServerStatus::endpoint).toList());
            // B exists (it is foreign), so its real servers are listed rather than ServiceNotFound
            assertEquals(List.of(Endpoint.of("198.51.100.3", 80)),
                    ipvs.realServers(B).stream().map(RealServerStatus::endpoint).toList());
            List<ServiceSnapshot> snapshot = ipvs.snapshot();
            assertEquals(1, snapshot.size());
            assertEquals(A, snapshot.get(0).service().key());
            assertEquals(1, snapshot.get(0).realServers().size());
        }
    }

    @Test
    void tableReportsEveryForeignEntryWithKeyAndReason() throws Exception {
        try (IpvsNetlinkClient ipvs = client()) {
            IpvsTable table = ipvs.table();
            assertEquals(ipvs.snapshot(), table.services());
            List<ForeignEntry> foreign = table.foreign();
            assertEquals(3, foreign.size(), foreign.toString());
            ForeignEntry b = foreign.get(0);
            assertEquals(ForeignEntry.Kind.SERVICE, b.kind());
            assertEquals(Optional.of(B), b.serviceKey());
            assertEquals("IPVS_SVC_ATTR_NETMASK", b.attribute());
            assertEquals("255.0.255.0", b.value());
            assertEquals(List.of(Endpoint.of("198.51.100.3", 80)),
                    b.realServers().stream().map(RealServerStatus::endpoint).toList());
            ForeignEntry c = foreign.get(1);
            assertEquals(Optional.empty(), c.serviceKey());
            assertEquals("IPVS_SVC_ATTR_AF", c.attribute());
            ForeignEntry fwd = foreign.get(2);
            assertEquals(ForeignEntry.Kind.REAL_SERVER, fwd.kind());
            assertEquals(Optional.of(A), fwd.serviceKey());
            assertEquals(Optional.of(Endpoint.of("198.51.100.2", 80)), fwd.endpoint());
            assertEquals("IPVS_DEST_ATTR_FWD_METHOD", fwd.attribute());
            assertEquals("5", fwd.value());
            assertEquals(List.of(b), table.foreignOf(B));
        }
    }

    @Test
    void singleFlagChangesOfAForeignServiceAreRefusedBeforeSending() throws Exception {
        try (IpvsNetlinkClient ipvs = client()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ipvs.updateServiceFlags(B, Set.of(ServiceFlag.ONE_PACKET), Set.of()));
            assertTrue(e.getMessage().contains("IPVS_SVC_ATTR_NETMASK"), e.getMessage());
        }
    }

    @Test
    void fullReconcileWorksNextToForeignEntriesItDoesNotOwn() throws Exception {
        try (IpvsNetlinkClient ipvs = client()) {
            // Converged for A; B and the keyless service are not owned: nothing to send.
            io.ipvs4j.Reconciler r = new io.ipvs4j.Reconciler(ipvs,
                    io.ipvs4j.Reconciler.Options.DEFAULT.withOwned(A::equals).withDrain(true));
            io.ipvs4j.Reconciler.Result result = r.apply(List.of(new io.ipvs4j.Reconciler.DesiredService(
                    ipvs.service(A).orElseThrow().service(),
                    List.of(io.ipvs4j.model.RealServer.of(Endpoint.of("198.51.100.1", 80))))));
            assertTrue(result.isSuccess());
            assertEquals(List.of(), result.changes());
            assertEquals(3, result.foreign().size(), result.foreign().toString());
        }
    }
}
