package io.ipvs4j.netlink.internal.sys;

import io.ipvs4j.netlink.internal.sys.ffi.LibC;
import java.nio.ByteBuffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** Loads libc once and gives access to errno and direct-buffer addresses. */
public final class Native {
    // Values from the Linux x86_64/generic ABI headers named in each comment.
    public static final int AF_NETLINK = 16;          // linux/socket.h
    public static final int SOCK_RAW = 3;             // linux/net.h
    public static final int SOCK_CLOEXEC = 0x80000;   // asm-generic/fcntl.h O_CLOEXEC
    public static final int SOL_SOCKET = 1;           // asm-generic/socket.h
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_RCVTIMEO = 20;         // SO_RCVTIMEO_OLD, struct timeval
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SOL_NETLINK = 270;        // linux/socket.h
    public static final int NETLINK_CAP_ACK = 10;     // linux/netlink.h
    public static final int NETLINK_EXT_ACK = 11;
    public static final int MSG_PEEK = 0x2;           // linux/socket.h
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_WAITFORONE = 0x10000;
    public static final int O_RDONLY = 0;             // asm-generic/fcntl.h
    public static final int O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000; // linux/sched.h

    private static final class Holder {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    }

    private Native() {}

    /** Loads libc; throws {@link UnsatisfiedLinkError} or another {@link LinkageError} if impossible. */
    public static LibC libc() {
        return Holder.LIBC;
    }

    /** The errno saved by the last call on this thread. */
    public static int errno() {
        return Holder.RUNTIME.getLastError();
    }

    /** The native address of element 0 of a direct buffer (not its position). */
    public static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("buffer must be direct");
        }
        return Pointer.wrap(Holder.RUNTIME, direct.duplicate().clear()).address();
    }
}
