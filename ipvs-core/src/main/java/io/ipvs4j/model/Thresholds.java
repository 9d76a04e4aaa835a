package io.ipvs4j.model;

/**
 * Connection thresholds of a real server ({@code IPVS_DEST_ATTR_U_THRESH}, {@code _L_THRESH};
 * ipvsadm {@code -x upper -y lower}). Above {@code upper} connections the server gets no new
 * ones until it falls below {@code lower}.
 *
 * <pre>{@code
 * new Thresholds(1000, 800);   // ipvsadm -x 1000 -y 800
 * Thresholds.NONE;             // no limit
 * }</pre>
 *
 * @param upper 0..2147483647; 0 means no limit (the kernel rejects more than INT_MAX)
 * @param lower 0..upper; the kernel substitutes 3/4 of upper for 0; must be 0 without an upper limit
 *     (the kernel answers ERANGE otherwise)
 */
public record Thresholds(long upper, long lower) {
    /** No connection limit. */
    public static final Thresholds NONE = new Thresholds(0, 0);

    /**
     * Checks the range.
     *
     * @param upper 0..2147483647; 0 means no limit (the kernel rejects more than INT_MAX)
     * @param lower 0..upper; the kernel substitutes 3/4 of upper for 0; must be 0 without an upper limit (the kernel answers ERANGE otherwise)
     * @throws IllegalArgumentException if a threshold is negative or above 2147483647, or the lower is
     *     above a non-zero upper
     */
    public Thresholds {
        Checks.rangeLong("upper threshold", upper, 0, Integer.MAX_VALUE);
        Checks.rangeLong("lower threshold", lower, 0, Integer.MAX_VALUE);
        if (lower > upper) {
            throw new IllegalArgumentException("lower threshold must be 0.." + upper + " (the upper threshold"
                    + (upper == 0 ? ", 0 meaning no limit" : "") + "), was " + lower);
        }
    }

    /** {@return whether there is an upper limit} */
    public boolean isLimited() {
        return upper != 0;
    }
}
