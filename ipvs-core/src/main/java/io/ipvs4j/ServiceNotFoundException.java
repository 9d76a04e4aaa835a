package io.ipvs4j;

/** The virtual service does not exist (the kernel's ESRCH). */
public class ServiceNotFoundException extends NotFoundException {
    private static final long serialVersionUID = 1L;

    /**
     * A "service not found" failure of {@code operation} on {@code subject}.
     *
     * @param operation what was being done
     * @param subject the key or endpoint text, e.g. {@code "TCP 192.0.2.100:80"}; may be empty
     * @param errno the positive errno, or 0 if none
     * @param kernelMessage the kernel's extended-ACK text, or {@code null}
     */
    public ServiceNotFoundException(Operation operation, String subject, int errno, String kernelMessage) {
        super(operation, subject, "service not found", errno, kernelMessage);
    }
}
