package io.ipvs4j.ipvsadm;

import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import java.util.EnumSet;
import java.util.Set;

/** ipvsadm's names for scheduler flags and forwarding methods, both ways. */
final class IpvsadmNames {
    private IpvsadmNames() {}

    /**
     * ipvsadm's {@code -b} list (ipvsadm 1.31 {@code parse_sched_flags}): {@code flag-1..3} on
     * any scheduler, {@code sh-*} only on sh and {@code mh-*} only on mh.
     */
    static Set<ServiceFlag> parseSchedulerFlags(String text, Scheduler scheduler, int line) {
        EnumSet<ServiceFlag> out = EnumSet.noneOf(ServiceFlag.class);
        for (String name : text.split(",", -1)) {
            if (name.isEmpty() && text.isEmpty()) {
                throw new IpvsadmSyntaxException(line, "-b " + text, "invalid scheduler flag `'");
            }
            if (name.isEmpty()) {
                continue; // strtok skips empty fields
            }
            ServiceFlag f = switch (name) {
                case "flag-1" -> ServiceFlag.FLAG_1;
                case "flag-2" -> ServiceFlag.FLAG_2;
                case "flag-3" -> ServiceFlag.FLAG_3;
                case "sh-fallback" -> ServiceFlag.SH_FALLBACK;
                case "sh-port" -> ServiceFlag.SH_PORT;
                case "mh-fallback" -> ServiceFlag.MH_FALLBACK;
                case "mh-port" -> ServiceFlag.MH_PORT;
                default -> throw new IpvsadmSyntaxException(line, "-b " + text, "invalid scheduler flag `" + name + "'");
            };
            boolean sh = name.startsWith("sh-");
            boolean mh = name.startsWith("mh-");
            if ((sh && !scheduler.equals(Scheduler.SH)) || (mh && !scheduler.equals(Scheduler.MH))) {
                throw new IpvsadmSyntaxException(line, "-b " + text, "incompatible scheduler flag `" + name + "'");
            }
            out.add(f);
        }
        return out;
    }

    /**
     * The flag names ipvsadm 1.31 prints for {@code bits} ({@code print_sched_flags}):
     * {@code sh-fallback,sh-port} on sh, {@code mh-fallback,mh-port} on mh, else
     * {@code flag-1,flag-2,flag-3}. ipvsadm omits {@code flag-3} on sh and mh; {@code complete}
     * adds it so that the text restores what the kernel holds.
     */
    static String schedulerFlags(int bits, Scheduler scheduler, boolean complete) {
        StringBuilder sb = new StringBuilder();
        boolean sh = scheduler.equals(Scheduler.SH);
        boolean mh = scheduler.equals(Scheduler.MH);
        if (sh || mh) {
            String p = sh ? "sh-" : "mh-";
            append(sb, (bits & 0x8) != 0, p + "fallback");
            append(sb, (bits & 0x10) != 0, p + "port");
            append(sb, complete && (bits & 0x20) != 0, "flag-3");
        } else {
            append(sb, (bits & 0x8) != 0, "flag-1");
            append(sb, (bits & 0x10) != 0, "flag-2");
            append(sb, (bits & 0x20) != 0, "flag-3");
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, boolean on, String name) {
        if (on) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(name);
        }
    }

    /** {@code -Sn}'s forwarding switch ({@code fwd_switch}). */
    static String forwardingSwitch(ForwardingMethod f) {
        return switch (f) {
            case MASQUERADE -> "-m";
            case TUNNEL -> "-i";
            case LOCAL, DIRECT_ROUTE -> "-g";
        };
    }

    /** {@code -Ln}'s forwarding column ({@code fwd_name}). */
    static String forwardingName(ForwardingMethod f) {
        return switch (f) {
            case MASQUERADE -> "Masq";
            case LOCAL -> "Local";
            case TUNNEL -> "Tunnel";
            case DIRECT_ROUTE -> "Route";
        };
    }
}
