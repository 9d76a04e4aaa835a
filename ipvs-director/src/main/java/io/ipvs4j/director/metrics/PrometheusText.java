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
 * <pre>{@code
 * PrometheusText t = new PrometheusText();
 * t.family("ipvs4j_ready", "gauge", "1 once the first reconcile succeeded").sample(List.of(), 1);
 * String body = t.toString();
 * }</pre>
 */
public final class PrometheusText {
    /** The content type a scrape is answered with. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final List<String> TYPES = List.of("counter", "gauge", "summary", "untyped");

    private final StringBuilder out = new StringBuilder(4096);
    private final Map<String, String> families = new LinkedHashMap<>();
    private String current;

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
            if (name == null || !LABEL.matcher(name).matches() || name.startsWith("__")) {
                throw new IllegalArgumentException("label name must match [a-zA-Z_][a-zA-Z0-9_]*, was " + name);
            }
            if (value == null) {
                throw new IllegalArgumentException("label " + name + " has no value");
            }
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
        return sample("", labels, value);
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
        if (current == null) {
            throw new IllegalStateException("sample before any family");
        }
        out.append(current).append(suffix);
        if (!labels.isEmpty()) {
            out.append('{');
            for (int i = 0; i < labels.size(); i++) {
                Label l = labels.get(i);
                if (i > 0) {
                    out.append(',');
                }
                out.append(l.name()).append("=\"").append(escapeLabel(l.value())).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(format(value)).append('\n');
        return this;
    }

    /** {@return the families begun so far and their types, in order} */
    public Map<String, String> families() {
        return Map.copyOf(families);
    }

    @Override
    public String toString() {
        return out.toString();
    }

    /** A value as the format writes it: integers without a fraction, +Inf, -Inf, NaN. */
    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** A 64-bit kernel counter is unsigned: values past Long.MAX_VALUE are written as such. */
    static double unsigned(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }

    /** Label values escape backslash, double quote and line feed. */
    static String escapeLabel(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** HELP text escapes backslash and line feed only. */
    static String escapeHelp(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n");
    }
}
