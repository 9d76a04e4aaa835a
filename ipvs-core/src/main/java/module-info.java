/**
 * ipvs4j core: the typed IPVS model ({@code io.ipvs4j.model}), the client API and its
 * exceptions ({@code io.ipvs4j}), an in-memory fake for users' tests
 * ({@code io.ipvs4j.testing}), and the director/real-server host helpers
 * ({@code io.ipvs4j.host}: interface addresses, ARP and IPVS sysctls, DR recipes). No native
 * code and no dependencies: an implementation that talks to the kernel lives in
 * {@code io.ipvs4j.netlink}.
 */
module io.ipvs4j.core {
    exports io.ipvs4j;
    exports io.ipvs4j.model;
    exports io.ipvs4j.ipvsadm;
    exports io.ipvs4j.host;
    exports io.ipvs4j.testing;
    exports io.ipvs4j.vrrp;
}
