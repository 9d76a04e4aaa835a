/**
 * The ipvs4j client API: {@link io.ipvs4j.Ipvs}, the operations it performs
 * ({@link io.ipvs4j.Operation}) and the checked exceptions it throws, named by meaning
 * ({@link io.ipvs4j.ServiceNotFoundException}, {@link io.ipvs4j.AlreadyExistsException}, ...)
 * and produced from kernel errnos by {@link io.ipvs4j.IpvsErrors}.
 *
 * <pre>{@code
 * try (Ipvs ipvs = IpvsNetlink.open()) {
 *     ipvs.addService(VirtualService.of(ServiceKey.tcp("192.0.2.100", 80), Scheduler.RR));
 * } catch (AlreadyExistsException e) {
 *     // ipvsadm -A says "Service already exists"
 * }
 * }</pre>
 */
package io.ipvs4j;
