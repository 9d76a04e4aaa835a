package io.ipvs4j.netlink;

import io.ipvs4j.IpvsException;
import io.ipvs4j.netlink.internal.vrrp.KernelVrrpNetwork;
import io.ipvs4j.vrrp.VrrpInstanceConfig;
import io.ipvs4j.vrrp.VrrpListener;
import io.ipvs4j.vrrp.VrrpNetwork;
import io.ipvs4j.vrrp.VrrpRouter;
import io.ipvs4j.vrrp.VrrpSpeaker;
import io.ipvs4j.vrrp.VrrpState;
import io.ipvs4j.vrrp.VrrpStats;
import io.ipvs4j.vrrp.VrrpTimers;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Entry point for VRRP on this host (or in a network namespace): raw IP protocol 112 sockets,
 * gratuitous ARP / unsolicited neighbour advertisements, the virtual addresses over rtnetlink.
 *
 * <pre>{@code
 * VrrpInstanceConfig vi1 = VrrpInstanceConfig.builder("VI_1", "eth0", 51)
 *         .priority(150).authPass("1111")
 *         .virtualAddress(InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1"))
 *         .build();
 * try (VrrpScheduler scheduler = new VrrpScheduler();
 *      VrrpSpeaker speaker = VrrpHost.speaker(vi1, scheduler, NetlinkOptions.DEFAULT)) {
 *     speaker.addListener(t -> log.info("VRRP {}", t));
 *     speaker.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Needs CAP_NET_RAW (sockets) and CAP_NET_ADMIN (addresses) in the namespace.
 */
public final class VrrpHost {
    private VrrpHost() {}

    /**
     * The host side for any number of speakers in the namespace of {@code options} (one receive
     * thread, one link-polling thread, one rtnetlink socket); share it with
     * {@link VrrpRouter#create(VrrpInstanceConfig, VrrpNetwork, VrrpTimers)}, close it after them.
     *
     * @param options the network namespace and netlink settings
     * @return the host network; the caller closes it
     * @throws IpvsException if the rtnetlink socket or the namespace cannot be opened
     */
    public static VrrpNetwork network(NetlinkOptions options) throws IpvsException {
        return KernelVrrpNetwork.open(options);
    }

    /**
     * One speaker with a network of its own (closed with it), in the namespace of
     * {@code options}; call {@link VrrpSpeaker#start()} to start it.
     *
     * @param config the instance to run
     * @param timers the clock and thread the speaker runs on, e.g. a {@code VrrpScheduler}
     * @param options the network namespace and netlink settings
     * @return the speaker, not started; closing it closes its network
     * @throws IpvsException if the interface or the namespace cannot be read or opened
     * @throws IOException if a socket cannot be opened or configured (names the call and errno)
     */
    public static VrrpSpeaker speaker(VrrpInstanceConfig config, VrrpTimers timers, NetlinkOptions options)
            throws IpvsException, IOException {
        VrrpNetwork network = network(options);
        try {
            return new OwningSpeaker(VrrpRouter.create(config, network, timers), network);
        } catch (IOException | RuntimeException e) {
            network.close();
            throw e;
        }
    }

    private record OwningSpeaker(VrrpRouter router, VrrpNetwork network) implements VrrpSpeaker {
        @Override
        public VrrpInstanceConfig config() {
            return router.config();
        }

        @Override
        public VrrpState state() {
            return router.state();
        }

        @Override
        public int effectivePriority() {
            return router.effectivePriority();
        }

        @Override
        public Optional<InetAddress> masterAddress() {
            return router.masterAddress();
        }

        @Override
        public VrrpStats stats() {
            return router.stats();
        }

        @Override
        public void addListener(VrrpListener listener) {
            router.addListener(listener);
        }

        @Override
        public void start() {
            router.start();
        }

        @Override
        public void close() {
            try {
                router.close();
            } finally {
                network.close();
            }
        }
    }
}
