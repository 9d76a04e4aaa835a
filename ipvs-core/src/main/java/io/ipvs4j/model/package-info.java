/**
 * Immutable, validated values describing IPVS state: identity ({@link io.ipvs4j.model.ServiceKey},
 * {@link io.ipvs4j.model.Endpoint}), configuration ({@link io.ipvs4j.model.VirtualService},
 * {@link io.ipvs4j.model.RealServer}, {@link io.ipvs4j.model.SyncDaemon},
 * {@link io.ipvs4j.model.Timeouts}) and observed state ({@link io.ipvs4j.model.ServiceStatus},
 * {@link io.ipvs4j.model.RealServerStatus}, {@link io.ipvs4j.model.Stats}).
 *
 * <p>Every constructor and builder rejects bad input with an {@link java.lang.IllegalArgumentException}
 * whose message names the field and the value ("port must be 0..65535, was 70000"). The rules
 * are those of ipvsadm and the kernel (include/uapi/linux/ip_vs.h, net/netfilter/ipvs/ip_vs_ctl.c),
 * including the ones the kernel itself does not enforce. Nothing here does I/O or DNS.
 *
 * <pre>{@code
 * VirtualService web = VirtualService.builder(ServiceKey.tcp("192.0.2.100", 80))
 *         .scheduler(Scheduler.RR).build();
 * RealServer rs = RealServer.builder(Endpoint.of("198.51.100.3", 80)).weight(5).build();
 * }</pre>
 */
package io.ipvs4j.model;
