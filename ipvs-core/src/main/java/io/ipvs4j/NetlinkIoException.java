package io.ipvs4j;

/**
 * A system call on the netlink socket failed (e.g. {@code sendmsg} with ENOBUFS,
 * {@code socket} with EAFNOSUPPORT) — as opposed to the kernel answering a request with an
 * error, which is one of the other subclasses.
 */
public class NetlinkIoException extends IpvsException {
    private static final long serialVersionUID = 1L;

    /** The failed system call, e.g. {@code "sendmsg"}. */
    private final String call;

    /**
     * {@code call} (e.g. {@code "sendmsg"}) failed with {@code errno} during {@code operation} on {@code subject}.
     *
     * @param operation what was being done
     * @param subject the key or endpoint text, e.g. {@code "TCP 192.0.2.100:80"}; may be empty
     * @param call the failed system call, e.g. {@code "sendmsg"}
     * @param errno the positive errno, or 0 if none
     */
    public NetlinkIoException(Operation operation, String subject, String call, int errno) {
        super(operation, subject, call + ": " + Errno.description(Math.abs(errno)), errno, null, null);
        this.call = call;
    }

    /**
     * {@code call} failed with {@code errno}, outside any operation (e.g. opening the socket).
     *
     * @param call the failed system call, e.g. {@code "sendmsg"}
     * @param errno the positive errno, or 0 if none
     */
    public NetlinkIoException(String call, int errno) {
        this(null, "", call, errno);
    }

    /** {@return the failed system call, e.g. {@code "recvmsg"}} */
    public String call() {
        return call;
    }
}
