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
    void preformattedLabelSetsAndUnsignedCountersWriteWhatTheListFormWrites() {
        List<Label> labels = List.of(new Label("address", "192.0.2.1"), new Label("odd", "a\"b\\c\nd"));
        long[] values = {0, 7, 999_999_999_999_999L, 1_000_000_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE, -1L};
        PrometheusText listForm = new PrometheusText();
        PrometheusText setForm = new PrometheusText(16);
        listForm.family("c_total", "counter", "c");
        setForm.family("c_total", "counter", "c");
        PrometheusText.LabelSet set = PrometheusText.LabelSet.of(labels);
        for (long v : values) {
            listForm.sample(labels, PrometheusText.unsigned(v));
            setForm.sampleUnsigned(set, v);
        }
        listForm.sample("_x", List.of(), 0.125);
        setForm.sample("_x", PrometheusText.LabelSet.EMPTY, 0.125);
        assertEquals(listForm.toString(), setForm.toString());
        assertTrue(setForm.toString().contains("c_total{address=\"192.0.2.1\",odd=\"a\\\"b\\\\c\\nd\"} 999999999999999\n"),
                setForm.toString());
        assertTrue(setForm.toString().contains("} 1.8446744073709552E19\n"), "-1 is 2^64 - 1: " + setForm);
        assertEquals(labels, set.labels());
    }

    @Test
    void badNamesTypesAndRepeatedFamiliesAreRefused() {
        PrometheusText t = new PrometheusText();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.family("1x", "gauge", "h"));
        assertTrue(e.getMessage().contains("1x"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.family("x", "histo", "h"));
        assertThrows(IllegalArgumentException.class, () -> new Label("a-b", "v"));
        assertThrows(IllegalArgumentException.class, () -> new Label("__reserved", "v"));
        assertThrows(IllegalArgumentException.class, () -> new Label("9a", "v"));
        assertThrows(IllegalArgumentException.class, () -> new Label("", "v"));
        assertEquals("a_9Z", new Label("a_9Z", "v").name());
        assertThrows(IllegalStateException.class, () -> t.sample(List.of(), 1));
        t.family("x", "gauge", "h");
        e = assertThrows(IllegalArgumentException.class, () -> t.family("x", "gauge", "h"));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }
}
