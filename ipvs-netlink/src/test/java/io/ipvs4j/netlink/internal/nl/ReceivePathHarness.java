package io.ipvs4j.netlink.internal.nl;

import io.ipvs4j.IpvsException;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.netlink.internal.ipvs.IpvsNetlinkClient;
import io.ipvs4j.netlink.internal.route.RtnetlinkClient;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Drives the production receive path (the IPVS and rtnetlink clients over
 * {@link NetlinkConnection}) with scripted replies: the fuzzing, the truncation sweep and the
 * kept corpus all go through {@link #run}. A case is a client operation and, for each request
 * that operation sends, the datagrams the "kernel" answers with (sequence number and port id
 * are stamped with the request's, as the kernel does, before any mutation is applied).
 * Requests beyond the script get nothing (the receive times out at once), so every case ends.
 */
public final class ReceivePathHarness {
    private ReceivePathHarness() {}

    /** The client operation a case runs. */
    public enum Target {
        LIST_SERVICES, GET_SERVICE, LIST_REAL_SERVERS, LIST_DAEMONS, GET_TIMEOUTS, GET_INFO, ADD_SERVICE,
        REMOVE_REAL_SERVER, RT_ADDRESSES, RT_ADD_ADDRESS
    }

    /** A case: a target and, per request it sends, the reply datagrams. */
    public record Case(String name, Target target, List<List<byte[]>> replies) {
        public Case copy() {
            List<List<byte[]>> c = new ArrayList<>();
            for (List<byte[]> r : replies) {
                List<byte[]> d = new ArrayList<>();
                for (byte[] b : r) {
                    d.add(b.clone());
                }
                c.add(d);
            }
            return new Case(name, target, c);
        }

        /** All datagrams, in order (for mutation by index). */
        public List<byte[]> datagrams() {
            List<byte[]> all = new ArrayList<>();
            replies.forEach(all::addAll);
            return all;
        }

        /** Replaces datagram {@code index} (in {@link #datagrams()} order). */
        public void set(int index, byte[] datagram) {
            for (List<byte[]> r : replies) {
                if (index < r.size()) {
                    r.set(index, datagram);
                    return;
                }
                index -= r.size();
            }
        }

        /** The text form of the kept corpus. */
        public String toText(String comment) {
            StringBuilder sb = new StringBuilder("# ").append(comment).append('\n');
            sb.append("target ").append(target).append('\n');
            for (List<byte[]> r : replies) {
                sb.append("request\n");
                for (byte[] d : r) {
                    sb.append("recv ").append(HexFormat.of().formatHex(d)).append('\n');
                }
            }
            return sb.toString();
        }

        public static Case fromText(String name, String text) {
            Target target = null;
            List<List<byte[]>> replies = new ArrayList<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("target ")) {
                    target = Target.valueOf(line.substring(7).trim());
                } else if (line.equals("request")) {
                    replies.add(new ArrayList<>());
                } else if (line.startsWith("recv ")) {
                    replies.get(replies.size() - 1).add(HexFormat.of().parseHex(line.substring(5).trim()));
                }
            }
            return new Case(name, target, replies);
        }
    }

    private static final ServiceKey WEB = ServiceKey.tcp("192.0.2.100", 80);
    // larger than every seed datagram, small enough that a client per case stays cheap
    private static final int BUFFER_BYTES = 8192;

    /** The seeds: every IPVS exchange of the ipvsadm captures, plus built rtnetlink and extended-ack replies. */
    public static List<Case> seeds() {
        List<Case> out = new ArrayList<>();
        String[] fixtures = {
            "01-family-lookup", "02-add-service-tcp", "05-add-service-ipv6", "08-add-dest-tunnel", "10-delete-dest",
            "13-list", "14-list-stats", "15-list-one-service", "17-get-timeouts", "19-get-daemon",
            "23-error-service-exists", "24-error-dest-missing", "25-error-service-missing", "26-error-bad-scheduler",
        };
        for (String f : fixtures) {
            List<Fixtures.Datagram> all = Fixtures.load(f);
            for (int i = 0; i < all.size(); i++) {
                Fixtures.Datagram d = all.get(i);
                if (!d.sent() || d.type() == Nl.GENL_ID_CTRL) {
                    continue;
                }
                Target t = targetOf(d);
                if (t == null) {
                    continue;
                }
                List<byte[]> replies = new ArrayList<>();
                for (int j = i + 1; j < all.size() && !all.get(j).sent(); j++) {
                    replies.add(all.get(j).bytes());
                }
                out.add(new Case(f + "#" + i, t, new ArrayList<>(List.of(replies))));
            }
        }
        out.add(new Case("rt-addresses", Target.RT_ADDRESSES, new ArrayList<>(List.of(
                new ArrayList<>(List.of(concat(link(1, "lo"), link(2, "eth0")), done())),
                new ArrayList<>(List.of(concat(address(4, 1, "127.0.0.1", 8, "lo"), address(4, 2, "192.0.2.7", 24, "eth0:vip")),
                        concat(address(6, 2, "2001:db8::7", 64, null), done())))))));
        out.add(new Case("rt-add-exists-extack", Target.RT_ADD_ADDRESS, new ArrayList<>(List.of(
                new ArrayList<>(List.of(concat(link(2, "eth0"), ack()))),
                new ArrayList<>(List.of(extAckError(17, "Address already assigned", false)))))));
        out.add(new Case("ipvs-extack", Target.ADD_SERVICE, new ArrayList<>(List.of(
                new ArrayList<>(List.of(extAckError(22, "Invalid scheduler", true)))))));
        return out;
    }

    private static Target targetOf(Fixtures.Datagram request) {
        int flags = Short.toUnsignedInt(request.buffer().getShort(6));
        boolean dump = (flags & Nl.NLM_F_DUMP) == Nl.NLM_F_DUMP;
        return switch (request.genlCmd()) {
            case 1 -> Target.ADD_SERVICE;
            case 4 -> dump ? Target.LIST_SERVICES : Target.GET_SERVICE;
            case 5 -> Target.ADD_SERVICE;   // error replies: the target only needs an ACK/error
            case 7 -> Target.REMOVE_REAL_SERVER;
            case 8 -> Target.LIST_REAL_SERVERS;
            case 11 -> Target.LIST_DAEMONS;
            case 13 -> Target.GET_TIMEOUTS;
            case 15 -> Target.GET_INFO;
            default -> null;
        };
    }

    /**
     * Runs a case through the production client. Returns "value ..." or "typed ExceptionClass:
     * message"; any other exception is an {@link AssertionError} naming the case.
     */
    public static String run(Case c) {
        ScriptedChannel channel = new ScriptedChannel(c.replies());
        try {
            return "value " + invoke(c.target(), channel);
        } catch (IpvsException e) {
            return "typed " + e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (RuntimeException | Error e) {
            throw new AssertionError(c.name() + " (" + c.target() + ") threw " + e + "\n" + c.toText("failing case"), e);
        }
    }

    private static Object invoke(Target t, ScriptedChannel channel) throws IpvsException {
        if (t == Target.RT_ADDRESSES || t == Target.RT_ADD_ADDRESS) {
            try (RtnetlinkClient rt = RtnetlinkClient.open(channel, BUFFER_BYTES)) {
                if (t == Target.RT_ADDRESSES) {
                    return rt.addresses().size();
                }
                rt.add(new InterfaceAddress("eth0", java.net.InetAddress.getByName("192.0.2.9"), 32, java.util.Optional.empty(),
                        io.ipvs4j.host.Scope.UNIVERSE));
                return "added";
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        channel.answerFamilyLookup = true;
        try (IpvsNetlinkClient ipvs = IpvsNetlinkClient.open(channel, BUFFER_BYTES)) {
            return switch (t) {
                case LIST_SERVICES -> ipvs.services().size();
                case GET_SERVICE -> ipvs.service(WEB).isPresent();
                case LIST_REAL_SERVERS -> ipvs.realServers(WEB).size();
                case LIST_DAEMONS -> ipvs.syncDaemons().size();
                case GET_TIMEOUTS -> ipvs.timeouts();
                case GET_INFO -> ipvs.info().version();
                case ADD_SERVICE -> {
                    ipvs.addService(VirtualService.builder(WEB).scheduler(Scheduler.RR).build());
                    yield "added";
                }
                case REMOVE_REAL_SERVER -> {
                    ipvs.removeRealServer(WEB, Endpoint.of("198.51.100.9", 80));
                    yield "removed";
                }
                default -> throw new IllegalStateException(t.toString());
            };
        }
    }

    /** Answers request n with the n-th script entry, stamped with the request's seq and our port id. */
    static final class ScriptedChannel implements NetlinkChannel {
        static final int PORT = 4711;
        private final List<List<byte[]>> script;
        private final java.util.ArrayDeque<byte[]> queue = new java.util.ArrayDeque<>();
        private int next;
        boolean answerFamilyLookup;
        private final byte[] familyReply = familyReply();

        ScriptedChannel(List<List<byte[]>> script) {
            this.script = script;
        }

        @Override
        public void send(ByteBuffer buffer) {
            int seq = buffer.getInt(buffer.position() + 8);
            int type = Short.toUnsignedInt(buffer.getShort(buffer.position() + 4));
            buffer.position(buffer.limit());
            if (answerFamilyLookup && type == Nl.GENL_ID_CTRL) {
                queue.add(stamp(familyReply.clone(), seq));
                queue.add(stamp(ack(), seq));   // the captures lack it (ipvsadm did not read it)
                return;
            }
            if (next < script.size()) {
                for (byte[] d : script.get(next)) {
                    queue.add(stamp(d.clone(), seq));
                }
            }
            next++;
        }

        @Override
        public boolean receive(ByteBuffer buffer) throws SyscallException {
            byte[] d = queue.poll();
            if (d == null) {
                return false;
            }
            if (d.length > buffer.remaining()) {
                throw SyscallException.truncated("recv(script)", d.length + " bytes");
            }
            int start = buffer.position();
            buffer.put(d);
            buffer.limit(start + d.length).position(start);
            return true;
        }

        @Override
        public int portId() {
            return PORT;
        }

        @Override
        public void close() {}
    }

    /** Stamps seq and port id into every message header the claimed lengths reach (bounded). */
    static byte[] stamp(byte[] d, int seq) {
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.nativeOrder());
        int off = 0;
        while (off + Nl.NLMSG_HDRLEN <= d.length) {
            int len = b.getInt(off);
            b.putInt(off + 8, seq).putInt(off + 12, ScriptedChannel.PORT);
            if (len < Nl.NLMSG_HDRLEN || len > d.length - off) {
                break;
            }
            off += Nl.align(len);
        }
        return d;
    }

    private static byte[] familyReply() {
        for (Fixtures.Datagram d : Fixtures.load("01-family-lookup")) {
            if (!d.sent() && d.type() == Nl.GENL_ID_CTRL) {
                return d.bytes();
            }
        }
        throw new IllegalStateException("no family reply in 01-family-lookup");
    }

    // ---- built rtnetlink and extended-ack replies (layouts from linux/rtnetlink.h, if_addr.h, netlink.h)

    private static byte[] link(int index, String name) {
        MessageWriter w = new MessageWriter(256);
        int m = w.beginMessage(16 /* RTM_NEWLINK */, Nl.NLM_F_MULTI, 0);
        w.putRaw((byte) 0);
        w.putRaw((byte) 0);
        w.putRawShort(1);       // ARPHRD_ETHER
        w.putRawInt(index);
        w.putRawInt(0x1);       // IFF_UP
        w.putRawInt(0);
        w.putString(3 /* IFLA_IFNAME */, name);
        w.putU32(4 /* IFLA_MTU */, 1500);
        w.endMessage(m);
        return bytes(w);
    }

    private static byte[] address(int version, int index, String address, int prefix, String label) {
        try {
            java.net.InetAddress a = java.net.InetAddress.getByName(address);
            MessageWriter w = new MessageWriter(256);
            int m = w.beginMessage(20 /* RTM_NEWADDR */, Nl.NLM_F_MULTI, 0);
            w.putRaw((byte) (version == 4 ? 2 : 10));
            w.putRaw((byte) prefix);
            w.putRaw((byte) 0);
            w.putRaw((byte) 0);     // RT_SCOPE_UNIVERSE
            w.putRawInt(index);
            w.putBytes(1 /* IFA_ADDRESS */, a.getAddress());
            if (version == 4) {
                w.putBytes(2 /* IFA_LOCAL */, a.getAddress());
            }
            if (label != null) {
                w.putString(3 /* IFA_LABEL */, label);
            }
            w.putU32(8 /* IFA_FLAGS */, 0x80);
            w.endMessage(m);
            return bytes(w);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] ack() {
        MessageWriter w = new MessageWriter(64);
        int m = w.beginMessage(Nl.NLMSG_ERROR, Nl.NLM_F_CAPPED, 0);
        w.putRawInt(0);
        w.putRawInt(Nl.NLMSG_HDRLEN);
        w.putRawShort(18);
        w.putRawShort(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK);
        w.putRawInt(0);
        w.putRawInt(0);
        w.endMessage(m);
        return bytes(w);
    }

    private static byte[] done() {
        MessageWriter w = new MessageWriter(64);
        int m = w.beginMessage(Nl.NLMSG_DONE, Nl.NLM_F_MULTI, 0);
        w.putRawInt(0);
        w.endMessage(m);
        return bytes(w);
    }

    /** NLMSG_ERROR with extended ack: capped (header only echoed) or with a whole echoed request. */
    private static byte[] extAckError(int errno, String message, boolean capped) {
        MessageWriter w = new MessageWriter(512);
        int m = w.beginMessage(Nl.NLMSG_ERROR, Nl.NLM_F_ACK_TLVS | (capped ? Nl.NLM_F_CAPPED : 0), 0);
        w.putRawInt(-errno);
        int echoedLength = capped ? Nl.NLMSG_HDRLEN : Nl.NLMSG_HDRLEN + 8;
        w.putRawInt(echoedLength);
        w.putRawShort(20);
        w.putRawShort(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK);
        w.putRawInt(0);
        w.putRawInt(0);
        if (!capped) {
            w.putRawInt(0x01020304);
            w.putRawInt(0x05060708);
        }
        w.putString(Nl.NLMSGERR_ATTR_MSG, message);
        w.putU32(Nl.NLMSGERR_ATTR_OFFS, 20);
        w.endMessage(m);
        return bytes(w);
    }

    private static byte[] concat(byte[]... messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            out.writeBytes(m);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(MessageWriter w) {
        ByteBuffer b = w.buffer().duplicate();
        b.flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
