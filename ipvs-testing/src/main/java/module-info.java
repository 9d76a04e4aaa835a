/**
 * ipvs4j's test doubles ({@code io.ipvs4j.testing}): {@link io.ipvs4j.testing.InMemoryIpvs}, an
 * {@link io.ipvs4j.Ipvs} with the kernel's semantics, {@link io.ipvs4j.testing.InMemoryInterfaceAddresses}
 * and {@link io.ipvs4j.testing.InMemoryHostSysctls}, fakes of the host helpers, and
 * {@link io.ipvs4j.testing.IpvsContract}, the JUnit suite that the fake passes on the host and
 * the netlink client passes against the kernel. Add it in test scope:
 *
 * <pre>{@code
 * <dependency><groupId>io.ipvs4j</groupId><artifactId>ipvs-testing</artifactId><scope>test</scope></dependency>
 * }</pre>
 *
 * <p>JUnit Jupiter is needed only by {@code IpvsContract} and is therefore optional
 * ({@code requires static}): the fakes work with any test framework.
 */
module io.ipvs4j.testing {
    requires transitive io.ipvs4j.core;
    requires static org.junit.jupiter.api;

    exports io.ipvs4j.testing;
}
