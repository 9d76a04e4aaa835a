package io.ipvs4j.director.keepalived;

/**
 * A word of a keepalived.conf with its position.
 *
 * @param text the word, without quotes
 * @param line 1-based
 * @param column 1-based
 * @param quoted whether it was written in double quotes (then it is never a brace or keyword)
 * @param source the file it comes from when that is not the main file (an {@code include}),
 *     else {@code ""}
 */
record Token(String text, int line, int column, boolean quoted, String source) {
    Token(String text, int line, int column, boolean quoted) {
        this(text, line, column, quoted, "");
    }

    /** This token as read from {@code file} (an included file). */
    Token from(String file) {
        return new Token(text, line, column, quoted, file);
    }

    boolean isOpen() {
        return !quoted && text.equals("{");
    }

    boolean isClose() {
        return !quoted && text.equals("}");
    }

    boolean isBrace() {
        return isOpen() || isClose();
    }

    /** Whether this token can start a statement: an unquoted word like {@code real_server} or {@code sh-port}. */
    boolean isKeyword() {
        return !quoted && text.matches("[A-Za-z_][A-Za-z0-9_-]*");
    }

    @Override
    public String toString() {
        return quoted ? '"' + text + '"' : text;
    }
}
