package io.ipvs4j.netlink.internal.sysctl;

import io.ipvs4j.Errno;
import io.ipvs4j.IpvsException;
import io.ipvs4j.KernelRejectedException;
import io.ipvs4j.NetlinkProtocolException;
import io.ipvs4j.NotFoundException;
import io.ipvs4j.Operation;
import io.ipvs4j.PermissionDeniedException;
import io.ipvs4j.host.ArpAnnounce;
import io.ipvs4j.host.ArpIgnore;
import io.ipvs4j.host.HostSysctls;
import io.ipvs4j.host.InterfaceNames;
import io.ipvs4j.host.IpvsSysctl;
import io.ipvs4j.netlink.internal.nl.SyscallException;
import io.ipvs4j.netlink.internal.sys.NetNs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link HostSysctls} over the files of {@code /proc/sys} (or another root, for tests).
 *
 * <p>Namespaces: the {@code net} subtree of {@code /proc/sys} shows the network namespace of
 * the thread that <em>opens</em> a file (the lookup goes through {@code current}'s nsproxy),
 * not that of the process that mounted {@code /proc} nor of the thread that later reads the
 * descriptor. Verified on Linux 6.18 and in the project's VM: a thread that called
 * {@code setns(CLONE_NEWNET)} sees the namespace's interfaces under {@code net/ipv4/conf} and
 * its values, other threads of the same JVM keep seeing their own, and a descriptor opened on
 * the setns thread keeps showing the namespace's value when read elsewhere. So with a
 * namespace every open, read and write runs on a {@link NetNs#callIn} thread; the JVM's own
 * threads never move.
 */
public final class ProcSysctls implements HostSysctls {
    /** The real sysctl tree. */
    public static final Path PROC_SYS = Path.of("/proc/sys");

    /** Longer than any value of the sysctls read here (est_cpulist is the longest). */
    private static final int MAX_VALUE_BYTES = 8192;

    private final Path root;
    private final Path namespace;

    /**
     * @param root the sysctl tree, {@link #PROC_SYS} outside tests
     * @param namespace the network namespace to open files in, or empty for the caller's
     */
    public ProcSysctls(Path root, Optional<Path> namespace) {
        this.root = Objects.requireNonNull(root, "root");
        this.namespace = Objects.requireNonNull(namespace, "namespace").orElse(null);
    }

    @FunctionalInterface
    private interface FileAction<T> {
        T run() throws IOException;
    }

    @Override
    public ArpIgnore arpIgnore(String interfaceName) throws IpvsException {
        String key = confKey(interfaceName, "arp_ignore");
        int value = readInt(key, confPath(interfaceName, "arp_ignore"), "no such interface");
        try {
            return ArpIgnore.fromValue(value);
        } catch (IllegalArgumentException e) {
            throw new NetlinkProtocolException(Operation.READ_SYSCTL, key, e.getMessage(), null);
        }
    }

    @Override
    public void setArpIgnore(String interfaceName, ArpIgnore value) throws IpvsException {
        Objects.requireNonNull(value, "arp_ignore");
        String key = confKey(interfaceName, "arp_ignore");
        write(key, confPath(interfaceName, "arp_ignore"), Integer.toString(value.value()), "no such interface");
    }

    @Override
    public ArpAnnounce arpAnnounce(String interfaceName) throws IpvsException {
        String key = confKey(interfaceName, "arp_announce");
        int value = readInt(key, confPath(interfaceName, "arp_announce"), "no such interface");
        try {
            return ArpAnnounce.fromValue(value);
        } catch (IllegalArgumentException e) {
            throw new NetlinkProtocolException(Operation.READ_SYSCTL, key, e.getMessage(), null);
        }
    }

    @Override
    public void setArpAnnounce(String interfaceName, ArpAnnounce value) throws IpvsException {
        Objects.requireNonNull(value, "arp_announce");
        String key = confKey(interfaceName, "arp_announce");
        write(key, confPath(interfaceName, "arp_announce"), Integer.toString(value.value()), "no such interface");
    }

    @Override
    public <T> T get(IpvsSysctl<T> key) throws IpvsException {
        Objects.requireNonNull(key, "key");
        String text = read(key.key(), ipvsPath(key), missingIpvs(key));
        try {
            return key.parse(text);
        } catch (IllegalArgumentException e) {
            throw new NetlinkProtocolException(Operation.READ_SYSCTL, key.key(), e.getMessage(), null);
        }
    }

    @Override
    public <T> void set(IpvsSysctl<T> key, T value) throws IpvsException {
        Objects.requireNonNull(key, "key");
        String text = key.format(value);
        write(key.key(), ipvsPath(key), text, missingIpvs(key));
    }

    @Override
    public boolean isPresent(IpvsSysctl<?> key) throws IpvsException {
        Objects.requireNonNull(key, "key");
        Path p = ipvsPath(key);
        return run(Operation.READ_SYSCTL, key.key(), "", () -> Files.isRegularFile(p));
    }

    @Override
    public List<IpvsSysctl<?>> available() throws IpvsException {
        Path dir = root.resolve("net/ipv4/vs");
        return run(Operation.READ_SYSCTL, "net.ipv4.vs.*", "", () -> {
            List<IpvsSysctl<?>> present = new ArrayList<>();
            for (IpvsSysctl<?> k : IpvsSysctl.all()) {
                if (Files.isRegularFile(dir.resolve(k.name()))) {
                    present.add(k);
                }
            }
            return List.copyOf(present);
        });
    }

    private static String missingIpvs(IpvsSysctl<?> key) {
        return "not present: ip_vs not loaded in this network namespace, or a kernel without " + key.key();
    }

    private String confKey(String interfaceName, String leaf) {
        return "net.ipv4.conf." + InterfaceNames.checkInterface(interfaceName) + "." + leaf;
    }

    private Path confPath(String interfaceName, String leaf) {
        // checked by confKey first: no '/', '..' or empty name can get here
        return root.resolve("net/ipv4/conf").resolve(interfaceName).resolve(leaf);
    }

    private Path ipvsPath(IpvsSysctl<?> key) {
        return root.resolve("net/ipv4/vs").resolve(key.name());
    }

    private int readInt(String key, Path path, String missing) throws IpvsException {
        String text = read(key, path, missing).strip();
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new NetlinkProtocolException(Operation.READ_SYSCTL, key, "expected an integer, read '" + text + "'", null);
        }
    }

    private String read(String key, Path path, String missing) throws IpvsException {
        return run(Operation.READ_SYSCTL, key, missing, () -> {
            // The whole value must come from the first read(): proc_dointvec answers a read at a
            // non-zero offset with EOF, so Files.readString (whose first read of a size-0 file
            // is a single byte) would return "5" for sync_threshold "5\t100".
            try (InputStream in = Files.newInputStream(path)) {
                byte[] buffer = new byte[MAX_VALUE_BYTES];
                int n = in.read(buffer, 0, buffer.length);
                if (n == buffer.length) {
                    throw new IOException("value longer than " + MAX_VALUE_BYTES + " bytes");
                }
                return n <= 0 ? "" : new String(buffer, 0, n, StandardCharsets.US_ASCII);
            }
        });
    }

    private void write(String key, Path path, String text, String missing) throws IpvsException {
        // one write() at offset 0, no O_CREAT: a missing entry is an error, never a new file
        byte[] bytes = (text + "\n").getBytes(StandardCharsets.US_ASCII);
        run(Operation.WRITE_SYSCTL, key + "=" + text, missing, () -> {
            Files.write(path, bytes, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            return null;
        });
    }

    /** Runs file I/O in the namespace (on a setns thread) or here, mapping failures to typed exceptions. */
    private <T> T run(Operation op, String subject, String missing, FileAction<T> action) throws IpvsException {
        try {
            if (namespace == null) {
                return action.run();
            }
            return NetNs.callIn(namespace, () -> {
                try {
                    return action.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw map(op, subject, missing, e.getCause());
        } catch (SyscallException e) {
            throw e.toTyped(op, subject);
        } catch (IOException e) {
            throw map(op, subject, missing, e);
        }
    }

    private static IpvsException map(Operation op, String subject, String missing, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new NotFoundException(op, subject, missing.isEmpty() ? "no such sysctl" : missing, Errno.ENOENT, null);
        }
        if (e instanceof AccessDeniedException) {
            return new PermissionDeniedException(op, subject, Errno.EACCES, null);
        }
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (detail.contains("Invalid argument")) {
            return new KernelRejectedException(op, subject, "the kernel refused the value (out of range?)", Errno.EINVAL, null);
        }
        return new KernelRejectedException(op, subject, "I/O error: " + detail, 0, null);
    }
}
