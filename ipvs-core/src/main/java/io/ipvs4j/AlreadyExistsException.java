package io.ipvs4j;

/** The service, real server or sync daemon already exists (the kernel's EEXIST). */
public class AlreadyExistsException extends IpvsException {
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
    public AlreadyExistsException(Operation operation, String subject, String reason, int errno, String kernelMessage) {
        super(operation, subject, reason, errno, kernelMessage, null);
    }
}
