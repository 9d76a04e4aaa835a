/**
 * ipvs4j over netlink: {@link io.ipvs4j.netlink.IpvsNetlink#open()} gives an
 * {@link io.ipvs4j.Ipvs} that programs the kernel's IPVS over generic netlink, and
 * {@link io.ipvs4j.netlink.HostNetwork} gives the host helpers (rtnetlink interface addresses,
 * IPVS and ARP sysctls), {@link io.ipvs4j.netlink.IcmpPinger} asynchronous ICMP echo for
 * health checks. Only {@code io.ipvs4j.netlink} is exported; the transport, codecs and
 * native bindings stay internal.
 *
 * <p>A consumer on the module path needs nothing but {@code requires io.ipvs4j.netlink;}:
 * <ul>
 *   <li>{@code io.ipvs4j.core} is required transitively (the API's types live there);</li>
 *   <li>jnr-ffi is an automatic module ({@code org.jnrproject.ffi}, named in its manifest) and
 *       declares no dependencies of its own, so this module requires for it what it needs at
 *       run time: ASM ({@code org.objectweb.asm}, for the classes it generates),
 *       {@code java.logging} and {@code jdk.unsupported} (jffi uses {@code sun.misc.Unsafe}).
 *       jffi and jnr's assemblers, automatic modules too, are resolved with it.</li>
 * </ul>
 * On JDK 22 and later a launcher grants native access to jffi, which loads the native
 * library: {@code --enable-native-access=org.jnrproject.jffi} on the module path
 * ({@code ALL-UNNAMED} on the class path); see the README.
 */
@SuppressWarnings({"requires-automatic"})
module io.ipvs4j.netlink {
    requires transitive io.ipvs4j.core;
    requires org.slf4j;
    requires org.jnrproject.ffi;
    // Needed by jnr-ffi at run time, which (automatic) cannot say so itself.
    requires org.objectweb.asm;
    requires java.logging;
    requires jdk.unsupported;

    exports io.ipvs4j.netlink;
    // jnr-ffi implements the libc bindings (internal.sys.ffi.LibC) with a class it generates into
    // the unnamed module of a class loader of its own, which must be able to access the
    // interface. A qualified export cannot name an unnamed module, so the package that holds
    // them alone is open: accessible at run time, no compile-time API (javac and javadoc see
    // only io.ipvs4j.netlink), and nothing else internal is reachable.
    opens io.ipvs4j.netlink.internal.sys.ffi;
}
