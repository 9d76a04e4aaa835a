package io.ipvs4j.director.keepalived;

/**
 * A keyword or block of a keepalived.conf that was read but is not supported, and so was
 * ignored. Every ignored part of a file produces one of these.
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
 * @param message what was ignored, e.g. {@code unsupported block 'vrrp_instance VI_1'}
 */
public record ConfigWarning(int line, int column, String keyword, String context, String message) {
    @Override
    public String toString() {
        return "line " + line + ": " + message + (context.isEmpty() ? "" : " in " + context) + " (ignored)";
    }
}
