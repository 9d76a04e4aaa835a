/**
 * The director's HTTP endpoint: Prometheus metrics of the IPVS table and of the director
 * ({@link io.ipvs4j.director.metrics.DirectorMetrics}, listed in
 * {@link io.ipvs4j.director.metrics.DirectorMetrics#METRICS}), health and readiness answers and
 * a read-only status page, served by {@link io.ipvs4j.director.metrics.MetricsServer} with the
 * JDK's {@code com.sun.net.httpserver}.
 *
 * <pre>{@code
 * DirectorMetrics metrics = DirectorMetrics.of(ipvs, controller, Duration.ofSeconds(1));
 * MetricsServer server = MetricsServer.start(metrics, MetricsServer.parseListen("127.0.0.1:9280"));
 * }</pre>
 */
package io.ipvs4j.director.metrics;
