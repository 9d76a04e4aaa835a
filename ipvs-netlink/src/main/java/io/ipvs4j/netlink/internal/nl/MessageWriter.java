package io.ipvs4j.netlink.internal.nl;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes netlink messages back to back into one reusable direct buffer, in native byte order.
 * A message is opened with {@link #beginMessage}, filled with attributes, and closed with
 * {@link #endMessage}, which patches {@code nlmsg_len}; nested attributes are patched the same
 * way. Nothing is allocated per message: the buffer is written in place and its address is
 * what the kernel reads.
 *
 * <pre>{@code
 * int start = w.beginMessage(familyId, NLM_F_REQUEST | NLM_F_ACK, seq);
 * w.genlHeader(cmd, 1);
 * int nest = w.beginNested(IPVS_CMD_ATTR_SERVICE);
 * w.putU16(IPVS_SVC_ATTR_AF, 2);
 * w.endNested(nest);
 * w.endMessage(start);
 * }</pre>
 *
 * <p>Not thread-safe. Capacity is checked before every write: overflowing throws
 * {@link BufferOverflowException} and leaves earlier complete messages intact (see
 * {@link #rollback}).
 */
public final class MessageWriter {
    private final ByteBuffer buffer;

    public MessageWriter(int capacity) {
        this.buffer = ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
    }

    /** The underlying buffer; bytes [0, {@link #size()}) are the encoded messages. */
    public ByteBuffer buffer() {
        return buffer;
    }

    public int size() {
        return buffer.position();
    }

    public int capacity() {
        return buffer.capacity();
    }

    public int remaining() {
        return buffer.capacity() - buffer.position();
    }

    /** Forgets everything written. */
    public void clear() {
        buffer.clear();
    }

    /** Drops everything written after {@code offset}: used to undo a message that did not fit. */
    public void rollback(int offset) {
        buffer.limit(buffer.capacity()).position(offset);
    }

    /** Writes an nlmsghdr with a placeholder length; returns the message's start offset. */
    public int beginMessage(int type, int flags, int seq) {
        int start = buffer.position();
        need(Nl.NLMSG_HDRLEN);
        buffer.putInt(0).putShort((short) type).putShort((short) flags).putInt(seq).putInt(0);
        return start;
    }

    /** Writes a generic netlink header (cmd, version, reserved). */
    public void genlHeader(int cmd, int version) {
        need(Nl.GENL_HDRLEN);
        buffer.put((byte) cmd).put((byte) version).putShort((short) 0);
    }

    /** Writes raw bytes (a fixed header such as ifaddrmsg) with no attribute framing. */
    public void putRaw(byte b) {
        need(1);
        buffer.put(b);
    }

    /** A raw u16 in native byte order (e.g. {@code ifi_type} of {@code struct ifinfomsg}). */
    public void putRawShort(int value) {
        need(2);
        buffer.putShort((short) value);
    }

    public void putRawInt(int value) {
        need(4);
        buffer.putInt(value);
    }

    /** Patches nlmsg_len of the message started at {@code start} and pads to 4 bytes. */
    public void endMessage(int start) {
        padTo4();
        buffer.putInt(start, buffer.position() - start);
    }

    public int beginNested(int type) {
        int start = buffer.position();
        need(Nl.NLA_HDRLEN);
        buffer.putShort((short) 0).putShort((short) (type | Nl.NLA_F_NESTED));
        return start;
    }

    public void endNested(int start) {
        endAttribute(start);
    }

    /**
     * Begins an attribute whose payload is a C struct written with the {@code putRaw*} methods
     * (e.g. {@code struct ifa_cacheinfo}): a plain header, no {@code NLA_F_NESTED}. Close it with
     * {@link #endAttribute}.
     */
    public int beginAttribute(int type) {
        int start = buffer.position();
        need(Nl.NLA_HDRLEN);
        buffer.putShort((short) 0).putShort((short) type);
        return start;
    }

    /** Writes the length of the attribute begun at {@code start} (a struct or a nest). */
    public void endAttribute(int start) {
        buffer.putShort(start, (short) (buffer.position() - start));
    }

    public void putU8(int type, int value) {
        header(type, 1);
        buffer.put((byte) value);
        padTo4();
    }

    public void putU16(int type, int value) {
        header(type, 2);
        buffer.putShort((short) value);
        padTo4();
    }

    /** A u16 in network byte order, as IPVS wants for ports (nla_get_be16). */
    public void putU16Be(int type, int value) {
        header(type, 2);
        buffer.putShort(toBe16(value));
        padTo4();
    }

    public void putU32(int type, int value) {
        header(type, 4);
        buffer.putInt(value);
    }

    /** A u32 in network byte order (nla_get_be32), e.g. an IPv4 netmask. */
    public void putU32Be(int type, int value) {
        header(type, 4);
        buffer.putInt(buffer.order() == ByteOrder.BIG_ENDIAN ? value : Integer.reverseBytes(value));
    }

    public void putU64(int type, long value) {
        header(type, 8);
        buffer.putLong(value);
    }

    /** A NUL-terminated ASCII string (NLA_NUL_STRING). */
    public void putString(int type, CharSequence value) {
        int length = value.length();
        header(type, length + 1);
        for (int i = 0; i < length; i++) {
            buffer.put((byte) value.charAt(i));
        }
        buffer.put((byte) 0);
        padTo4();
    }

    public void putBytes(int type, byte[] value) {
        header(type, value.length);
        buffer.put(value);
        padTo4();
    }

    /** An address in network order: 4 bytes for IPv4, 16 for IPv6. */
    public void putAddress(int type, InetAddress address) {
        putAddress(type, address, false);
    }

    /**
     * An address in network order. With {@code asUnion}, IPv4 is written as the 16-byte
     * {@code union nf_inet_addr} (address first, zeros after), as ipvsadm sends it.
     */
    public void putAddress(int type, InetAddress address, boolean asUnion) {
        if (address instanceof Inet4Address) {
            header(type, asUnion ? 16 : 4);
            // OpenJDK's Inet4Address.hashCode() is the address as an int (dotted quad = big-endian
            // order); using it avoids the byte[] that getAddress() allocates on every call.
            // MessageWriterTest pins this assumption.
            putIntBigEndian(address.hashCode());
            if (asUnion) {
                buffer.putLong(0L).putInt(0);
            }
        } else {
            byte[] bytes = address.getAddress();
            header(type, bytes.length);
            buffer.put(bytes);
        }
    }

    private void putIntBigEndian(int value) {
        buffer.putInt(buffer.order() == ByteOrder.BIG_ENDIAN ? value : Integer.reverseBytes(value));
    }

    private short toBe16(int value) {
        short s = (short) value;
        return buffer.order() == ByteOrder.BIG_ENDIAN ? s : Short.reverseBytes(s);
    }

    private void header(int type, int payloadLength) {
        need(Nl.align(Nl.NLA_HDRLEN + payloadLength));
        buffer.putShort((short) (Nl.NLA_HDRLEN + payloadLength)).putShort((short) type);
    }

    private void padTo4() {
        int pad = Nl.align(buffer.position()) - buffer.position();
        for (int i = 0; i < pad; i++) {
            buffer.put((byte) 0);
        }
    }

    private void need(int bytes) {
        if (buffer.capacity() - buffer.position() < bytes) {
            throw new BufferOverflowException();
        }
    }
}
