package io.ipvs4j.director.metrics;

import java.util.List;

/**
 * One metric family the director exposes, as documented in {@code docs/metrics.md}.
 *
 * <pre>{@code
 * DirectorMetrics.METRICS.forEach(m -> System.out.println(m.name() + " " + m.type()));
 * }</pre>
 *
 * @param name the family's name
 * @param type counter, gauge or summary
 * @param labels its label names, in the order they are written
 * @param help the HELP text: what it means, its unit and where the value comes from
 */
public record MetricInfo(String name, String type, List<String> labels, String help) {
    /**
     * Copies the labels.
     *
     * @param name the family's name
     * @param type counter, gauge or summary
     * @param labels its label names
     * @param help the HELP text
     */
    public MetricInfo {
        labels = List.copyOf(labels);
    }
}
