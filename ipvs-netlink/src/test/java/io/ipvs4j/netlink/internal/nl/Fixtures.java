package io.ipvs4j.netlink.internal.nl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ipvsadm captures in {@code src/test/resources/fixtures/ipvsadm} (copied from the project's
 * shared capture set; see the README there): one datagram per {@code send HEX}/{@code recv HEX} line.
 */
public final class Fixtures {
    public record Datagram(boolean sent, byte[] bytes) {
        public int type() {
            return Short.toUnsignedInt(buffer().getShort(4));
        }

        public int genlCmd() {
            return bytes.length > 16 ? Byte.toUnsignedInt(bytes[16]) : -1;
        }

        public ByteBuffer buffer() {
            ByteBuffer b = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
            b.put(bytes).flip();
            return b;
        }
    }

    private Fixtures() {}

    public static List<Datagram> load(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/ipvsadm/" + name + ".msgs")) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            List<Datagram> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.startsWith("send ") || line.startsWith("recv ")) {
                    out.add(new Datagram(line.startsWith("send"), HexFormat.of().parseHex(line.substring(5).trim())));
                }
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The last IPVS request (not nlctrl, not the GET_INFO ipvsadm sends first) of a capture. */
    public static Datagram lastIpvsRequest(String name) {
        Datagram last = null;
        for (Datagram d : load(name)) {
            if (d.sent() && d.type() != Nl.GENL_ID_CTRL && d.genlCmd() != 15) {
                last = d;
            }
        }
        return last;
    }

    /** Replies that follow the last IPVS request. */
    public static List<Datagram> repliesToLastRequest(String name) {
        List<Datagram> all = load(name);
        int index = all.indexOf(lastIpvsRequest(name));
        List<Datagram> out = new ArrayList<>();
        for (Datagram d : all.subList(index + 1, all.size())) {
            if (d.sent()) {
                break;
            }
            out.add(d);
        }
        return out;
    }

    /** Attributes of a region as type -> raw bytes of the whole attribute (header included). */
    public static Map<Integer, byte[]> attributes(byte[] message, int start, int end) {
        Map<Integer, byte[]> out = new TreeMap<>();
        ByteBuffer b = ByteBuffer.wrap(message).order(ByteOrder.nativeOrder());
        int p = start;
        while (p + 4 <= end) {
            int len = Short.toUnsignedInt(b.getShort(p));
            int type = Short.toUnsignedInt(b.getShort(p + 2)) & Nl.NLA_TYPE_MASK;
            byte[] raw = new byte[len];
            System.arraycopy(message, p, raw, 0, len);
            out.put(type, raw);
            p += Nl.align(len);
        }
        return out;
    }

    /** Copies bytes, zeroing nlmsg_seq and nlmsg_pid, and setting nlmsg_type to {@code type}. */
    public static byte[] masked(byte[] message) {
        byte[] copy = message.clone();
        for (int i = 8; i < 16; i++) {
            copy[i] = 0;
        }
        return copy;
    }
}
