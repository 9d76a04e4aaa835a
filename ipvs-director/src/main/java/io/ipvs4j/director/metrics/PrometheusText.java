package io.ipvs4j.director.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes the Prometheus text exposition format 0.0.4: per family one {@code # HELP} and one
 * {@code # TYPE} line, then its samples, families in the order they were begun and never
 * interleaved (a family written twice is an error, as the format forbids it).
 *
 * <p>A scrape writes the same label sets in many families (a real server's seven labels in
 * nineteen of them): format each once as a {@link LabelSet} and pass that to
 * {@link #sample(LabelSet, double)}, so that escaping and concatenation are paid once per label
 * set, not once per sample. Integer values (counters, gauges of counts) are appended as digits
 * without building a {@code String}.
 *
 * <pre>{@code
 * PrometheusText t = new PrometheusText();
 * t.family("ipvs4j_ready", "gauge", "1 once the first reconcile succeeded").sample(List.of(), 1);
 * LabelSet web = LabelSet.of(List.of(new Label("service", "web")));
 * t.family("x_total", "counter", "x").sampleUnsigned(web, 42L);
 * String body = t.toString();
 * }</pre>
 */
public final class PrometheusText {
    /** The content type a scrape is answered with. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final List<String> TYPES = List.of("counter", "gauge", "summary", "untyped");
    /** Below this magnitude an integral double is written as its digits; above, as Java writes doubles. */
    private static final double LARGEST_WRITTEN_AS_DIGITS = 1e15;

    private final StringBuilder out;
    private final Map<String, String> families = new LinkedHashMap<>();
    private String current;

    /** A writer with a small buffer that grows as needed. */
    public PrometheusText() {
        this(4096);
    }

    /**
     * A writer whose buffer starts at {@code expectedChars} (e.g. the size of the previous
     * scrape), so that a large exposition is not copied each time the buffer doubles.
     *
     * @param expectedChars the buffer's initial capacity, in characters
     */
    public PrometheusText(int expectedChars) {
        this.out = new StringBuilder(Math.max(expectedChars, 16));
    }

    /**
     * A label name and its value.
     *
     * @param name the label's name
     * @param value its value (any text)
     */
    public record Label(String name, String value) {
        /**
         * Checks the name.
         *
         * @param name the label's name
         * @param value its value
         */
        public Label {
            if (!isLabelName(name) || name.startsWith("__")) {
                throw new IllegalArgumentException("label name must match [a-zA-Z_][a-zA-Z0-9_]*, was " + name);
            }
            if (value == null) {
                throw new IllegalArgumentException("label " + name + " has no value");
            }
        }
    }

    /**
     * Labels formatted once as the text between a sample's name and its value, e.g.
     * {@code {protocol="tcp",address="192.0.2.1"}}, values escaped; written as they are by
     * every sample that uses them. Immutable.
     *
     * <pre>{@code
     * LabelSet server = LabelSet.of(List.of(new Label("address", "192.0.2.1"), new Label("port", "80")));
     * text.sampleUnsigned(server, connections);
     * }</pre>
     */
    public static final class LabelSet {
        /** No labels: the sample's name is followed by its value. */
        public static final LabelSet EMPTY = new LabelSet(List.of(), "");

        private final List<Label> labels;
        private final String text;

        private LabelSet(List<Label> labels, String text) {
            this.labels = labels;
            this.text = text;
        }

        /**
         * Formats {@code labels}.
         *
         * @param labels the labels, in the order they are written
         * @return the formatted set
         */
        public static LabelSet of(List<Label> labels) {
            if (labels.isEmpty()) {
                return EMPTY;
            }
            StringBuilder b = new StringBuilder(16 * labels.size());
            b.append('{');
            for (int i = 0; i < labels.size(); i++) {
                Label l = labels.get(i);
                if (i > 0) {
                    b.append(',');
                }
                b.append(l.name()).append("=\"");
                appendEscapedLabelValue(b, l.value());
                b.append('"');
            }
            b.append('}');
            return new LabelSet(List.copyOf(labels), b.toString());
        }

        /** {@return the labels, in order} */
        public List<Label> labels() {
            return labels;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /**
     * Begins a family.
     *
     * @param name its name, e.g. {@code ipvs4j_service_connections_total}
     * @param type counter, gauge, summary or untyped
     * @param help what it means
     * @return this, to add samples
     * @throws IllegalArgumentException on a bad name or type, or a family begun before
     */
    public PrometheusText family(String name, String type, String help) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*, was " + name);
        }
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("metric type of " + name + " must be one of " + TYPES + ", was " + type);
        }
        if (families.putIfAbsent(name, type) != null) {
            throw new IllegalArgumentException("metric family " + name + " written twice");
        }
        current = name;
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /**
     * A sample of the current family.
     *
     * @param labels its labels, in this order
     * @param value its value
     * @return this
     */
    public PrometheusText sample(List<Label> labels, double value) {
        return sample("", LabelSet.of(labels), value);
    }

    /**
     * A sample of the current family with a suffix, e.g. {@code _sum} and {@code _count} of a summary.
     *
     * @param suffix appended to the family's name
     * @param labels its labels
     * @param value its value
     * @return this
     */
    public PrometheusText sample(String suffix, List<Label> labels, double value) {
        return sample(suffix, LabelSet.of(labels), value);
    }

    /**
     * A sample of the current family with labels formatted before.
     *
     * @param labels its labels
     * @param value its value
     * @return this
     */
    public PrometheusText sample(LabelSet labels, double value) {
        return sample("", labels, value);
    }

    /**
     * A sample of the current family with a suffix and labels formatted before.
     *
     * @param suffix appended to the family's name
     * @param labels its labels
     * @param value its value
     * @return this
     */
    public PrometheusText sample(String suffix, LabelSet labels, double value) {
        begin(suffix, labels);
        appendValue(out, value);
        out.append('\n');
        return this;
    }

    /**
     * A sample whose value is a 64-bit kernel counter, unsigned (values past
     * {@code Long.MAX_VALUE} are large, never negative); written as {@code sample(labels,
     * unsigned(value))} would write it, without the conversion to double for the usual values.
     *
     * @param labels its labels
     * @param value the counter's 64 bits
     * @return this
     */
    public PrometheusText sampleUnsigned(LabelSet labels, long value) {
        begin("", labels);
        if (value >= 0 && value < LARGEST_WRITTEN_AS_DIGITS) {
            out.append(value);
        } else {
            appendValue(out, unsigned(value));
        }
        out.append('\n');
        return this;
    }

    private void begin(String suffix, LabelSet labels) {
        if (current == null) {
            throw new IllegalStateException("sample before any family");
        }
        out.append(current).append(suffix).append(labels.text).append(' ');
    }

    /** {@return the families begun so far and their types, in order} */
    public Map<String, String> families() {
        return Map.copyOf(families);
    }

    /** {@return the characters written so far} */
    public int length() {
        return out.length();
    }

    @Override
    public String toString() {
        return out.toString();
    }

    /** A value as the format writes it: integers without a fraction, +Inf, -Inf, NaN. */
    static String format(double v) {
        StringBuilder b = new StringBuilder(24);
        appendValue(b, v);
        return b.toString();
    }

    private static void appendValue(StringBuilder b, double v) {
        if (Double.isNaN(v)) {
            b.append("NaN");
        } else if (Double.isInfinite(v)) {
            b.append(v > 0 ? "+Inf" : "-Inf");
        } else if (v == Math.rint(v) && Math.abs(v) < LARGEST_WRITTEN_AS_DIGITS) {
            b.append((long) v);
        } else {
            b.append(v);
        }
    }

    /** A 64-bit kernel counter is unsigned: values past Long.MAX_VALUE are written as such. */
    static double unsigned(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }

    /** [a-zA-Z_][a-zA-Z0-9_]*, by hand: a regex match per label was a visible cost of a scrape. */
    private static boolean isLabelName(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
            if (!letter && (i == 0 || c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    /** Label values escape backslash, double quote and line feed. */
    static String escapeLabel(String s) {
        StringBuilder b = new StringBuilder(s.length());
        appendEscapedLabelValue(b, s);
        return b.toString();
    }

    private static void appendEscapedLabelValue(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
    }

    /** HELP text escapes backslash and line feed only. */
    static String escapeHelp(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n");
    }
}
