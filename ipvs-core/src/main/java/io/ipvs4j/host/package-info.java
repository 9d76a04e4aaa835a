/**
 * Director and real-server host helpers for LVS: interface addresses and VIP aliases
 * ({@link io.ipvs4j.host.InterfaceAddresses}, like {@code ip addr}), ARP and IPVS sysctls
 * ({@link io.ipvs4j.host.HostSysctls}, like {@code sysctl -w}), and the direct-routing recipes
 * that combine them ({@link io.ipvs4j.host.DirectRouting}). The kernel-facing implementations
 * live in {@code io.ipvs4j.netlink.HostNetwork}; each can be opened inside another network
 * namespace ({@code /run/netns/NAME}), which is how one process prepares several hosts.
 *
 * <pre>{@code
 * Path rs1 = NetlinkOptions.namedNamespace("rs1");
 * try (InterfaceAddresses addrs = HostNetwork.addresses(NetlinkOptions.builder().namespace(rs1).build())) {
 *     new DirectRouting(addrs, HostNetwork.sysctls(rs1)).prepareRealServer(InetAddresses.parse("192.0.2.100"));
 * }
 * }</pre>
 */
package io.ipvs4j.host;
