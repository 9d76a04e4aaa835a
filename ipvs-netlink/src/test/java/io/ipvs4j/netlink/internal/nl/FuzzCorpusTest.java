package io.ipvs4j.netlink.internal.nl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The kept fuzz corpus ({@code src/test/resources/fuzz-corpus}, one case per target and
 * outcome type found by {@link ReceivePathFuzzTest}) replayed through the production receive
 * path as ordinary tests: each gives a value or a typed exception. The recorded outcome is a
 * comment only: decoding may legitimately change (e.g. an entry the model cannot hold becoming
 * a value instead of an error), failing untyped may not.
 */
class FuzzCorpusTest {
    private static String resource(String name) {
        try (InputStream in = FuzzCorpusTest.class.getResourceAsStream("/fuzz-corpus/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing corpus file " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @TestFactory
    List<DynamicTest> everyKeptCaseGivesAValueOrATypedException() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : resource("INDEX").split("\n")) {
            if (!name.endsWith(".txt")) {
                continue;
            }
            ReceivePathHarness.Case c = ReceivePathHarness.Case.fromText(name, resource(name));
            tests.add(DynamicTest.dynamicTest(name + " " + c.target(), () -> {
                String outcome = ReceivePathHarness.run(c);
                assertTrue(outcome.startsWith("value ") || outcome.startsWith("typed "), outcome);
            }));
        }
        assertTrue(tests.size() >= 30, "corpus of " + tests.size() + " cases");
        return tests;
    }
}
