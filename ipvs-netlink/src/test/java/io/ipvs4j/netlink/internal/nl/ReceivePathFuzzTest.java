package io.ipvs4j.netlink.internal.nl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Property-based fuzzing of the production receive path: every seed exchange (IPVS service,
 * real-server, daemon, config and info replies from the ipvsadm captures; rtnetlink link and
 * address dumps; extended-ack errors) is mutated (bytes set, 16/32-bit fields set to edge
 * values, datagrams cut, regions duplicated or inserted) and played to the real client through
 * a scripted channel. Any input must give a value or a typed {@link io.ipvs4j.IpvsException};
 * anything else fails with the case printed in the corpus format. Bounded: a fixed number of
 * tries with a fixed seed (seconds in CI); {@code -Djqwik.tries.default} does not apply, raise
 * {@code TRIES} locally for longer runs. Set {@code -Dipvs4j.fuzz.corpusOut=DIR} to write one
 * case per distinct outcome (how the kept corpus in {@code src/test/resources/fuzz-corpus} was made).
 */
class ReceivePathFuzzTest {
    static final int TRIES = 3000;
    private static final List<ReceivePathHarness.Case> SEEDS = ReceivePathHarness.seeds();
    private static final AtomicLong EXECUTIONS = new AtomicLong();
    private static final Map<String, ReceivePathHarness.Case> DISTINCT = new ConcurrentHashMap<>();

    /** One mutation: kind, where, what. */
    record Mutation(int kind, int position, int value) {}

    record Input(int seed, int datagram, List<Mutation> mutations) {}

    @Provide
    Arbitrary<Input> inputs() {
        Arbitrary<Mutation> mutation = Combinators.combine(
                Arbitraries.integers().between(0, 6), Arbitraries.integers().between(0, 1 << 16),
                Arbitraries.integers()).as(Mutation::new);
        return Combinators.combine(Arbitraries.integers().between(0, SEEDS.size() - 1),
                Arbitraries.integers().between(0, 7), mutation.list().ofMinSize(1).ofMaxSize(6)).as(Input::new);
    }

    @Property(tries = TRIES, seed = "20261201", shrinking = net.jqwik.api.ShrinkingMode.BOUNDED,
            edgeCases = net.jqwik.api.EdgeCasesMode.NONE)
    void anyReplyGivesAValueOrATypedException(@ForAll("inputs") Input input) {
        ReceivePathHarness.Case c = SEEDS.get(input.seed()).copy();
        List<byte[]> datagrams = c.datagrams();
        if (datagrams.isEmpty()) {
            return;
        }
        int which = input.datagram() % datagrams.size();
        byte[] d = datagrams.get(which);
        for (Mutation m : input.mutations()) {
            d = mutate(d, m);
        }
        c.set(which, d);
        String outcome = ReceivePathHarness.run(c);   // AssertionError on anything untyped
        EXECUTIONS.incrementAndGet();
        DISTINCT.putIfAbsent(c.target() + " " + outcomeClass(outcome), c);
    }

    /** The outcome without the variable parts (numbers), to group cases. */
    static String outcomeClass(String outcome) {
        String s = outcome.length() > 90 ? outcome.substring(0, 90) : outcome;
        return s.replaceAll("[0-9]+", "N");
    }

    static byte[] mutate(byte[] d, Mutation m) {
        if (d.length == 0) {
            return d;
        }
        int at = m.position() % d.length;
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.nativeOrder());
        int[] edges = {0, 1, 3, 4, 15, 16, 17, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, -1, Integer.MIN_VALUE};
        switch (m.kind()) {
            case 0 -> d[at] = (byte) m.value();
            case 1 -> {   // 16-bit field (nlattr length/type, nlmsg type/flags) to an edge value
                if (at + 2 <= d.length) {
                    b.putShort(at & ~1, (short) edges[Math.floorMod(m.value(), edges.length)]);
                }
            }
            case 2 -> {   // 32-bit field (nlmsg_len, seq, errno, u32 attributes) to an edge value
                int p = Math.min(at & ~3, d.length - 4);
                if (p >= 0) {
                    b.putInt(p, edges[Math.floorMod(m.value(), edges.length)]);
                }
            }
            case 3 -> {
                return java.util.Arrays.copyOf(d, at);   // cut the datagram
            }
            case 4 -> {   // duplicate a region (repeated attributes or messages)
                int len = Math.min(d.length - at, 1 + Math.floorMod(m.value(), 64));
                byte[] out = new byte[d.length + len];
                System.arraycopy(d, 0, out, 0, at + len);
                System.arraycopy(d, at, out, at + len, d.length - at);
                return out;
            }
            case 5 -> {   // insert random bytes
                int len = 1 + Math.floorMod(m.value(), 12);
                byte[] out = new byte[d.length + len];
                System.arraycopy(d, 0, out, 0, at);
                new java.util.Random(m.value()).nextBytes(java.nio.ByteBuffer.wrap(out, at, len).array());
                System.arraycopy(d, at, out, at + len, d.length - at);
                return out;
            }
            default -> {   // first message's nlmsg_len shortened consistently (attributes cut)
                if (d.length >= Nl.NLMSG_HDRLEN) {
                    int len = Nl.NLMSG_HDRLEN + Math.floorMod(m.value(), Math.max(1, d.length - Nl.NLMSG_HDRLEN));
                    b.putInt(0, len);
                    return java.util.Arrays.copyOf(d, Math.max(len, Nl.NLMSG_HDRLEN));
                }
            }
        }
        return d;
    }

    @AfterContainer
    static void report() throws Exception {
        System.out.println("[fuzz] receive path: " + EXECUTIONS.get() + " executions, " + DISTINCT.size()
                + " distinct outcomes, " + SEEDS.size() + " seeds");
        assertTrue(EXECUTIONS.get() >= TRIES / 2, "most tries ran: " + EXECUTIONS.get());
        String out = System.getProperty("ipvs4j.fuzz.corpusOut");
        if (out != null) {
            Path dir = Path.of(out);
            Files.createDirectories(dir);
            // one case per target and outcome type (value, or the exception class): a small corpus
            Map<String, Map.Entry<String, ReceivePathHarness.Case>> coarse = new java.util.TreeMap<>();
            for (Map.Entry<String, ReceivePathHarness.Case> e : new java.util.TreeMap<>(DISTINCT).entrySet()) {
                String[] words = e.getKey().split(" ");
                coarse.putIfAbsent(words[0] + " " + words[1] + " " + (words.length > 2 ? words[2] : ""), e);
            }
            int n = 0;
            for (Map.Entry<String, ReceivePathHarness.Case> e : new java.util.ArrayList<>(
                    coarse.values().stream().map(x -> x).toList())) {
                Files.writeString(dir.resolve(String.format("case-%03d.txt", n++)),
                        e.getValue().toText(e.getKey().replace('\n', ' ')));
            }
        }
    }
}
