package io.ipvs4j;

/**
 * The caller lacks CAP_NET_ADMIN (EPERM/EACCES). Every IPVS operation, reads included, needs
 * it in the <em>initial</em> user namespace ({@code GENL_ADMIN_PERM}).
 */
public class PermissionDeniedException extends IpvsException {
    private static final long serialVersionUID = 1L;

    /** A permission failure of {@code operation}. */
    public PermissionDeniedException(Operation operation, String subject, int errno, String kernelMessage) {
        super(operation, subject, "permission denied; needs CAP_NET_ADMIN in the initial user namespace",
                errno, kernelMessage, null);
    }
}
