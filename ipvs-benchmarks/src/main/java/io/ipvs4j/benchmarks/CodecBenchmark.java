package io.ipvs4j.benchmarks;

import io.ipvs4j.Change;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.netlink.internal.ipvs.IpvsCodec;
import io.ipvs4j.netlink.internal.nl.DecodeScratch;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import io.ipvs4j.netlink.internal.nl.Nl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode and decode rates of the IPVS codec, and bytes allocated per operation
 * ({@code -prof gc}). Encoding writes into one reused direct buffer; the target is 0 B/op.
 *
 * <p>Run: {@code java -cp <classpath> org.openjdk.jmh.Main CodecBenchmark -prof gc} (see BENCHMARKS.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    // A NEW_DEST reply and a NEW_SERVICE reply as the kernel sent them (fixtures 13-list), one message each.
    private static final String DEST_REPLY = "64010000210002009b43066b53024012050100005001020014000100c6336404000000000000000000000000060002001f9000000800030000000000080004000200000005000d000000000006000e000000000006000f00000000000800050000000000080006000000000008000700010000000800080000000000080009000000000006000b00020000005c000a000800010001000000080002000100000008000300000000000c0004003c000000000000000c0005000000000000000000080006000000000008000700000000000800080000000000080009000700000008000a00000000007c000c000c00010001000000000000000c00020001000000000000000c00030000000000000000000c0004003c000000000000000c00050000000000000000000c00060000000000000000000c00070000000000000000000c00080000000000000000000c00090007000000000000000c000a000000000000000000";

    private MessageWriter writer;
    private Change.AddRealServer addRealServer;
    private Change.AddService addService;
    private ByteBuffer destReply;
    private DecodeScratch scratch;
    private int destEnd;

    @Setup
    public void setup() {
        writer = new MessageWriter(64 << 10);
        ServiceKey key = ServiceKey.tcp("192.0.2.100", 80);
        addService = new Change.AddService(VirtualService.builder(key).scheduler(Scheduler.RR).build());
        addRealServer = new Change.AddRealServer(key, RealServer.builder(Endpoint.of("198.51.100.3", 80))
                .forwarding(ForwardingMethod.DIRECT_ROUTE).weight(1).build());
        byte[] bytes = HexFormat.of().parseHex(DEST_REPLY);
        destReply = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
        destReply.put(bytes).flip();
        destEnd = destReply.getInt(0);
        scratch = new DecodeScratch();
    }

    @Benchmark
    public int encodeAddRealServer() {
        MessageWriter w = writer;
        w.clear();
        int start = IpvsCodec.begin(w, 0x21, IpvsCodec.command(addRealServer), Nl.NLM_F_ACK, 1);
        IpvsCodec.encodeChange(w, addRealServer);
        w.endMessage(start);
        return w.size();
    }

    @Benchmark
    public int encodeAddService() {
        MessageWriter w = writer;
        w.clear();
        int start = IpvsCodec.begin(w, 0x21, IpvsCodec.command(addService), Nl.NLM_F_ACK, 1);
        IpvsCodec.encodeChange(w, addService);
        w.endMessage(start);
        return w.size();
    }

    /** As a listing decodes: with the connection's reusable cursors and address cache. */
    @Benchmark
    public RealServerStatus decodeRealServer() throws Exception {
        return IpvsCodec.decodeDest(destReply, Nl.NLMSG_HDRLEN, destEnd, AddressFamily.INET, scratch);
    }
}
