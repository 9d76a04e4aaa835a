package io.ipvs4j.director.check;

import io.ipvs4j.model.InetAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loop every {@link HealthCheck} runs on: one thread that owns a NIO {@link Selector}
 * and a timer, so that thousands of checks in flight cost file descriptors and a few objects,
 * never a thread each. Connects, reads and writes are non-blocking; their timeouts are timers
 * of this loop, which close the channel and fail the pending operation with a
 * {@link TimeoutException}.
 *
 * <pre>{@code
 * try (CheckIo io = CheckIo.open("checks")) {
 *     CheckResult r = TcpConnectCheck.builder(InetAddresses.parse("192.0.2.32"), 80).build()
 *             .start(io).join();
 * }
 * }</pre>
 *
 * <p>Threading: every callback of this class (timers, {@link #execute}, and the completion of
 * every future it returns) runs on the loop thread, one at a time. Completions are always
 * posted to the loop's queue rather than run inside the I/O call that produced them, so a
 * chain of operations that complete at once never grows the stack. Code running on the loop
 * must not block: a blocking call stalls every check. Methods of this class and of its
 * connections may be called from any thread; work is handed to the loop.
 */
public final class CheckIo implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CheckIo.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static volatile CheckIo shared;

    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Loop thread only. */
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long timerSequence;
    /** Bounds one round's tasks; far above what the checks' chains post (a few per check). */
    static final int MAX_TASKS_PER_ROUND = 100_000;
    private volatile boolean closed;

    private CheckIo(String name) throws IOException {
        this.selector = Selector.open();
        this.thread = new Thread(this::loop, "ipvs4j-check-io-" + name);
        // checks must never keep a stopping JVM alive; close() is the orderly way out
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Starts a loop whose thread is named {@code ipvs4j-check-io-<name>}.
     *
     * @param name distinguishes the thread in thread dumps and logs
     * @return the running loop; {@link #close()} stops it
     * @throws IllegalStateException if no selector can be opened (out of file descriptors)
     */
    public static CheckIo open(String name) {
        try {
            return new CheckIo(Objects.requireNonNull(name, "name"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a selector for health checks: " + e.getMessage(), e);
        }
    }

    /**
     * A process-wide loop, started on first use and never closed: what {@link HealthCheck#check()}
     * (the blocking convenience for scripts and tests) runs on.
     *
     * @return the shared loop
     */
    public static CheckIo shared() {
        CheckIo s = shared;
        if (s == null) {
            synchronized (CheckIo.class) {
                s = shared;
                if (s == null) {
                    s = open("shared");
                    shared = s;
                }
            }
        }
        return s;
    }

    /**
     * Whether the caller runs on this loop's thread.
     *
     * @return true on the loop thread, where the loop's state may be touched directly
     */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Runs {@code task} on the loop thread, after the tasks already queued.
     *
     * @param task runs on the loop thread; it must not block
     * @throws RejectedExecutionException if the loop is closed
     */
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            throw new RejectedExecutionException("check I/O loop is closed");
        }
        tasks.add(task);
        if (!inLoop()) {
            selector.wakeup();
        }
    }

    /** Like {@link #execute} but silently drops the task once the loop is closed. */
    void post(Runnable task) {
        if (!closed) {
            tasks.add(task);
            if (!inLoop()) {
                selector.wakeup();
            }
        }
    }

    /** Completes {@code f} with {@code value} on the loop, after the current callback returns. */
    <T> void complete(CompletableFuture<T> f, T value) {
        post(() -> f.complete(value));
    }

    /**
     * Runs {@code task} on the loop thread once {@code delay} has passed (at once when zero or
     * negative).
     *
     * @param delay how long to wait
     * @param task runs on the loop thread; it must not block
     * @return a handle whose {@link Cancellable#cancel()} stops it if it has not run yet
     */
    public Cancellable schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        long due = System.nanoTime() + Math.max(0, delay.toNanos());
        Timer t = new Timer(due, task);
        post(() -> {
            if (!t.cancelled) {
                t.sequence = timerSequence++;
                timers.add(t);
            }
        });
        return t;
    }

    /**
     * {@code f}, or a failure with a {@link TimeoutException} saying {@code what} when it has
     * not completed within {@code timeout}. On time-out {@code onTimeout} runs (on the loop)
     * so the caller can release what the operation held (kill a process, close a socket).
     *
     * @param <T> the operation's result
     * @param f the operation
     * @param timeout how long it may take
     * @param what names the operation in the time-out message, e.g. {@code "HTTP GET /health"}
     * @param onTimeout releases what the operation held; runs on the loop, at most once
     * @return completes as {@code f} does, or fails with a {@link TimeoutException}
     */
    public <T> CompletableFuture<T> within(CompletableFuture<T> f, Duration timeout, String what, Runnable onTimeout) {
        CompletableFuture<T> out = new CompletableFuture<>();
        Cancellable timer = schedule(timeout, () -> {
            if (out.completeExceptionally(new TimeoutException(what + " did not complete within " + timeout))
                    && onTimeout != null) {
                onTimeout.run();
            }
        });
        f.whenComplete((v, e) -> post(() -> {
            timer.cancel();
            if (e != null) {
                out.completeExceptionally(e);
            } else {
                out.complete(v);
            }
        }));
        return out;
    }

    /**
     * Opens a TCP connection to {@code target}, from {@code bindOrNull} when given, failing
     * with a {@link TimeoutException} when it is not established within {@code timeout}.
     *
     * @param target the address and port to connect to
     * @param bindOrNull the local source address, or {@code null} to let the kernel choose
     * @param timeout bound on the connection being established
     * @return the connection, or a failure (refused, unreachable, timed out)
     */
    public CompletableFuture<TcpConnection> connect(InetSocketAddress target, InetAddress bindOrNull, Duration timeout) {
        CompletableFuture<TcpConnection> result = new CompletableFuture<>();
        post(() -> {
            SocketChannel ch = null;
            try {
                // a socket of the target's own family: Java's default is a dual-stack IPv6 socket,
                // which costs an IPV6_V6ONLY setsockopt per check and the kernel's IPv4-mapped path
                ch = SocketChannel.open(target.getAddress() instanceof java.net.Inet6Address
                        ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (bindOrNull != null) {
                    ch.bind(new InetSocketAddress(bindOrNull, 0));
                }
                TcpConnection c = new TcpConnection(this, ch);
                c.register(selector);
                if (ch.connect(target)) {
                    result.complete(c);
                    return;
                }
                Cancellable timer = schedule(timeout, () -> {
                    if (result.completeExceptionally(new TimeoutException("connect to "
                            + InetAddresses.toText(target.getAddress(), target.getPort()) + " timed out after "
                            + timeout))) {
                        c.close();
                    }
                });
                c.onConnectable = () -> {
                    timer.cancel();
                    try {
                        c.channel.finishConnect();
                        result.complete(c);
                    } catch (IOException e) {
                        c.close();
                        result.completeExceptionally(e);
                    }
                };
                c.interest(SelectionKey.OP_CONNECT, true);
            } catch (IOException | RuntimeException e) {
                closeQuietly(ch);
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /**
     * Opens a UDP socket connected to {@code target}, bound to {@code bindOrNull} when given.
     *
     * @param target the address and port datagrams go to (and the only one they are received from)
     * @param bindOrNull the local source address, or {@code null} to let the kernel choose
     * @return the socket, or a failure if it cannot be opened
     */
    public CompletableFuture<UdpConnection> udp(InetSocketAddress target, InetAddress bindOrNull) {
        CompletableFuture<UdpConnection> result = new CompletableFuture<>();
        post(() -> {
            DatagramChannel ch = null;
            try {
                ch = DatagramChannel.open(target.getAddress() instanceof java.net.Inet6Address
                        ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
                ch.configureBlocking(false);
                if (bindOrNull != null) {
                    ch.bind(new InetSocketAddress(bindOrNull, 0));
                }
                ch.connect(target);
                UdpConnection c = new UdpConnection(this, ch);
                c.register(selector);
                result.complete(c);
            } catch (IOException | RuntimeException e) {
                closeQuietly(ch);
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private static void closeQuietly(SelectableChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to release beyond the descriptor
            }
        }
    }

    /**
     * One round: wait for I/O (not at all when tasks are queued), handle the ready channels,
     * run every task that follows from them, then run the timers that were due when the wait
     * ended. The order is what keeps a stalled loop honest: when the loop thread was held
     * (a garbage collection, a slow callback, a starved CPU), an answer that arrived meanwhile
     * is read, and the chain it starts (completion, next read, verdict) runs, before a time-out
     * that fell due during the stall is judged. Judged against the time the wait ended, a
     * deadline fires only if its operation had not become ready by then, which is what a loop
     * that had never stalled would have decided.
     */
    private void loop() {
        try {
            while (!closed) {
                long wait = tasks.isEmpty() ? millisToNextTimer(System.nanoTime()) : -1;
                int n = wait < 0 ? selector.selectNow() : selector.select(wait);
                long polled = System.nanoTime();
                if (n > 0) {
                    for (SelectionKey k : selector.selectedKeys()) {
                        Channel c = (Channel) k.attachment();
                        try {
                            int ready = k.readyOps();
                            c.ready(ready);
                        } catch (CancelledKeyException e) {
                            // closed by a callback of the same round
                        } catch (RuntimeException e) {
                            log.error("health check I/O callback failed", e);
                        }
                    }
                    selector.selectedKeys().clear();
                }
                runTasks();
                runTimers(polled);
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) {
                log.error("health check I/O loop failed; checks stop", e);
            }
        } finally {
            for (SelectionKey k : selector.keys()) {
                closeQuietly(k.channel());
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // the loop is gone either way
            }
        }
    }

    /**
     * Runs queued tasks until none is left, so that a chain of completions (each posts the
     * next) settles before the timers are judged; at most {@link #MAX_TASKS_PER_ROUND}, so a
     * task that re-posts itself without end cannot keep the selector and the timers from running.
     */
    private void runTasks() {
        for (int i = 0; i < MAX_TASKS_PER_ROUND; i++) {
            Runnable r = tasks.poll();
            if (r == null) {
                return;
            }
            try {
                r.run();
            } catch (RuntimeException e) {
                log.error("health check task failed", e);
            }
        }
    }

    /** Runs the timers due at {@code polled}, in due order. */
    private void runTimers(long polled) {
        while (!timers.isEmpty()) {
            Timer t = timers.peek();
            if (!t.cancelled && t.due - polled > 0) {
                return;
            }
            timers.poll();
            if (t.cancelled) {
                continue;
            }
            try {
                t.task.run();
            } catch (RuntimeException e) {
                log.error("health check timer failed", e);
            }
        }
    }

    /**
     * How long the selector may wait: the milliseconds until the next live timer, 0 when there
     * is no timer (wait for I/O or a wake-up alone), -1 when one is due already (do not wait).
     */
    private long millisToNextTimer(long now) {
        while (!timers.isEmpty() && timers.peek().cancelled) {
            timers.poll();
        }
        if (timers.isEmpty()) {
            return 0;
        }
        long left = timers.peek().due - now;
        return left <= 0 ? -1 : Math.max(1, (left + 999_999) / 1_000_000);
    }

    /** Stops the loop and closes every channel it still has. Checks in flight never complete. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        if (!inLoop()) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A scheduled task that can be cancelled. */
    @FunctionalInterface
    public interface Cancellable {
        /** Stops the task if it has not run yet; harmless afterwards. */
        void cancel();
    }

    private static final class Timer implements Cancellable, Comparable<Timer> {
        final long due;
        final Runnable task;
        long sequence;
        volatile boolean cancelled;

        Timer(long due, Runnable task) {
            this.due = due;
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(due - o.due, 0);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }
    }

    /** A channel registered with the loop. Loop thread only. */
    abstract static class Channel {
        final CheckIo io;
        final SelectableChannel selectable;
        SelectionKey key;
        Runnable onConnectable;
        Runnable onReadable;
        Runnable onWritable;
        Cancellable deadline;
        Throwable failure;
        boolean closedChannel;

        Channel(CheckIo io, SelectableChannel ch) {
            this.io = io;
            this.selectable = ch;
        }

        void register(Selector selector) throws IOException {
            key = selectable.register(selector, 0, this);
        }

        void interest(int op, boolean on) {
            if (closedChannel || !key.isValid()) {
                return;
            }
            int ops = key.interestOps();
            key.interestOps(on ? ops | op : ops & ~op);
        }

        void ready(int ops) {
            if ((ops & SelectionKey.OP_CONNECT) != 0 && onConnectable != null) {
                Runnable r = onConnectable;
                onConnectable = null;
                interest(SelectionKey.OP_CONNECT, false);
                r.run();
            }
            if ((ops & SelectionKey.OP_READ) != 0 && onReadable != null) {
                Runnable r = onReadable;
                onReadable = null;
                interest(SelectionKey.OP_READ, false);
                r.run();
            }
            if ((ops & SelectionKey.OP_WRITE) != 0 && onWritable != null) {
                Runnable r = onWritable;
                onWritable = null;
                interest(SelectionKey.OP_WRITE, false);
                r.run();
            }
        }

        /**
         * Bounds everything from now on: when {@code timeout} has passed the channel is closed
         * and pending and later operations fail with a {@link TimeoutException} saying {@code what}.
         *
         * @param timeout from now
         * @param what names the operation in the time-out message
         */
        public void expireAfter(Duration timeout, String what) {
            io.post(() -> {
                if (deadline != null) {
                    deadline.cancel();
                }
                deadline = io.schedule(timeout, () -> abort(new TimeoutException(what + " timed out after " + timeout)));
            });
        }

        /** Closes the channel and fails what is pending with {@code error}. Loop thread. */
        void abort(Throwable error) {
            if (failure == null) {
                failure = error;
            }
            Runnable r = onReadable;
            Runnable w = onWritable;
            onReadable = null;
            onWritable = null;
            closeChannel();
            // the pending operations see the failure when they run
            if (r != null) {
                r.run();
            }
            if (w != null) {
                w.run();
            }
        }

        void closeChannel() {
            if (!closedChannel) {
                closedChannel = true;
                if (deadline != null) {
                    deadline.cancel();
                }
                if (key != null) {
                    key.cancel();
                }
                closeQuietly(selectable);
            }
        }

        /** Closes the channel; pending operations fail. Any thread. */
        public void close() {
            io.post(() -> abort(new IOException("closed")));
        }
    }

    /**
     * A non-blocking TCP connection of a {@link CheckIo}. Operations complete on the loop;
     * at most one read and one write may be pending at a time.
     */
    public static final class TcpConnection extends Channel implements ByteStream {
        final SocketChannel channel;

        TcpConnection(CheckIo io, SocketChannel ch) {
            super(io, ch);
            this.channel = ch;
        }

        /**
         * The peer's address.
         *
         * @return the address and port this connection is connected to
         */
        public InetSocketAddress remote() {
            try {
                return (InetSocketAddress) channel.getRemoteAddress();
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public CompletableFuture<Integer> read(ByteBuffer dst) {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            io.post(() -> tryRead(dst, f));
            return f;
        }

        private void tryRead(ByteBuffer dst, CompletableFuture<Integer> f) {
            if (failure != null) {
                f.completeExceptionally(failure);
                return;
            }
            try {
                int n = channel.read(dst);
                if (n != 0 || !dst.hasRemaining()) {
                    io.complete(f, n);
                    return;
                }
                onReadable = () -> tryRead(dst, f);
                interest(SelectionKey.OP_READ, true);
            } catch (IOException e) {
                abort(e);
                f.completeExceptionally(e);
            }
        }

        @Override
        public CompletableFuture<Void> write(ByteBuffer src) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            io.post(() -> tryWrite(src, f));
            return f;
        }

        private void tryWrite(ByteBuffer src, CompletableFuture<Void> f) {
            if (failure != null) {
                f.completeExceptionally(failure);
                return;
            }
            try {
                while (src.hasRemaining()) {
                    if (channel.write(src) == 0) {
                        onWritable = () -> tryWrite(src, f);
                        interest(SelectionKey.OP_WRITE, true);
                        return;
                    }
                }
                io.complete(f, null);
            } catch (IOException e) {
                abort(e);
                f.completeExceptionally(e);
            }
        }
    }

    /** A non-blocking connected UDP socket of a {@link CheckIo}. */
    public static final class UdpConnection extends Channel {
        final DatagramChannel channel;

        UdpConnection(CheckIo io, DatagramChannel ch) {
            super(io, ch);
            this.channel = ch;
        }

        /**
         * Sends one datagram; fails if it could not be sent whole.
         *
         * @param datagram the bytes between its position and limit
         * @return completes when the datagram has been handed to the kernel
         */
        public CompletableFuture<Void> send(ByteBuffer datagram) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            io.post(() -> trySend(datagram, f));
            return f;
        }

        private void trySend(ByteBuffer datagram, CompletableFuture<Void> f) {
            if (failure != null) {
                f.completeExceptionally(failure);
                return;
            }
            try {
                int want = datagram.remaining();
                int n = channel.write(datagram);
                if (n == 0 && want > 0) {
                    onWritable = () -> trySend(datagram, f);
                    interest(SelectionKey.OP_WRITE, true);
                    return;
                }
                if (n != want) {
                    f.completeExceptionally(new IOException("sent " + n + " of " + want + " bytes"));
                    return;
                }
                io.complete(f, null);
            } catch (IOException e) {
                abort(e);
                f.completeExceptionally(e);
            }
        }

        /**
         * Receives one datagram into {@code dst} (a longer datagram is truncated to what fits);
         * completes with its length as received into the buffer. An ICMP port unreachable for
         * an earlier send fails it with {@link java.net.PortUnreachableException}.
         *
         * @param dst receives the datagram from its position
         * @return the number of bytes put into {@code dst}
         */
        public CompletableFuture<Integer> receive(ByteBuffer dst) {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            io.post(() -> tryReceive(dst, f));
            return f;
        }

        private void tryReceive(ByteBuffer dst, CompletableFuture<Integer> f) {
            if (failure != null) {
                f.completeExceptionally(failure);
                return;
            }
            try {
                int before = dst.position();
                // receive, not read: it tells "no datagram yet" (null) from an empty datagram
                if (channel.receive(dst) == null) {
                    onReadable = () -> tryReceive(dst, f);
                    interest(SelectionKey.OP_READ, true);
                    return;
                }
                io.complete(f, dst.position() - before);
            } catch (IOException e) {
                abort(e);
                f.completeExceptionally(e);
            }
        }
    }
}
