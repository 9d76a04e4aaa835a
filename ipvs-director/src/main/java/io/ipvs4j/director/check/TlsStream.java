package io.ipvs4j.director.check;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * TLS over a non-blocking {@link ByteStream} with an {@link SSLEngine}: what {@code SSL_GET}
 * speaks. The handshake and every record are driven by the stream's completions on the
 * {@link CheckIo} loop; the engine's delegated tasks (certificate parsing) run inline there,
 * as they are short for a client that does not verify the certificate.
 *
 * <pre>{@code
 * TlsStream.handshake(tcp, Tls.engine("www.example.org", tcp.remote()))
 *         .thenCompose(tls -> tls.write(request))...
 * }</pre>
 */
final class TlsStream implements ByteStream {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final ByteStream net;
    private final SSLEngine engine;
    /** Received, not yet unwrapped records; kept in write mode. */
    private ByteBuffer netIn;
    /** Unwrapped application bytes not yet handed out; kept in read mode. */
    private ByteBuffer appIn;
    private boolean peerClosed;

    private TlsStream(ByteStream net, SSLEngine engine) {
        this.net = net;
        this.engine = engine;
        this.netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        appIn.flip();
    }

    /** Runs a client handshake over {@code net}; completes with the stream once it is done. */
    static CompletableFuture<TlsStream> handshake(ByteStream net, SSLEngine engine) {
        TlsStream s = new TlsStream(net, engine);
        try {
            engine.beginHandshake();
        } catch (SSLException e) {
            return CompletableFuture.failedFuture(e);
        }
        return s.drive().thenApply(v -> s);
    }

    /** Advances the handshake until it is finished. */
    private CompletableFuture<Void> drive() {
        try {
            while (true) {
                switch (engine.getHandshakeStatus()) {
                    case NEED_TASK -> {
                        Runnable task;
                        while ((task = engine.getDelegatedTask()) != null) {
                            task.run();
                        }
                    }
                    case NEED_WRAP -> {
                        return wrapAndSend(EMPTY).thenCompose(v -> drive());
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        SSLEngineResult r = unwrap();
                        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                            return CompletableFuture.failedFuture(new SSLException("peer closed during the TLS handshake"));
                        }
                        if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                            return receive().thenCompose(n -> {
                                if (n < 0) {
                                    return CompletableFuture.failedFuture(
                                            new EOFException("connection closed during the TLS handshake"));
                                }
                                return drive();
                            });
                        }
                    }
                    default -> {
                        return CompletableFuture.completedFuture(null);
                    }
                }
            }
        } catch (SSLException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Unwraps what {@link #netIn} holds into {@link #appIn}, growing buffers as the engine asks. */
    private SSLEngineResult unwrap() throws SSLException {
        while (true) {
            netIn.flip();
            appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                netIn.compact();
                appIn.flip();
            }
            switch (r.getStatus()) {
                case BUFFER_OVERFLOW -> appIn = grow(appIn, engine.getSession().getApplicationBufferSize(), true);
                case BUFFER_UNDERFLOW -> {
                    if (netIn.position() == netIn.capacity()) {
                        netIn = grow(netIn, engine.getSession().getPacketBufferSize(), false);
                    }
                    return r;
                }
                default -> {
                    return r;
                }
            }
        }
    }

    private static ByteBuffer grow(ByteBuffer b, int atLeast, boolean readMode) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(atLeast, b.capacity()) + b.capacity());
        if (readMode) {
            bigger.put(b);
            bigger.flip();
        } else {
            b.flip();
            bigger.put(b);
        }
        return bigger;
    }

    private CompletableFuture<Integer> receive() {
        return net.read(netIn);
    }

    private CompletableFuture<Void> wrapAndSend(ByteBuffer src) {
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        try {
            while (true) {
                SSLEngineResult r = engine.wrap(src, out);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    out = ByteBuffer.allocate(out.capacity() * 2);
                    continue;
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED && out.position() == 0) {
                    return CompletableFuture.failedFuture(new SSLException("TLS session closed"));
                }
                break;
            }
        } catch (SSLException e) {
            return CompletableFuture.failedFuture(e);
        }
        out.flip();
        return net.write(out);
    }

    @Override
    public CompletableFuture<Integer> read(ByteBuffer dst) {
        if (appIn.hasRemaining()) {
            int n = Math.min(dst.remaining(), appIn.remaining());
            ByteBuffer slice = appIn.slice(appIn.position(), n);
            dst.put(slice);
            appIn.position(appIn.position() + n);
            return CompletableFuture.completedFuture(n);
        }
        if (peerClosed) {
            return CompletableFuture.completedFuture(-1);
        }
        try {
            SSLEngineResult r = unwrap();
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                peerClosed = true;
                return read(dst);
            }
            if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK
                    || r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                // post-handshake messages (a TLS 1.3 key update): let the handshake driver answer
                return drive().thenCompose(v -> read(dst));
            }
            if (appIn.hasRemaining()) {
                return read(dst);
            }
            if (r.getStatus() == SSLEngineResult.Status.OK && netIn.position() > 0) {
                // a record without application data (a TLS 1.3 session ticket): unwrap the rest
                return read(dst);
            }
        } catch (SSLException e) {
            return CompletableFuture.failedFuture(e);
        }
        return receive().thenCompose(n -> {
            if (n < 0) {
                // a server that closes without close_notify: treat as the end of the response
                peerClosed = true;
            }
            return read(dst);
        });
    }

    @Override
    public CompletableFuture<Void> write(ByteBuffer src) {
        if (!src.hasRemaining()) {
            return CompletableFuture.completedFuture(null);
        }
        return wrapAndSend(src).thenCompose(v -> write(src));
    }

    @Override
    public void expireAfter(Duration timeout, String what) {
        net.expireAfter(timeout, what);
    }

    @Override
    public void close() {
        engine.closeOutbound();
        net.close();
    }
}
