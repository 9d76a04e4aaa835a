package io.ipvs4j.director.check;

import io.ipvs4j.model.InetAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * keepalived's {@code SMTP_CHECK}: connect, expect a {@code 220} greeting, send
 * {@code HELO <helo_name>}, expect {@code 250}, send {@code QUIT} and read its answer
 * (check_smtp.c). Each read and write is bounded by the connect timeout, as keepalived bounds
 * each by {@code connect_timeout}.
 *
 * <pre>{@code
 * SmtpCheck c = SmtpCheck.builder(InetAddresses.parse("192.0.2.25"), 25)
 *         .heloName("lb1.example.org").connectTimeout(Duration.ofSeconds(3)).build();
 * CheckResult r = c.start(io).join();
 * }</pre>
 *
 * <p>As keepalived, the reply code is the first three digits of a reply line, followed by a
 * space or the end of the line; the answer to {@code QUIT} must arrive but its code is not
 * judged (keepalived does not judge it either). Unlike keepalived, which fails a multi-line
 * reply ({@code 220-...}), continuation lines are read up to the final line of the reply
 * (RFC 5321 section 4.2.1), whose code decides.
 */
public final class SmtpCheck implements HealthCheck {
    /** keepalived's default {@code helo_name} (check_smtp.h, SMTP_DEFAULT_HELO). */
    public static final String DEFAULT_HELO_NAME = "smtpchecker.keepalived.org";
    /** A reply line longer than this fails the check (keepalived's buffer is 512 bytes). */
    static final int MAX_LINE = 512;

    private final InetSocketAddress target;
    private final String heloName;
    private final Duration timeout;
    private final InetAddress bindAddress;

    private SmtpCheck(Builder b) {
        this.target = new InetSocketAddress(b.address, b.port);
        this.heloName = b.heloName;
        this.timeout = b.timeout;
        this.bindAddress = b.bindAddress;
    }

    /**
     * A builder for a check of {@code address:port} (never resolved).
     *
     * @param address the mail server (or {@code connect_ip})
     * @param port its SMTP port, usually 25
     * @return a builder; finish with {@link Builder#build()}
     */
    public static Builder builder(InetAddress address, int port) {
        return new Builder(address, port);
    }

    /**
     * The name sent with {@code HELO}.
     *
     * @return the {@code HELO} argument
     */
    public String heloName() {
        return heloName;
    }

    /**
     * The address and port checked.
     *
     * @return the mail server's address and port
     */
    public InetSocketAddress target() {
        return target;
    }

    @Override
    public CompletableFuture<CheckResult> start(CheckIo io) {
        String where = InetAddresses.toText(target.getAddress(), target.getPort());
        return io.connect(target, bindAddress, timeout).thenCompose(tcp -> {
            Dialogue d = new Dialogue(tcp);
            return d.reply("greeting")
                    .thenCompose(code -> code != 220
                            ? CompletableFuture.completedFuture(CheckResult.down("SMTP " + where + " greeting " + code
                                    + ", expected 220"))
                            : d.send("HELO " + heloName).thenCompose(v -> d.reply("HELO answer")).thenCompose(helo ->
                                    helo != 250
                                            ? CompletableFuture.completedFuture(CheckResult.down("SMTP " + where
                                                    + " answered HELO with " + helo + ", expected 250"))
                                            : d.send("QUIT").thenCompose(v -> d.line("QUIT answer"))
                                                    .thenApply(l -> CheckResult.up("SMTP " + where + " 220/250/"
                                                            + (l.length() >= 3 ? l.substring(0, 3) : l)))))
                    .whenComplete((r, e) -> tcp.close());
        }).exceptionally(e -> {
            Throwable cause = HttpGetCheck.unwrap(e);
            return CheckResult.down("SMTP " + where + (cause instanceof TimeoutException ? " timed out: "
                    + cause.getMessage() : " failed: " + cause));
        });
    }

    /** The line-by-line exchange; each step re-arms the timeout, as keepalived's per-operation timeout. */
    private final class Dialogue {
        private final CheckIo.TcpConnection tcp;
        private final ByteBuffer in = ByteBuffer.allocate(MAX_LINE * 2);

        Dialogue(CheckIo.TcpConnection tcp) {
            this.tcp = tcp;
        }

        CompletableFuture<Void> send(String command) {
            tcp.expireAfter(timeout, "SMTP write of " + command.split(" ")[0]);
            return tcp.write(ByteBuffer.wrap((command + "\r\n").getBytes(StandardCharsets.US_ASCII)));
        }

        /** The code of the next reply (its final line when it has continuation lines), or -1 if illegible. */
        CompletableFuture<Integer> reply(String what) {
            return line(what).thenCompose(l -> {
                if (l.length() >= 4 && l.charAt(3) == '-' && code(l.substring(0, 3) + " ") >= 0) {
                    return reply(what);
                }
                return CompletableFuture.completedFuture(code(l));
            });
        }

        CompletableFuture<String> line(String what) {
            tcp.expireAfter(timeout, "SMTP read of the " + what);
            return nextLine(what);
        }

        private CompletableFuture<String> nextLine(String what) {
            for (int i = 0; i < in.position(); i++) {
                if (in.get(i) == '\n') {
                    byte[] bytes = new byte[i];
                    in.flip();
                    in.get(bytes);
                    in.get();
                    in.compact();
                    String l = new String(bytes, StandardCharsets.ISO_8859_1);
                    return CompletableFuture.completedFuture(l.endsWith("\r") ? l.substring(0, l.length() - 1) : l);
                }
            }
            if (!in.hasRemaining()) {
                return CompletableFuture.failedFuture(new IOException("SMTP " + what + " longer than "
                        + in.capacity() + " bytes without a line end"));
            }
            return tcp.read(in).thenCompose(n -> n < 0
                    ? CompletableFuture.failedFuture(new IOException("connection closed before the " + what))
                    : nextLine(what));
        }
    }

    /** keepalived's smtp_get_status: three digits, then a space or the end; else -1. */
    static int code(String line) {
        if (line.length() < 3 || (line.length() > 3 && line.charAt(3) != ' ')) {
            return -1;
        }
        for (int i = 0; i < 3; i++) {
            if (!Character.isDigit(line.charAt(i)) || line.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(line.substring(0, 3));
    }

    @Override
    public String describe() {
        return "SMTP_CHECK " + InetAddresses.toText(target.getAddress(), target.getPort());
    }

    @Override
    public String toString() {
        return describe() + " helo_name " + heloName + " connect_timeout " + timeout;
    }

    /** Builds an {@link SmtpCheck}. */
    public static final class Builder extends SocketCheckBuilder<Builder> {
        private String heloName = DEFAULT_HELO_NAME;

        private Builder(InetAddress address, int port) {
            super(address, port);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * The {@code HELO} argument ({@code helo_name}); default {@value SmtpCheck#DEFAULT_HELO_NAME}.
         *
         * @param name the host name to announce
         * @return this builder
         */
        public Builder heloName(String name) {
            Objects.requireNonNull(name, "heloName");
            if (name.isEmpty() || !name.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
                throw new IllegalArgumentException("heloName must be printable ASCII without spaces, was \"" + name
                        + "\"");
            }
            this.heloName = name;
            return this;
        }

        /**
         * The check.
         *
         * @return the check, immutable and reusable
         */
        public SmtpCheck build() {
            return new SmtpCheck(this);
        }
    }
}
