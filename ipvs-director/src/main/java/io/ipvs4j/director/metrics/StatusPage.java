package io.ipvs4j.director.metrics;

import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.director.controller.LvsController.BackendKey;
import io.ipvs4j.director.controller.LvsController.BackendView;
import io.ipvs4j.director.controller.LvsController.ServiceView;
import io.ipvs4j.director.vrrp.VrrpDirector;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Stats;
import io.ipvs4j.vrrp.VrrpTransition;
import java.util.HashSet;
import java.util.Set;

/**
 * The read-only status page at {@code /}: plain HTML with inline CSS, no script and nothing
 * loaded from elsewhere. One table per service (configured ones first, then services of the
 * kernel table the director does not own), one row per real server, then VRRP.
 */
final class StatusPage {
    private StatusPage() {
    }

    static String render(DirectorMetrics.Snapshot s) {
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"5\"><title>ipvs4j director</title><style>")
                .append("body{font:13px sans-serif;margin:1em}table{border-collapse:collapse;margin-bottom:1.2em}")
                .append("th,td{border:1px solid #999;padding:2px 6px;text-align:right}th{background:#dde}")
                .append("td.l,th.l{text-align:left}tr.up td.st{background:#8d8}tr.down td.st{background:#e88}")
                .append("tr.drain td.st{background:#9cf}caption{text-align:left;font-weight:bold;padding:4px 0}")
                .append("</style></head><body>\n<h1>ipvs4j director</h1>\n<p id=\"ready\">")
                .append(s.ready() ? "ready: the kernel table is programmed" : "NOT READY: the first apply has not succeeded");
        s.kernel().error().ifPresent(e -> h.append("<br><b id=\"kernel-error\">kernel table unreadable: ")
                .append(esc(e)).append("</b>"));
        h.append("</p>\n");
        java.util.Map<ServiceKey, ServiceSnapshot> kernel = new java.util.LinkedHashMap<>();
        s.kernel().table().forEach(k -> kernel.put(k.service().key(), k));
        Set<ServiceKey> shown = new HashSet<>();
        for (ServiceView v : s.views()) {
            ServiceKey key = v.service().key();
            shown.add(key);
            ServiceSnapshot k = kernel.get(key);
            h.append("<table class=\"service\" id=\"").append(esc(id(key))).append("\"><caption>")
                    .append(esc(key.toString())).append(" &mdash; ").append(esc(v.service().scheduler().toString()))
                    .append(v.quorumUp() ? "" : " &mdash; <b>QUORUM LOST</b>")
                    .append(k == null ? " &mdash; <b>not in the kernel</b>" : "").append("</caption>\n");
            header(h, true);
            if (k != null) {
                totalRow(h, k.service().stats());
            }
            for (BackendView b : v.backends()) {
                DirectorMetrics.CheckRecord c = s.checks().getOrDefault(new BackendKey(key, b.endpoint()),
                        DirectorMetrics.CheckRecord.NONE);
                String state = b.sorryServer() ? (b.desiredWeight().isPresent() ? "SORRY (in)" : "SORRY (out)")
                        : b.check() == CheckState.DOWN ? "DOWN" : b.drained() ? "DRAIN" : "UP";
                String cls = b.sorryServer() ? "sorry" : b.check() == CheckState.DOWN ? "down" : b.drained() ? "drain" : "up";
                h.append("<tr class=\"rs ").append(cls).append("\" id=\"").append(esc(id(key) + "-" + InetAddresses
                        .toText(b.endpoint().address(), b.endpoint().port()))).append("\"><td class=\"l\">")
                        .append(esc(InetAddresses.toText(b.endpoint().address(), b.endpoint().port())))
                        .append("</td><td class=\"st l\">").append(state).append("</td><td class=\"l\">")
                        .append(esc(c.lastFailure().map(f -> f + c.lastFailureAt().map(t -> " at " + t).orElse(""))
                                .orElse(b.checked() ? "-" : "no checks")))
                        .append("</td><td>").append(c.transitions()).append("</td><td>").append(b.configuredWeight())
                        .append("</td><td>").append(b.kernel().map(r -> Integer.toString(r.realServer().weight())).orElse("absent"))
                        .append("</td>");
                conns(h, b.kernel().orElse(null));
                h.append("</tr>\n");
            }
            h.append("</table>\n");
        }
        for (ServiceSnapshot k : s.kernel().table()) {
            if (shown.contains(k.service().key())) {
                continue;
            }
            h.append("<table class=\"service foreign\" id=\"").append(esc(id(k.service().key()))).append("\"><caption>")
                    .append(esc(k.service().key().toString())).append(" &mdash; not configured here</caption>\n");
            header(h, false);
            totalRow(h, k.service().stats());
            for (RealServerStatus r : k.realServers()) {
                h.append("<tr class=\"rs\"><td class=\"l\">").append(esc(InetAddresses.toText(r.endpoint().address(),
                        r.endpoint().port()))).append("</td><td class=\"l\" colspan=\"4\"></td><td>")
                        .append(r.realServer().weight()).append("</td>");
                conns(h, r);
                h.append("</tr>\n");
            }
            h.append("</table>\n");
        }
        if (!s.vrrp().isEmpty()) {
            h.append("<table id=\"vrrp\"><caption>VRRP</caption>\n<tr><th class=\"l\">instance</th><th class=\"l\">state</th>")
                    .append("<th>priority</th><th>effective</th><th class=\"l\">interface</th><th>became master</th>")
                    .append("<th>adverts rx</th><th>adverts tx</th></tr>\n");
            for (VrrpDirector.InstanceStatus v : s.vrrp()) {
                h.append("<tr class=\"vrrp ").append(v.state().name().toLowerCase(java.util.Locale.ROOT))
                        .append("\"><td class=\"l\">").append(esc(v.config().name())).append("</td><td class=\"l\">")
                        .append(v.state()).append("</td><td>").append(v.config().priority()).append("</td><td>")
                        .append(v.effectivePriority()).append("</td><td class=\"l\">").append(esc(v.config().interfaceName()))
                        .append("</td><td>").append(v.stats().becameMaster()).append("</td><td>")
                        .append(v.stats().advertsReceived()).append("</td><td>").append(v.stats().advertsSent())
                        .append("</td></tr>\n");
            }
            h.append("</table>\n<table id=\"vrrp-transitions\"><caption>VRRP transitions (latest last)</caption>\n")
                    .append("<tr><th class=\"l\">instance</th><th class=\"l\">from</th><th class=\"l\">to</th>")
                    .append("<th>priority</th><th class=\"l\">reason</th></tr>\n");
            for (VrrpTransition t : s.vrrpTransitions()) {
                h.append("<tr><td class=\"l\">").append(esc(t.instance())).append("</td><td class=\"l\">").append(t.from())
                        .append("</td><td class=\"l\">").append(t.to()).append("</td><td>").append(t.priority())
                        .append("</td><td class=\"l\">").append(esc(t.reason())).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void header(StringBuilder h, boolean configured) {
        h.append("<tr><th class=\"l\">real server</th><th class=\"l\">state</th><th class=\"l\">last failure</th>")
                .append("<th>transitions</th><th>weight (config)</th><th>weight (kernel)</th><th>active</th>")
                .append("<th>inactive</th><th>persistent</th><th>conns</th><th>pkts in</th><th>pkts out</th>")
                .append("<th>bytes in</th><th>bytes out</th><th>conn/s</th><th>pkt/s in</th><th>pkt/s out</th>")
                .append("<th>B/s in</th><th>B/s out</th></tr>\n");
    }

    private static void totalRow(StringBuilder h, Stats st) {
        h.append("<tr class=\"total\"><td class=\"l\"><b>service</b></td><td class=\"l\" colspan=\"5\"></td>")
                .append("<td colspan=\"3\"></td>");
        stats(h, st);
        h.append("</tr>\n");
    }

    private static void conns(StringBuilder h, RealServerStatus r) {
        if (r == null) {
            h.append("<td colspan=\"13\">not in the kernel</td>");
            return;
        }
        h.append("<td>").append(Long.toUnsignedString(r.activeConnections())).append("</td><td>")
                .append(Long.toUnsignedString(r.inactiveConnections())).append("</td><td>")
                .append(Long.toUnsignedString(r.persistentConnections())).append("</td>");
        stats(h, r.stats());
    }

    private static void stats(StringBuilder h, Stats s) {
        long[] v = {s.connections(), s.packetsIn(), s.packetsOut(), s.bytesIn(), s.bytesOut(), s.connectionsPerSecond(),
            s.packetsInPerSecond(), s.packetsOutPerSecond(), s.bytesInPerSecond(), s.bytesOutPerSecond()};
        for (long x : v) {
            h.append("<td>").append(Long.toUnsignedString(x)).append("</td>");
        }
    }

    /** A stable element id for a service, e.g. {@code svc-tcp-192.0.2.1:80} or {@code svc-fwm-7-ipv4}. */
    static String id(ServiceKey key) {
        if (key instanceof ServiceKey.Inet i) {
            return "svc-" + i.protocol().name().toLowerCase(java.util.Locale.ROOT) + "-"
                    + InetAddresses.toText(i.address(), i.port());
        }
        ServiceKey.FwMark f = (ServiceKey.FwMark) key;
        return "svc-fwm-" + f.markUnsigned() + "-" + (f.family() == io.ipvs4j.model.AddressFamily.INET6 ? "ipv6" : "ipv4");
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
