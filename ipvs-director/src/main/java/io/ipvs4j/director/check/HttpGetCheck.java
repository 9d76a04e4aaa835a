package io.ipvs4j.director.check;

import io.ipvs4j.model.InetAddresses;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

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
 * CheckResult r = check.start(io).join();
 * }</pre>
 *
 * <p>With {@link Builder#tls(boolean) tls(true)} it is keepalived's {@code SSL_GET}: the same
 * exchange over TLS. As keepalived without an {@code SSL { ca ... }} block, the server's
 * certificate is not verified (a health check asks "does it answer", not "is it who it says");
 * the {@code virtualhost}, when it is a host name, is sent as SNI.
 *
 * <p>Written on the {@link CheckIo} loop rather than an HTTP client so that every phase is
 * bounded and no thread waits: the connect by the connect timeout, and the whole exchange
 * after it (TLS handshake, request, headers and body) by one response deadline on the loop's
 * timer. A per-read timeout alone would let a server that trickles one byte at a time hold
 * the check forever.
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
    /** Per URL, what every attempt sends and says: built once, not at every check. */
    private final String[] where;
    private final byte[][] requests;
    private final CheckResult allUp;

    private HttpGetCheck(Builder b) {
        this.tls = b.tls;
        this.sni = b.sni;
        this.target = new InetSocketAddress(b.address, b.port);
        this.urls = List.copyOf(b.urls);
        this.connectTimeout = b.connectTimeout;
        this.responseTimeout = b.responseTimeout != null ? b.responseTimeout : b.connectTimeout;
        this.bindAddress = b.bindAddress;
        this.virtualHost = b.virtualHost;
        String hostPort = InetAddresses.toText(target.getAddress(), target.getPort());
        String host = virtualHost != null ? virtualHost : hostPort;
        this.where = new String[urls.size()];
        this.requests = new byte[urls.size()][];
        for (int i = 0; i < urls.size(); i++) {
            where[i] = hostPort + urls.get(i).path();
            requests[i] = ("GET " + urls.get(i).path() + " HTTP/1.0\r\n"
                    + "User-Agent: ipvs4j-healthcheck\r\n"
                    + "Host: " + host + "\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        }
        this.allUp = urls.isEmpty() ? null
                : CheckResult.up(urls.size() == 1 ? "HTTP " + urls.get(0).path() + " ok" : "all " + urls.size() + " URLs ok");
    }

    /**
     * A builder for a check of {@code address:port} (never resolved). At least one URL must be added.
     *
     * @param address the real server (or {@code connect_ip})
     * @param port its port, 1..65535
     * @return a builder; add URLs, then {@link Builder#build()}
     */
    public static Builder builder(InetAddress address, int port) {
        return new Builder(address, port);
    }

    /**
     * The address and port checked.
     *
     * @return the real server's address and port
     */
    public InetSocketAddress target() {
        return target;
    }

    /**
     * The URLs, all of which must pass.
     *
     * @return the URLs in the order they are fetched
     */
    public List<Url> urls() {
        return urls;
    }

    /**
     * The connect timeout.
     *
     * @return the bound on the TCP (and TLS) connection being established
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * The bound on the exchange after the connection is up.
     *
     * @return the bound on the request and the complete response
     */
    public Duration responseTimeout() {
        return responseTimeout;
    }

    @Override
    public CompletableFuture<CheckResult> start(CheckIo io) {
        return checkFrom(io, 0);
    }

    /** URLs are checked one after the other, as keepalived does; the first failure decides. */
    private CompletableFuture<CheckResult> checkFrom(CheckIo io, int index) {
        return checkOne(io, index).thenCompose(r -> {
            if (!r.healthy()) {
                return CompletableFuture.completedFuture(r);
            }
            if (index + 1 < urls.size()) {
                return checkFrom(io, index + 1);
            }
            return CompletableFuture.completedFuture(allUp);
        });
    }

    private CompletableFuture<CheckResult> checkOne(CheckIo io, int index) {
        Url url = urls.get(index);
        String where = this.where[index];
        ByteBuffer request = ByteBuffer.wrap(requests[index]);
        return io.connect(target, bindAddress, connectTimeout).thenCompose(tcp -> {
            // one deadline for handshake, request and the whole response: a server that
            // trickles a byte at a time cannot hold the check beyond it
            tcp.expireAfter(responseTimeout, "GET " + where);
            CompletableFuture<? extends ByteStream> stream = tls
                    ? TlsStream.handshake(tcp, Tls.engine(sni ? virtualHost : null, target))
                    : CompletableFuture.completedFuture(tcp);
            return stream.thenCompose(s -> s.write(request)
                            .thenCompose(v -> new ResponseReader(s, url.digest().isPresent()).read()))
                    .thenApply(response -> judge(url, where, response))
                    .whenComplete((r, e) -> tcp.close());
        }).exceptionally(e -> {
            Throwable cause = unwrap(e);
            return CheckResult.down("GET " + where + (cause instanceof TimeoutException ? " timed out: " : " failed: ")
                    + (cause instanceof TimeoutException ? cause.getMessage() : cause.toString()));
        });
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static CheckResult judge(Url url, String where, Response response) {
        if (!url.accepts(response.status())) {
            return CheckResult.down("GET " + where + " answered " + response.status() + ", expected "
                    + (url.statusCodes().isEmpty() ? "2xx" : url.statusCodes()));
        }
        if (url.digest().isPresent()) {
            String actual = md5Hex(response.body());
            if (!actual.equalsIgnoreCase(url.digest().get())) {
                return CheckResult.down("GET " + where + " body digest " + actual + ", expected " + url.digest().get());
            }
        }
        return CheckResult.up("GET " + where + " answered " + response.status());
    }

    /** A response: its status, and its body when it was asked for. */
    record Response(int status, byte[] body) {
    }

    /**
     * Reads a response from a stream into one growing buffer and parses what it has after each
     * read, so that it stops as soon as the response is complete (a server that ignores
     * {@code Connection: close} does not hold the check to its deadline).
     */
    /** The lines of {@code data[0, end)}, ended by LF or CRLF (no regular expression per response). */
    static List<String> headerLines(byte[] data, int end) {
        List<String> lines = new ArrayList<>(12);
        int start = 0;
        for (int i = 0; i <= end; i++) {
            if (i == end || data[i] == '\n') {
                int stop = i > start && data[i - 1] == '\r' && i != end ? i - 1 : i;
                if (i == end && stop > start && data[stop - 1] == '\r') {
                    stop--;
                }
                lines.add(new String(data, start, stop - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        return lines;
    }

    static final class ResponseReader {
        private final ByteStream stream;
        private final boolean wantBody;
        private byte[] data = new byte[4096];
        private int length;
        private final CompletableFuture<Response> result = new CompletableFuture<>();

        ResponseReader(ByteStream stream, boolean wantBody) {
            this.stream = stream;
            this.wantBody = wantBody;
        }

        CompletableFuture<Response> read() {
            next();
            return result;
        }

        private void next() {
            if (length == data.length) {
                if (data.length >= MAX_HEADER_BYTES + MAX_BODY_BYTES) {
                    result.completeExceptionally(new IOException("body longer than " + MAX_BODY_BYTES + " bytes"));
                    return;
                }
                data = Arrays.copyOf(data, Math.min(data.length * 2, MAX_HEADER_BYTES + MAX_BODY_BYTES));
            }
            ByteBuffer dst = ByteBuffer.wrap(data, length, data.length - length);
            stream.read(dst).whenComplete((n, e) -> {
                if (e != null) {
                    result.completeExceptionally(unwrap(e));
                    return;
                }
                boolean eof = n < 0;
                if (!eof) {
                    length += n;
                }
                try {
                    Response r = parse(data, length, wantBody, eof);
                    if (r != null) {
                        result.complete(r);
                    } else if (eof) {
                        result.completeExceptionally(new IOException("response ended early"));
                    } else {
                        next();
                    }
                } catch (IOException ex) {
                    result.completeExceptionally(ex);
                }
            });
        }
    }

    /**
     * Parses the response in {@code data[0..length)}: null while it is incomplete (and more
     * may come), the response when it is complete.
     *
     * @throws IOException if it is malformed, too long, or ended early at {@code eof}
     */
    static Response parse(byte[] data, int length, boolean wantBody, boolean eof) throws IOException {
        int headerEnd = -1;
        int bodyStart = -1;
        for (int i = 0; i < length; i++) {
            if (data[i] == '\n') {
                if (i + 1 < length && data[i + 1] == '\n') {
                    headerEnd = i;
                    bodyStart = i + 2;
                    break;
                }
                if (i + 2 < length && data[i + 1] == '\r' && data[i + 2] == '\n') {
                    headerEnd = i;
                    bodyStart = i + 3;
                    break;
                }
            }
        }
        if (headerEnd < 0) {
            int firstLine = indexOf(data, 0, length, (byte) '\n');
            if (firstLine >= 0) {
                // judge the status line as soon as it is there: a server speaking another
                // protocol need not be waited for
                parseStatus(new String(data, 0, firstLine, StandardCharsets.ISO_8859_1).strip());
            }
            if (length > MAX_HEADER_BYTES) {
                throw new IOException("response headers longer than " + MAX_HEADER_BYTES + " bytes");
            }
            if (eof) {
                throw new IOException(length == 0 ? "connection closed without a response" : "response ended mid-header");
            }
            return null;
        }
        List<String> lines = headerLines(data, headerEnd);
        int status = parseStatus(lines.get(0));
        long contentLength = -1;
        boolean chunked = false;
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
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
        if (!wantBody) {
            return new Response(status, null);
        }
        int available = length - bodyStart;
        if (chunked) {
            // An HTTP/1.0 request should not get a chunked answer, but some servers send one anyway.
            byte[] body = dechunk(data, bodyStart, length);
            if (body == null && eof) {
                throw new IOException("chunked body ended early");
            }
            return body == null ? null : new Response(status, body);
        }
        if (contentLength >= 0) {
            if (contentLength > MAX_BODY_BYTES) {
                throw new IOException("body longer than " + MAX_BODY_BYTES + " bytes");
            }
            if (available >= contentLength) {
                return new Response(status, Arrays.copyOfRange(data, bodyStart, bodyStart + (int) contentLength));
            }
            if (eof) {
                throw new IOException("body ended after " + available + " of " + contentLength + " bytes");
            }
            return null;
        }
        if (available > MAX_BODY_BYTES) {
            throw new IOException("body longer than " + MAX_BODY_BYTES + " bytes");
        }
        return eof ? new Response(status, Arrays.copyOfRange(data, bodyStart, length)) : null;
    }

    /** The body of a complete chunked encoding in {@code data[from..to)}, or null while incomplete. */
    private static byte[] dechunk(byte[] data, int from, int to) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int p = from;
        while (true) {
            int eol = indexOf(data, p, to, (byte) '\n');
            if (eol < 0) {
                return null;
            }
            String sizeLine = new String(data, p, eol - p, StandardCharsets.ISO_8859_1).trim();
            int semi = sizeLine.indexOf(';');
            String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size \"" + abbreviate(sizeLine) + "\"", e);
            }
            if (size < 0 || size > MAX_BODY_BYTES || body.size() + size > MAX_BODY_BYTES) {
                throw new IOException("body longer than " + MAX_BODY_BYTES + " bytes");
            }
            p = eol + 1;
            if (size == 0) {
                return body.toByteArray();
            }
            if (to - p < size) {
                return null;
            }
            body.write(data, p, (int) size);
            p += (int) size;
            int end = indexOf(data, p, to, (byte) '\n');
            if (end < 0) {
                return null;
            }
            p = end + 1;
        }
    }

    private static int indexOf(byte[] data, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
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

    /**
     * The {@code Host} header it sends when it is not the target's address ({@code virtualhost}).
     *
     * @return the configured Host header, or empty when it is the target's address
     */
    public java.util.Optional<String> virtualHost() {
        return java.util.Optional.ofNullable(virtualHost);
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
        /**
         * Checks the parts.
         *
         * @param path request path; starts with {@code /}, no whitespace or control characters
         * @param statusCodes accepted status codes; empty means any 2xx (keepalived's default)
         * @param digest lower- or upper-case hex MD5 of the expected body, if any
         */
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

        /**
         * {@code path} answered with {@code status}, body not checked.
         *
         * @param path the request path, starting with {@code /}
         * @param status the one acceptable status code
         * @return the URL
         */
        public static Url of(String path, int status) {
            return new Url(path, Set.of(status), Optional.empty());
        }

        /**
         * Whether {@code status} is acceptable.
         *
         * @param status the status code of a response
         * @return true if it is one of the configured codes, or 2xx when none are configured
         */
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

        /**
         * Adds a URL that must pass.
         *
         * @param url fetched in the order added
         * @return this builder
         */
        public Builder url(Url url) {
            urls.add(Objects.requireNonNull(url, "url"));
            return this;
        }

        /**
         * How long to wait for the connection; default 5 s ({@code connect_timeout}).
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Timeouts.positive("connectTimeout", timeout);
            return this;
        }

        /**
         * The bound on request + complete response once connected; default the connect
         * timeout, which is what keepalived's {@code connect_timeout} also bounds.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder responseTimeout(Duration timeout) {
            this.responseTimeout = Timeouts.positive("responseTimeout", timeout);
            return this;
        }

        /**
         * The local address to connect from ({@code bindto}); {@code null} lets the kernel choose.
         *
         * @param address the source address, or {@code null}
         * @return this builder
         */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = address;
            return this;
        }

        /**
         * Speak TLS ({@code SSL_GET}); default false ({@code HTTP_GET}).
         *
         * @param tls whether to speak HTTPS
         * @return this builder
         */
        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        /**
         * With TLS, send the {@code virtualhost} as SNI ({@code enable_sni}); default false, as keepalived.
         *
         * @param sni whether the TLS handshake names the virtual host
         * @return this builder
         */
        public Builder sni(boolean sni) {
            this.sni = sni;
            return this;
        }

        /**
         * The {@code Host} header ({@code virtualhost}); default the target's {@code address:port}.
         *
         * @param host a host name or address (optionally with a port), or {@code null} for the default
         * @return this builder
         */
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
         * @return the check, immutable and reusable
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
