package io.ipvs4j.netlink.internal.nl;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A forward-only, bounds-checked view over the netlink attributes in {@code [start, end)} of a
 * receive buffer. Every length read from the kernel is checked against the region before it is
 * used; a violation is a {@link MalformedMessageException}, never an index error. Nested
 * attributes are read through a child cursor limited to the parent's payload. The
 * {@link Nl#NLA_F_NESTED} and {@link Nl#NLA_F_NET_BYTEORDER} bits are stripped from the type,
 * because the kernel's IPVS dump replies omit NLA_F_NESTED where requests set it.
 *
 * <pre>{@code
 * AttributeCursor c = AttributeCursor.over(buf, payloadStart, messageEnd);
 * while (c.next()) {
 *     switch (c.type()) { case 1 -> af = c.u16(); case 4 -> port = c.u16Be(); default -> {} }
 * }
 * }</pre>
 */
public final class AttributeCursor {
    private static final boolean BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;
    private ByteBuffer buffer;
    private int end;
    private int next;
    private int type = -1;
    private int payload;
    private int length;

    private AttributeCursor(ByteBuffer buffer, int start, int end) {
        this.buffer = buffer;
        this.next = start;
        this.end = end;
    }

    /** A cursor over {@code [start, end)}; both must lie within the buffer's limit. */
    public static AttributeCursor over(ByteBuffer buffer, int start, int end) throws MalformedMessageException {
        return reusable().reset(buffer, start, end);
    }

    /**
     * A cursor to be positioned later with {@link #nested(AttributeCursor)} or
     * {@link #reset}: decoders keep a few per connection instead of allocating one per nest.
     */
    public static AttributeCursor reusable() {
        return new AttributeCursor(null, 0, 0);
    }

    /** Repositions this cursor over {@code [start, end)}, checked as in {@link #over}. */
    public AttributeCursor reset(ByteBuffer buffer, int start, int end) throws MalformedMessageException {
        if (start < 0 || end < start || end > buffer.limit()) {
            throw new MalformedMessageException("attribute region [" + start + ", " + end
                    + ") outside the " + buffer.limit() + " bytes received");
        }
        this.buffer = buffer.order() == ByteOrder.nativeOrder() ? buffer : buffer.duplicate().order(ByteOrder.nativeOrder());
        this.next = start;
        this.end = end;
        this.type = -1;
        return this;
    }

    /** Advances to the next attribute; false at the end of the region. */
    public boolean next() throws MalformedMessageException {
        if (next >= end) {
            type = -1;
            return false;
        }
        if (end - next < Nl.NLA_HDRLEN) {
            throw new MalformedMessageException("attribute header at offset " + next + " cut short: "
                    + (end - next) + " of 4 bytes");
        }
        int len = Short.toUnsignedInt(buffer.getShort(next));
        if (len < Nl.NLA_HDRLEN || len > end - next) {
            throw new MalformedMessageException("attribute at offset " + next + " claims length " + len
                    + " but " + (end - next) + " bytes remain");
        }
        type = Short.toUnsignedInt(buffer.getShort(next + 2)) & Nl.NLA_TYPE_MASK;
        payload = next + Nl.NLA_HDRLEN;
        length = len - Nl.NLA_HDRLEN;
        // The last attribute may lack its trailing padding.
        next = Math.min(end, next + Nl.align(len));
        return true;
    }

    public int type() {
        return type;
    }

    /** Payload length of the current attribute. */
    public int length() {
        return length;
    }

    public int payloadOffset() {
        return payload;
    }

    /** The buffer this cursor reads (in native byte order), for offsets it has checked. */
    public ByteBuffer buffer() {
        return buffer;
    }

    public int u8() throws MalformedMessageException {
        expect(1);
        return Byte.toUnsignedInt(buffer.get(payload));
    }

    public int u16() throws MalformedMessageException {
        expect(2);
        return Short.toUnsignedInt(buffer.getShort(payload));
    }

    /** A u16 sent in network byte order (ports in IPVS). */
    public int u16Be() throws MalformedMessageException {
        expect(2);
        short raw = buffer.getShort(payload);
        return Short.toUnsignedInt(BIG_ENDIAN ? raw : Short.reverseBytes(raw));
    }

    public int u32() throws MalformedMessageException {
        expect(4);
        return buffer.getInt(payload);
    }

    /** A u32 sent in network byte order. */
    public int u32Be() throws MalformedMessageException {
        expect(4);
        int raw = buffer.getInt(payload);
        return BIG_ENDIAN ? raw : Integer.reverseBytes(raw);
    }

    public long u64() throws MalformedMessageException {
        expect(8);
        return buffer.getLong(payload);
    }

    /** A u32 or u64 counter, whichever width the kernel used. */
    public long unsigned() throws MalformedMessageException {
        return switch (length) {
            case 4 -> Integer.toUnsignedLong(buffer.getInt(payload));
            case 8 -> buffer.getLong(payload);
            default -> throw wrongLength("4 or 8");
        };
    }

    /** A NUL-terminated (or unterminated) ASCII string. */
    public String string() {
        int n = 0;
        while (n < length && buffer.get(payload + n) != 0) {
            n++;
        }
        char[] chars = new char[n];
        for (int i = 0; i < n; i++) {
            chars[i] = (char) (buffer.get(payload + i) & 0xff);
        }
        return new String(chars);
    }

    /**
     * An address of the given size in bytes (4 or 16) from the start of the payload; the kernel
     * sends a 16-byte union nf_inet_addr with IPv4 in the first 4 bytes.
     */
    public InetAddress address(int size) throws MalformedMessageException {
        if (length < size) {
            throw wrongLength("at least " + size);
        }
        byte[] raw = new byte[size];
        buffer.get(payload, raw);
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new MalformedMessageException("address attribute " + type + " of " + size + " bytes");
        }
    }

    /** A cursor over the current attribute's payload (nested attributes). */
    public AttributeCursor nested() {
        return new AttributeCursor(buffer, payload, payload + length);
    }

    /** Positions {@code into} (not this cursor) over the current attribute's payload and returns it. */
    public AttributeCursor nested(AttributeCursor into) {
        into.buffer = buffer;
        into.next = payload;
        into.end = payload + length;
        into.type = -1;
        return into;
    }

    private void expect(int size) throws MalformedMessageException {
        if (length != size) {
            throw wrongLength(Integer.toString(size));
        }
    }

    private MalformedMessageException wrongLength(String expected) {
        return new MalformedMessageException("attribute type " + type + " has " + length
                + " bytes of payload, expected " + expected);
    }
}
