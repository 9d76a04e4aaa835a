package io.ipvs4j.netlink.internal.nl;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decoded addresses, reused: a listing of thousands of real servers names the same few
 * addresses over and over, and an {@link InetAddress} costs three objects and a copied array.
 * {@code InetAddress} is immutable, so handing the same instance to several results is safe.
 * Direct-mapped (a colliding address replaces the cached one), so the memory is fixed.
 *
 * <p>Not thread-safe: one per connection, used by the thread that holds the connection.
 */
public final class AddressCache {
    private final int mask;
    private final int[] v4Keys;
    private final Inet4Address[] v4;
    private final long[] v6High;
    private final long[] v6Low;
    private final Inet6Address[] v6;

    /** A cache of 512 IPv4 and 512 IPv6 addresses (about 20 KiB). */
    public AddressCache() {
        this(512);
    }

    /** A cache of {@code slots} (a power of two) addresses per family. */
    public AddressCache(int slots) {
        if (slots <= 0 || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two, was " + slots);
        }
        mask = slots - 1;
        v4Keys = new int[slots];
        v4 = new Inet4Address[slots];
        v6High = new long[slots];
        v6Low = new long[slots];
        v6 = new Inet6Address[slots];
    }

    /**
     * The IPv4 address in the 4 bytes at {@code offset} (network order). The caller has checked
     * that they lie inside the received region.
     */
    public Inet4Address v4(ByteBuffer buffer, int offset) {
        int bits = buffer.getInt(offset);
        if (buffer.order() == ByteOrder.LITTLE_ENDIAN) {
            bits = Integer.reverseBytes(bits);
        }
        int slot = mix(bits) & mask;
        Inet4Address cached = v4[slot];
        if (cached != null && v4Keys[slot] == bits) {
            return cached;
        }
        byte[] raw = {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
        Inet4Address address = (Inet4Address) byAddress(raw);
        v4Keys[slot] = bits;
        v4[slot] = address;
        return address;
    }

    /** The IPv6 address in the 16 bytes at {@code offset}; bounds checked by the caller. */
    public Inet6Address v6(ByteBuffer buffer, int offset) {
        long high = buffer.getLong(offset);
        long low = buffer.getLong(offset + 8);
        int slot = mix((int) (high ^ (high >>> 32) ^ low ^ (low >>> 32))) & mask;
        Inet6Address cached = v6[slot];
        if (cached != null && v6High[slot] == high && v6Low[slot] == low) {
            return cached;
        }
        byte[] raw = new byte[16];
        buffer.get(offset, raw);
        InetAddress address = byAddress(raw);
        if (!(address instanceof Inet6Address v6Address)) {
            // A v4-mapped ::ffff:a.b.c.d comes back as an Inet4Address: not cacheable as IPv6.
            return null;
        }
        v6High[slot] = high;
        v6Low[slot] = low;
        v6[slot] = v6Address;
        return v6Address;
    }

    /** The address of {@code size} bytes (4 or 16) at {@code offset}. */
    public InetAddress address(ByteBuffer buffer, int offset, int size) {
        if (size == 4) {
            return v4(buffer, offset);
        }
        InetAddress address = v6(buffer, offset);
        if (address == null) {
            byte[] raw = new byte[16];
            buffer.get(offset, raw);
            address = byAddress(raw);
        }
        return address;
    }

    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    private static InetAddress byAddress(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always an address", e);
        }
    }
}
