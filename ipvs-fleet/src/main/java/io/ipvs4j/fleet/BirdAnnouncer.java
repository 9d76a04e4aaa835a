package io.ipvs4j.fleet;

import io.ipvs4j.director.fleet.FleetState;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.ServiceKey;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Announces the fleet's VIPs through BIRD 2: writes a configuration include with one static
 * route per VIP ({@code /32}, {@code /128}) in protocols {@code ipvs4j_vips} and
 * {@code ipvs4j_vips6}, and runs {@code birdc configure} so BIRD reads it. The operator's
 * {@code bird.conf} includes the file and exports those protocols to its BGP sessions, e.g.
 * <pre>
 * include "/run/ipvs4j/bird-vips.conf";
 * protocol bgp upstream { local as 65001; neighbor 192.0.2.1 as 65000;
 *     ipv4 { import none; export where proto = "ipvs4j_vips"; }; }
 * </pre>
 * Withdrawing is announcing fewer VIPs (or none, on shutdown). The routes are device routes
 * {@code via "ipvs4j-live"}, the director's {@link io.ipvs4j.netlink.LivenessDevice}: BIRD keeps
 * such a route only while its interface exists, and the kernel deletes that interface when the
 * director's process ends, however it ends, so a director whose JVM was killed is withdrawn by
 * BIRD itself without anyone writing the file. Without a liveness interface the routes are
 * {@code blackhole} (announced until someone rewrites the file or BIRD stops). Either way BIRD
 * needs no next hop, and the VIP itself is a local address (dummy interface).
 *
 * <pre>{@code
 * BirdAnnouncer bird = new BirdAnnouncer(Path.of("/run/ipvs4j/bird-vips.conf"), List.of("birdc"), "d1",
 *         Optional.of("ipvs4j-live"));
 * bird.announce(BirdAnnouncer.announceable(state, healthy));
 * bird.announce(Set.of());   // withdraw all
 * }</pre>
 */
public final class BirdAnnouncer {
    private final Path include;
    private final List<String> birdc;
    private final String director;
    private final Optional<String> viaInterface;
    private Set<String> announced;

    /**
     * Creates the announcer; nothing is written before {@link #announce}.
     *
     * @param include the file BIRD's configuration includes
     * @param birdc the birdc command and its options, e.g. {@code [birdc, -s, /run/bird/bird.ctl]}
     * @param director this director's name (a comment in the file)
     */
    public BirdAnnouncer(Path include, List<String> birdc, String director) {
        this(include, birdc, director, Optional.empty());
    }

    /**
     * Creates the announcer; nothing is written before {@link #announce}.
     *
     * @param include the file BIRD's configuration includes
     * @param birdc the birdc command and its options, e.g. {@code [birdc, -s, /run/bird/bird.ctl]}
     * @param director this director's name (a comment in the file)
     * @param viaInterface the interface of the routes (a liveness device), or empty for blackhole routes
     */
    public BirdAnnouncer(Path include, List<String> birdc, String director, Optional<String> viaInterface) {
        this.viaInterface = Objects.requireNonNull(viaInterface, "viaInterface");
        viaInterface.ifPresent(io.ipvs4j.host.InterfaceNames::checkInterface);
        this.include = Objects.requireNonNull(include, "include");
        this.birdc = List.copyOf(birdc);
        this.director = Objects.requireNonNull(director, "director");
        if (this.birdc.isEmpty()) {
            throw new IllegalArgumentException("birdc command is empty");
        }
    }

    /**
     * The VIPs a director should announce: none unless it is healthy (its kernel holds the
     * latest desired state); else every service address with a real server that takes new
     * connections (weight above 0, not drained).
     *
     * @param state the state the kernel holds
     * @param healthy whether the director is healthy and not shutting down
     * @return the VIPs, as prefixes ({@code 203.0.113.10/32}, {@code 2001:db8::10/128})
     */
    public static Set<String> announceable(FleetState state, boolean healthy) {
        Set<String> vips = new TreeSet<>();
        if (!healthy) {
            return vips;
        }
        for (FleetState.FleetService s : state.services().values()) {
            boolean up = s.servers().stream().anyMatch(f -> f.programmedWeight() > 0);
            if (up && s.service().key() instanceof ServiceKey.Inet inet) {
                vips.add(prefix(inet.address()));
            }
        }
        return vips;
    }

    private static String prefix(InetAddress a) {
        return InetAddresses.toText(a) + (a instanceof Inet6Address ? "/128" : "/32");
    }

    /** {@return the text of the include for {@code vips}} */
    String render(Set<String> vips) {
        StringBuilder b = new StringBuilder("# ipvs4j fleet director ").append(director)
                .append(": the VIPs it announces (written by ipvs4j; do not edit)\n");
        for (boolean v6 : new boolean[] {false, true}) {
            b.append("protocol static ipvs4j_vips").append(v6 ? "6" : "").append(" {\n    ")
                    .append(v6 ? "ipv6" : "ipv4").append(";\n");
            for (String vip : vips) {
                if (vip.contains(":") == v6) {
                    b.append("    route ").append(vip)
                            .append(viaInterface.map(i -> " via \"" + i + "\";\n").orElse(" blackhole;\n"));
                }
            }
            b.append("}\n");
        }
        return b.toString();
    }

    /**
     * Makes BIRD announce exactly {@code vips} (nothing is done if they are what it announces).
     *
     * @param vips prefixes as {@link #announceable} gives them
     * @return whether BIRD was reconfigured
     * @throws IOException if the file cannot be written or birdc fails or BIRD refuses the
     *     configuration (the message has birdc's answer)
     */
    public synchronized boolean announce(Set<String> vips) throws IOException {
        Set<String> wanted = new TreeSet<>(vips);
        for (String v : wanted) {
            if (!v.matches("[0-9.]+/32|[0-9a-fA-F:]+/128")) {
                throw new IllegalArgumentException("VIP prefix must be a.b.c.d/32 or an IPv6 address/128, was \"" + v + "\"");
            }
        }
        if (wanted.equals(announced)) {
            return false;
        }
        Path tmp = include.resolveSibling(include.getFileName() + ".tmp");
        Files.writeString(tmp, render(wanted), StandardCharsets.UTF_8);
        Files.move(tmp, include, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        List<String> cmd = new ArrayList<>(birdc);
        cmd.add("configure");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try {
            if (!p.waitFor(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not answer in 30 s");
            }
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + cmd, e);
        }
        // birdc answers 0 even when BIRD refuses the file; "Reconfigured" or "Reconfiguration in progress" is success
        if (p.exitValue() != 0 || !out.contains("Reconfigur") || out.toLowerCase(java.util.Locale.ROOT).contains("error")) {
            announced = null;
            throw new IOException(String.join(" ", cmd) + " (exit " + p.exitValue() + ") refused " + include + ": " + out.trim());
        }
        announced = wanted;
        return true;
    }

    /** {@return the VIPs BIRD was last reconfigured to announce, or empty} */
    public synchronized Set<String> announced() {
        return announced == null ? Set.of() : Set.copyOf(announced);
    }
}
