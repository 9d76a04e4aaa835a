package io.ipvs4j.director.keepalived;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * keepalived's {@code include FILE|GLOB}: the statement is replaced by the tokens of the
 * matching files, in name order, as keepalived splices them into its input. A relative
 * pattern is relative to the directory of the file that includes it; the wildcards
 * ({@code * ? [..] {a,b}}) may be in the last path component. No match is a warning, as in
 * keepalived; includes nest up to {@link #MAX_DEPTH} deep (a loop is an error).
 */
final class Includes {
    static final int MAX_DEPTH = 8;

    private Includes() {
    }

    /** A file's text: UTF-8 if it is valid UTF-8, else ISO-8859-1 (every byte a character); no BOM. */
    static String read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int skip = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB
                && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
        ByteBuffer in = ByteBuffer.wrap(bytes, skip, bytes.length - skip);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in).toString();
        } catch (CharacterCodingException e) {
            // keepalived reads bytes; a Latin-1 (or any other) comment must not make the file unreadable
            return new String(bytes, skip, bytes.length - skip, StandardCharsets.ISO_8859_1);
        }
    }

    static List<Token> expand(List<Token> tokens, Path dir, KeepalivedParser.Mode mode, List<ConfigWarning> warnings,
            int depth) throws ConfigParseException {
        List<Token> out = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            boolean startsLine = i == 0 || tokens.get(i - 1).line() != t.line()
                    || tokens.get(i - 1).isBrace();
            if (!t.quoted() && t.text().equals("include") && startsLine) {
                if (i + 1 >= tokens.size() || tokens.get(i + 1).line() != t.line() || tokens.get(i + 1).isBrace()) {
                    throw new ConfigParseException(t, "include needs a file name or pattern");
                }
                Token pattern = tokens.get(++i);
                if (depth >= MAX_DEPTH) {
                    throw new ConfigParseException(pattern, "includes nested more than " + MAX_DEPTH
                            + " deep (an include loop?)");
                }
                List<Path> files = match(dir, pattern);
                if (files.isEmpty()) {
                    String message = "include '" + pattern.text() + "' matches no file (nothing included)";
                    if (mode == KeepalivedParser.Mode.STRICT) {
                        throw new ConfigParseException(pattern, message + " (strict mode)");
                    }
                    warnings.add(new ConfigWarning(t.line(), t.column(), "include", "", message, t.source()));
                }
                for (Path f : files) {
                    String text;
                    try {
                        text = read(f);
                    } catch (IOException e) {
                        throw new ConfigParseException(pattern, "cannot read included file " + f + ": " + e);
                    }
                    List<Token> inner = new ArrayList<>();
                    try {
                        for (Token x : Tokenizer.tokenize(text)) {
                            inner.add(x.from(f.toString()));
                        }
                    } catch (ConfigParseException e) {
                        throw new ConfigParseException(f.toString(), e.line(), e.column(), e.token(),
                                e.getMessage().replaceFirst("^line \\d+(, column \\d+)?: ", ""));
                    }
                    out.addAll(expand(inner, f.toAbsolutePath().getParent(), mode, warnings, depth + 1));
                }
                continue;
            }
            out.add(t);
        }
        return out;
    }

    private static List<Path> match(Path dir, Token pattern) throws ConfigParseException {
        Path p = Path.of(pattern.text());
        Path full = p.isAbsolute() ? p : dir.resolve(p);
        Path parent = full.getParent();
        String name = full.getFileName() == null ? "" : full.getFileName().toString();
        if (parent == null || parent.toString().matches(".*[*?\\[{].*")) {
            throw new ConfigParseException(pattern, "include '" + pattern.text()
                    + "': wildcards are supported in the last path component only");
        }
        List<Path> out = new ArrayList<>();
        if (!name.matches(".*[*?\\[{].*")) {
            if (Files.isRegularFile(full)) {
                out.add(full);
            }
            return out;
        }
        if (!Files.isDirectory(parent)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, name)) {
            for (Path f : ds) {
                if (Files.isRegularFile(f)) {
                    out.add(f);
                }
            }
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            throw new ConfigParseException(pattern, "include '" + pattern.text() + "': " + e.getMessage());
        }
        out.sort(null);
        return out;
    }
}
