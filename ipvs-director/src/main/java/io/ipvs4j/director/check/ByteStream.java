package io.ipvs4j.director.check;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A non-blocking byte stream of a {@link CheckIo}: a TCP connection
 * ({@link CheckIo.TcpConnection}) or TLS over one ({@link TlsStream}). Completions run on the
 * loop thread; at most one read and one write may be pending at a time.
 *
 * <pre>{@code
 * stream.write(ByteBuffer.wrap("QUIT\r\n".getBytes(US_ASCII)))
 *         .thenCompose(v -> stream.read(buffer))
 *         .thenAccept(n -> ...);   // n < 0: the peer closed the stream
 * }</pre>
 */
public interface ByteStream {
    /**
     * Reads at least one byte into {@code dst} when it has room; completes with the number of
     * bytes read, or -1 when the peer has closed the stream.
     *
     * @param dst receives the bytes from its position
     * @return the number of bytes read, or -1 at the end of the stream
     */
    CompletableFuture<Integer> read(ByteBuffer dst);

    /**
     * Writes all of {@code src}.
     *
     * @param src the bytes between its position and limit
     * @return completes when all of them are written
     */
    CompletableFuture<Void> write(ByteBuffer src);

    /**
     * Bounds the rest of the exchange: after {@code timeout} the stream is closed and pending
     * and later operations fail with a {@link java.util.concurrent.TimeoutException}.
     *
     * @param timeout from now
     * @param what names the exchange in the time-out message, e.g. {@code "SMTP HELO"}
     */
    void expireAfter(java.time.Duration timeout, String what);

    /** Closes the stream; pending operations fail. */
    void close();
}
