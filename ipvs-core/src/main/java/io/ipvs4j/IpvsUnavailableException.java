package io.ipvs4j;

/**
 * IPVS is not available: the generic-netlink family "IPVS" is not registered (the
 * {@code ip_vs} module is not loaded), went away (module reloaded), or is unloading.
 * ipvs4j never loads modules itself; run {@code modprobe ip_vs}.
 */
public class IpvsUnavailableException extends IpvsException {
    private static final long serialVersionUID = 1L;

    /** The standard reason: IPVS not registered, load the module. */
    public static final String NOT_LOADED = "generic netlink family IPVS is not registered; load it with modprobe ip_vs";

    /**
     * IPVS unavailable, with the standard reason {@link #NOT_LOADED}.
     *
     * @param operation what was being done
     * @param errno the positive errno, or 0 if none
     * @param kernelMessage the kernel's extended-ACK text, or {@code null}
     */
    public IpvsUnavailableException(Operation operation, int errno, String kernelMessage) {
        this(operation, NOT_LOADED, errno, kernelMessage, null);
    }

    /**
     * IPVS unavailable for {@code reason}.
     *
     * @param operation what was being done
     * @param reason what went wrong, in words
     * @param errno the positive errno, or 0 if none
     * @param kernelMessage the kernel's extended-ACK text, or {@code null}
     * @param cause the underlying exception, or {@code null}
     */
    public IpvsUnavailableException(Operation operation, String reason, int errno, String kernelMessage, Throwable cause) {
        super(operation, "", reason, errno, kernelMessage, cause);
    }
}
