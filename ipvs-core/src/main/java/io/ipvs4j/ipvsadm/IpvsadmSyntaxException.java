package io.ipvs4j.ipvsadm;

import java.util.Optional;

/**
 * An ipvsadm command line or rule file line that ipvsadm would refuse (or that ipvs4j cannot
 * represent), found before anything is sent to the kernel. The message names the line (for
 * rule files), the offending token and the reason in ipvsadm's words where ipvsadm has them:
 *
 * <pre>{@code
 * line 3: -w: Illegal 'weight' option with the 'add-service' command
 * }</pre>
 */
public final class IpvsadmSyntaxException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The 1-based line in a rule file, 0 for a command line. */
    private final int line;
    /** The offending token, or null. */
    private final String token;
    /** The reason alone, without line and token. */
    private final String reason;

    /**
     * @param line the 1-based line of a rule file, or 0 for a command line
     * @param token the offending token, or {@code null} when the whole command is at fault
     * @param reason what is wrong
     */
    public IpvsadmSyntaxException(int line, String token, String reason) {
        super((line > 0 ? "line " + line + ": " : "") + (token != null ? token + ": " : "") + reason);
        this.line = line;
        this.token = token;
        this.reason = reason;
    }

    IpvsadmSyntaxException(int line, String token, String reason, Throwable cause) {
        this(line, token, reason);
        initCause(cause);
    }

    /** {@return the 1-based line in a rule file, 0 for a command line} */
    public int line() {
        return line;
    }

    /** {@return the offending token, if one is at fault} */
    public Optional<String> token() {
        return Optional.ofNullable(token);
    }

    /** {@return the reason alone, without line and token (ipvsadm's message where it has one)} */
    public String reason() {
        return reason;
    }

    /** The same error at {@code line} of a rule file. */
    IpvsadmSyntaxException atLine(int newLine) {
        IpvsadmSyntaxException e = new IpvsadmSyntaxException(newLine, token, reason);
        if (getCause() != null) {
            e.initCause(getCause());
        }
        return e;
    }
}
