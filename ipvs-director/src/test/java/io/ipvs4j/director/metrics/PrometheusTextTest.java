package io.ipvs4j.director.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.metrics.PrometheusText.Label;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    @Test
    void helpAndTypeLinesPrecedeTheSamplesAndLabelValuesAreEscaped() {
        PrometheusText t = new PrometheusText();
        t.family("x_total", "counter", "line one\nback\\slash").sample(List.of(new Label("a", "q\"uo\\te\nnl")), 3);
        t.family("y", "gauge", "g").sample(List.of(), 0.25).sample(List.of(new Label("b", "")), -1);
        assertEquals("# HELP x_total line one\\nback\\\\slash\n# TYPE x_total counter\n"
                + "x_total{a=\"q\\\"uo\\\\te\\nnl\"} 3\n"
                + "# HELP y g\n# TYPE y gauge\ny 0.25\ny{b=\"\"} -1\n", t.toString());
        Map<String, Exposition.Family> f = Exposition.parse(t.toString());
        assertEquals("q\"uo\\te\nnl", f.get("x_total").samples().get(0).labels().get("a"), "round trip of the escapes");
        assertEquals(List.of("x_total", "y"), List.copyOf(f.keySet()));
    }

    @Test
    void valuesAreWrittenAsTheFormatExpects() {
        assertEquals("0", PrometheusText.format(0));
        assertEquals("12345678901234", PrometheusText.format(12345678901234d));
        assertEquals("+Inf", PrometheusText.format(Double.POSITIVE_INFINITY));
        assertEquals("-Inf", PrometheusText.format(Double.NEGATIVE_INFINITY));
        assertEquals("NaN", PrometheusText.format(Double.NaN));
        assertEquals("1.5E-4", PrometheusText.format(0.00015));
        // a 64-bit kernel counter past Long.MAX_VALUE is unsigned, never negative
        assertEquals(18446744073709551615d, PrometheusText.unsigned(-1L));
        assertEquals(9223372036854775808d, PrometheusText.unsigned(Long.MIN_VALUE));
        assertEquals(7d, PrometheusText.unsigned(7));
    }

    @Test
    void badNamesTypesAndRepeatedFamiliesAreRefused() {
        PrometheusText t = new PrometheusText();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.family("1x", "gauge", "h"));
        assertTrue(e.getMessage().contains("1x"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.family("x", "histo", "h"));
        assertThrows(IllegalArgumentException.class, () -> new Label("a-b", "v"));
        assertThrows(IllegalArgumentException.class, () -> new Label("__reserved", "v"));
        assertThrows(IllegalStateException.class, () -> t.sample(List.of(), 1));
        t.family("x", "gauge", "h");
        e = assertThrows(IllegalArgumentException.class, () -> t.family("x", "gauge", "h"));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }
}
