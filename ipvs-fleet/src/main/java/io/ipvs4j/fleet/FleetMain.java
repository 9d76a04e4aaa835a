package io.ipvs4j.fleet;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.director.fleet.FleetHost;
import io.ipvs4j.host.HostSysctls;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.netlink.HostNetwork;
import io.ipvs4j.netlink.LivenessDevice;
import io.ipvs4j.director.fleet.FleetApplier;
import io.ipvs4j.director.fleet.FleetHealth;
import io.ipvs4j.director.fleet.FleetState;
import io.ipvs4j.director.fleet.FleetStateException;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The fleet program: runs a director from etcd, or reads and writes the desired state.
 *
 * <pre>
 * ipvs4j-fleet [--endpoints URL,...] [--prefix /ipvs4j/fleet/] run --name d1
 *     [--vip-interface ipvs4j-vip|none]
 *     [--bird-include /run/ipvs4j/bird-vips.conf [--birdc 'birdc -s /run/bird/bird.ctl']
 *      [--liveness-interface ipvs4j-live|none]]
 * ipvs4j-fleet put services/web 'address=192.0.2.100 port=80 scheduler=mh flags=mh-fallback'
 * ipvs4j-fleet put servers/web/198.51.100.3:80 'weight=5'
 * ipvs4j-fleet put services/web '...' servers/web/198.51.100.3:80 'weight=5'   (several keys: one transaction)
 * ipvs4j-fleet get [SUBKEY]        (lists keys under the prefix, or under prefix+SUBKEY)
 * ipvs4j-fleet del SUBKEY
 * ipvs4j-fleet check               (parses the whole state as a director would; exit 1 if refused)
 * </pre>
 *
 * {@code --timeout} bounds each etcd request in seconds (default 10; for run: its reads, lease
 * grants and publishing, each retried every second while it fails;
 * the first request of a JVM also pays for loading the gRPC client, which takes longer than that
 * on a slow or loaded machine, e.g. a TCG VM starting several JVMs at once).
 * {@code run} prepares its own host ({@link FleetHost}): {@code sloppy_tcp}/{@code sloppy_sctp}
 * on, and every service's VIP on the dummy interface {@code --vip-interface} with the DR ARP
 * policy ({@code none}: the operator holds the VIPs and sets the sysctls). With BIRD it also
 * holds a {@link LivenessDevice} ({@code --liveness-interface}, default {@code ipvs4j-live})
 * and announces the VIPs as routes through it, so that BIRD withdraws them by itself when the
 * director's process dies ({@code none}: blackhole routes, withdrawn only by a director that
 * shuts down cleanly). The operator's bird.conf must include the file, and the file must exist
 * when BIRD first reads its configuration (e.g. with two empty protocols
 * {@code protocol static ipvs4j_vips { ipv4; }} and {@code protocol static ipvs4j_vips6 { ipv6; }}).
 * Keys are given relative to the prefix. {@code put} checks the new state (the whole prefix
 * with the new values) before writing them in one transaction, so a bad value is refused with
 * the key and field named and nothing is written. Exit codes: 0 done, 1 refused or failed,
 * 2 usage.
 */
public final class FleetMain {
    private FleetMain() {
    }

    /**
     * Runs the program.
     *
     * @param args the command line (see the class comment)
     * @throws Exception never on purpose: errors are printed and exit
     */
    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        String endpoints = "http://127.0.0.1:2379";
        String prefix = "/ipvs4j/fleet/";
        String name = null;
        String namespace = null;
        String birdInclude = null;
        String birdc = "birdc";
        String vipInterface = FleetHost.DEFAULT_VIP_INTERFACE;
        String livenessInterface = "ipvs4j-live";
        long timeout = 10;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--endpoints" -> endpoints = value(args, ++i);
                case "--prefix" -> prefix = value(args, ++i);
                case "--name" -> name = value(args, ++i);
                case "--netns" -> namespace = value(args, ++i);
                case "--bird-include" -> birdInclude = value(args, ++i);
                case "--birdc" -> birdc = value(args, ++i);
                case "--vip-interface" -> vipInterface = value(args, ++i);
                case "--liveness-interface" -> livenessInterface = value(args, ++i);
                case "--timeout" -> timeout = Long.parseLong(value(args, ++i));
                default -> rest.add(args[i]);
            }
        }
        if (rest.isEmpty() || !prefix.endsWith("/")) {
            err.println("usage: ipvs4j-fleet [--endpoints URL,...] [--prefix P/] [--timeout S] run --name NAME"
                    + " | put KEY VALUE [KEY VALUE ...] | get [KEY] | del KEY | check");
            return 2;
        }
        try (Client etcd = Client.builder().endpoints(endpoints.split(",")).build()) {
            switch (rest.get(0)) {
                case "run" -> {
                    if (name == null) {
                        err.println("run needs --name");
                        return 2;
                    }
                    Optional<String> live = birdInclude == null || livenessInterface.equals("none") ? Optional.empty()
                            : Optional.of(livenessInterface);
                    BirdAnnouncer bird = birdInclude == null ? null
                            : new BirdAnnouncer(java.nio.file.Path.of(birdInclude), List.of(birdc.split(" ")), name, live);
                    Optional<String> vips = vipInterface.equals("none") ? Optional.empty() : Optional.of(vipInterface);
                    return runDirector(etcd, prefix, name, namespace, vips, live, bird, Duration.ofSeconds(timeout), err);
                }
                case "put" -> {
                    if (rest.size() < 3 || rest.size() % 2 == 0) {
                        err.println("usage: put KEY VALUE [KEY VALUE ...]");
                        return 2;
                    }
                    Map<String, String> all = getAll(etcd, prefix, timeout);
                    List<Op> puts = new ArrayList<>();
                    for (int k = 1; k < rest.size(); k += 2) {
                        all.put(prefix + rest.get(k), rest.get(k + 1));
                        puts.add(Op.put(bytes(prefix + rest.get(k)), bytes(rest.get(k + 1)), PutOption.DEFAULT));
                    }
                    try {
                        FleetState.parse(prefix, all);
                    } catch (FleetStateException e) {
                        err.println("refused: " + e.getMessage());
                        return 1;
                    }
                    // one transaction, so one revision: a service and its real servers reach the
                    // directors together (never a service without servers in between), and a
                    // refused state is never half written
                    etcd.getKVClient().txn().Then(puts.toArray(new Op[0])).commit().get(timeout, TimeUnit.SECONDS);
                    return 0;
                }
                case "del" -> {
                    if (rest.size() != 2) {
                        err.println("usage: del KEY");
                        return 2;
                    }
                    long n = etcd.getKVClient().delete(bytes(prefix + rest.get(1))).get(timeout, TimeUnit.SECONDS).getDeleted();
                    out.println(n);
                    return n == 1 ? 0 : 1;
                }
                case "get" -> {
                    String sub = prefix + (rest.size() > 1 ? rest.get(1) : "");
                    new java.util.TreeMap<>(getAll(etcd, sub, timeout)).forEach((k, v) -> out.println(k + "\t" + v));
                    return 0;
                }
                case "check" -> {
                    try {
                        FleetState s = FleetState.parse(prefix, getAll(etcd, prefix, timeout));
                        out.println(s.services().size() + " services");
                        return 0;
                    } catch (FleetStateException e) {
                        err.println("refused: " + e.getMessage());
                        return 1;
                    }
                }
                default -> {
                    err.println("unknown command " + rest.get(0));
                    return 2;
                }
            }
        }
    }

    private static int runDirector(Client etcd, String prefix, String name, String namespace, Optional<String> vipInterface,
            Optional<String> livenessInterface, BirdAnnouncer bird, Duration timeout, PrintStream err) throws Exception {
        NetlinkOptions options = namespace == null ? NetlinkOptions.DEFAULT
                : NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(namespace)).build();
        HostSysctls sysctls = options.namespace().map(HostNetwork::sysctls).orElseGet(HostNetwork::sysctls);
        try (Ipvs ipvs = IpvsNetlink.open(options);
             InterfaceAddresses addresses = HostNetwork.addresses(options);
             LivenessDevice live = livenessInterface.isEmpty() ? null : LivenessDevice.hold(livenessInterface.get(), options)) {
            FleetHost host = vipInterface.isEmpty() ? null : new FleetHost(addresses, sysctls, vipInterface.get());
            if (host != null) {
                List<String> changed = host.prepare();
                err.println("fleet director " + name + " host: " + (changed.isEmpty() ? "ready" : String.join(", ", changed)));
            }
            FleetSync sync = new FleetSync(prefix, new FleetApplier(ipvs));
            CountDownLatch stop = new CountDownLatch(1);
            try (EtcdFleetDirector director = new EtcdFleetDirector(etcd, prefix, name, sync,
                    Duration.ofSeconds(1), Duration.ofSeconds(5), timeout)) {
                director.onState((state, healthy) -> {
                    // the VIPs local first: a route must never attract traffic that IPVS would not take
                    boolean vipsHeld = true;
                    if (host != null) {
                        try {
                            host.holdVips(state).forEach(c -> err.println("fleet director " + name + " host: " + c));
                        } catch (IpvsException e) {
                            vipsHeld = false;
                            err.println("fleet director " + name + ": VIP interface: " + e.getMessage());
                        }
                    }
                    if (bird != null) {
                        try {
                            if (bird.announce(BirdAnnouncer.announceable(state, healthy && vipsHeld))) {
                                err.println("fleet director " + name + " announces " + bird.announced());
                            }
                        } catch (java.io.IOException e) {
                            err.println("fleet director " + name + ": BIRD: " + e.getMessage());
                        }
                    }
                });
                CountDownLatch done = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    stop.countDown();
                    try {
                        done.await(5, TimeUnit.SECONDS);   // until the director closed (VIPs withdrawn)
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                director.start();
                // ---- health checks (check= fields of the services): started after the director,
                // closed before it, so that no transition reaches a closing director
                try (FleetHealth health = new FleetHealth((id, old, now) -> director.healthChanged())) {
                    director.checkHealth(health);
                    // ---- end of health checks
                    err.println("fleet director " + name + " watching " + prefix
                            + livenessInterface.map(l -> ", alive as interface " + l).orElse(""));
                    stop.await();
                }
                director.close();
                done.countDown();
            }
        }
        return 0;
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException("option " + args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static Map<String, String> getAll(Client etcd, String prefix, long timeout) throws Exception {
        Map<String, String> all = new HashMap<>();
        for (KeyValue kv : etcd.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build())
                .get(timeout, TimeUnit.SECONDS).getKvs()) {
            all.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8));
        }
        return all;
    }
}
