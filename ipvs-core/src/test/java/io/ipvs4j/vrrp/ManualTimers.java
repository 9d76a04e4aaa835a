package io.ipvs4j.vrrp;

import java.util.PriorityQueue;

/** A deterministic {@link VrrpTimers}: time moves only in {@link #advance}; tasks run on the calling thread. */
final class ManualTimers implements VrrpTimers {
    private record Task(long at, long seq, Runnable run, boolean[] cancelled) {}

    private final PriorityQueue<Task> queue = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private long now = 1_000_000_000L;
    private long seq;
    private boolean running;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        boolean[] cancelled = new boolean[1];
        queue.add(new Task(now + Math.max(0, delayNanos), seq++, task, cancelled));
        if (delayNanos <= 0) {
            runDue(now);
        }
        return () -> cancelled[0] = true;
    }

    /** Moves time forward by {@code nanos}, running every task due on the way in order. */
    void advance(long nanos) {
        long target = now + nanos;
        runDue(target);
        now = target;
    }

    void advanceMillis(double millis) {
        long target = now + (long) (millis * 1_000_000);
        runDue(target);
        now = target;
    }

    private void runDue(long target) {
        if (running) {
            return;
        }
        running = true;
        try {
            while (!queue.isEmpty() && queue.peek().at <= target) {
                Task t = queue.poll();
                now = Math.max(now, t.at);
                if (!t.cancelled[0]) {
                    t.run.run();
                }
            }
        } finally {
            running = false;
        }
    }
}
