package io.ipvs4j.director.keepalived;

/**
 * A word of a keepalived.conf with its position.
 *
 * @param text the word, without quotes
 * @param line 1-based
 * @param column 1-based
 * @param quoted whether it was written in double quotes (then it is never a brace or keyword)
 */
record Token(String text, int line, int column, boolean quoted) {
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
