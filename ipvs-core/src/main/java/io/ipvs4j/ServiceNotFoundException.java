package io.ipvs4j;

/** The virtual service does not exist (the kernel's ESRCH). */
public class ServiceNotFoundException extends NotFoundException {
    private static final long serialVersionUID = 1L;

    /** A "service not found" failure of {@code operation} on {@code subject}. */
    public ServiceNotFoundException(Operation operation, String subject, int errno, String kernelMessage) {
        super(operation, subject, "service not found", errno, kernelMessage);
    }
}
