package io.ipvs4j;

/**
 * The Linux errno values ipvs4j tells apart. Numbers are from
 * {@code include/uapi/asm-generic/errno-base.h} (1..34) and
 * {@code include/uapi/asm-generic/errno.h} (the rest), which x86, arm and most other
 * architectures use unchanged.
 */
public final class Errno {
    private Errno() {
    }

    /** errno-base.h: Operation not permitted. */
    public static final int EPERM = 1;
    /** errno-base.h: No such file or directory. */
    public static final int ENOENT = 2;
    /** errno-base.h: No such process (IPVS: service not found). */
    public static final int ESRCH = 3;
    /** errno-base.h: Interrupted system call. */
    public static final int EINTR = 4;
    /** errno-base.h: Try again. */
    public static final int EAGAIN = 11;
    /** errno-base.h: Out of memory. */
    public static final int ENOMEM = 12;
    /** errno-base.h: Permission denied. */
    public static final int EACCES = 13;
    /** errno-base.h: Device or resource busy. */
    public static final int EBUSY = 16;
    /** errno-base.h: File exists. */
    public static final int EEXIST = 17;
    /** errno-base.h: No such device. */
    public static final int ENODEV = 19;
    /** errno-base.h: Invalid argument. */
    public static final int EINVAL = 22;
    /** errno-base.h: Math result not representable. */
    public static final int ERANGE = 34;
    /** errno.h: Message too long. */
    public static final int EMSGSIZE = 90;
    /** errno.h: Protocol not available. */
    public static final int ENOPROTOOPT = 92;
    /** errno.h: Operation not supported on transport endpoint. */
    public static final int EOPNOTSUPP = 95;
    /** errno.h: Address family not supported by protocol. */
    public static final int EAFNOSUPPORT = 97;
    /** errno.h: Cannot assign requested address. */
    public static final int EADDRNOTAVAIL = 99;
    /** errno.h: No buffer space available. */
    public static final int ENOBUFS = 105;

    /**
     * The symbolic name of {@code errno}, e.g. {@code "ESRCH"} for 3; {@code "errno N"} for a
     * number not listed here.
     *
     * @param errno the error number (positive, or negative as netlink carries it)
     * @return the symbolic name, e.g. {@code EEXIST}
     */
    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case EINTR -> "EINTR";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ERANGE -> "ERANGE";
            case EMSGSIZE -> "EMSGSIZE";
            case ENOPROTOOPT -> "ENOPROTOOPT";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case EAFNOSUPPORT -> "EAFNOSUPPORT";
            case EADDRNOTAVAIL -> "EADDRNOTAVAIL";
            case ENOBUFS -> "ENOBUFS";
            default -> "errno " + errno;
        };
    }

    /**
     * The C library's text for {@code errno} ({@code strerror}), lower-cased; generic for unlisted numbers.
     *
     * @param errno the error number (positive, or negative as netlink carries it)
     * @return the description
     */
    public static String description(int errno) {
        return switch (errno) {
            case EPERM -> "operation not permitted";
            case ENOENT -> "no such file or directory";
            case ESRCH -> "no such process";
            case EINTR -> "interrupted system call";
            case EAGAIN -> "resource temporarily unavailable";
            case ENOMEM -> "cannot allocate memory";
            case EACCES -> "permission denied";
            case EBUSY -> "device or resource busy";
            case EEXIST -> "file exists";
            case ENODEV -> "no such device";
            case EINVAL -> "invalid argument";
            case ERANGE -> "numerical result out of range";
            case EMSGSIZE -> "message too long";
            case ENOPROTOOPT -> "protocol not available";
            case EOPNOTSUPP -> "operation not supported";
            case EAFNOSUPPORT -> "address family not supported by protocol";
            case EADDRNOTAVAIL -> "cannot assign requested address";
            case ENOBUFS -> "no buffer space available";
            default -> "error " + errno;
        };
    }
}
