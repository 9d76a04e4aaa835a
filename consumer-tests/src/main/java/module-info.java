/** A user's controller: nothing but {@code requires io.ipvs4j.netlink}. */
module org.example.webfarm {
    requires io.ipvs4j.netlink;
}
