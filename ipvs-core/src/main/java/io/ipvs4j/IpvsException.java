package io.ipvs4j;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * A failed IPVS (or rtnetlink) operation. Checked, because talking to the kernel is I/O;
 * bad arguments are rejected earlier with {@link IllegalArgumentException}.
 *
 * <p>The message reads like
 * {@code add real server 198.51.100.3:80 to TCP 192.0.2.100:80 failed: service not found (ESRCH, errno 3)},
 * followed by the kernel's extended-ACK text when it sent one. The parts are available
 * separately for programs; catch a subclass to act on the meaning:
 *
 * <pre>{@code
 * try {
 *     ipvs.addService(web);
 * } catch (AlreadyExistsException e) {
 *     ipvs.updateService(web);
 * }
 * }</pre>
 *
 * <p>Subclasses are named by meaning, not by errno; {@link IpvsErrors#fromErrno} picks one.
 */
public abstract class IpvsException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What was being done; {@code null} below the client layer. */
    private final Operation operation;
    /** The key or endpoint text; empty if none. */
    private final String subject;
    /** What went wrong, in words. */
    private final String reason;
    /** The positive errno; 0 if none. */
    private final int errno;
    /** The kernel's extended-ACK text, or {@code null}. */
    private final String kernelMessage;

    /**
     * @param operation what was being done; {@code null} only when thrown below the client layer
     *     (see {@link NetlinkProtocolException#NetlinkProtocolException(String)})
     * @param subject the key or endpoint text, e.g. {@code "TCP 192.0.2.100:80"}; may be empty
     * @param reason what went wrong, in words
     * @param errno the positive errno, or 0 if none
     * @param kernelMessage the kernel's extended-ACK text, or {@code null}
     * @param cause the underlying exception, or {@code null}
     */
    protected IpvsException(Operation operation, String subject, String reason, int errno, String kernelMessage,
                            Throwable cause) {
        super(format(operation, subject, reason, errno, kernelMessage), cause);
        this.operation = operation;
        this.subject = subject == null ? "" : subject;
        this.reason = Objects.requireNonNull(reason, "reason");
        this.errno = Math.abs(errno);
        this.kernelMessage = kernelMessage == null || kernelMessage.isBlank() ? null : kernelMessage;
    }

    private static String format(Operation operation, String subject, String reason, int errno, String kernelMessage) {
        StringBuilder sb = new StringBuilder();
        if (operation != null) {
            sb.append(operation.verb());
            if (subject != null && !subject.isEmpty()) {
                sb.append(' ').append(subject);
            }
            sb.append(" failed: ");
        }
        sb.append(reason);
        if (errno != 0) {
            int e = Math.abs(errno);
            sb.append(" (").append(Errno.name(e)).append(", errno ").append(e).append(')');
        }
        if (kernelMessage != null && !kernelMessage.isBlank()) {
            sb.append("; kernel says: ").append(kernelMessage);
        }
        return sb.toString();
    }

    /** {@return what was being done; {@code null} only for a {@link NetlinkProtocolException} raised without context} */
    public Operation operation() {
        return operation;
    }

    /** {@return the key or endpoint the operation was about, as text; empty if none} */
    public String subject() {
        return subject;
    }

    /** {@return what went wrong, in words, without operation, subject or errno} */
    public String reason() {
        return reason;
    }

    /** {@return the errno the kernel or a system call returned, positive; 0 if none} */
    public int errno() {
        return errno;
    }

    /** {@return the symbolic errno, e.g. {@code "ESRCH"}; empty string if {@link #errno()} is 0} */
    public String errnoName() {
        return errno == 0 ? "" : Errno.name(errno);
    }

    /** {@return the kernel's extended-ACK message, if it sent one} */
    public Optional<String> kernelMessage() {
        return Optional.ofNullable(kernelMessage);
    }
}
