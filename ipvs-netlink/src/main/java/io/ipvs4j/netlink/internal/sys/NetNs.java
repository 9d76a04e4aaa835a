package io.ipvs4j.netlink.internal.sys;

import io.ipvs4j.netlink.internal.nl.SyscallException;
import io.ipvs4j.netlink.internal.sys.ffi.LibC;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs an action inside another network namespace without moving the calling thread or the rest
 * of the JVM: a short-lived dedicated thread calls {@code setns(fd, CLONE_NEWNET)} and runs the
 * action there. A netlink socket created by the action stays bound to that namespace for its
 * whole life, which is all the IPVS and rtnetlink clients need.
 */
public final class NetNs {
    private NetNs() {}

    /** The opening action: typically {@code () -> NativeNetlinkSocket.open(...)}. */
    @FunctionalInterface
    public interface Action<T> {
        T run() throws SyscallException;
    }

    /** Path of a namespace named with {@code ip netns add NAME}. */
    public static Path named(String name) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("network namespace name must be a plain file name, was '" + name + "'");
        }
        return Path.of("/run/netns", name);
    }

    /** Path of the network namespace of process {@code pid}. */
    public static Path ofProcess(long pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, was " + pid);
        }
        return Path.of("/proc", Long.toString(pid), "ns", "net");
    }

    /**
     * Runs {@code action} in {@code namespace} on a helper thread and returns its result (null for
     * actions without one). Whatever the helper thread throws comes back as the action's
     * {@link SyscallException} or {@link RuntimeException}, or as a {@link SyscallException}
     * carrying any other {@link Throwable} (an {@link Error}) as its cause.
     */
    public static <T> T callIn(Path namespace, Action<T> action) throws SyscallException {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            LibC libc = Native.libc();
            int fd = libc.open(namespace.toString(), Native.O_RDONLY | Native.O_CLOEXEC);
            if (fd < 0) {
                result.set(new SyscallException("open(" + namespace + ")", Native.errno()));
                return;
            }
            try {
                if (libc.setns(fd, Native.CLONE_NEWNET) < 0) {
                    result.set(new SyscallException("setns(" + namespace + ", CLONE_NEWNET)", Native.errno()));
                    return;
                }
                result.set(action.run());
            } catch (Throwable e) {
                // Everything, Errors included (OutOfMemoryError, StackOverflowError, a failed
                // native link): the caller must get a typed failure, never a missing result.
                result.set(e);
            } finally {
                libc.close(fd);
            }
        }, "ipvs4j-netns");
        thread.setDaemon(true);
        thread.start();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Object r = result.get();
        if (r instanceof SyscallException e) {
            throw e;
        }
        if (r instanceof RuntimeException e) {
            throw e;
        }
        if (r instanceof Throwable t) {
            throw new SyscallException("setns(" + namespace + ") helper thread", t.toString(), t);
        }
        @SuppressWarnings("unchecked")
        T t = (T) r;
        return t;
    }
}
