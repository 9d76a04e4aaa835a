package io.ipvs4j.director.keepalived;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a keepalived.conf into {@link Token}s. Braces are tokens of their own whether glued
 * to words ({@code url{path /}}) or not; {@code #} and {@code !} start a comment that runs to
 * the end of the line when they begin a word (so a path such as {@code /a!b} stays whole);
 * double-quoted strings may hold spaces, braces and comment characters, with {@code \"} and
 * {@code \\} escapes. Line breaks are not tokens: the parser uses the tokens' line numbers,
 * since keepalived's values belong to the line of their keyword.
 */
final class Tokenizer {
    private Tokenizer() {
    }

    static List<Token> tokenize(String text) throws ConfigParseException {
        List<Token> out = new ArrayList<>();
        int line = 1;
        int lineStart = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                lineStart = i + 1;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#' || c == '!') {
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '{' || c == '}') {
                out.add(new Token(String.valueOf(c), line, i - lineStart + 1, false));
                i++;
            } else if (c == '"') {
                int col = i - lineStart + 1;
                StringBuilder sb = new StringBuilder();
                i++;
                boolean closed = false;
                while (i < n) {
                    char q = text.charAt(i);
                    if (q == '\n') {
                        break;
                    }
                    if (q == '\\' && i + 1 < n && (text.charAt(i + 1) == '"' || text.charAt(i + 1) == '\\')) {
                        sb.append(text.charAt(i + 1));
                        i += 2;
                        continue;
                    }
                    i++;
                    if (q == '"') {
                        closed = true;
                        break;
                    }
                    sb.append(q);
                }
                if (!closed) {
                    throw new ConfigParseException(line, col, "\"" + sb,
                            "unterminated quoted string (quotes must close on the same line)");
                }
                out.add(new Token(sb.toString(), line, col, true));
            } else {
                int start = i;
                while (i < n) {
                    char w = text.charAt(i);
                    if (Character.isWhitespace(w) || w == '{' || w == '}' || w == '"') {
                        break;
                    }
                    i++;
                }
                out.add(new Token(text.substring(start, i), line, start - lineStart + 1, false));
            }
        }
        return out;
    }
}
