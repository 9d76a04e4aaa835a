package io.ipvs4j.director.keepalived;

/**
 * A keepalived.conf that cannot be loaded: unbalanced braces, a missing or bad value, an
 * unknown real-server group, or (in strict mode) an unsupported keyword. The message starts
 * with the position, e.g. {@code line 7, column 17: weight: "x" is not a number}.
 *
 * <pre>{@code
 * try {
 *     KeepalivedParser.parse(text);
 * } catch (ConfigParseException e) {
 *     System.err.println(e.getMessage() + " (line " + e.line() + ")");
 * }
 * }</pre>
 */
public final class ConfigParseException extends Exception {
    /** @serial the 1-based line of the problem, or 0 */
    private final int line;
    /** @serial the 1-based column of the problem, or 0 */
    private final int column;
    /** @serial the offending token, or {@code null} */
    private final String token;

    /**
     * @param line 1-based line, or 0 when not tied to a position
     * @param column 1-based column, or 0 when unknown
     * @param token the offending token, or {@code null} (e.g. at end of input)
     * @param message what is wrong
     */
    public ConfigParseException(int line, int column, String token, String message) {
        this("", line, column, token, message);
    }

    /**
     * @param source the included file the problem is in, or {@code ""} for the main file
     * @param line 1-based line, or 0 when not tied to a position
     * @param column 1-based column, or 0 when unknown
     * @param token the offending token, or {@code null}
     * @param message what is wrong
     */
    public ConfigParseException(String source, int line, int column, String token, String message) {
        super((source.isEmpty() ? "" : source + ": ") + position(line, column) + message);
        this.line = line;
        this.column = column;
        this.token = token;
    }

    ConfigParseException(Token at, String message) {
        this(at.source(), at.line(), at.column(), at.text(), message);
    }

    private static String position(int line, int column) {
        if (line <= 0) {
            return "";
        }
        return column > 0 ? "line " + line + ", column " + column + ": " : "line " + line + ": ";
    }

    /**
     * The 1-based line of the problem, or 0 when not tied to a position.
     *
     * @return the line, counting from 1
     */
    public int line() {
        return line;
    }

    /**
     * The 1-based column of the problem, or 0 when unknown.
     *
     * @return the column, counting from 1
     */
    public int column() {
        return column;
    }

    /**
     * The offending token, or {@code null}.
     *
     * @return the token as written, or {@code null} when the problem is not one token
     */
    public String token() {
        return token;
    }
}
