package io.ipvs4j.benchmarks;

import io.ipvs4j.Batch;
import io.ipvs4j.Change;
import io.ipvs4j.IpvsException;
import io.ipvs4j.Reconciler;
import io.ipvs4j.netlink.internal.ipvs.IpvsCodec;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import io.ipvs4j.netlink.internal.nl.Nl;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-process parts of a batch add of the kernel benchmark's table (S services x 10 real
 * servers), each alone, to weigh them against the whole add measured in the VM: encoding every
 * message as the batch sender does (512 per send buffer), materialising one outcome object per
 * change as the batch result does today, and building the {@link Batch} from model objects
 * (the caller's cost, outside {@code apply}).
 *
 * <p>Run: {@code java -cp <classpath> org.openjdk.jmh.Main BatchPathBenchmark -prof gc} (see BENCHMARKS.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BatchPathBenchmark {
    @Param("1000")
    public int services;

    private List<Reconciler.DesiredService> desired;
    private List<Change> changes;
    private MessageWriter writer;

    /** The shape of BatchResult.Outcome (index, change, status, optional error), without depending on it. */
    record Outcome(int index, Change change, Status status, Optional<IpvsException> error) {}

    enum Status { APPLIED, FAILED, NOT_ATTEMPTED }

    @Setup
    public void setup() {
        desired = KernelBenchmark.desired(services, 10, 0);
        changes = KernelBenchmark.addAll(desired).changes();
        writer = new MessageWriter(256 << 10);
    }

    /** Every message of the batch, encoded as BatchSender does, 512 per buffer. */
    @Benchmark
    public int encodeWholeBatch() {
        MessageWriter w = writer;
        int total = 0;
        int seq = 1;
        for (int first = 0; first < changes.size(); first += 512) {
            w.clear();
            int end = Math.min(changes.size(), first + 512);
            for (int i = first; i < end; i++) {
                Change c = changes.get(i);
                int msg = IpvsCodec.begin(w, 0x21, IpvsCodec.command(c), 0, seq++);
                IpvsCodec.encodeChange(w, c);
                w.endMessage(msg);
            }
            total += w.size();
        }
        return total;
    }

    /** One outcome object per change, as BatchSender.run builds the result when all succeed. */
    @Benchmark
    public List<Outcome> outcomePerChange() {
        byte[] status = new byte[changes.size()];
        IpvsException[] errors = new IpvsException[changes.size()];
        List<Outcome> out = new ArrayList<>(changes.size());
        for (int i = 0; i < changes.size(); i++) {
            Status s = status[i] == 0 ? Status.APPLIED : Status.FAILED;
            out.add(new Outcome(i, changes.get(i), s, Optional.ofNullable(errors[i])));
        }
        return out;
    }

    /** Batch.builder() over the model objects: what the caller pays before apply. */
    @Benchmark
    public Batch buildBatch() {
        return KernelBenchmark.addAll(desired);
    }

    /** The model objects of the table themselves (the caller's desired state). */
    @Benchmark
    public List<Reconciler.DesiredService> buildModel() {
        return KernelBenchmark.desired(services, 10, 0);
    }
}
