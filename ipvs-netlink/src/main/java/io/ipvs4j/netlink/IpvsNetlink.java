package io.ipvs4j.netlink;

import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.netlink.internal.ipvs.IpvsNetlinkClient;

/**
 * Entry point: opens an {@link Ipvs} client that talks to the kernel over generic netlink.
 *
 * <pre>{@code
 * try (Ipvs ipvs = IpvsNetlink.open()) {
 *     ServiceKey web = ServiceKey.tcp("192.0.2.100", 80);
 *     ipvs.addService(VirtualService.builder(web).scheduler(Scheduler.RR).build());
 *     ipvs.addRealServer(web, RealServer.builder(Endpoint.of("198.51.100.3", 80)).weight(1).build());
 * }
 * }</pre>
 *
 * <p>Equivalent to {@code ipvsadm -A -t 192.0.2.100:80 -s rr; ipvsadm -a -t 192.0.2.100:80 -r
 * 198.51.100.3:80 -g -w 1}. Needs CAP_NET_ADMIN in the initial user namespace.
 */
public final class IpvsNetlink {
    private IpvsNetlink() {}

    /**
     * Opens a client on the calling thread's network namespace.
     *
     * @return the client; close it when done
     * @throws io.ipvs4j.IpvsUnavailableException if the kernel has no "IPVS" generic-netlink
     *     family (module {@code ip_vs} not loaded) or libc cannot be loaded
     * @throws IpvsException if the socket cannot be opened for another reason
     */
    public static Ipvs open() throws IpvsException {
        return IpvsNetlinkClient.open(NetlinkOptions.DEFAULT);
    }

    /**
     * Opens a client with the given options (for example in another network namespace).
     *
     * @param options the socket's settings and namespace
     * @return the client; close it when done
     * @throws io.ipvs4j.IpvsUnavailableException if the kernel has no "IPVS" generic-netlink family
     * @throws IpvsException if the namespace cannot be joined or the socket cannot be opened
     */
    public static Ipvs open(NetlinkOptions options) throws IpvsException {
        return IpvsNetlinkClient.open(options);
    }
}
