package io.ipvs4j.netlink.internal.ipvs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.netlink.internal.nl.Nl;
import io.ipvs4j.netlink.internal.nl.ReceivePathHarness;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every reply of the seed exchanges (the ipvsadm captures, rtnetlink dumps, extended-ack
 * errors), cut at every length and corrupted at random, played to the real clients through the
 * production receive path ({@link ReceivePathHarness}): each must give a value or a typed
 * exception, never an index error or any other exception. Decoding reads only through
 * bounds-checked views, so this is also the proof that no read goes outside the received bytes.
 */
class TruncationSweepTest {
    private static final List<ReceivePathHarness.Case> SEEDS = ReceivePathHarness.seeds();

    @Test
    void theUncutSeedsGiveValuesOrTheKernelErrorsTheyCarry() {
        for (ReceivePathHarness.Case c : SEEDS) {
            String outcome = ReceivePathHarness.run(c.copy());
            assertTrue(outcome.startsWith("value ") || !outcome.contains("NetlinkProtocolException"),
                    c.name() + ": " + outcome);
        }
    }

    @Test
    void everyCutOfEveryReply() {
        int cuts = 0;
        int typedFailures = 0;
        for (ReceivePathHarness.Case seed : SEEDS) {
            int datagrams = seed.datagrams().size();
            for (int which = 0; which < datagrams; which++) {
                byte[] reply = seed.datagrams().get(which);
                for (int cut = 0; cut < reply.length; cut++) {
                    // Cut the datagram (the header still claims the full length)...
                    ReceivePathHarness.Case c = seed.copy();
                    c.set(which, Arrays.copyOf(reply, cut));
                    if (ReceivePathHarness.run(c).startsWith("typed ")) {
                        typedFailures++;
                    }
                    // ...and cut the message consistently (nlmsg_len shortened too): attributes are cut.
                    if (cut >= Nl.NLMSG_HDRLEN) {
                        byte[] shortened = Arrays.copyOf(reply, cut);
                        ByteBuffer.wrap(shortened).order(ByteOrder.nativeOrder()).putInt(0, cut);
                        ReceivePathHarness.Case consistent = seed.copy();
                        consistent.set(which, shortened);
                        ReceivePathHarness.run(consistent);
                    }
                    cuts++;
                }
            }
        }
        assertTrue(cuts > 5000, "swept " + cuts + " cuts");
        assertTrue(typedFailures > cuts / 2, "most cuts are detected: " + typedFailures + " of " + cuts);
    }

    @Test
    void randomCorruptionGivesAValueOrATypedException() {
        Random random = new Random(20261125L);
        for (int i = 0; i < 5_000; i++) {
            ReceivePathHarness.Case c = SEEDS.get(random.nextInt(SEEDS.size())).copy();
            List<byte[]> datagrams = c.datagrams();
            if (datagrams.isEmpty()) {
                continue;
            }
            int which = random.nextInt(datagrams.size());
            byte[] reply = datagrams.get(which).clone();
            if (reply.length == 0) {
                continue;
            }
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                reply[random.nextInt(reply.length)] = (byte) random.nextInt(256);
            }
            c.set(which, reply);
            ReceivePathHarness.run(c);
        }
    }
}
