/**
 * ipvs4j core: the typed IPVS model ({@code io.ipvs4j.model}), the client API and its
 * exceptions ({@code io.ipvs4j}), and the director/real-server host helpers
 * ({@code io.ipvs4j.host}: interface addresses, ARP and IPVS sysctls, DR recipes). No native
 * code and no dependencies: an implementation that talks to the kernel lives in
 * {@code io.ipvs4j.netlink}; the in-memory fakes for users' tests are in {@code io.ipvs4j.testing}
 * (artifact {@code ipvs-testing}).
 */
module io.ipvs4j.core {
    exports io.ipvs4j;
    exports io.ipvs4j.model;
    exports io.ipvs4j.ipvsadm;
    exports io.ipvs4j.host;
    exports io.ipvs4j.vrrp;
}
