package io.ipvs4j.vrrp;

import io.ipvs4j.IpvsException;
import io.ipvs4j.host.InterfaceAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a VRRP speaker needs from the host: sockets for adverts, the virtual addresses, the
 * announcements and link trackers. The kernel implementation is
 * {@code io.ipvs4j.netlink.VrrpHost.network(...)} (raw IP protocol 112 sockets, rtnetlink,
 * AF_PACKET); tests of the state machine use a fake.
 */
public interface VrrpNetwork extends AutoCloseable {

    /**
     * Opens the advert endpoint of {@code config}'s instance: joins the multicast group on its
     * interface (or prepares unicast to its peers) and delivers every advert received with TTL /
     * hop limit 255 to {@code receiver}, from a receive thread of the implementation. Adverts
     * with another TTL are counted by the endpoint ({@link Endpoint#badTtl()}) and not delivered.
     */
    Endpoint open(VrrpInstanceConfig config, Consumer<ReceivedAdvert> receiver) throws IOException, IpvsException;

    /** A tracker of the link of {@code interfaceName} (up: administratively up). */
    Tracker linkTracker(String interfaceName) throws IpvsException;

    @Override
    void close();

    /** A received VRRP message (the bytes after the IP header) with its addresses. */
    record ReceivedAdvert(byte[] message, int length, InetAddress source, InetAddress destination) {}

    /** One instance's sockets and host actions. */
    interface Endpoint extends AutoCloseable {
        /** The primary address adverts are sent from (IPv4: also in the v3 pseudo-header). */
        InetAddress sourceAddress();

        /** Sends one encoded advert to {@code destination} (the group or a unicast peer). */
        void send(byte[] message, InetAddress destination) throws IOException;

        /** Adds the virtual addresses (idempotent). */
        void addAddresses(List<InterfaceAddress> addresses) throws IpvsException;

        /** Removes the virtual addresses (idempotent). */
        void removeAddresses(List<InterfaceAddress> addresses) throws IpvsException;

        /** One gratuitous ARP (IPv4) or unsolicited neighbour advertisement (IPv6) per address. */
        void announce(List<InterfaceAddress> addresses) throws IOException;

        /** Adverts dropped for a TTL / hop limit other than 255. */
        long badTtl();

        @Override
        void close();
    }
}
