package io.ipvs4j;

/** The real server does not exist in its service (the kernel's ENOENT on SET_DEST/DEL_DEST). */
public class RealServerNotFoundException extends NotFoundException {
    private static final long serialVersionUID = 1L;

    /**
     * A "real server not found" failure of {@code operation} on {@code subject}.
     *
     * @param operation what was being done
     * @param subject the key or endpoint text, e.g. {@code "TCP 192.0.2.100:80"}; may be empty
     * @param errno the positive errno, or 0 if none
     * @param kernelMessage the kernel's extended-ACK text, or {@code null}
     */
    public RealServerNotFoundException(Operation operation, String subject, int errno, String kernelMessage) {
        super(operation, subject, "real server not found", errno, kernelMessage);
    }
}
