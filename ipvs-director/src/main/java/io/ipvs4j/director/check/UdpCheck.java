package io.ipvs4j.director.check;

import io.ipvs4j.model.InetAddresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * keepalived's {@code UDP_CHECK} (check_udp.c, layer4.c): send one datagram to the target and
 * wait up to the connect timeout. An ICMP port unreachable fails it. Without
 * {@code require_reply}, silence until the timeout passes (UDP has no other sign of life);
 * with it, a reply must arrive, and when reply data is given the reply must be between the
 * minimum and maximum length and match it on the first min(reply, data) octets, except where
 * the mask marks wildcard nibbles.
 *
 * <pre>{@code
 * UdpCheck c = UdpCheck.builder(InetAddresses.parse("192.0.2.60"), 5060)
 *         .payload(HexFormat.of().parseHex("4f5054494f4e53"))
 *         .requireReply(UdpCheck.Reply.hex("53 49 50"))
 *         .connectTimeout(Duration.ofSeconds(2)).build();
 * CheckResult r = c.start(io).join();
 * }</pre>
 */
public final class UdpCheck implements HealthCheck {
    /** keepalived's datagram when no payload is configured: 32 bytes of "keepalived check - " repeated. */
    static final byte[] DEFAULT_PAYLOAD = defaultPayload();
    /** keepalived's default max_reply_length (check_udp.c: UINT8_MAX). */
    public static final int DEFAULT_MAX_REPLY_LENGTH = 255;

    private final InetSocketAddress target;
    private final byte[] payload;
    private final boolean requireReply;
    private final Reply reply;
    private final int minReplyLength;
    private final int maxReplyLength;
    private final Duration timeout;
    private final InetAddress bindAddress;

    private UdpCheck(Builder b) {
        this.target = new InetSocketAddress(b.address, b.port);
        this.payload = b.payload;
        this.requireReply = b.requireReply;
        this.reply = b.reply;
        this.minReplyLength = b.minReplyLength;
        this.maxReplyLength = b.maxReplyLength;
        this.timeout = b.timeout;
        this.bindAddress = b.bindAddress;
    }

    private static byte[] defaultPayload() {
        byte[] unit = "keepalived check - ".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[32];
        for (int i = 0; i < out.length; i++) {
            out[i] = unit[i % unit.length];
        }
        return out;
    }

    /**
     * A builder for a check of {@code address:port} (never resolved).
     *
     * @param address the real server (or {@code connect_ip})
     * @param port its UDP port, 1..65535
     * @return a builder; finish with {@link Builder#build()}
     */
    public static Builder builder(InetAddress address, int port) {
        return new Builder(address, port);
    }

    /**
     * A payload written as keepalived's hex string ({@code payload}: hex digits, optional spaces
     * between octets, no wildcards), e.g. {@code "4f 50 54"}.
     *
     * @param text the hex string as written in keepalived.conf
     * @return the bytes it denotes
     * @throws IllegalArgumentException if it is empty or has another character
     */
    public static byte[] hexPayload(String text) {
        return Reply.parseHex(text, false).data();
    }

    /**
     * Whether a reply is required.
     *
     * @return true if the check fails without a (matching) reply; false if only an ICMP error fails it
     */
    public boolean requireReply() {
        return requireReply;
    }

    @Override
    public CompletableFuture<CheckResult> start(CheckIo io) {
        String where = InetAddresses.toText(target.getAddress(), target.getPort());
        ByteBuffer in = ByteBuffer.allocate(maxReplyLength + 1);
        return io.udp(target, bindAddress).thenCompose(udp -> {
            udp.expireAfter(timeout, "UDP reply from " + where);
            return udp.send(ByteBuffer.wrap(payload)).thenCompose(v -> udp.receive(in))
                    .thenApply(n -> judge(where, Arrays.copyOf(in.array(), n)))
                    .whenComplete((r, e) -> udp.close());
        }).exceptionally(e -> {
            Throwable cause = HttpGetCheck.unwrap(e);
            if (cause instanceof TimeoutException) {
                return requireReply
                        ? CheckResult.down("UDP " + where + " did not reply within " + timeout)
                        : CheckResult.up("UDP " + where + " no ICMP error within " + timeout);
            }
            if (cause instanceof PortUnreachableException) {
                return CheckResult.down("UDP " + where + " port unreachable (ICMP)");
            }
            return CheckResult.down("UDP " + where + " failed: " + cause);
        });
    }

    /** keepalived's check_udp_reply, applied only when reply data is configured. */
    CheckResult judge(String where, byte[] got) {
        if (reply == null) {
            return CheckResult.up("UDP " + where + " replied " + got.length + " bytes");
        }
        if (got.length < minReplyLength || got.length > maxReplyLength) {
            return CheckResult.down("UDP " + where + " reply of " + got.length + " bytes, expected "
                    + minReplyLength + ".." + maxReplyLength);
        }
        int n = Math.min(got.length, reply.data().length);
        for (int i = 0; i < n; i++) {
            if (((got[i] ^ reply.data()[i]) & ~reply.mask()[i] & 0xff) != 0) {
                return CheckResult.down("UDP " + where + " reply differs at octet " + i + ": "
                        + HexFormat.of().formatHex(got, 0, Math.min(got.length, 32)));
            }
        }
        return CheckResult.up("UDP " + where + " reply matches");
    }

    @Override
    public String describe() {
        return "UDP_CHECK " + InetAddresses.toText(target.getAddress(), target.getPort());
    }

    @Override
    public String toString() {
        return describe() + " payload " + payload.length + " bytes" + (requireReply ? " require_reply" : "")
                + (reply != null ? " " + reply : "") + " connect_timeout " + timeout;
    }

    /**
     * Expected reply data with wildcard nibbles: a bit set in {@code mask} is not compared.
     *
     * @param data the expected octets
     * @param mask as long as {@code data}; 0 bits are compared
     */
    public record Reply(byte[] data, byte[] mask) {
        /**
         * Checks the parts.
         *
         * @param data the expected octets
         * @param mask as long as {@code data}; 0 bits are compared
         */
        public Reply {
            data = data.clone();
            mask = mask.clone();
            if (data.length == 0 || data.length != mask.length) {
                throw new IllegalArgumentException("reply data must be non-empty and as long as its mask");
            }
        }

        /**
         * keepalived's hex string (parser.c, read_hex_str): hex digits, spaces between octets
         * optional, a single digit before a space is one octet, {@code x}/{@code X} a wildcard
         * nibble; e.g. {@code "53 49 50 2f 32 2e 30 xx"}.
         *
         * @param text the hex string as written after {@code require_reply}
         * @return the expected reply, with its wildcard nibbles
         * @throws IllegalArgumentException if it is empty or has another character
         */
        public static Reply hex(String text) {
            return parseHex(text, true);
        }

        static Reply parseHex(String text, boolean wildcards) {
            byte[] data = new byte[text.length()];
            byte[] mask = new byte[text.length()];
            int len = 0;
            int p = 0;
            while (true) {
                while (p < text.length() && (text.charAt(p) == ' ' || text.charAt(p) == '\t')) {
                    p++;
                }
                if (p >= text.length()) {
                    break;
                }
                int hi = nibble(text, p++, wildcards);
                int value = hi < 0 ? 0 : hi;
                int m = hi < 0 ? 0x0f : 0;
                if (p < text.length() && text.charAt(p) != ' ' && text.charAt(p) != '\t') {
                    int lo = nibble(text, p++, wildcards);
                    value = (value << 4) | (lo < 0 ? 0 : lo);
                    m = (m << 4) | (lo < 0 ? 0x0f : 0);
                }
                data[len] = (byte) value;
                mask[len] = (byte) m;
                len++;
            }
            if (len == 0) {
                throw new IllegalArgumentException("hex string is empty");
            }
            return new Reply(Arrays.copyOf(data, len), Arrays.copyOf(mask, len));
        }

        /** The nibble at {@code i}, or -1 for a wildcard. */
        private static int nibble(String s, int i, boolean wildcards) {
            char c = s.charAt(i);
            int v = Character.digit(c, 16);
            if (v >= 0) {
                return v;
            }
            if (wildcards && (c == 'x' || c == 'X')) {
                return -1;
            }
            throw new IllegalArgumentException("invalid hex string \"" + s + "\": '" + c + "' at " + (i + 1)
                    + (wildcards ? "" : " (no wildcards in a payload)"));
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("reply ");
            for (int i = 0; i < data.length; i++) {
                int m = mask[i] & 0xff;
                String h = HexFormat.of().toHexDigits(data[i]);
                sb.append((m & 0xf0) != 0 ? 'x' : h.charAt(0)).append((m & 0x0f) != 0 ? 'x' : h.charAt(1));
            }
            return sb.toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Reply r && Arrays.equals(data, r.data) && Arrays.equals(mask, r.mask);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(data) + Arrays.hashCode(mask);
        }
    }

    /** Builds a {@link UdpCheck}. */
    public static final class Builder extends SocketCheckBuilder<Builder> {
        private byte[] payload = DEFAULT_PAYLOAD;
        private boolean requireReply;
        private Reply reply;
        private int minReplyLength;
        private int maxReplyLength = DEFAULT_MAX_REPLY_LENGTH;

        private Builder(InetAddress address, int port) {
            super(address, port);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * The datagram to send ({@code payload}); default keepalived's 32-byte filler.
         *
         * @param payload 1..65507 bytes (what fits in one IPv4 UDP datagram)
         * @return this builder
         */
        public Builder payload(byte[] payload) {
            if (payload.length == 0 || payload.length > 65507) {
                throw new IllegalArgumentException("payload must be 1..65507 bytes, was " + payload.length);
            }
            this.payload = payload.clone();
            return this;
        }

        /**
         * Require a reply, any reply ({@code require_reply} without data).
         *
         * @return this builder
         */
        public Builder requireReply() {
            this.requireReply = true;
            return this;
        }

        /**
         * Require a reply matching {@code expected} ({@code require_reply <hex>}).
         *
         * @param expected the data the reply must start with
         * @return this builder
         */
        public Builder requireReply(Reply expected) {
            this.requireReply = true;
            this.reply = Objects.requireNonNull(expected, "expected");
            return this;
        }

        /**
         * The shortest acceptable reply when reply data is given ({@code min_reply_length}); default 0.
         *
         * @param n 0..65535
         * @return this builder
         */
        public Builder minReplyLength(int n) {
            if (n < 0 || n > 65535) {
                throw new IllegalArgumentException("minReplyLength must be 0..65535, was " + n);
            }
            this.minReplyLength = n;
            return this;
        }

        /**
         * The longest acceptable reply when reply data is given ({@code max_reply_length}); default 255.
         *
         * @param n 0..65535
         * @return this builder
         */
        public Builder maxReplyLength(int n) {
            if (n < 0 || n > 65535) {
                throw new IllegalArgumentException("maxReplyLength must be 0..65535, was " + n);
            }
            this.maxReplyLength = n;
            return this;
        }

        /**
         * The check.
         *
         * @return the check, immutable and reusable
         */
        public UdpCheck build() {
            return new UdpCheck(this);
        }
    }
}
