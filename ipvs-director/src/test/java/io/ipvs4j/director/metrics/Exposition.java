package io.ipvs4j.director.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format 0.0.4 for the tests: it fails on anything the
 * format does not allow (a sample before its TYPE, a family interleaved, a bad escape, a value
 * that is no number), so that a test passing means the text is well-formed.
 */
final class Exposition {
    record Sample(String name, Map<String, String> labels, double value) {
    }

    record Family(String name, String type, String help, List<Sample> samples) {
    }

    private static final Pattern HELP = Pattern.compile("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)");

    static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new AssertionError("text must end with a line feed");
        }
        Map<String, Family> out = new LinkedHashMap<>();
        Family current = null;
        String pendingHelp = null;
        String pendingHelpName = null;
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                pendingHelpName = m.group(1);
                pendingHelp = m.group(2);
            } else if ((m = TYPE.matcher(line)).matches()) {
                String name = m.group(1);
                if (!name.equals(pendingHelpName)) {
                    throw new AssertionError("line " + n + ": TYPE of " + name + " without its HELP just before");
                }
                if (out.containsKey(name)) {
                    throw new AssertionError("line " + n + ": family " + name + " appears twice");
                }
                current = new Family(name, m.group(2), pendingHelp, new ArrayList<>());
                out.put(name, current);
            } else if (line.startsWith("#")) {
                throw new AssertionError("line " + n + ": unexpected comment " + line);
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                if (current == null || !(name.equals(current.name()) || current.type().equals("summary")
                        && (name.equals(current.name() + "_sum") || name.equals(current.name() + "_count")))) {
                    throw new AssertionError("line " + n + ": sample " + name + " outside its family");
                }
                current.samples().add(new Sample(name, labels(m.group(3) == null ? "" : m.group(3), n),
                        value(m.group(4), n)));
            } else {
                throw new AssertionError("line " + n + ": not a sample: " + line);
            }
        }
        return out;
    }

    private static double value(String v, int n) {
        switch (v) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                try {
                    return Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new AssertionError("line " + n + ": value " + v);
                }
        }
    }

    private static Map<String, String> labels(String s, int n) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            if (eq < 0 || eq + 1 >= s.length() || s.charAt(eq + 1) != '"') {
                throw new AssertionError("line " + n + ": bad labels " + s);
            }
            String name = s.substring(i, eq);
            if (!name.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                throw new AssertionError("line " + n + ": label name " + name);
            }
            StringBuilder v = new StringBuilder();
            int j = eq + 2;
            for (;; j++) {
                if (j >= s.length()) {
                    throw new AssertionError("line " + n + ": unterminated label value in " + s);
                }
                char c = s.charAt(j);
                if (c == '\\') {
                    char e = s.charAt(++j);
                    switch (e) {
                        case '\\' -> v.append('\\');
                        case '"' -> v.append('"');
                        case 'n' -> v.append('\n');
                        default -> throw new AssertionError("line " + n + ": bad escape \\" + e);
                    }
                } else if (c == '"') {
                    break;
                } else {
                    v.append(c);
                }
            }
            if (out.put(name, v.toString()) != null) {
                throw new AssertionError("line " + n + ": label " + name + " twice");
            }
            i = j + 1;
            if (i < s.length()) {
                if (s.charAt(i) != ',') {
                    throw new AssertionError("line " + n + ": expected , in " + s);
                }
                i++;
            }
        }
        return out;
    }

    /** The one sample of {@code family} whose labels include {@code match}. */
    static double value(Map<String, Family> f, String family, Map<String, String> match) {
        Family fam = f.get(family);
        if (fam == null) {
            throw new AssertionError("no family " + family);
        }
        List<Sample> hits = fam.samples().stream()
                .filter(s -> s.labels().entrySet().containsAll(match.entrySet())).toList();
        if (hits.size() != 1) {
            throw new AssertionError(family + match + ": " + hits.size() + " samples: " + hits);
        }
        return hits.get(0).value();
    }

    /** The {@code _sum} or {@code _count} of a summary's sample with label kind. */
    static double summary(Map<String, Family> f, String family, String suffix, String kind) {
        return f.get(family).samples().stream()
                .filter(s -> s.name().equals(family + suffix) && kind.equals(s.labels().get("kind")))
                .findFirst().orElseThrow(() -> new AssertionError("no " + family + suffix + " kind " + kind)).value();
    }
}
