package io.ipvs4j;

/**
 * The kernel rejected a request for another reason (EINVAL, ERANGE, EOPNOTSUPP, EAFNOSUPPORT,
 * ENOMEM, ...). The message includes a hint where the cause is known, and the kernel's
 * extended-ACK text when it sent one.
 */
public class KernelRejectedException extends IpvsException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception; the parts are as in {@link IpvsException#IpvsException(Operation, String, String, int, String, Throwable)}.
     *
     * @param operation what was being done
     * @param subject the key or endpoint text, e.g. {@code "TCP 192.0.2.100:80"}; may be empty
     * @param reason what went wrong, in words
     * @param errno the positive errno, or 0 if none
     * @param kernelMessage the kernel's extended-ACK text, or {@code null}
     */
    public KernelRejectedException(Operation operation, String subject, String reason, int errno, String kernelMessage) {
        super(operation, subject, reason, errno, kernelMessage, null);
    }
}
