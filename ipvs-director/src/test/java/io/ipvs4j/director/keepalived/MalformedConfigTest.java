package io.ipvs4j.director.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Malformed input must fail with the line (and column) of the problem. */
class MalformedConfigTest {

    private static ConfigParseException fails(String text) {
        return assertThrows(ConfigParseException.class, () -> KeepalivedParser.parse(text));
    }

    private static ConfigParseException failsStrict(String text) {
        return assertThrows(ConfigParseException.class, () -> KeepalivedParser.parse(text, KeepalivedParser.Mode.STRICT));
    }

    private static void assertMentions(ConfigParseException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "\"" + e.getMessage() + "\" should mention " + p);
        }
    }

    @Test
    void missingClosingBraceNamesTheOpeningLine() {
        String text = KeepalivedParserTest.SEED.substring(0, KeepalivedParserTest.SEED.lastIndexOf('}'));
        ConfigParseException e = fails(text);
        assertEquals(3, e.line());
        assertMentions(e, "line 3", "never closed", "virtual_server");
    }

    @Test
    void strayClosingBrace() {
        ConfigParseException e = fails(KeepalivedParserTest.SEED + "\n}\n");
        assertEquals(24, e.line());
        assertEquals(1, e.column());
        assertMentions(e, "unbalanced '}'");
    }

    @Test
    void unbalancedBraceInsideUnsupportedBlock() {
        ConfigParseException e = fails("vrrp_instance VI_1 {\n state MASTER\n track_script { chk\n}\n");
        assertEquals(1, e.line());
        assertMentions(e, "never closed");
    }

    @Test
    void missingValue() {
        ConfigParseException e = fails("virtual_server 192.0.2.1 80 {\n  real_server 192.0.2.2 80 {\n    weight\n  }\n}\n");
        assertEquals(3, e.line());
        assertEquals(5, e.column());
        assertEquals("weight", e.token());
        assertMentions(e, "line 3, column 5", "missing value after 'weight'");
    }

    @Test
    void missingValueBeforeBraceOnOneLine() {
        ConfigParseException e = fails("virtual_server 192.0.2.1 80 { delay_loop }");
        assertEquals(1, e.line());
        assertEquals(31, e.column());
        assertMentions(e, "delay_loop");
    }

    @Test
    void badNumber() {
        ConfigParseException e = fails("virtual_server 192.0.2.1 80 {\n delay_loop 6\n real_server 192.0.2.2 80 { weight x }\n}");
        assertEquals(3, e.line());
        assertEquals("x", e.token());
        assertMentions(e, "weight must be a whole number", "'x'");
    }

    @Test
    void outOfRangePort() {
        ConfigParseException e = fails("virtual_server 192.0.2.1 70000 { }");
        assertEquals("70000", e.token());
        assertMentions(e, "port must be 0..65535");
    }

    @Test
    void hostNamesAreNotResolved() {
        ConfigParseException e = fails("\nvirtual_server 192.0.2.1 80 {\n real_server web1.example.org 80 { }\n}");
        assertEquals(3, e.line());
        assertEquals("web1.example.org", e.token());
        assertMentions(e, "not a numeric IP address");
    }

    @Test
    void badAddressInStaticIpaddress() {
        ConfigParseException e = fails("static_ipaddress {\n 192.168.159.300/24 dev eth0\n}");
        assertEquals(2, e.line());
    }

    @Test
    void badPrefix() {
        ConfigParseException e = fails("static_ipaddress { 192.168.159.100/33 dev eth0 }");
        assertMentions(e, "prefix length must be 0..32");
    }

    @Test
    void badEnumValues() {
        // keepalived reports these and falls back; strict mode makes them errors
        assertMentions(failsStrict("virtual_server 192.0.2.1 80 { protocol TCP lb_kind XX }"),
                "unknown lb_kind 'XX' (keepalived accepts exactly NAT, DR or TUN)");
        assertMentions(failsStrict("virtual_server 192.0.2.1 80 { protocol ICMP }"), "unknown protocol 'ICMP'");
        assertMentions(failsStrict("virtual_server 192.0.2.1 80 { protocol TCP lb_algo Round-Robin }"),
                "invalid lb_algo 'Round-Robin'");
    }

    @Test
    void badCheckerValues() {
        assertMentions(fails("virtual_server 192.0.2.1 80 { real_server 192.0.2.2 80 { HTTP_GET { connect_timeout 3 } } }"),
                "HTTP_GET needs at least one url");
        assertMentions(fails("virtual_server 192.0.2.1 80 { real_server 192.0.2.2 80 { HTTP_GET { url { path / digest abc } } } }"),
                "digest must be 32 hex digits");
        assertMentions(fails("virtual_server 192.0.2.1 80 { real_server 192.0.2.2 80 { HTTP_GET { url { path x } } } }"),
                "url path must start with '/'");
        assertMentions(fails("virtual_server 192.0.2.1 80 { real_server 192.0.2.2 80 { HTTP_GET { url { path / status_code ok } } } }"),
                "status_code must be a number or range", "'ok'");
        assertMentions(fails("virtual_server 192.0.2.1 80 { real_server 192.0.2.2 80 { TCP_CHECK { connect_timeout -1 } } }"),
                "connect_timeout must be a number of seconds");
    }

    @Test
    void unknownGroup() {
        ConfigParseException e = fails("\n\nvirtual_server group NOPE { lb_algo rr }");
        assertEquals(3, e.line());
        assertMentions(e, "NOPE");
    }

    @Test
    void unterminatedQuote() {
        ConfigParseException e = fails("virtual_server 192.0.2.1 80 {\n real_server 192.0.2.2 80 { HTTP_GET { url { path \"/x } } } }\n}");
        assertEquals(2, e.line());
        assertMentions(e, "unterminated quoted string");
    }

    @Test
    void valueWhereKeywordExpected() {
        ConfigParseException e = fails("virtual_server 192.0.2.1 80 {\n  real_server 192.0.2.2 80 { weight 1 2 }\n}");
        assertEquals(2, e.line());
        assertEquals("2", e.token());
        assertMentions(e, "expected a keyword");
    }

    @Test
    void missingOpeningBrace() {
        ConfigParseException e = fails("virtual_server 192.0.2.1 80\n lb_algo rr\n");
        assertEquals(2, e.line());
        assertMentions(e, "expected '{'");
    }
}
