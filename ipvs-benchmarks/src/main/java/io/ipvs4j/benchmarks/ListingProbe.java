package io.ipvs4j.benchmarks;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.Ipvs;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.util.Arrays;
import java.util.Locale;

/** Experiment: snapshot time by receive datagram size. Args: services perService rounds sizes... */
public final class ListingProbe {
    public static void main(String[] args) throws Exception {
        int services = Integer.parseInt(args[0]);
        int per = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int[] sizes = Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray();
        String ns = "probe" + ProcessHandle.current().pid();
        new ProcessBuilder("sh", "-c", "ip netns add " + ns + " && ip -n " + ns + " link set lo up").inheritIO().start().waitFor();
        NetlinkOptions o = NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(ns)).listingParallelism(1).build();
        Ipvs[] clients = new Ipvs[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            System.setProperty("ipvs4j.netlink.datagramBytes", Integer.toString(sizes[i]));
            clients[i] = IpvsNetlink.open(o);
        }
        Batch.Builder b = Batch.builder();
        for (int s = 0; s < services; s++) {
            ServiceKey key = ServiceKey.tcp("192.0.2.100", 10000 + s);
            b.addService(VirtualService.builder(key).build());
            for (int r = 0; r < per; r++) {
                b.addRealServer(key, RealServer.builder(Endpoint.of("198.51.100." + (r + 1), 10000 + s))
                        .forwarding(ForwardingMethod.DIRECT_ROUTE).weight(1).build());
            }
        }
        clients[0].apply(b.build(), BatchOptions.builder().ackMode(BatchOptions.AckMode.LAST_OF_EACH_SEND).build()).throwIfFailed();
        for (int w = 0; w < 5; w++) {
            for (Ipvs c : clients) {
                c.snapshot();
            }
        }
        java.util.List<io.ipvs4j.Reconciler.DesiredService> desired = new java.util.ArrayList<>();
        for (io.ipvs4j.ServiceSnapshot snap : clients[0].snapshot()) {
            desired.add(new io.ipvs4j.Reconciler.DesiredService(snap.service().service(),
                    snap.realServers().stream().map(x -> x.realServer()).toList()));
        }
        for (int w = 0; w < 5; w++) {
            new io.ipvs4j.Reconciler(clients[0], io.ipvs4j.Reconciler.Options.DEFAULT).apply(desired);
        }
        double[] unchanged = new double[rounds];
        double[][] t = new double[sizes.length + 2][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < sizes.length; i++) {
                long t0 = System.nanoTime();
                int n = clients[i].snapshot().size();
                t[i][r] = (System.nanoTime() - t0) / 1e6;
                if (n != services) {
                    throw new IllegalStateException("listed " + n);
                }
            }
            long t1 = System.nanoTime();
            if (!new io.ipvs4j.Reconciler(clients[0], io.ipvs4j.Reconciler.Options.DEFAULT).apply(desired).changes().isEmpty()) {
                throw new IllegalStateException("not converged");
            }
            unchanged[r] = (System.nanoTime() - t1) / 1e6;
            long t0 = System.nanoTime();
            clients[0].services();
            t[sizes.length][r] = (System.nanoTime() - t0) / 1e6;
            t0 = System.nanoTime();
            new ProcessBuilder("sh", "-c", "ip netns exec " + ns + " ipvsadm -Ln > /dev/null").inheritIO().start().waitFor();
            t[sizes.length + 1][r] = (System.nanoTime() - t0) / 1e6;
        }
        for (int i = 0; i < t.length; i++) {
            String name = i < sizes.length ? "snapshot datagram " + sizes[i] : i == sizes.length ? "services() only" : "ipvsadm -Ln";
            double[] s = t[i].clone();
            Arrays.sort(s);
            System.out.printf(Locale.ROOT, "%-30s median %7.1f ms  min %7.1f%n", name, s[rounds / 2], s[0]);
        }
        Arrays.sort(unchanged);
        System.out.printf(Locale.ROOT, "%-30s median %7.1f ms  min %7.1f%n", "apply, nothing to change", unchanged[rounds / 2], unchanged[0]);
        new ProcessBuilder("sh", "-c", "ip netns del " + ns).inheritIO().start().waitFor();
    }
}
