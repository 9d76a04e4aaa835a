package io.ipvs4j.netlink.internal.ipvs;

import io.ipvs4j.Errno;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.netlink.internal.nl.AttributeCursor;
import io.ipvs4j.netlink.internal.nl.MalformedMessageException;
import io.ipvs4j.netlink.internal.nl.MessageWriter;
import io.ipvs4j.netlink.internal.nl.NetlinkChannel;
import io.ipvs4j.netlink.internal.nl.Nl;
import io.ipvs4j.netlink.internal.nl.SyscallException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * A stateful scripted IPVS kernel behind a {@link NetlinkChannel}: resolves the family, keeps a
 * service table (NEW/SET/DEL_SERVICE; GET_SERVICE by key and as a dump; real-server dumps are
 * empty), answers every message of a send in order as the kernel does (NLMSG_ERROR with the
 * errno, or 0 when NLM_F_ACK is set), and can be told to misbehave: split dumps into
 * datagrams of a few messages, mark dumps NLM_F_DUMP_INTR, insert a malformed dump entry,
 * stall in the middle of a dump, drop replies (ENOBUFS), fail a send or a receive.
 *
 * <p>Like the kernel, it runs one dump at a time per socket: a dump request while an earlier
 * dump's datagrams are still queued is answered with EBUSY.
 */
final class FakeIpvsKernel implements NetlinkChannel {
    static final int FAMILY_ID = 0x23;
    static final int PORT_ID = 777;

    /** One queued datagram, or a receive-side event. */
    private record Item(byte[] datagram, int dumpSeq, SyscallException failure, boolean stall) {}

    private final Deque<Item> queue = new ArrayDeque<>();
    final Map<ServiceKey, VirtualService> services = new LinkedHashMap<>();
    final List<byte[]> requests = new ArrayList<>();
    int dumpRequests;
    int sends;
    boolean closed;

    // misbehaviour knobs
    int messagesPerDumpDatagram = 2;
    /** How many of the next dumps come marked NLM_F_DUMP_INTR. */
    int interruptNextDumps;
    /** Insert an entry without AF in the next service dump (a decode error in the middle). */
    boolean malformedEntryInNextDump;
    /** Stall (nothing within the timeout) after the first datagram of the next dump. */
    boolean stallInNextDump;
    /** Drop the reply to the batch message with this index in the next send (0-based), reporting ENOBUFS. */
    int dropReplyOfMessage = -1;
    /** Send number (1-based) whose send() fails, or 0. */
    int failSend;
    /** Send number (1-based) after whose processing the first receive fails, or 0. */
    int failReceiveAfterSend;
    /** Which GET_SERVICE read-backs fail (by their count, 1-based). */
    IntPredicate failReadBack = n -> false;
    private int readBacks;

    @Override
    public void send(ByteBuffer buffer) throws SyscallException {
        if (closed) {
            throw new SyscallException("send(fake)", 9 /* EBADF */);
        }
        sends++;
        if (sends == failSend) {
            throw new SyscallException("send(fake)", Errno.ENOMEM);
        }
        byte[] all = new byte[buffer.remaining()];
        buffer.get(all);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.nativeOrder());
        int offset = 0;
        int index = 0;
        while (offset + Nl.NLMSG_HDRLEN <= all.length) {
            int len = b.getInt(offset);
            byte[] one = java.util.Arrays.copyOfRange(all, offset, offset + len);
            requests.add(one);
            answer(one, index++);
            offset += Nl.align(len);
        }
        if (sends == failReceiveAfterSend) {
            queue.addFirst(new Item(null, 0, new SyscallException("recv(fake)", 5 /* EIO */), false));
        }
    }

    private void answer(byte[] request, int index) {
        ByteBuffer r = ByteBuffer.wrap(request).order(ByteOrder.nativeOrder());
        int type = Short.toUnsignedInt(r.getShort(4));
        int flags = Short.toUnsignedInt(r.getShort(6));
        int seq = r.getInt(8);
        if (type == Nl.GENL_ID_CTRL) {
            MessageWriter w = new MessageWriter(256);
            int m = w.beginMessage(Nl.GENL_ID_CTRL, 0, seq);
            w.genlHeader(Nl.CTRL_CMD_NEWFAMILY, 2);
            w.putU16(Nl.CTRL_ATTR_FAMILY_ID, FAMILY_ID);
            w.putString(Nl.CTRL_ATTR_FAMILY_NAME, "IPVS");
            w.putU32(Nl.CTRL_ATTR_VERSION, 1);
            w.endMessage(m);
            stamp(w, PORT_ID);
            queue.add(new Item(bytes(w), 0, null, false));
            queue.add(new Item(error(seq, 0, request), 0, null, false));
            return;
        }
        int cmd = Byte.toUnsignedInt(request[16]);
        boolean dump = (flags & Nl.NLM_F_DUMP) == Nl.NLM_F_DUMP;
        if (dump) {
            dumpRequests++;
            if (queue.stream().anyMatch(i -> i.dumpSeq() != 0)) {
                queue.add(new Item(error(seq, Errno.EBUSY, request), 0, null, false));
                return;
            }
            dump(cmd, seq);
            return;
        }
        int errno = 0;
        List<byte[]> data = new ArrayList<>();
        try {
            switch (cmd) {
                case IpvsUapi.CMD_NEW_SERVICE -> {
                    VirtualService s = decodeService(request, IpvsUapi.CMD_NEW_SERVICE);
                    errno = services.putIfAbsent(s.key(), s) == null ? 0 : Errno.EEXIST;
                }
                case IpvsUapi.CMD_SET_SERVICE -> {
                    VirtualService s = decodeService(request, IpvsUapi.CMD_SET_SERVICE);
                    errno = services.replace(s.key(), s) != null ? 0 : Errno.ESRCH;
                }
                case IpvsUapi.CMD_DEL_SERVICE -> errno = services.remove(key(request)) != null ? 0 : Errno.ESRCH;
                case IpvsUapi.CMD_GET_SERVICE -> {
                    if (failReadBack.test(++readBacks)) {
                        closed = true;   // the socket broke: the read-back cannot be made
                        return;
                    }
                    VirtualService s = services.get(key(request));
                    if (s == null) {
                        errno = Errno.ESRCH;
                    } else {
                        data.add(serviceMessage(s, seq, 0));
                    }
                }
                default -> errno = Errno.EOPNOTSUPP;
            }
        } catch (MalformedMessageException e) {
            errno = Errno.EINVAL;
        }
        for (byte[] d : data) {
            queue.add(new Item(d, 0, null, false));
        }
        if (errno != 0 || (flags & Nl.NLM_F_ACK) != 0) {
            if (index == dropReplyOfMessage) {
                // The kernel could not queue this reply: the socket reports ENOBUFS once.
                queue.add(new Item(null, 0, new SyscallException("recv(fake)", Errno.ENOBUFS), false));
                dropReplyOfMessage = -1;
                return;
            }
            queue.add(new Item(error(seq, errno, request), 0, null, false));
        }
    }

    private void dump(int cmd, int seq) {
        int dumpFlags = Nl.NLM_F_MULTI;
        if (interruptNextDumps > 0) {
            interruptNextDumps--;
            dumpFlags |= Nl.NLM_F_DUMP_INTR;
        }
        List<byte[]> messages = new ArrayList<>();
        if (cmd == IpvsUapi.CMD_GET_SERVICE) {
            int n = 0;
            for (VirtualService s : services.values()) {
                messages.add(serviceMessage(s, seq, dumpFlags));
                if (malformedEntryInNextDump && ++n == 1) {
                    MessageWriter w = new MessageWriter(256);
                    int m = IpvsCodec.begin(w, FAMILY_ID, IpvsUapi.CMD_NEW_SERVICE, dumpFlags, seq);
                    int nest = w.beginNested(IpvsUapi.CMD_ATTR_SERVICE);
                    w.putString(IpvsUapi.SVC_ATTR_SCHED_NAME, "rr");   // no AF: not decodable
                    w.endNested(nest);
                    w.endMessage(m);
                    messages.add(bytes(w));
                }
            }
            malformedEntryInNextDump = false;
        }
        MessageWriter done = new MessageWriter(64);
        int m = done.beginMessage(Nl.NLMSG_DONE, dumpFlags, seq);
        done.putRawInt(0);
        done.endMessage(m);
        messages.add(bytes(done));
        boolean stall = stallInNextDump;
        stallInNextDump = false;
        for (int i = 0; i < messages.size(); i += messagesPerDumpDatagram) {
            java.io.ByteArrayOutputStream d = new java.io.ByteArrayOutputStream();
            for (int j = i; j < Math.min(messages.size(), i + messagesPerDumpDatagram); j++) {
                d.writeBytes(messages.get(j));
            }
            queue.add(new Item(d.toByteArray(), seq, null, false));
            if (stall && i == 0) {
                queue.add(new Item(null, seq, null, true));
            }
        }
    }

    private static VirtualService decodeService(byte[] request, int cmd) throws MalformedMessageException {
        byte[] copy = request.clone();
        copy[16] = (byte) IpvsUapi.CMD_NEW_SERVICE;
        ByteBuffer b = ByteBuffer.allocateDirect(copy.length).order(ByteOrder.nativeOrder());
        b.put(copy).flip();
        ServiceStatus s = IpvsCodec.decodeService(b, Nl.NLMSG_HDRLEN, copy.length);
        return s.service();
    }

    private static ServiceKey key(byte[] request) throws MalformedMessageException {
        ByteBuffer b = ByteBuffer.allocateDirect(request.length).order(ByteOrder.nativeOrder());
        b.put(request).flip();
        AttributeCursor top = AttributeCursor.over(b, Nl.NLMSG_HDRLEN + Nl.GENL_HDRLEN, request.length);
        while (top.next()) {
            if (top.type() == IpvsUapi.CMD_ATTR_SERVICE) {
                AttributeCursor a = top.nested();
                int protocol = 0;
                int port = 0;
                java.net.InetAddress address = null;
                while (a.next()) {
                    switch (a.type()) {
                        case IpvsUapi.SVC_ATTR_PROTOCOL -> protocol = a.u16();
                        case IpvsUapi.SVC_ATTR_PORT -> port = a.u16Be();
                        case IpvsUapi.SVC_ATTR_ADDR -> address = a.address(4);
                        default -> { }
                    }
                }
                return protocol == 6 ? ServiceKey.tcp(address.getHostAddress(), port)
                        : ServiceKey.udp(address.getHostAddress(), port);
            }
        }
        throw new MalformedMessageException("no service in request");
    }

    static byte[] serviceMessage(VirtualService s, int seq, int flags) {
        MessageWriter w = new MessageWriter(512);
        int m = IpvsCodec.begin(w, FAMILY_ID, IpvsUapi.CMD_NEW_SERVICE, flags, seq);
        IpvsCodec.serviceFull(w, s, s.flagBits(), -1);
        w.endMessage(m);
        ByteBuffer out = w.buffer();
        // replies carry neither NLM_F_REQUEST nor the request flags
        out.putShort(6, (short) flags);
        out.putInt(12, PORT_ID);
        return bytes(w);
    }

    private static byte[] error(int seq, int errno, byte[] request) {
        ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        b.putInt(36).putShort((short) Nl.NLMSG_ERROR).putShort((short) Nl.NLM_F_CAPPED).putInt(seq).putInt(PORT_ID)
                .putInt(-errno).put(request, 0, 16);
        return b.array();
    }

    private static void stamp(MessageWriter w, int pid) {
        w.buffer().putInt(12, pid);
    }

    private static byte[] bytes(MessageWriter w) {
        ByteBuffer out = w.buffer().duplicate();
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        ByteBuffer fix = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        // every message in the writer: set the port id
        int off = 0;
        while (off + 16 <= b.length) {
            fix.putInt(off + 12, PORT_ID);
            off += Nl.align(fix.getInt(off));
        }
        return b;
    }

    @Override
    public boolean receive(ByteBuffer buffer) throws SyscallException {
        return take(buffer, true);
    }

    @Override
    public boolean receiveQueued(ByteBuffer buffer) throws SyscallException {
        return take(buffer, false);
    }

    private boolean take(ByteBuffer buffer, boolean wait) throws SyscallException {
        if (closed) {
            throw new SyscallException("recv(fake)", 9 /* EBADF */);
        }
        Item next = queue.poll();
        if (next == null) {
            return false;
        }
        if (next.stall()) {
            return false;   // nothing within the receive timeout; the rest comes later
        }
        if (next.failure() != null) {
            throw next.failure();
        }
        if (next.datagram().length > buffer.remaining()) {
            throw SyscallException.truncated("recv(fake)", "datagram larger than the buffer");
        }
        int start = buffer.position();
        buffer.put(next.datagram());
        buffer.limit(start + next.datagram().length).position(start);
        return true;
    }

    /** True if a dump's datagrams are still queued (the kernel would still be dumping). */
    boolean dumpRunning() {
        return queue.stream().anyMatch(i -> i.dumpSeq() != 0);
    }

    @Override
    public int portId() {
        return PORT_ID;
    }

    @Override
    public void close() {
        closed = true;
    }

    static AddressFamily inet() {
        return AddressFamily.INET;
    }
}
