package io.ipvs4j.netlink.internal.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ipvs4j.IpvsUnavailableException;
import io.ipvs4j.netlink.internal.nl.NetlinkChannel;
import io.ipvs4j.netlink.internal.nl.Nl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A reloaded ip_vs module gets a new generic-netlink family id, and the kernel answers requests
 * sent to the old id with ENOENT: the client must look the family up again and retry once, or
 * report IPVS unavailable if the family is gone.
 */
class StaleFamilyTest {
    /** A kernel whose IPVS family id changes after the first lookup (or disappears). */
    private static final class ReloadingKernel implements NetlinkChannel {
        private final Deque<byte[]> pending = new ArrayDeque<>();
        final List<Integer> ipvsTypes = new ArrayList<>();
        int lookups;
        boolean familyGone;

        @Override
        public void send(ByteBuffer buffer) {
            ByteBuffer req = buffer.slice().order(ByteOrder.nativeOrder());
            buffer.position(buffer.limit());
            int type = Short.toUnsignedInt(req.getShort(4));
            int seq = req.getInt(8);
            if (type == Nl.GENL_ID_CTRL) {
                lookups++;
                if (familyGone && lookups > 1) {
                    pending.add(error(seq, req, -2));
                    return;
                }
                int id = lookups == 1 ? 0x21 : 0x22;
                ByteBuffer reply = ByteBuffer.allocate(40).order(ByteOrder.nativeOrder());
                reply.putInt(40).putShort((short) Nl.GENL_ID_CTRL).putShort((short) 0).putInt(seq).putInt(portId());
                reply.put((byte) Nl.CTRL_CMD_NEWFAMILY).put((byte) 2).putShort((short) 0);
                reply.putShort((short) 6).putShort((short) Nl.CTRL_ATTR_FAMILY_ID).putShort((short) id).putShort((short) 0);
                reply.putShort((short) 9).putShort((short) Nl.CTRL_ATTR_FAMILY_NAME).put("IPVS".getBytes()).put((byte) 0)
                        .put(new byte[3]);
                pending.add(reply.array());
                pending.add(error(seq, req, 0));
                return;
            }
            ipvsTypes.add(type);
            pending.add(error(seq, req, type == 0x22 ? 0 : -2));
        }

        private byte[] error(int seq, ByteBuffer request, int error) {
            ByteBuffer ack = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
            ack.putInt(36).putShort((short) Nl.NLMSG_ERROR).putShort((short) Nl.NLM_F_CAPPED).putInt(seq).putInt(portId())
                    .putInt(error);
            for (int i = 0; i < 16; i++) {
                ack.put(request.get(i));
            }
            return ack.array();
        }

        @Override
        public boolean receive(ByteBuffer buffer) {
            byte[] next = pending.poll();
            if (next == null) {
                return false;
            }
            int start = buffer.position();
            buffer.put(next).limit(start + next.length).position(start);
            return true;
        }

        @Override
        public int portId() {
            return 77;
        }

        @Override
        public void close() {}
    }

    @Test
    void retriesOnceWithTheNewFamilyId() throws Exception {
        ReloadingKernel kernel = new ReloadingKernel();
        try (IpvsNetlinkClient client = IpvsNetlinkClient.open(kernel, 64 << 10)) {
            client.flush();
            assertEquals(List.of(0x21, 0x22), kernel.ipvsTypes, "sent to the old id, then to the new one");
            assertEquals(0x22, client.familyId());
            client.zero();
            assertEquals(List.of(0x21, 0x22, 0x22), kernel.ipvsTypes, "the new id is kept");
        }
    }

    @Test
    void aVanishedFamilyMeansIpvsUnavailable() throws Exception {
        ReloadingKernel kernel = new ReloadingKernel();
        kernel.familyGone = true;
        try (IpvsNetlinkClient client = IpvsNetlinkClient.open(kernel, 64 << 10)) {
            assertThrows(IpvsUnavailableException.class, client::flush);
        }
    }
}
