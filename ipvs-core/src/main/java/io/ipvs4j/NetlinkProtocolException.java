package io.ipvs4j;

/**
 * The kernel's reply could not be understood: malformed or truncated, a sequence-number or
 * port-id mismatch, or a dump interrupted ({@code NLM_F_DUMP_INTR}). Never carries an errno.
 * Decoding code that knows no operation throws it with text only; the client may add the
 * context with {@link #withContext(Operation, String)}.
 */
public class NetlinkProtocolException extends IpvsException {
    private static final long serialVersionUID = 1L;

    /**
     * A protocol failure described by {@code message}, without operation context.
     *
     * @param message what is wrong, in words
     */
    public NetlinkProtocolException(String message) {
        this(null, "", message, null);
    }

    /**
     * A protocol failure described by {@code message}, caused by {@code cause}.
     *
     * @param message what is wrong, in words
     * @param cause the underlying exception, or {@code null}
     */
    public NetlinkProtocolException(String message, Throwable cause) {
        this(null, "", message, cause);
    }

    /**
     * A protocol failure of {@code operation} on {@code subject}.
     *
     * @param operation what was being done
     * @param subject the key or endpoint text, e.g. {@code "TCP 192.0.2.100:80"}; may be empty
     * @param message what is wrong, in words
     * @param cause the underlying exception, or {@code null}
     */
    public NetlinkProtocolException(Operation operation, String subject, String message, Throwable cause) {
        super(operation, subject, message, 0, null, cause);
    }

    /**
     * This failure, reported as part of {@code operation} on {@code subject}; this exception becomes the cause.
     *
     * @param operation the operation that failed
     * @param subject the object it failed on
     * @return a new exception with that context
     */
    public NetlinkProtocolException withContext(Operation operation, String subject) {
        return new NetlinkProtocolException(operation, subject, reason(), this);
    }
}
