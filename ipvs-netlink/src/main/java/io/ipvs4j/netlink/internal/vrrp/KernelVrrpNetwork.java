package io.ipvs4j.netlink.internal.vrrp;

import io.ipvs4j.IpvsException;
import io.ipvs4j.NotFoundException;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.netlink.NetlinkOptions;
import io.ipvs4j.netlink.internal.nl.SyscallException;
import io.ipvs4j.netlink.internal.route.RtnetlinkClient;
import io.ipvs4j.netlink.internal.sys.Native;
import io.ipvs4j.netlink.internal.sys.NetNs;
import io.ipvs4j.netlink.internal.sys.Sock;
import io.ipvs4j.netlink.internal.sys.ffi.LibC;
import io.ipvs4j.vrrp.Tracker;
import io.ipvs4j.vrrp.VrrpInstanceConfig;
import io.ipvs4j.vrrp.VrrpNetwork;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel {@link VrrpNetwork}: per instance a raw IP protocol 112 receive socket (joined to
 * 224.0.0.18 / ff02::12 on the interface, SO_BINDTODEVICE), a send socket bound to the source
 * address (multicast TTL / hop limit 255, no loopback, TOS / traffic class 0xc0 as keepalived)
 * and an announcement socket (AF_PACKET for gratuitous ARP, ICMPv6 for neighbour
 * advertisements); the virtual addresses through rtnetlink; one receive thread polls every
 * socket of the network, one thread polls the tracked links. All sockets are created in the
 * options' network namespace.
 */
public final class KernelVrrpNetwork implements VrrpNetwork {
    private static final Logger LOG = LoggerFactory.getLogger(KernelVrrpNetwork.class);
    private static final int POLL_MILLIS = 100;
    private static final long LINK_POLL_MILLIS = 100;
    private static final int MAX_DATAGRAM = 2048;

    private final Optional<Path> namespace;
    private final InterfaceAddresses addresses;
    private final List<KernelEndpoint> endpoints = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<KernelEndpoint> closing = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService linkPoller;
    private final Thread receiver;
    private volatile boolean closed;

    private KernelVrrpNetwork(NetlinkOptions options, InterfaceAddresses addresses) {
        this.namespace = options.namespace();
        this.addresses = addresses;
        this.linkPoller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ipvs4j-vrrp-links");
            t.setDaemon(true);
            return t;
        });
        this.receiver = new Thread(this::receiveLoop, "ipvs4j-vrrp-receive");
        receiver.setDaemon(true);
        receiver.start();
    }

    public static KernelVrrpNetwork open(NetlinkOptions options) throws IpvsException {
        return new KernelVrrpNetwork(options, RtnetlinkClient.open(options));
    }

    @Override
    public Endpoint open(VrrpInstanceConfig config, Consumer<ReceivedAdvert> onAdvert) throws IOException, IpvsException {
        if (closed) {
            throw new IllegalStateException("VRRP network is closed");
        }
        String ifname = config.interfaceName();
        InetAddress source = config.sourceAddress().isPresent() ? config.sourceAddress().get() : primaryAddress(config);
        boolean v6 = config.isIpv6();
        int[] fds;
        try {
            fds = inNamespace(() -> {
                int rx = -1, tx = -1, ann = -1;
                try {
                    rx = Sock.socket(v6 ? Native.AF_INET6 : Native.AF_INET, Native.SOCK_RAW, Native.IPPROTO_VRRP, "raw VRRP receive");
                    tx = Sock.socket(v6 ? Native.AF_INET6 : Native.AF_INET, Native.SOCK_RAW, Native.IPPROTO_VRRP, "raw VRRP send");
                    ann = v6 ? Sock.socket(Native.AF_INET6, Native.SOCK_RAW, Native.IPPROTO_ICMPV6, "raw ICMPv6")
                            : Sock.socket(Native.AF_PACKET, Native.SOCK_RAW, 0, "AF_PACKET");
                    int ifindex = Sock.ifindex(rx, ifname);
                    return new int[] {rx, tx, ann, ifindex};
                } catch (SyscallException e) {
                    Sock.close(rx);
                    Sock.close(tx);
                    Sock.close(ann);
                    throw e;
                }
            });
        } catch (SyscallException e) {
            throw new SyscallException("(" + config.name() + ") on " + ifname + ": " + e.call(), e.errno());
        }
        KernelEndpoint endpoint = new KernelEndpoint(this, config, source, fds[0], fds[1], fds[2], fds[3], onAdvert);
        try {
            endpoint.configure();
        } catch (SyscallException | RuntimeException e) {
            endpoint.closeSockets();
            throw e;
        }
        endpoints.add(endpoint);
        return endpoint;
    }

    private InetAddress primaryAddress(VrrpInstanceConfig config) throws IpvsException, IOException {
        Set<InetAddress> vips = config.virtualAddresses().stream().map(InterfaceAddress::address).collect(Collectors.toSet());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (true) {
            for (InterfaceAddress a : addresses.addresses(config.interfaceName())) {
                InetAddress ip = a.address();
                if (vips.contains(ip)) {
                    continue;
                }
                if (!config.isIpv6() && ip instanceof Inet4Address) {
                    return ip;
                }
                if (config.isIpv6() && ip instanceof Inet6Address i6 && i6.isLinkLocalAddress()) {
                    return ip;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("(" + config.name() + ") interface " + config.interfaceName() + " has no "
                        + (config.isIpv6() ? "IPv6 link-local" : "IPv4") + " address to send adverts from; set the source address");
            }
            try {
                Thread.sleep(50);   // an IPv6 link-local address appears shortly after the link comes up
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    <T> T inNamespace(NetNs.Action<T> action) throws SyscallException {
        return namespace.isPresent() ? NetNs.callIn(namespace.get(), action) : action.run();
    }

    InterfaceAddresses addresses() {
        return addresses;
    }

    void closing(KernelEndpoint endpoint) {
        if (endpoints.remove(endpoint)) {
            closing.add(endpoint);
        }
        if (closed || Thread.currentThread() == receiver) {
            drainClosing();
        }
    }

    private void drainClosing() {
        KernelEndpoint e;
        while ((e = closing.poll()) != null) {
            e.closeSockets();
        }
    }

    @Override
    public Tracker linkTracker(String interfaceName) throws IpvsException {
        LinkTracker t = new LinkTracker(interfaceName, linkUp(interfaceName));
        linkPoller.scheduleWithFixedDelay(() -> {
            try {
                t.update(linkUp(interfaceName));
            } catch (IpvsException | RuntimeException e) {
                LOG.warn("cannot read link {}: {}", interfaceName, e.getMessage());
            }
        }, LINK_POLL_MILLIS, LINK_POLL_MILLIS, TimeUnit.MILLISECONDS);
        return t;
    }

    private boolean linkUp(String interfaceName) throws IpvsException {
        try {
            return addresses.link(interfaceName).up();
        } catch (NotFoundException e) {
            return false;
        }
    }

    private void receiveLoop() {
        LibC libc;
        try {
            libc = Native.libc();
        } catch (LinkageError e) {
            LOG.error("cannot load libc: {}", e.getMessage());
            return;
        }
        ByteBuffer pollfds = Sock.direct(8 * 64);
        long pollAddress = Sock.address(pollfds);
        ByteBuffer buffer = Sock.direct(MAX_DATAGRAM);
        ByteBuffer msg = Sock.direct(56 + 16 + Sock.SOCKADDR_IN6 + 128);
        while (!closed) {
            drainClosing();
            List<KernelEndpoint> list = new ArrayList<>(endpoints);
            if (list.size() > 64) {
                pollfds = Sock.direct(8 * list.size());
                pollAddress = Sock.address(pollfds);
            }
            for (int i = 0; i < list.size(); i++) {
                pollfds.putInt(8 * i, list.get(i).rxFd());
                pollfds.putShort(8 * i + 4, (short) Native.POLLIN);
                pollfds.putShort(8 * i + 6, (short) 0);
            }
            int n = libc.poll(pollAddress, list.size(), POLL_MILLIS);
            if (n <= 0) {
                continue;
            }
            for (int i = 0; i < list.size(); i++) {
                if ((pollfds.getShort(8 * i + 6) & Native.POLLIN) != 0) {
                    try {
                        list.get(i).receive(buffer, msg);
                    } catch (RuntimeException e) {
                        LOG.warn("VRRP receive failed: {}", e.toString());
                    }
                }
            }
        }
        drainClosing();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        linkPoller.shutdownNow();
        try {
            receiver.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (KernelEndpoint e : endpoints) {
            e.closeSockets();
        }
        endpoints.clear();
        drainClosing();
        addresses.close();
    }

    static String text(InetAddress a) {
        return InetAddresses.toText(a);
    }

    /** A link's administrative state, polled. */
    static final class LinkTracker implements Tracker {
        private final String name;
        private final List<Runnable> callbacks = new CopyOnWriteArrayList<>();
        private volatile boolean up;

        LinkTracker(String name, boolean up) {
            this.name = name;
            this.up = up;
        }

        void update(boolean nowUp) {
            if (nowUp != up) {
                up = nowUp;
                callbacks.forEach(Runnable::run);
            }
        }

        @Override
        public String name() {
            return "interface " + name;
        }

        @Override
        public boolean up() {
            return up;
        }

        @Override
        public void addChangeCallback(Runnable onChange) {
            callbacks.add(onChange);
        }
    }
}
