/**
 * ipvs4j's Micrometer binder ({@code io.ipvs4j.micrometer}): {@link io.ipvs4j.micrometer.IpvsMetrics}
 * publishes the per-service and per-real-server counters, rates, connection counts and weights
 * of any {@link io.ipvs4j.Ipvs} into a Micrometer {@code MeterRegistry}.
 *
 * <pre>{@code
 * try (Ipvs ipvs = IpvsNetlink.open();
 *      IpvsMetrics metrics = IpvsMetrics.builder(ipvs).build()) {
 *     metrics.bindTo(registry);
 * }
 * }</pre>
 *
 * <p>It reads {@code io.ipvs4j.core} only (required transitively, the API's types live there);
 * Micrometer ({@code micrometer.core}, an automatic module named in its manifest) is required
 * transitively too, since {@code IpvsMetrics} is a {@code MeterBinder}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.ipvs4j.micrometer {
    requires transitive io.ipvs4j.core;
    requires transitive micrometer.core;

    exports io.ipvs4j.micrometer;
}
