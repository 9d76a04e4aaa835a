package io.ipvs4j;

/** The real server does not exist in its service (the kernel's ENOENT on SET_DEST/DEL_DEST). */
public class RealServerNotFoundException extends NotFoundException {
    private static final long serialVersionUID = 1L;

    /** A "real server not found" failure of {@code operation} on {@code subject}. */
    public RealServerNotFoundException(Operation operation, String subject, int errno, String kernelMessage) {
        super(operation, subject, "real server not found", errno, kernelMessage);
    }
}
