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

    /** See {@link IpvsException#IpvsException(Operation, String, String, int, String, Throwable)}. */
    public NotFoundException(Operation operation, String subject, String reason, int errno, String kernelMessage) {
        super(operation, subject, reason, errno, kernelMessage, null);
    }
}
