package io.ipvs4j.director.keepalived;

/**
 * A part of a keepalived.conf that is not programmed as written: a keyword or block that is
 * not supported (ignored), or a value keepalived itself would replace by its fallback (for
 * example a missing {@code protocol}: UDP). The message says what follows, e.g. "real server
 * 192.0.2.7:443 would have no health check". Every such part of a file produces one.
 *
 * <pre>{@code
 * for (ConfigWarning w : config.warnings()) {
 *     log.warn("{}", w);   // "line 3: unsupported block 'vrrp_instance VI_1' (ignored)"
 * }
 * }</pre>
 *
 * @param line 1-based line of the keyword
 * @param column 1-based column of the keyword
 * @param keyword the keyword, e.g. {@code vrrp_instance} or {@code SSL_GET}
 * @param context the enclosing block, e.g. {@code virtual_server 192.0.2.100 80}, or
 *     {@code ""} at top level
 * @param message what is wrong and what follows, e.g.
 *     {@code unsupported block 'vrrp_instance VI_1' (ignored)}
 * @param source the included file it is in, or {@code ""} for the main file
 */
public record ConfigWarning(int line, int column, String keyword, String context, String message, String source) {
    /**
     * A warning about a part of the main file.
     *
     * @param line 1-based line of the keyword
     * @param column 1-based column of the keyword
     * @param keyword the keyword
     * @param context the enclosing block, or {@code ""} at top level
     * @param message what is wrong and what follows
     */
    public ConfigWarning(int line, int column, String keyword, String context, String message) {
        this(line, column, keyword, context, message, "");
    }

    @Override
    public String toString() {
        return (source.isEmpty() ? "" : source + ": ") + "line " + line + ": " + message
                + (context.isEmpty() ? "" : " [in " + context + "]");
    }
}
