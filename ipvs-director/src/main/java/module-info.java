/**
 * ipvs4j director: a keepalived-compatible IPVS director built on {@code io.ipvs4j.core} and
 * {@code io.ipvs4j.netlink}.
 * <ul>
 *   <li>{@code io.ipvs4j.director.keepalived}: keepalived.conf parsing
 *       ({@link io.ipvs4j.director.keepalived.KeepalivedParser}) and conversion to the desired
 *       IPVS table ({@link io.ipvs4j.director.keepalived.KeepalivedConverter});</li>
 *   <li>{@code io.ipvs4j.director.check}: health checks (TCP, HTTP/HTTPS, SMTP, DNS, UDP, ping,
 *       MISC scripts) and the {@link io.ipvs4j.director.check.HealthChecker} that schedules them;</li>
 *   <li>{@code io.ipvs4j.director.vrrp}: VRRP instances driven from the configuration;</li>
 *   <li>{@code io.ipvs4j.director.controller}: the {@link io.ipvs4j.director.controller.LvsController}
 *       that keeps the kernel table in step, its control socket, and the program
 *       {@link io.ipvs4j.director.controller.Main};</li>
 *   <li>{@code io.ipvs4j.director.metrics}: the HTTP endpoint with Prometheus metrics, health,
 *       readiness and a status page ({@link io.ipvs4j.director.metrics.MetricsServer}).</li>
 * </ul>
 *
 * <p>The distribution's launcher runs the director on the class path; on the module path it runs
 * as {@code java -p lib -m io.ipvs4j.director/io.ipvs4j.director.controller.Main}.
 */
@SuppressWarnings({"requires-automatic"})
module io.ipvs4j.director {
    // the API's types (Ipvs, ServiceKey, VirtualService, InterfaceAddresses, ...) live in core
    requires transitive io.ipvs4j.core;
    // netlink is the director program's kernel client and ICMP pinger (Main, NativePinger); no
    // netlink type is in the exported API, so a consumer that passes its own Ipvs (or the fake)
    // does not read it
    requires io.ipvs4j.netlink;
    requires org.slf4j;
    // the control socket's AF_UNIX server and its peer credentials (ControlSocket, ControlClient);
    // an automatic module, named in its manifest. jnr-enxio, jnr-posix and jnr-constants, which
    // it uses, are automatic modules too and are resolved with it.
    requires org.jnrproject.unixsocket;
    // the metrics endpoint and status page (MetricsServer): the JDK's HTTP server, no dependency
    requires jdk.httpserver;
    // SIGHUP reloads the configuration as it does keepalived (Main): sun.misc.Signal is the JDK's
    // only way to handle a signal instead of exiting on it
    requires jdk.unsupported;

    exports io.ipvs4j.director.keepalived;
    exports io.ipvs4j.director.check;
    exports io.ipvs4j.director.vrrp;
    exports io.ipvs4j.director.controller;
    exports io.ipvs4j.director.metrics;
    exports io.ipvs4j.director.fleet;
}
