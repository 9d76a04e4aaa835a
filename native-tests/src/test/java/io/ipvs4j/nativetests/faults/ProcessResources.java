package io.ipvs4j.nativetests.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What this JVM holds, for the leak checks of the fault tests: open descriptors by kind
 * ({@code /proc/self/fd}), resident memory ({@code VmRSS} of {@code /proc/self/status}), heap
 * in use after a collection and the JDK's direct-buffer pool.
 */
final class ProcessResources {
    private ProcessResources() {}

    /**
     * Open descriptors counted by what they point to: {@code socket}, {@code pipe},
     * {@code anon_inode:[eventpoll]}, or the file's path (the directory stream that lists them
     * is counted too, the same way every time).
     */
    static Map<String, Integer> descriptors() {
        Map<String, Integer> kinds = new TreeMap<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            fds.forEach(fd -> {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return; // closed between the listing and the readlink: the listing's own descriptor
                }
                int bracket = target.indexOf(":[");
                String kind = bracket > 0 && !target.startsWith("anon_inode") ? target.substring(0, bracket) : target;
                kinds.merge(kind, 1, Integer::sum);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return kinds;
    }

    /** "N descriptors (S sockets)": the short form for reports. */
    static String summary(Map<String, Integer> descriptors) {
        int total = descriptors.values().stream().mapToInt(Integer::intValue).sum();
        return total + " descriptors (" + descriptors.getOrDefault("socket", 0) + " sockets)";
    }

    /** The kinds whose count differs, as "kind: before -> after". */
    static String difference(Map<String, Integer> before, Map<String, Integer> after) {
        java.util.Set<String> kinds = new java.util.TreeSet<>(before.keySet());
        kinds.addAll(after.keySet());
        StringBuilder sb = new StringBuilder();
        for (String k : kinds) {
            int b = before.getOrDefault(k, 0);
            int a = after.getOrDefault(k, 0);
            if (a != b) {
                sb.append(sb.length() == 0 ? "" : ", ").append(k).append(": ").append(b).append(" -> ").append(a);
            }
        }
        return sb.length() == 0 ? "no difference" : sb.toString();
    }

    static int descriptorCount() {
        return descriptors().values().stream().mapToInt(Integer::intValue).sum();
    }

    static int sockets() {
        return descriptors().getOrDefault("socket", 0);
    }

    /** Resident set size of this process in KiB. */
    static long rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /** Heap bytes in use after two full collections (serial GC in the VM: System.gc is a full GC). */
    static long heapUsedAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Bytes of the JDK's direct ByteBuffers in use (the client's message buffers are direct). */
    static long directBufferBytes() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }

    /** The capability sets line {@code CapEff} of this process, in hex. */
    static String effectiveCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return line.substring("CapEff:".length()).strip();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "?";
    }

    /** Prints a figure for BENCHMARKS.md's Reliability section, greppable in the VM's output. */
    static void report(String test, String figures) {
        System.out.println("reliability: " + test + ": " + figures);
    }
}
