package io.ipvs4j.netlink;

import io.ipvs4j.IpvsException;
import io.ipvs4j.host.HostSysctls;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.netlink.internal.route.RtnetlinkClient;
import io.ipvs4j.netlink.internal.sysctl.ProcSysctls;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Entry point for the host helpers of {@code io.ipvs4j.host}: interface addresses over
 * rtnetlink and sysctls under {@code /proc/sys}, in the caller's network namespace or in
 * another one, without moving the calling thread or the rest of the JVM.
 *
 * <pre>{@code
 * // the director: ip addr add 192.0.2.100/24 dev eth0 label eth0:1
 * try (InterfaceAddresses addrs = HostNetwork.addresses()) {
 *     addrs.ensurePresent(InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1"));
 * }
 * // a real server in namespace rs1 (ip netns exec rs1 ...)
 * Path rs1 = NetlinkOptions.namedNamespace("rs1");
 * try (InterfaceAddresses addrs = HostNetwork.addresses(NetlinkOptions.builder().namespace(rs1).build())) {
 *     new DirectRouting(addrs, HostNetwork.sysctls(rs1)).prepareRealServer(InetAddresses.parse("192.0.2.100"));
 * }
 * }</pre>
 */
public final class HostNetwork {
    private HostNetwork() {}

    /**
     * {@return an rtnetlink address client in the calling thread's network namespace}
     *
     * @throws IpvsException if the netlink socket cannot be opened (for example libc cannot be loaded)
     */
    public static InterfaceAddresses addresses() throws IpvsException {
        return RtnetlinkClient.open(NetlinkOptions.DEFAULT);
    }

    /**
     * An rtnetlink address client with {@code options}: with {@link NetlinkOptions#namespace()}
     * set, the socket is created in that namespace on a short-lived thread after {@code setns}
     * and stays bound to it.
     *
     * @param options the socket's settings and namespace
     * @return the client; close it when done
     * @throws IpvsException if the namespace cannot be joined or the socket cannot be opened
     */
    public static InterfaceAddresses addresses(NetlinkOptions options) throws IpvsException {
        return RtnetlinkClient.open(options);
    }

    /** {@return sysctls of the calling thread's network namespace ({@code /proc/sys})} */
    public static HostSysctls sysctls() {
        return new ProcSysctls(ProcSysctls.PROC_SYS, Optional.empty());
    }

    /**
     * Sysctls of the network namespace {@code namespace} (e.g.
     * {@link NetlinkOptions#namedNamespace(String)}, {@link NetlinkOptions#processNamespace(long)}).
     * {@code /proc/sys/net} shows the namespace of the thread that opens a file, so every access
     * runs on a short-lived thread that has joined the namespace; equivalent to
     * {@code ip netns exec NAME sysctl ...}.
     *
     * @param namespace a {@code /run/netns/NAME} or {@code /proc/PID/ns/net} path
     * @return the sysctls of that namespace
     */
    public static HostSysctls sysctls(Path namespace) {
        return new ProcSysctls(ProcSysctls.PROC_SYS, Optional.of(Objects.requireNonNull(namespace, "namespace")));
    }
}
