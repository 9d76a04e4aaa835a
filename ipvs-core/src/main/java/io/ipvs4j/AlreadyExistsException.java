package io.ipvs4j;

/** The service, real server or sync daemon already exists (the kernel's EEXIST). */
public class AlreadyExistsException extends IpvsException {
    private static final long serialVersionUID = 1L;

    /** See {@link IpvsException#IpvsException(Operation, String, String, int, String, Throwable)}. */
    public AlreadyExistsException(Operation operation, String subject, String reason, int errno, String kernelMessage) {
        super(operation, subject, reason, errno, kernelMessage, null);
    }
}
