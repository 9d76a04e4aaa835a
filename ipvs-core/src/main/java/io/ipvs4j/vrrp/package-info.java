/**
 * A VRRP speaker (v2 RFC 3768 and v3 RFC 5798 / RFC 9568, IPv4 and IPv6) that interoperates
 * with keepalived and can be embedded without keepalived.conf: {@link io.ipvs4j.vrrp.VrrpInstanceConfig}
 * (keepalived's {@code vrrp_instance} keywords and defaults), {@link io.ipvs4j.vrrp.VrrpSpeaker}
 * and its {@link io.ipvs4j.vrrp.VrrpListener}, {@link io.ipvs4j.vrrp.Tracker}s with weights,
 * {@link io.ipvs4j.vrrp.VrrpSyncGroup}. The state machine ({@link io.ipvs4j.vrrp.VrrpRouter}) runs
 * on one {@link io.ipvs4j.vrrp.VrrpTimers} thread for all instances; the host side (raw sockets,
 * addresses, gratuitous ARP) is a {@link io.ipvs4j.vrrp.VrrpNetwork}, whose kernel implementation
 * is {@code io.ipvs4j.netlink.VrrpHost}.
 *
 * <pre>{@code
 * VrrpInstanceConfig vi1 = VrrpInstanceConfig.builder("VI_1", "eth0", 51)
 *         .priority(150).authPass("1111").virtualAddress("192.0.2.100/24").build();
 * try (VrrpScheduler scheduler = new VrrpScheduler();
 *      VrrpSpeaker speaker = VrrpHost.speaker(vi1, scheduler, NetlinkOptions.DEFAULT)) {
 *     speaker.addListener(t -> System.out.println(t));
 *     speaker.start();
 *     Thread.sleep(60_000);
 * }
 * }</pre>
 */
package io.ipvs4j.vrrp;
