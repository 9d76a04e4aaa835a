package io.ipvs4j.model;

import java.time.Duration;

/** Argument checks whose messages all read "FIELD must be RANGE, was VALUE". */
final class Checks {
    private Checks() {
    }

    static int range(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must be " + min + ".." + max + ", was " + value);
        }
        return (int) value;
    }

    static long rangeLong(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must be " + min + ".." + max + ", was " + value);
        }
        return value;
    }

    static int port(String field, int port) {
        return range(field, port, 0, 65535);
    }

    /** A duration of whole seconds in min..max seconds. */
    static Duration seconds(String field, Duration d, long min, long max) {
        if (d == null) {
            throw new NullPointerException(field);
        }
        if (d.getNano() != 0 || d.isNegative() || d.getSeconds() < min || d.getSeconds() > max) {
            throw new IllegalArgumentException(field + " must be whole seconds in " + min + ".." + max
                    + " s (the kernel counts in seconds), was " + describe(d));
        }
        return d;
    }

    /** A duration as plain seconds, {@code "2678401 s"}, {@code "1.5 s"}: easier to read than ISO {@code PT744H1S}. */
    static String describe(Duration d) {
        return new java.math.BigDecimal(d.getSeconds()).add(java.math.BigDecimal.valueOf(d.getNano(), 9))
                .stripTrailingZeros().toPlainString() + " s";
    }

    /**
     * A kernel module-style name: 1..maxLen of [a-z0-9_]. The length limit is the kernel's
     * buffer size minus the terminating NUL.
     */
    static String moduleName(String field, String name, int maxLen) {
        if (name == null) {
            throw new NullPointerException(field);
        }
        if (name.isEmpty() || name.length() > maxLen) {
            throw new IllegalArgumentException(field + " must be 1.." + maxLen + " characters, was \"" + name
                    + "\" (" + name.length() + ")");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                throw new IllegalArgumentException(field + " must match [a-z0-9_]+, was \"" + name + "\"");
            }
        }
        return name;
    }
}
