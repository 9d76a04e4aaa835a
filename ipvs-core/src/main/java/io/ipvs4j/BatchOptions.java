package io.ipvs4j;

import java.util.Objects;

/**
 * How {@link Ipvs#apply(Batch, BatchOptions)} sends a batch.
 *
 * <pre>{@code
 * BatchOptions fastest = BatchOptions.builder().ackMode(BatchOptions.AckMode.LAST_OF_EACH_SEND).build();
 * BatchOptions strict = BatchOptions.builder().errorPolicy(BatchOptions.ErrorPolicy.STOP).build();
 * }</pre>
 *
 * @param errorPolicy what to do after a change fails; default {@link ErrorPolicy#CONTINUE}
 * @param ackMode which messages ask the kernel for an ACK; default {@link AckMode#EVERY}
 * @param maxMessagesPerSend upper bound of messages packed into one system call (also bounded
 *     by the client's buffers and the socket's receive buffer); default 512
 */
public record BatchOptions(ErrorPolicy errorPolicy, AckMode ackMode, int maxMessagesPerSend) {
    /** CONTINUE, EVERY, 512. */
    public static final BatchOptions DEFAULT = new BatchOptions(ErrorPolicy.CONTINUE, AckMode.EVERY, 512);

    /**
     * Checks the options.
     *
     * @param maxMessagesPerSend upper bound of messages packed into one system call (also bounded by the client's buffers and the socket's receive buffer); default 512
     * @param errorPolicy what to do after a change fails; default {@link ErrorPolicy#CONTINUE}
     * @param ackMode which messages ask the kernel for an ACK; default {@link AckMode#EVERY}
     * @throws NullPointerException if a policy or mode is null
     * @throws IllegalArgumentException if {@code maxMessagesPerSend} is not 1..65536
     */
    public BatchOptions {
        Objects.requireNonNull(errorPolicy, "errorPolicy");
        Objects.requireNonNull(ackMode, "ackMode");
        if (maxMessagesPerSend < 1 || maxMessagesPerSend > 65536) {
            throw new IllegalArgumentException("maxMessagesPerSend must be 1..65536, was " + maxMessagesPerSend);
        }
    }

    /**
     * A builder starting from {@link #DEFAULT}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** What happens to the rest of a batch after one change fails. */
    public enum ErrorPolicy {
        /** Apply every change; report each failure. */
        CONTINUE,
        /**
         * Apply nothing after the first failure: the rest is reported not attempted. The kernel
         * processes every message of a system call even after one fails, so in this mode each
         * change is sent and acknowledged on its own (about ipvsadm's speed).
         */
        STOP
    }

    /** Which messages carry NLM_F_ACK. */
    public enum AckMode {
        /** Every message is acknowledged: one ACK per change to read. */
        EVERY,
        /**
         * Only the last message of each system call asks for an ACK. The kernel reports a failed
         * message even without NLM_F_ACK and processes a send in order, so the final ACK
         * confirms every earlier message that reported no error: the result is still exact,
         * with far fewer replies to read.
         */
        LAST_OF_EACH_SEND
    }

    /** Builder starting from {@link #DEFAULT}. */
    public static final class Builder {
        private ErrorPolicy errorPolicy = DEFAULT.errorPolicy;
        private AckMode ackMode = DEFAULT.ackMode;
        private int maxMessagesPerSend = DEFAULT.maxMessagesPerSend;

        private Builder() {}

        /**
         * Sets what happens after a change fails.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder errorPolicy(ErrorPolicy policy) {
            this.errorPolicy = policy;
            return this;
        }

        /**
         * Sets which messages ask the kernel for an ACK.
         *
         * @param mode the mode
         * @return this builder
         */
        public Builder ackMode(AckMode mode) {
            this.ackMode = mode;
            return this;
        }

        /**
         * Sets the upper bound of messages per system call.
         *
         * @param max 1..65536
         * @return this builder
         */
        public Builder maxMessagesPerSend(int max) {
            this.maxMessagesPerSend = max;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         * @throws IllegalArgumentException if {@code maxMessagesPerSend} is out of range
         */
        public BatchOptions build() {
            return new BatchOptions(errorPolicy, ackMode, maxMessagesPerSend);
        }
    }
}
