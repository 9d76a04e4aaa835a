package io.ipvs4j.director.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard and docs/metrics.md name exactly the families the endpoint writes. */
class GrafanaDashboardTest {
    private static final Path DASHBOARD = Path.of("src/dist/grafana/ipvs4j-dashboard.json");
    private static final Path DOC = Path.of("../docs/metrics.md");
    private static final Pattern METRIC = Pattern.compile("\\bipvs4j_[a-z0-9_]+");

    private static Set<String> families() {
        return DirectorMetrics.METRICS.stream().map(MetricInfo::name).collect(Collectors.toCollection(TreeSet::new));
    }

    /** A family name, or a summary's _sum/_count sample name, without its suffix. */
    private static String family(String name) {
        for (MetricInfo m : DirectorMetrics.METRICS) {
            if (m.name().equals(name) || m.type().equals("summary")
                    && (name.equals(m.name() + "_sum") || name.equals(m.name() + "_count"))) {
                return m.name();
            }
        }
        return null;
    }

    @Test
    void theDashboardIsJsonAndQueriesOnlyMetricsThatExist() throws Exception {
        Object json = new Json(Files.readString(DASHBOARD)).parse();
        assertTrue(json instanceof Map, "a JSON object");
        Map<?, ?> root = (Map<?, ?>) json;
        assertEquals("ipvs4j-director", root.get("uid"));
        List<?> panels = (List<?>) root.get("panels");
        assertFalse(panels.isEmpty());
        Set<String> used = new TreeSet<>();
        for (Object p : panels) {
            List<?> targets = (List<?>) ((Map<?, ?>) p).get("targets");
            assertFalse(targets.isEmpty(), "panel " + ((Map<?, ?>) p).get("title") + " has queries");
            for (Object t : targets) {
                String expr = (String) ((Map<?, ?>) t).get("expr");
                Matcher m = METRIC.matcher(expr);
                boolean any = false;
                while (m.find()) {
                    any = true;
                    String f = family(m.group());
                    assertTrue(f != null, "the dashboard queries " + m.group() + ", which the endpoint does not write: " + expr);
                    used.add(f);
                }
                assertTrue(any, "query without an ipvs4j metric: " + expr);
            }
        }
        assertTrue(used.size() >= 20, "the dashboard uses most families: " + used);
    }

    @Test
    void theDocumentListsEveryFamilyAndNoOther() throws Exception {
        String doc = Files.readString(DOC);
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `(ipvs4j_[a-z0-9_]+)` \\| (\\w+) \\|").matcher(doc);
        Map<String, String> types = new LinkedHashMap<>();
        while (m.find()) {
            documented.add(m.group(1));
            types.put(m.group(1), m.group(2));
        }
        assertEquals(families(), documented, "docs/metrics.md's table of families");
        for (MetricInfo i : DirectorMetrics.METRICS) {
            assertEquals(i.type(), types.get(i.name()), i.name() + "'s type in docs/metrics.md");
        }
        Matcher any = METRIC.matcher(doc);
        while (any.find()) {
            assertTrue(family(any.group()) != null, "docs/metrics.md names " + any.group() + ", which does not exist");
        }
    }

    /** A small strict JSON reader (objects, arrays, strings, numbers, true/false/null). */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Object parse() {
            Object v = value();
            ws();
            if (i != s.length()) {
                throw error("trailing text");
            }
            return v;
        }

        private Object value() {
            ws();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            if (c == '{') {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                ws();
                if (peek('}')) {
                    return m;
                }
                do {
                    ws();
                    String k = string();
                    ws();
                    expect(':');
                    if (m.put(k, value()) != null) {
                        throw error("duplicate key " + k);
                    }
                    ws();
                } while (peek(','));
                expect('}');
                return m;
            }
            if (c == '[') {
                i++;
                List<Object> l = new ArrayList<>();
                ws();
                if (peek(']')) {
                    return l;
                }
                do {
                    l.add(value());
                    ws();
                } while (peek(','));
                expect(']');
                return l;
            }
            if (c == '"') {
                return string();
            }
            for (String w : List.of("true", "false", "null")) {
                if (s.startsWith(w, i)) {
                    i += w.length();
                    return w.equals("null") ? null : Boolean.valueOf(w);
                }
            }
            Matcher m = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?").matcher(s).region(i, s.length());
            if (!m.lookingAt()) {
                throw error("unexpected " + c);
            }
            i = m.end();
            return Double.parseDouble(m.group());
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case '"', '\\', '/' -> b.append(e);
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'n' -> b.append('\n');
                        case 'r' -> b.append('\r');
                        case 't' -> b.append('\t');
                        case 'u' -> {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> throw error("bad escape \\" + e);
                    }
                } else {
                    b.append(c);
                }
            }
        }

        private void ws() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected " + c);
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("JSON at offset " + i + ": " + what);
        }
    }
}
