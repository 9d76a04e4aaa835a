package io.ipvs4j;

/**
 * The kernel rejected a request for another reason (EINVAL, ERANGE, EOPNOTSUPP, EAFNOSUPPORT,
 * ENOMEM, ...). The message includes a hint where the cause is known, and the kernel's
 * extended-ACK text when it sent one.
 */
public class KernelRejectedException extends IpvsException {
    private static final long serialVersionUID = 1L;

    /** See {@link IpvsException#IpvsException(Operation, String, String, int, String, Throwable)}. */
    public KernelRejectedException(Operation operation, String subject, String reason, int errno, String kernelMessage) {
        super(operation, subject, reason, errno, kernelMessage, null);
    }
}
