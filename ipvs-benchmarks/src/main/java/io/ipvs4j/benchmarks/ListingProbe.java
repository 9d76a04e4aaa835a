package io.ipvs4j.benchmarks;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.Ipvs;
import io.ipvs4j.Reconciler;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The experiment behind the receive length per datagram (NativeNetlinkSocket): lists the same
 * table through one client per length, interleaved, next to {@code ipvsadm -Ln}. The kernel sizes
 * each dump chunk to the largest receive length a socket has used, so every client needs its own
 * socket. Run as root on a kernel with IPVS (the project's VM), in a namespace of its own.
 *
 * <p>Usage: {@code ListingProbe services realServersPerService rounds length...}, e.g.
 * {@code ListingProbe 1000 10 7 4096 8192 32768}. Prints the median and minimum per length,
 * the services dump alone, {@code ipvsadm -Ln}, and a dump-and-diff apply that has nothing to
 * change (the listing plus the diff).
 */
public final class ListingProbe {
    private static final String DATAGRAM_BYTES_PROPERTY = "ipvs4j.netlink.datagramBytes";

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: ListingProbe services realServersPerService rounds length...");
            System.exit(2);
        }
        int services = Integer.parseInt(args[0]);
        int perService = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int[] lengths = Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray();
        String namespace = "ipvs4j-probe-" + ProcessHandle.current().pid();
        sh("ip netns add " + namespace + " && ip -n " + namespace + " link set lo up");
        Ipvs[] clients = new Ipvs[lengths.length];
        try {
            NetlinkOptions options = NetlinkOptions.builder()
                    .namespace(NetlinkOptions.namedNamespace(namespace)).listingParallelism(1).build();
            for (int i = 0; i < lengths.length; i++) {
                System.setProperty(DATAGRAM_BYTES_PROPERTY, Integer.toString(lengths[i]));
                clients[i] = IpvsNetlink.open(options);
            }
            System.clearProperty(DATAGRAM_BYTES_PROPERTY);
            run(clients, lengths, services, perService, rounds, namespace);
        } finally {
            for (Ipvs c : clients) {
                if (c != null) {
                    c.close();
                }
            }
            sh("ip netns del " + namespace);
        }
    }

    private static void run(Ipvs[] clients, int[] lengths, int services, int perService, int rounds, String namespace)
            throws Exception {
        Batch.Builder b = Batch.builder();
        for (int s = 0; s < services; s++) {
            ServiceKey key = ServiceKey.tcp("192.0.2.100", 10000 + s);
            b.addService(VirtualService.builder(key).build());
            for (int r = 0; r < perService; r++) {
                b.addRealServer(key, RealServer.builder(Endpoint.of("198.51.100." + (r + 1), 10000 + s))
                        .forwarding(ForwardingMethod.DIRECT_ROUTE).weight(1).build());
            }
        }
        clients[0].apply(b.build(), BatchOptions.builder().ackMode(BatchOptions.AckMode.LAST_OF_EACH_SEND).build())
                .throwIfFailed();
        List<Reconciler.DesiredService> desired = new ArrayList<>();
        for (ServiceSnapshot snap : clients[0].snapshot()) {
            desired.add(new Reconciler.DesiredService(snap.service().service(),
                    snap.realServers().stream().map(RealServerStatus::realServer).toList()));
        }
        for (int w = 0; w < 5; w++) {
            for (Ipvs c : clients) {
                c.snapshot();
            }
            new Reconciler(clients[0], Reconciler.Options.DEFAULT).apply(desired);
        }
        String[] names = new String[lengths.length + 3];
        double[][] t = new double[names.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int step = 0; step < lengths.length; step++) {
                int i = (step + r) % lengths.length;   // rotate, so no length always goes first
                names[i] = "snapshot, " + lengths[i] + " B per datagram";
                System.gc();   // the previous step's garbage is not this one's to collect
                long t0 = System.nanoTime();
                int rows = clients[i].snapshot().stream().mapToInt(x -> 1 + x.realServers().size()).sum();
                t[i][r] = (System.nanoTime() - t0) / 1e6;
                if (rows != services * (1 + perService)) {
                    throw new IllegalStateException("snapshot listed " + rows + " rows");
                }
            }
            int k = lengths.length;
            names[k] = "services() only";
            System.gc();
            long t0 = System.nanoTime();
            clients[0].services();
            t[k][r] = (System.nanoTime() - t0) / 1e6;
            names[k + 1] = "ipvsadm -Ln (incl. process start)";
            t0 = System.nanoTime();
            sh("ip netns exec " + namespace + " ipvsadm -Ln > /dev/null");
            t[k + 1][r] = (System.nanoTime() - t0) / 1e6;
            names[k + 2] = "apply with nothing to change";
            System.gc();
            t0 = System.nanoTime();
            Reconciler.Result result = new Reconciler(clients[0], Reconciler.Options.DEFAULT).apply(desired);
            t[k + 2][r] = (System.nanoTime() - t0) / 1e6;
            if (!result.changes().isEmpty()) {
                throw new IllegalStateException("apply of the listed state changed " + result.changes().size());
            }
        }
        for (int i = 0; i < names.length; i++) {
            double[] sorted = t[i].clone();
            Arrays.sort(sorted);
            StringBuilder all = new StringBuilder();
            for (double x : t[i]) {
                all.append(String.format(Locale.ROOT, " %.0f", x));
            }
            System.out.printf(Locale.ROOT, "%-40s median %7.1f ms  min %7.1f ms  rounds%s%n",
                    names[i], sorted[rounds / 2], sorted[0], all);
        }
    }

    private static void sh(String command) throws Exception {
        int status = new ProcessBuilder("sh", "-c", command).inheritIO().start().waitFor();
        if (status != 0) {
            throw new IllegalStateException(command + ": exit status " + status);
        }
    }
}
