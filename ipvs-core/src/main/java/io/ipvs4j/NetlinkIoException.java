package io.ipvs4j;

/**
 * A system call on the netlink socket failed (e.g. {@code sendmsg} with ENOBUFS,
 * {@code socket} with EAFNOSUPPORT) — as opposed to the kernel answering a request with an
 * error, which is one of the other subclasses.
 */
public class NetlinkIoException extends IpvsException {
    private static final long serialVersionUID = 1L;

    private final String call;

    /** {@code call} (e.g. {@code "sendmsg"}) failed with {@code errno} during {@code operation} on {@code subject}. */
    public NetlinkIoException(Operation operation, String subject, String call, int errno) {
        super(operation, subject, call + ": " + Errno.description(Math.abs(errno)), errno, null, null);
        this.call = call;
    }

    /** {@code call} failed with {@code errno}, outside any operation (e.g. opening the socket). */
    public NetlinkIoException(String call, int errno) {
        this(null, "", call, errno);
    }

    /** {@return the failed system call, e.g. {@code "recvmsg"}} */
    public String call() {
        return call;
    }
}
