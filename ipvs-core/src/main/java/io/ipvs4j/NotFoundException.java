package io.ipvs4j;

/**
 * The object of an operation does not exist (ESRCH, ENOENT and the like). Subclasses say
 * which kind of object; this class itself is used for the rest, such as stopping a sync
 * daemon that is not running.
 *
 * <pre>{@code
 * try {
 *     ipvs.stopSyncDaemon(SyncState.BACKUP);
 * } catch (NotFoundException alreadyStopped) {
 *     // fine
 * }
 * }</pre>
 */
public class NotFoundException extends IpvsException {
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
    public NotFoundException(Operation operation, String subject, String reason, int errno, String kernelMessage) {
        super(operation, subject, reason, errno, kernelMessage, null);
    }
}
