package io.ipvs4j.vrrp;

import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.model.InetAddresses;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** A {@link VrrpNetwork} that records what the speaker does and lets the test deliver adverts. */
final class FakeNetwork implements VrrpNetwork {
    final InetAddress source;
    final Map<String, SettableTracker> links = new HashMap<>();
    final List<VrrpPacket> sent = new ArrayList<>();
    final List<InetAddress> sentTo = new ArrayList<>();
    final Set<InetAddress> addresses = new LinkedHashSet<>();
    int announcements;
    VrrpInstanceConfig config;
    Consumer<ReceivedAdvert> receiver;
    boolean closed;

    FakeNetwork(String source) {
        this.source = InetAddresses.parse(source);
    }

    @Override
    public Endpoint open(VrrpInstanceConfig config, Consumer<ReceivedAdvert> receiver) {
        this.config = config;
        this.receiver = receiver;
        return new Endpoint() {
            @Override
            public InetAddress sourceAddress() {
                return source;
            }

            @Override
            public void send(byte[] message, InetAddress destination) {
                VrrpPacket.Decoded d = VrrpPacket.decode(message, message.length, config, source, destination, true);
                if (!d.ok()) {
                    throw new AssertionError("the speaker sent an invalid advert: " + d.rejection());
                }
                sent.add(d.packet());
                sentTo.add(destination);
            }

            @Override
            public void addAddresses(List<InterfaceAddress> list) {
                list.forEach(a -> addresses.add(a.address()));
            }

            @Override
            public void removeAddresses(List<InterfaceAddress> list) {
                list.forEach(a -> addresses.remove(a.address()));
            }

            @Override
            public void announce(List<InterfaceAddress> list) {
                announcements += list.size();
            }

            @Override
            public long badTtl() {
                return 0;
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    @Override
    public Tracker linkTracker(String interfaceName) {
        return links.computeIfAbsent(interfaceName, n -> new SettableTracker(n, true));
    }

    @Override
    public void close() {}

    /** Delivers an advert of {@code priority} from {@code from}, encoded as a peer would (with {@code config}'s settings). */
    void deliver(String from, int priority) {
        deliver(from, priority, config);
    }

    void deliver(String from, int priority, VrrpInstanceConfig as) {
        InetAddress src = InetAddresses.parse(from);
        byte[] b = VrrpPacket.encode(as, priority, src, as.multicastGroup());
        receiver.accept(new ReceivedAdvert(b, b.length, src, as.multicastGroup()));
    }

    int lastSentPriority() {
        return sent.get(sent.size() - 1).priority();
    }
}
