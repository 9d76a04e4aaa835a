package io.ipvs4j.netlink.internal.nl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * A {@link NetlinkChannel} that plays the kernel's side of ipvsadm captures. Each request the
 * client sends is matched to a request in the captures (same bytes with seq/pid masked, else
 * the same message type and genl command, in capture order) and answered with the datagrams the
 * kernel sent after it there, with seq and pid rewritten to the client's. A request with no
 * match fails the test.
 */
public final class ReplayKernel implements NetlinkChannel {
    private record Exchange(byte[] request, List<byte[]> replies) {}

    private final List<Exchange> exchanges = new ArrayList<>();
    private final boolean[] used;
    private final Deque<byte[]> pending = new ArrayDeque<>();
    private final List<byte[]> requests = new ArrayList<>();
    private final int portId = 4242;

    public ReplayKernel(String... fixtures) {
        for (String f : fixtures) {
            Exchange current = null;
            for (Fixtures.Datagram d : Fixtures.load(f)) {
                if (d.sent()) {
                    current = new Exchange(d.bytes(), new ArrayList<>());
                    exchanges.add(current);
                } else if (current != null) {
                    current.replies().add(d.bytes());
                }
            }
        }
        used = new boolean[exchanges.size()];
    }

    public List<byte[]> requests() {
        return requests;
    }

    @Override
    public void send(ByteBuffer buffer) {
        byte[] request = new byte[buffer.remaining()];
        buffer.get(request);
        requests.add(request);
        int match = -1;
        for (int i = 0; i < exchanges.size() && match < 0; i++) {
            if (!used[i] && Arrays.equals(Fixtures.masked(exchanges.get(i).request()), Fixtures.masked(request))) {
                match = i;
            }
        }
        for (int i = 0; i < exchanges.size() && match < 0; i++) {
            byte[] r = exchanges.get(i).request();
            if (!used[i] && r.length > 16 && request.length > 16 && r[4] == request[4] && r[5] == request[5] && r[16] == request[16]) {
                match = i;
            }
        }
        if (match < 0) {
            throw new AssertionError("request not in the captures: " + java.util.HexFormat.of().formatHex(request));
        }
        used[match] = true;
        ByteBuffer req = ByteBuffer.wrap(request).order(ByteOrder.nativeOrder());
        int seq = req.getInt(8);
        boolean terminated = false;
        for (byte[] reply : exchanges.get(match).replies()) {
            byte[] copy = reply.clone();
            ByteBuffer b = ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder());
            int off = 0;
            while (off + 16 <= copy.length) {
                int len = b.getInt(off);
                b.putInt(off + 8, seq).putInt(off + 12, portId);
                int type = Short.toUnsignedInt(b.getShort(off + 4));
                terminated |= type == Nl.NLMSG_ERROR || type == Nl.NLMSG_DONE;
                if (len < 16) {
                    break;
                }
                off += Nl.align(len);
            }
            pending.add(copy);
        }
        // ipvsadm closed its socket after a doit reply without reading the ACK that follows it,
        // so the captures lack it; the kernel sends it when NLM_F_ACK is set.
        int flags = Short.toUnsignedInt(req.getShort(6));
        if (!terminated && (flags & Nl.NLM_F_ACK) != 0 && (flags & Nl.NLM_F_DUMP) == 0) {
            ByteBuffer ack = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
            ack.putInt(36).putShort((short) Nl.NLMSG_ERROR).putShort((short) Nl.NLM_F_CAPPED).putInt(seq).putInt(portId).putInt(0);
            ack.put(request, 0, 16);
            pending.add(ack.array());
        }
    }

    @Override
    public boolean receive(ByteBuffer buffer) throws SyscallException {
        byte[] next = pending.poll();
        if (next == null) {
            return false;
        }
        if (next.length > buffer.remaining()) {
            throw new SyscallException("recvfrom(replay)", "datagram larger than the buffer");
        }
        int start = buffer.position();
        buffer.put(next);
        buffer.limit(start + next.length).position(start);
        return true;
    }

    @Override
    public int portId() {
        return portId;
    }

    @Override
    public void close() {}
}
