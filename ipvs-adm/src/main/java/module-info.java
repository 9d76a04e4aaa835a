/**
 * ipvs4j-adm, an ipvsadm work-alike on ipvs4j: {@code io.ipvs4j.adm.IpvsAdm} is its entry point.
 * It is an application, not a library (not installed or published); the module exists so that
 * it can also run on the module path ({@code java -p ... -m io.ipvs4j.adm/io.ipvs4j.adm.IpvsAdm}).
 * Its launcher keeps the class path.
 */
module io.ipvs4j.adm {
    requires io.ipvs4j.netlink;
    // CdsTraining runs the commands on InMemoryIpvs to build the class-data-sharing archive
    requires io.ipvs4j.testing;

    exports io.ipvs4j.adm;
}
