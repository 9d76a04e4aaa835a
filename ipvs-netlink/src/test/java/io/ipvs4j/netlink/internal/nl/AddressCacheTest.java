package io.ipvs4j.netlink.internal.nl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class AddressCacheTest {
    private static ByteBuffer bytes(ByteOrder order, InetAddress... addresses) {
        ByteBuffer b = ByteBuffer.allocate(16 * addresses.length).order(order);
        for (int i = 0; i < addresses.length; i++) {
            b.put(16 * i, addresses[i].getAddress());
        }
        return b;
    }

    @Test
    void decodesEveryIpv4AddressExactlyInEitherByteOrderAndReusesRepeats() throws Exception {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            AddressCache cache = new AddressCache();
            // Enough distinct addresses that many collide in the direct-mapped table.
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 2000; i++) {
                    InetAddress expected = InetAddress.getByAddress(new byte[] {(byte) 198, 51, (byte) (i >> 8), (byte) i});
                    assertEquals(expected, cache.address(bytes(order, expected), 0, 4), order + " " + expected);
                }
            }
            InetAddress a = InetAddress.getByName("203.0.113.7");
            ByteBuffer buffer = bytes(order, a);
            assertSame(cache.v4(buffer, 0), cache.v4(buffer, 0));
        }
    }

    @Test
    void decodesIpv6AndLeavesV4MappedAddressesUncached() throws Exception {
        AddressCache cache = new AddressCache();
        InetAddress v6 = InetAddress.getByName("2001:db8::1");
        ByteBuffer buffer = bytes(ByteOrder.nativeOrder(), v6);
        assertEquals(v6, cache.address(buffer, 0, 16));
        assertSame(cache.address(buffer, 0, 16), cache.address(buffer, 0, 16));
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 192;
        mapped[14] = 2;
        mapped[15] = 1;
        ByteBuffer m = ByteBuffer.wrap(mapped).order(ByteOrder.nativeOrder());
        assertEquals(InetAddress.getByName("192.0.2.1"), cache.address(m, 0, 16));
    }

    @Test
    void reusedCursorsAreBoundedLikeFreshOnes() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
        b.putShort(0, (short) 12).putShort(2, (short) 1);      // nest of 8 bytes payload
        b.putShort(4, (short) 8).putShort(6, (short) 2).putInt(8, 42);
        b.putShort(12, (short) 8).putShort(14, (short) 3).putInt(16, 7);
        b.limit(20);
        AttributeCursor top = AttributeCursor.reusable().reset(b, 0, 20);
        AttributeCursor inner = AttributeCursor.reusable();
        top.next();
        top.nested(inner);
        inner.next();
        assertEquals(2, inner.type());
        assertEquals(42, inner.u32());
        assertEquals(false, inner.next());   // bounded by the nest, not by the buffer
        top.next();
        assertEquals(7, top.u32());
        assertThrows(MalformedMessageException.class, () -> AttributeCursor.reusable().reset(b, 0, 21));
    }
}
