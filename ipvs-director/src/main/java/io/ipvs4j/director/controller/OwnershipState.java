package io.ipvs4j.director.controller;

import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.Protocol;
import io.ipvs4j.model.ServiceKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a director programmed: its virtual services (with their real servers) and its VIPs,
 * kept in a state file so that ownership survives a restart. On start, a director removes
 * what the previous run owned and the new configuration no longer wants, and leaves alone
 * everything it never created (services added by ipvsadm or another program, other
 * addresses on the interfaces).
 *
 * <pre>{@code
 * OwnershipState previous = OwnershipState.load(Path.of("/var/lib/ipvs4j/director.state"));
 * previous.services();   // e.g. {TCP 192.0.2.100:80=[192.0.2.32:80, 192.0.2.33:80]}
 * }</pre>
 *
 * <p>The file is text, one entry per line, written atomically (a temporary file renamed over
 * it): {@code service tcp 192.0.2.100 80}, {@code service fwmark 5 inet}, followed by its
 * {@code real 192.0.2.32 80} lines, and {@code vip eth0 192.0.2.100/24 [label eth0:1]}.
 * Lines starting with {@code #} are comments. A missing file is an empty state (a first run);
 * a file that cannot be parsed is an error naming its line, so that nothing is removed on a
 * guess.
 *
 * @param services the owned services, each with the real servers it was programmed with
 * @param vips the owned interface addresses
 */
public record OwnershipState(Map<ServiceKey, List<Endpoint>> services, List<InterfaceAddress> vips) {
    /** No services, no VIPs. */
    public static final OwnershipState EMPTY = new OwnershipState(Map.of(), List.of());

    /**
     * Checks the parts.
     *
     * @param services the owned services, each with the real servers it was programmed with
     * @param vips the owned interface addresses
     */
    public OwnershipState {
        Map<ServiceKey, List<Endpoint>> copy = new LinkedHashMap<>();
        services.forEach((k, v) -> copy.put(Objects.requireNonNull(k), List.copyOf(v)));
        services = java.util.Collections.unmodifiableMap(copy);
        vips = List.copyOf(vips);
    }

    /**
     * Reads {@code file}; a missing file is {@link #EMPTY}.
     *
     * @param file the state file
     * @return the recorded state
     * @throws IOException if it exists but cannot be read or is malformed
     */
    public static OwnershipState load(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return EMPTY;
        }
        Map<ServiceKey, List<Endpoint>> services = new LinkedHashMap<>();
        List<InterfaceAddress> vips = new ArrayList<>();
        List<Endpoint> current = null;
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            try {
                switch (f[0]) {
                    case "service" -> {
                        ServiceKey key = parseKey(f);
                        current = new ArrayList<>();
                        services.put(key, current);
                    }
                    case "real" -> {
                        if (current == null || f.length != 3) {
                            throw new IllegalArgumentException("'real ADDRESS PORT' must follow a service line");
                        }
                        current.add(new Endpoint(InetAddresses.parse(f[1]), port(f[2])));
                    }
                    case "vip" -> {
                        if (f.length != 3 && !(f.length == 5 && f[3].equals("label"))) {
                            throw new IllegalArgumentException("expected 'vip DEV ADDRESS/PREFIX [label LABEL]'");
                        }
                        InterfaceAddress a = InterfaceAddress.of(f[1], f[2]);
                        vips.add(f.length == 5 ? a.withLabel(f[4]) : a);
                    }
                    default -> throw new IllegalArgumentException("unknown entry '" + f[0] + "'");
                }
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ", line " + n + ": " + e.getMessage() + ": '" + line + "'", e);
            }
        }
        return new OwnershipState(services, vips);
    }

    /**
     * Writes this state to {@code file} atomically, creating its directory (mode 0700) if needed.
     *
     * @param file the state file; replaced whole, never half-written
     * @throws IOException if it or its directory cannot be written
     */
    public void save(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            try {
                Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: nothing to restrict
            }
        }
        StringBuilder sb = new StringBuilder("# ipvs4j-director: what this director programmed (it removes these when\n"
                + "# they are no longer configured, and never touches anything else). Written by the director.\n");
        services.forEach((k, rs) -> {
            sb.append("service ").append(formatKey(k)).append('\n');
            for (Endpoint e : rs) {
                sb.append("real ").append(InetAddresses.toText(e.address())).append(' ').append(e.port()).append('\n');
            }
        });
        for (InterfaceAddress a : vips) {
            sb.append("vip ").append(a.interfaceName()).append(' ').append(a.cidr())
                    .append(a.label().map(l -> " label " + l).orElse("")).append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * This state and {@code other} together (services of both, VIPs of both).
     *
     * @param other another state
     * @return the services and VIPs of both, this state's first
     */
    public OwnershipState union(OwnershipState other) {
        Map<ServiceKey, List<Endpoint>> s = new LinkedHashMap<>(services);
        other.services.forEach((k, v) -> s.merge(k, v, (a, b) -> {
            Set<Endpoint> all = new LinkedHashSet<>(a);
            all.addAll(b);
            return List.copyOf(all);
        }));
        List<InterfaceAddress> v = new ArrayList<>(vips);
        for (InterfaceAddress a : other.vips) {
            if (v.stream().noneMatch(x -> x.sameAssignment(a))) {
                v.add(a);
            }
        }
        return new OwnershipState(s, v);
    }

    static String formatKey(ServiceKey key) {
        if (key instanceof ServiceKey.Inet inet) {
            return inet.protocol().name().toLowerCase(Locale.ROOT) + " " + InetAddresses.toText(inet.address()) + " "
                    + inet.port();
        }
        ServiceKey.FwMark fw = (ServiceKey.FwMark) key;
        return "fwmark " + fw.markUnsigned() + " " + fw.family().name().toLowerCase(Locale.ROOT);
    }

    private static ServiceKey parseKey(String[] f) {
        if (f.length != 4) {
            throw new IllegalArgumentException("expected 'service PROTOCOL ADDRESS PORT' or 'service fwmark MARK FAMILY'");
        }
        if (f[1].equals("fwmark")) {
            long mark = Long.parseLong(f[2]);
            if (mark < 1 || mark > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("fwmark out of range");
            }
            return ServiceKey.fwmark(mark, AddressFamily.valueOf(f[3].toUpperCase(Locale.ROOT)));
        }
        Protocol p = Protocol.valueOf(f[1].toUpperCase(Locale.ROOT));
        return ServiceKey.inet(p, InetAddresses.parse(f[2]), port(f[3]));
    }

    private static int port(String s) {
        int p = Integer.parseInt(s);
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range");
        }
        return p;
    }

    /** {@link #save(Path)} for callbacks that cannot throw IOException. */
    void saveUnchecked(Path file) {
        try {
            save(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the state file " + file + ": " + e.getMessage(), e);
        }
    }
}
