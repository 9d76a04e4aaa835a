package io.ipvs4j;

/**
 * The caller lacks CAP_NET_ADMIN (EPERM/EACCES). Every IPVS operation, reads included, needs
 * it in the <em>initial</em> user namespace ({@code GENL_ADMIN_PERM}).
 */
public class PermissionDeniedException extends IpvsException {
    private static final long serialVersionUID = 1L;

    /**
     * A permission failure of {@code operation}.
     *
     * @param operation what was being done
     * @param subject the key or endpoint text, e.g. {@code "TCP 192.0.2.100:80"}; may be empty
     * @param errno the positive errno, or 0 if none
     * @param kernelMessage the kernel's extended-ACK text, or {@code null}
     */
    public PermissionDeniedException(Operation operation, String subject, int errno, String kernelMessage) {
        super(operation, subject, "permission denied; needs CAP_NET_ADMIN in the initial user namespace",
                errno, kernelMessage, null);
    }
}
