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
     *
     * @param config the instance whose interface, family, group or peers the endpoint uses
     * @param receiver called with every accepted advert, on the implementation's receive thread
     * @return the open endpoint; the caller closes it
     * @throws IOException if a socket cannot be opened or joined to the group
     * @throws IpvsException if the interface or its addresses cannot be read
     */
    Endpoint open(VrrpInstanceConfig config, Consumer<ReceivedAdvert> receiver) throws IOException, IpvsException;

    /**
     * A tracker of the link of {@code interfaceName} (up: administratively up).
     * 
     * @param interfaceName the interface to track
     * @return a tracker of that interface's link
     * @throws IpvsException if the interface cannot be read (e.g. it does not exist)
     */
    Tracker linkTracker(String interfaceName) throws IpvsException;

    @Override
    void close();

    /** A received VRRP message (the bytes after the IP header) with its addresses. */
    record ReceivedAdvert(byte[] message, int length, InetAddress source, InetAddress destination) {}

    /** One instance's sockets and host actions. */
    interface Endpoint extends AutoCloseable {
        /**
         * The primary address adverts are sent from (IPv4: also in the v3 pseudo-header).
         * 
         * @return the source address of adverts
         */
        InetAddress sourceAddress();

        /**
         * Sends one encoded advert to {@code destination} (the group or a unicast peer).
         * 
         * @param message the encoded VRRP message (without IP header)
         * @param destination the multicast group or a unicast peer
         * @throws IOException if the kernel refuses the send
         */
        void send(byte[] message, InetAddress destination) throws IOException;

        /**
         * Adds the virtual addresses (idempotent).
         * 
         * @param addresses the addresses to add to the interface
         * @throws IpvsException if rtnetlink refuses an address
         */
        void addAddresses(List<InterfaceAddress> addresses) throws IpvsException;

        /**
         * Removes the virtual addresses (idempotent).
         * 
         * @param addresses the addresses to remove from the interface
         * @throws IpvsException if rtnetlink refuses a removal
         */
        void removeAddresses(List<InterfaceAddress> addresses) throws IpvsException;

        /**
         * Sends one gratuitous ARP (IPv4) or unsolicited neighbour advertisement (IPv6) per address.
         * 
         * @param addresses the addresses to announce
         * @throws IOException if a packet cannot be sent
         */
        void announce(List<InterfaceAddress> addresses) throws IOException;

        /**
         * Adverts dropped for a TTL / hop limit other than 255.
         * 
         * @return the number of such adverts since the endpoint opened
         */
        long badTtl();

        @Override
        void close();
    }
}
