package io.ipvs4j.director.keepalived;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fuzzes the keepalived.conf reader: any bytes give a configuration (and then a desired state
 * or a typed error) or a {@link ConfigParseException} naming a line of the input, never
 * another exception and never a hang (each parse is bounded by {@link #BOUND_SECONDS}).
 * Random bytes, and a token soup of keepalived's own keywords, braces, numbers and addresses,
 * which reaches deep into the grammar. The tries are fixed so the run stays short in CI; the
 * kept corpus ({@code src/test/resources/keepalived-corpus/}) is replayed as ordinary tests.
 */
class KeepalivedParserFuzzTest {
    private static final int BOUND_SECONDS = 10;
    /** One daemon thread for every parse of the run (jqwik's and JUnit's tests share it). */
    private static final ExecutorService PARSER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-parser");
        t.setDaemon(true);
        return t;
    });

    /** Parses {@code bytes} as a file (in an empty directory: no include can reach anything) and checks the outcome. */
    static void checkOutcome(byte[] bytes, KeepalivedParser.Mode mode) throws Exception {
        Path dir = Files.createTempDirectory("ipvs4j-fuzz-");
        Path file = dir.resolve("keepalived.conf");
        try {
            Files.write(file, bytes);
            Future<Void> f = PARSER.submit(() -> {
                parseAndCheck(file, bytes, mode);
                return null;
            });
            try {
                f.get(BOUND_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                fail("parsing did not finish within " + BOUND_SECONDS + " s: " + preview(bytes));
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                throw new AssertionError("unexpected " + cause + " for " + preview(bytes), cause);
            }
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static void parseAndCheck(Path file, byte[] bytes, KeepalivedParser.Mode mode) throws IOException {
        int lines = 1;
        for (byte b : bytes) {
            if (b == '\n') {
                lines++;
            }
        }
        KeepalivedConfig config;
        try {
            config = KeepalivedParser.parse(file, mode);
        } catch (ConfigParseException e) {
            assertTrue(e.line() >= 1 && e.line() <= lines, "the error names a line of the input (1.." + lines + "): "
                    + e.getMessage());
            assertTrue(e.getMessage().startsWith("line " + e.line()), e.getMessage());
            return;
        }
        for (ConfigWarning w : config.warnings()) {
            assertTrue(w.line() >= 1 && w.line() <= lines, "a warning names a line of the input: " + w);
        }
        try {
            KeepalivedConverter.toDesiredState(config);
        } catch (ConfigParseException e) {
            assertTrue(e.line() >= 1 && e.line() <= lines, "a conversion error names a line: " + e.getMessage());
        }
    }

    private static String preview(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        return '"' + (s.length() > 300 ? s.substring(0, 300) + "..." : s).replace("\n", "\\n") + '"';
    }

    @Property(tries = 300)
    void anyBytes(@ForAll @Size(max = 600) byte[] bytes) throws Exception {
        checkOutcome(bytes, KeepalivedParser.Mode.LENIENT);
    }

    @Property(tries = 400)
    void keepalivedTokenSoup(@ForAll("soup") String text) throws Exception {
        checkOutcome(text.getBytes(StandardCharsets.UTF_8), KeepalivedParser.Mode.LENIENT);
        checkOutcome(text.getBytes(StandardCharsets.UTF_8), KeepalivedParser.Mode.STRICT);
    }

    @Provide
    Arbitrary<String> soup() {
        Arbitrary<String> words = Arbitraries.of("global_defs", "router_id", "net_namespace", "lvs_sync_daemon",
                "static_ipaddress", "virtual_server_group", "virtual_server", "group", "fwmark", "inet6", "real_server",
                "protocol", "TCP", "UDP", "SCTP", "lb_algo", "lvs_sched", "rr", "wlc", "bogus", "lb_kind", "lvs_method",
                "NAT", "DR", "TUN", "dr", "persistence_timeout", "persistence_granularity", "delay_loop", "retry",
                "delay_before_retry", "connect_timeout", "warmup", "weight", "quorum", "hysteresis", "alpha", "omega",
                "inhibit_on_failure", "sorry_server", "ops", "sh-port", "uthreshold", "lthreshold", "HTTP_GET",
                "TCP_CHECK", "SSL_GET", "MISC_CHECK", "url", "path", "status_code", "digest", "virtualhost",
                "connect_ip", "connect_port", "bindto", "SMTP_CHECK", "helo_name", "host", "DNS_CHECK", "type", "name",
                "SOA", "UDP_CHECK", "payload", "require_reply", "min_reply_length", "max_reply_length", "4f 50 5x",
                "PING_CHECK", "notify_up", "notify_down", "misc_dynamic", "misc_path", "vrrp_instance", "dev", "label", "eth0", "{", "}", "{", "}",
                "\n", "\n", "\n", "#", "!", "\"", "\"a b\"", "/", "/health", "0", "1", "80", "65536", "300", "0.5",
                "-1", "99999999999999999999", "192.0.2.1", "192.0.2.10-20", "192.0.2.0/30", "192.0.2.1-192.0.2.3",
                "2001:db8::1", "2001:db8::1-ff", "2001:db8::/126", "255.255.255.0", "200-299", "\uFEFF", "\u00e9",
                "9B3A0C85A887A256D6939DA88AABD8CD", "\t", "\r\n");
        return words.list().ofMaxSize(120).map(l -> String.join(" ", l));
    }

    /** The kept corpus: inputs that once mattered, replayed on every build. */
    @ParameterizedTest
    @ValueSource(strings = {"bom-only.conf", "latin1-comment.conf", "nul-bytes.conf", "unterminated-quote.conf",
            "unclosed-blocks.conf", "deep-unsupported-nesting.conf", "huge-numbers.conf", "lone-close-braces.conf",
            "group-ranges.conf", "one-line-everything.conf", "new-checkers.conf"})
    void corpus(String name) throws Exception {
        byte[] bytes;
        try (InputStream in = KeepalivedParserFuzzTest.class.getResourceAsStream("/keepalived-corpus/" + name)) {
            assertTrue(in != null, "corpus file " + name + " is on the class path");
            bytes = in.readAllBytes();
        }
        checkOutcome(bytes, KeepalivedParser.Mode.LENIENT);
        checkOutcome(bytes, KeepalivedParser.Mode.STRICT);
    }

}
