package io.ipvs4j.director.check;

import io.ipvs4j.model.InetAddresses;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * keepalived's {@code HTTP_GET}: for each configured URL, send {@code GET path HTTP/1.0} to the
 * target and require an expected status code and, optionally, an MD5 digest of the body
 * (keepalived's {@code digest}, as printed by {@code genhash}). The target passes only if every
 * URL passes.
 *
 * <pre>{@code
 * HttpGetCheck check = HttpGetCheck.builder(InetAddresses.parse("192.0.2.32"), 80)
 *         .url(HttpGetCheck.Url.of("/", 200))
 *         .connectTimeout(Duration.ofSeconds(3))
 *         .build();
 * CheckResult r = check.check();
 * }</pre>
 *
 * <p>With {@link Builder#tls(boolean) tls(true)} it is keepalived's {@code SSL_GET}: the same
 * exchange over TLS. As keepalived without an {@code SSL { ca ... }} block, the server's
 * certificate is not verified (a health check asks "does it answer", not "is it who it says");
 * the {@code virtualhost}, when it is a host name, is sent as SNI.
 *
 * <p>Written on a plain {@link Socket} rather than an HTTP client so that every phase is
 * bounded: the connect by the connect timeout, and the whole exchange after it (request,
 * headers and body) by one response deadline, re-armed before each read. A per-read timeout
 * alone would let a server that trickles one byte at a time hold the check forever.
 */
public final class HttpGetCheck implements HealthCheck {
    /** Bodies larger than this are not digested; the check fails instead of buffering without bound. */
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private final InetSocketAddress target;
    private final List<Url> urls;
    private final Duration connectTimeout;
    private final Duration responseTimeout;
    private final InetAddress bindAddress;
    private final String virtualHost;
    private final boolean tls;
    private final boolean sni;

    private HttpGetCheck(Builder b) {
        this.tls = b.tls;
        this.sni = b.sni;
        this.target = new InetSocketAddress(b.address, b.port);
        this.urls = List.copyOf(b.urls);
        this.connectTimeout = b.connectTimeout;
        this.responseTimeout = b.responseTimeout != null ? b.responseTimeout : b.connectTimeout;
        this.bindAddress = b.bindAddress;
        this.virtualHost = b.virtualHost;
    }

    /** A builder for a check of {@code address:port} (never resolved). At least one URL must be added. */
    public static Builder builder(InetAddress address, int port) {
        return new Builder(address, port);
    }

    /** The address and port checked. */
    public InetSocketAddress target() {
        return target;
    }

    /** The URLs, all of which must pass. */
    public List<Url> urls() {
        return urls;
    }

    /** The connect timeout. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The bound on the exchange after the connection is up. */
    public Duration responseTimeout() {
        return responseTimeout;
    }

    @Override
    public CheckResult check() {
        for (Url url : urls) {
            CheckResult r = checkOne(url);
            if (!r.healthy()) {
                return r;
            }
        }
        return CheckResult.up(urls.size() == 1 ? "HTTP " + urls.get(0).path() + " ok" : "all " + urls.size() + " URLs ok");
    }

    private CheckResult checkOne(Url url) {
        String where = InetAddresses.toText(target.getAddress(), target.getPort()) + url.path();
        try (Socket s = new Socket()) {
            if (bindAddress != null) {
                s.bind(new InetSocketAddress(bindAddress, 0));
            }
            s.connect(target, Timeouts.millis(connectTimeout));
            long deadline = System.nanoTime() + responseTimeout.toNanos();
            s.setSoTimeout(Timeouts.millis(responseTimeout));
            String host = virtualHost != null ? virtualHost : InetAddresses.toText(target.getAddress(), target.getPort());
            if (tls) {
                return exchange(Tls.wrap(s, sni ? virtualHost : null), url, where, host, deadline);
            }
            return exchange(s, url, where, host, deadline);
        } catch (SocketTimeoutException e) {
            return CheckResult.down("GET " + where + " timed out: " + e.getMessage());
        } catch (IOException e) {
            return CheckResult.down("GET " + where + " failed: " + e);
        }
    }

    private CheckResult exchange(Socket s, Url url, String where, String host, long deadline) throws IOException {
        String request = "GET " + url.path() + " HTTP/1.0\r\n"
                + "User-Agent: ipvs4j-healthcheck\r\n"
                + "Host: " + host + "\r\n"
                + "Connection: close\r\n\r\n";
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        DeadlineInputStream in = new DeadlineInputStream(s, deadline);

        String statusLine = readLine(in);
        int status = parseStatus(statusLine);
        Headers headers = readHeaders(in);
        if (!url.accepts(status)) {
            return CheckResult.down("GET " + where + " answered " + status + ", expected "
                    + (url.statusCodes().isEmpty() ? "2xx" : url.statusCodes()));
        }
        if (url.digest().isPresent()) {
            byte[] body = readBody(in, headers);
            String actual = md5Hex(body);
            if (!actual.equalsIgnoreCase(url.digest().get())) {
                return CheckResult.down("GET " + where + " body digest " + actual + ", expected " + url.digest().get());
            }
        }
        return CheckResult.up("GET " + where + " answered " + status);
    }

    private static int parseStatus(String line) throws IOException {
        // "HTTP/1.1 200 OK": the code is the second field, and exactly three digits.
        String[] parts = line.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/") || parts[1].length() != 3) {
            throw new IOException("malformed status line \"" + abbreviate(line) + "\"");
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("malformed status line \"" + abbreviate(line) + "\"", e);
        }
    }

    private record Headers(long contentLength, boolean chunked) {
    }

    private static Headers readHeaders(InputStream in) throws IOException {
        long contentLength = -1;
        boolean chunked = false;
        int total = 0;
        while (true) {
            String line = readLine(in);
            total += line.length() + 2;
            if (total > MAX_HEADER_BYTES) {
                throw new IOException("response headers longer than " + MAX_HEADER_BYTES + " bytes");
            }
            if (line.isEmpty()) {
                return new Headers(contentLength, chunked);
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                try {
                    contentLength = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length \"" + abbreviate(value) + "\"", e);
                }
            } else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                chunked = true;
            }
        }
    }

    private static byte[] readBody(InputStream in, Headers h) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (h.chunked()) {
            // An HTTP/1.0 request should not get a chunked answer, but some servers send one anyway.
            while (true) {
                String sizeLine = readLine(in);
                int semi = sizeLine.indexOf(';');
                String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
                long size;
                try {
                    size = Long.parseLong(hex, 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size \"" + abbreviate(sizeLine) + "\"", e);
                }
                if (size == 0) {
                    return body.toByteArray();
                }
                copy(in, body, size);
                readLine(in);
            }
        }
        if (h.contentLength() >= 0) {
            copy(in, body, h.contentLength());
            return body.toByteArray();
        }
        copy(in, body, -1);
        return body.toByteArray();
    }

    /** Copies {@code n} bytes, or up to end of stream when {@code n < 0}. */
    private static void copy(InputStream in, ByteArrayOutputStream out, long n) throws IOException {
        byte[] buf = new byte[8192];
        long left = n;
        while (n < 0 || left > 0) {
            int want = n < 0 ? buf.length : (int) Math.min(buf.length, left);
            int r = in.read(buf, 0, want);
            if (r < 0) {
                if (n < 0) {
                    return;
                }
                throw new IOException("body ended after " + (n - left) + " of " + n + " bytes");
            }
            if (out.size() + r > MAX_BODY_BYTES) {
                throw new IOException("body longer than " + MAX_BODY_BYTES + " bytes");
            }
            out.write(buf, 0, r);
            left -= r;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException(sb.length() == 0 ? "connection closed without a response" : "response ended mid-line");
            }
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            if (sb.length() >= MAX_HEADER_BYTES) {
                throw new IOException("response line longer than " + MAX_HEADER_BYTES + " bytes");
            }
            sb.append((char) c);
        }
    }

    /** The lower-case hex MD5 of {@code data}, as keepalived's {@code genhash} prints it. */
    static String md5Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is a required JDK algorithm", e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    @Override
    public String describe() {
        return (tls ? "SSL_GET " : "HTTP_GET ") + InetAddresses.toText(target.getAddress(), target.getPort())
                + (urls.size() == 1 ? urls.get(0).path() : " " + urls.size() + " URLs");
    }

    @Override
    public String toString() {
        return describe() + " " + urls + (virtualHost != null ? " Host: " + virtualHost : "") + " connect_timeout "
                + connectTimeout;
    }

    /** The {@code Host} header it sends when it is not the target's address ({@code virtualhost}). */
    public java.util.Optional<String> virtualHost() {
        return java.util.Optional.ofNullable(virtualHost);
    }

    /**
     * Bounds the whole response by one deadline: before each read the socket timeout is set to
     * what is left, so the sum of all reads cannot exceed it.
     */
    private static final class DeadlineInputStream extends FilterInputStream {
        private final Socket socket;
        private final long deadline;

        DeadlineInputStream(Socket socket, long deadline) throws IOException {
            super(new java.io.BufferedInputStream(socket.getInputStream()));
            this.socket = socket;
            this.deadline = deadline;
        }

        private void arm() throws IOException {
            if (super.in.available() > 0) {
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("no complete response within the response timeout");
            }
            socket.setSoTimeout(Timeouts.millis(Duration.ofNanos(left)));
        }

        @Override
        public int read() throws IOException {
            arm();
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            arm();
            return super.read(b, off, len);
        }
    }

    /**
     * One URL of an HTTP_GET: keepalived's {@code url { path ... status_code ... digest ... }}.
     *
     * <pre>{@code
     * HttpGetCheck.Url.of("/", 200);
     * new HttpGetCheck.Url("/health", Set.of(200, 204), Optional.of("9b3a0c85a887a256d6939da88aabd8cd"));
     * }</pre>
     *
     * @param path request path; starts with {@code /}, no whitespace or control characters
     * @param statusCodes accepted status codes; empty means any 2xx (keepalived's default)
     * @param digest lower- or upper-case hex MD5 of the expected body, if any
     */
    public record Url(String path, Set<Integer> statusCodes, Optional<String> digest) {
        public Url {
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("url path must start with '/', was \"" + path + "\"");
            }
            for (int i = 0; i < path.length(); i++) {
                char c = path.charAt(i);
                // would break (or inject into) the request line
                if (c <= ' ' || c == 0x7f) {
                    throw new IllegalArgumentException("url path must not contain whitespace or control characters, was \""
                            + path + "\"");
                }
            }
            statusCodes = Set.copyOf(new TreeSet<>(statusCodes));
            for (int code : statusCodes) {
                if (code < 100 || code > 999) {
                    throw new IllegalArgumentException("status code must be 100..999, was " + code);
                }
            }
            Objects.requireNonNull(digest, "digest");
            digest.ifPresent(d -> {
                if (!d.matches("[0-9a-fA-F]{32}")) {
                    throw new IllegalArgumentException("digest must be 32 hex digits (MD5), was \"" + d + "\"");
                }
            });
        }

        /** {@code path} answered with {@code status}, body not checked. */
        public static Url of(String path, int status) {
            return new Url(path, Set.of(status), Optional.empty());
        }

        /** Whether {@code status} is acceptable. */
        public boolean accepts(int status) {
            return statusCodes.isEmpty() ? status >= 200 && status <= 299 : statusCodes.contains(status);
        }

        @Override
        public String toString() {
            return path + " status " + (statusCodes.isEmpty() ? "2xx" : new TreeSet<>(statusCodes))
                    + digest.map(d -> " digest " + d).orElse("");
        }
    }

    /** Builds an {@link HttpGetCheck}. */
    public static final class Builder {
        private final InetAddress address;
        private final int port;
        private final List<Url> urls = new ArrayList<>();
        private Duration connectTimeout = TcpConnectCheck.DEFAULT_CONNECT_TIMEOUT;
        private Duration responseTimeout;
        private InetAddress bindAddress;
        private String virtualHost;
        private boolean tls;
        private boolean sni;

        private Builder(InetAddress address, int port) {
            this.address = Objects.requireNonNull(address, "address");
            this.port = Timeouts.port("port", port);
        }

        /** Adds a URL that must pass. */
        public Builder url(Url url) {
            urls.add(Objects.requireNonNull(url, "url"));
            return this;
        }

        /** How long to wait for the connection; default 5 s ({@code connect_timeout}). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Timeouts.positive("connectTimeout", timeout);
            return this;
        }

        /**
         * The bound on request + complete response once connected; default the connect
         * timeout, which is what keepalived's {@code connect_timeout} also bounds.
         */
        public Builder responseTimeout(Duration timeout) {
            this.responseTimeout = Timeouts.positive("responseTimeout", timeout);
            return this;
        }

        /** The local address to connect from ({@code bindto}); {@code null} lets the kernel choose. */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = address;
            return this;
        }

        /** Speak TLS ({@code SSL_GET}); default false ({@code HTTP_GET}). */
        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        /** With TLS, send the {@code virtualhost} as SNI ({@code enable_sni}); default false, as keepalived. */
        public Builder sni(boolean sni) {
            this.sni = sni;
            return this;
        }

        /** The {@code Host} header ({@code virtualhost}); default the target's {@code address:port}. */
        public Builder virtualHost(String host) {
            if (host != null && !host.matches("[A-Za-z0-9.:\\[\\]_-]+")) {
                throw new IllegalArgumentException("virtualHost must be a host name or address, was \"" + host + "\"");
            }
            this.virtualHost = host;
            return this;
        }

        /**
         * The check.
         *
         * @throws IllegalStateException if no URL was added
         */
        public HttpGetCheck build() {
            if (urls.isEmpty()) {
                throw new IllegalStateException("HTTP_GET needs at least one url");
            }
            return new HttpGetCheck(this);
        }
    }
}
