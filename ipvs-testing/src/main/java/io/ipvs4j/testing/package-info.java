/**
 * Test doubles for code that uses ipvs4j, without root or a kernel:
 * {@link io.ipvs4j.testing.InMemoryIpvs} behaves like the kernel's IPVS and throws the same
 * typed exceptions; {@link io.ipvs4j.testing.InMemoryInterfaceAddresses} and
 * {@link io.ipvs4j.testing.InMemoryHostSysctls} do the same for the host helpers of
 * {@code io.ipvs4j.host}. {@link io.ipvs4j.testing.IpvsContract} is the JUnit suite that the
 * fake passes on the host and the netlink client passes against the kernel.
 *
 * <pre>{@code
 * InMemoryIpvs ipvs = new InMemoryIpvs();
 * new MyController(ipvs).reconcile();
 * assertEquals(2, ipvs.realServers(ServiceKey.tcp("192.0.2.100", 80)).size());
 * }</pre>
 */
package io.ipvs4j.testing;
