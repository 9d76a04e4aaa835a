package io.ipvs4j.netlink.internal.ipvs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.netlink.internal.nl.AttributeCursor;
import io.ipvs4j.netlink.internal.nl.ErrorReply;
import io.ipvs4j.netlink.internal.nl.Fixtures;
import io.ipvs4j.netlink.internal.nl.MalformedMessageException;
import io.ipvs4j.netlink.internal.nl.NetlinkConnection;
import io.ipvs4j.netlink.internal.nl.Nl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every reply the kernel sent in the captures, cut at every length and corrupted at random,
 * must decode or fail with {@link MalformedMessageException} — never an index error or any
 * other exception. Decoding reads only through bounds-checked views, so this is also the proof
 * that no read goes outside the received bytes.
 */
class TruncationSweepTest {
    private static final String[] FIXTURES = {
        "00-family-lookup-enoent", "01-family-lookup", "13-list", "14-list-stats", "15-list-one-service",
        "17-get-timeouts", "19-get-daemon", "23-error-service-exists", "24-error-dest-missing",
        "25-error-service-missing", "26-error-bad-scheduler",
    };

    private static List<byte[]> replies() {
        List<byte[]> out = new ArrayList<>();
        for (String f : FIXTURES) {
            for (Fixtures.Datagram d : Fixtures.load(f)) {
                if (!d.sent()) {
                    out.add(d.bytes());
                }
            }
        }
        return out;
    }

    /** Decodes a datagram the way the client does; returns the number of messages decoded. */
    static int decodeAll(ByteBuffer buffer) throws MalformedMessageException {
        int limit = buffer.limit();
        int offset = 0;
        int count = 0;
        while (offset < limit) {
            int length = NetlinkConnection.checkedLength(buffer, offset, limit);
            int type = Short.toUnsignedInt(buffer.getShort(offset + 4));
            int flags = Short.toUnsignedInt(buffer.getShort(offset + 6));
            int payload = offset + Nl.NLMSG_HDRLEN;
            int end = offset + length;
            if (type == Nl.NLMSG_ERROR) {
                ErrorReply.parse(buffer, payload, end, flags);
            } else if (type == Nl.GENL_ID_CTRL) {
                AttributeCursor c = AttributeCursor.over(buffer, Math.min(end, payload + Nl.GENL_HDRLEN), end);
                while (c.next()) {
                    if (c.type() == Nl.CTRL_ATTR_FAMILY_ID) {
                        c.u16();
                    }
                    if (c.type() == 6) {
                        AttributeCursor ops = c.nested();
                        while (ops.next()) {
                            AttributeCursor op = ops.nested();
                            while (op.next()) {
                                op.u32();
                            }
                        }
                    }
                }
            } else if (type >= 0x10 && end - payload >= 1) {
                switch (Byte.toUnsignedInt(buffer.get(payload))) {
                    case IpvsUapi.CMD_NEW_SERVICE -> IpvsCodec.decodeService(buffer, payload, end);
                    case IpvsUapi.CMD_NEW_DEST -> IpvsCodec.decodeDest(buffer, payload, end, AddressFamily.INET);
                    case IpvsUapi.CMD_NEW_DAEMON -> IpvsCodec.decodeDaemon(buffer, payload, end);
                    case IpvsUapi.CMD_SET_CONFIG -> IpvsCodec.decodeTimeouts(buffer, payload, end);
                    case IpvsUapi.CMD_SET_INFO -> IpvsCodec.decodeInfo(buffer, payload, end);
                    default -> { }
                }
            }
            count++;
            offset = Math.min(limit, offset + Nl.align(length));
        }
        return count;
    }

    private static ByteBuffer direct(byte[] bytes, int length) {
        ByteBuffer b = ByteBuffer.allocateDirect(length).order(ByteOrder.nativeOrder());
        b.put(bytes, 0, length).flip();
        return b;
    }

    private static void expectDecodeOrMalformed(ByteBuffer b, String what) {
        try {
            decodeAll(b);
        } catch (MalformedMessageException expected) {
            // the only acceptable failure
        } catch (RuntimeException e) {
            fail(what + ": " + e, e);
        }
    }

    @Test
    void everyCutOfEveryReply() throws Exception {
        int cuts = 0;
        int malformed = 0;
        for (byte[] reply : replies()) {
            assertTrue(decodeAll(direct(reply, reply.length)) > 0, "the whole reply decodes");
            for (int cut = 0; cut < reply.length; cut++) {
                // Cut the datagram (the header still claims the full length)...
                ByteBuffer b = direct(reply, cut);
                try {
                    decodeAll(b);
                } catch (MalformedMessageException e) {
                    malformed++;
                } catch (RuntimeException e) {
                    fail("cut at " + cut + " of " + reply.length + ": " + e, e);
                }
                // ...and cut the message consistently (nlmsg_len shortened too): attributes are cut.
                if (cut >= Nl.NLMSG_HDRLEN) {
                    byte[] shortened = reply.clone();
                    ByteBuffer.wrap(shortened).order(ByteOrder.nativeOrder()).putInt(0, cut);
                    expectDecodeOrMalformed(direct(shortened, cut), "consistent cut at " + cut);
                }
                cuts++;
            }
        }
        assertTrue(cuts > 5000, "swept " + cuts + " cuts");
        assertTrue(malformed > cuts / 2, "most cuts are detected as malformed: " + malformed + " of " + cuts);
    }

    @Test
    void randomCorruptionIsAlwaysMalformedOrDecoded() {
        Random random = new Random(20261125L);
        List<byte[]> replies = replies();
        for (int i = 0; i < 50_000; i++) {
            byte[] reply = replies.get(random.nextInt(replies.size())).clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                reply[random.nextInt(reply.length)] = (byte) random.nextInt(256);
            }
            expectDecodeOrMalformed(direct(reply, reply.length), "corruption #" + i);
        }
    }
}
