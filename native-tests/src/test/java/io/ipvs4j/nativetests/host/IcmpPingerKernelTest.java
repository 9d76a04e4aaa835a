package io.ipvs4j.nativetests.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.IcmpEchoException;
import io.ipvs4j.netlink.IcmpEchoException.Reason;
import io.ipvs4j.netlink.IcmpPinger;
import io.ipvs4j.netlink.NetlinkOptions;
import io.ipvs4j.netlink.internal.nl.SyscallException;
import io.ipvs4j.netlink.internal.sys.Native;
import io.ipvs4j.netlink.internal.sys.NetNs;
import io.ipvs4j.netlink.internal.sys.Sock;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link IcmpPinger} against the kernel: a pinger namespace and a peer namespace joined by one
 * veth pair; the pinger's sockets are opened in the pinger namespace through
 * {@link NetlinkOptions#namespace()}.
 */
@KernelTest
class IcmpPingerKernelTest {
    private static final Duration SHORT = Duration.ofSeconds(1);
    private static final InetAddress US4 = InetAddresses.parse("192.0.2.1");
    private static final InetAddress US6 = InetAddresses.parse("2001:db8:1::1");
    private static final InetAddress PEER4 = InetAddresses.parse("192.0.2.2");
    private static final InetAddress PEER6 = InetAddresses.parse("2001:db8:1::2");
    private static final InetAddress UNUSED4 = InetAddresses.parse("192.0.2.99");
    private static final InetAddress UNUSED6 = InetAddresses.parse("2001:db8:1::99");

    private Topology topology;
    private Topology.Node pingerNode;
    private Topology.Node peer;
    private IcmpPinger pinger;
    private IcmpPinger.Stats warmUp;

    @BeforeEach
    void pair() throws Exception {
        topology = new Topology();
        pingerNode = topology.node("pinger");
        peer = topology.node("peer");
        Commands.run("ip", "link", "add", "ic0", "netns", pingerNode.name(), "type", "veth",
                "peer", "name", "ic1", "netns", peer.name()).check();
        pingerNode.addAddress("ic0", "192.0.2.1/24");
        pingerNode.addAddress("ic0", "2001:db8:1::1/64");
        for (int i = 2; i <= 5; i++) {   // several targets on the peer
            peer.addAddress("ic1", "192.0.2." + i + "/24");
            peer.addAddress("ic1", "2001:db8:1::" + i + "/64");
        }
        pingerNode.ok("ip", "link", "set", "ic0", "up");
        peer.ok("ip", "link", "set", "ic1", "up");
        pinger = IcmpPinger.open(NetlinkOptions.builder()
                .namespace(NetlinkOptions.namedNamespace(pingerNode.name())).build());
        // the veth carries nothing until the kernel's link watch has activated it (up to a
        // second after "up"); neighbour discovery retries cover that within 5 s
        pinger.echo(PEER4, null, Duration.ofSeconds(5)).get(60, TimeUnit.SECONDS);
        pinger.echo(PEER6, null, Duration.ofSeconds(5)).get(60, TimeUnit.SECONDS);
        warmUp = pinger.stats();
    }

    @AfterEach
    void teardown() {
        try {
            if (pinger != null) {
                pinger.close();
            }
        } finally {
            topology.close();
        }
    }

    private static IcmpEchoException failure(CompletableFuture<Duration> echo) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> echo.get(60, TimeUnit.SECONDS));
        return assertInstanceOf(IcmpEchoException.class, e.getCause());
    }

    private static void assertNames(IcmpEchoException e, InetAddress target, Reason reason) {
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(target, e.target());
        assertTrue(e.getMessage().contains(InetAddresses.toText(target)), e.getMessage());
    }

    @Test
    void liveAddressesAnswerOverIpv4AndIpv6() throws Exception {
        CompletableFuture<Duration> v4 = pinger.echo(PEER4, null, Duration.ofSeconds(5));
        CompletableFuture<Duration> v6 = pinger.echo(PEER6, null, Duration.ofSeconds(5));
        CompletableFuture<Duration> fromUs4 = pinger.echo(PEER4, US4, Duration.ofSeconds(5));
        CompletableFuture<Duration> fromUs6 = pinger.echo(PEER6, US6, Duration.ofSeconds(5));
        for (CompletableFuture<Duration> f : List.of(v4, v6, fromUs4, fromUs6)) {
            Duration rtt = f.get(60, TimeUnit.SECONDS);
            assertTrue(!rtt.isNegative() && rtt.compareTo(Duration.ofSeconds(5)) < 0, "rtt " + rtt);
        }
        IcmpPinger.Stats s = pinger.stats();
        assertEquals(4, s.sent() - warmUp.sent());
        assertEquals(4, s.replies() - warmUp.replies());
        assertEquals(0, s.inFlight());
    }

    @Test
    void theSourceAddressIsTheOneGiven() throws Exception {
        // 198.51.100.1 on the pinger's lo: the peer has no route back to it until we add one
        pingerNode.addAddress("lo", "198.51.100.1/32");
        InetAddress other = InetAddresses.parse("198.51.100.1");
        assertNames(failure(pinger.echo(PEER4, other, SHORT)), PEER4, Reason.TIMEOUT);
        pinger.echo(PEER4, null, SHORT).get(60, TimeUnit.SECONDS);   // the route's own source works
        peer.ok("ip", "route", "add", "198.51.100.1/32", "via", "192.0.2.1");
        pinger.echo(PEER4, other, Duration.ofSeconds(5)).get(60, TimeUnit.SECONDS);
        // a source that is not local to the pinger's namespace: the kernel refuses to send
        IcmpEchoException e = failure(pinger.echo(PEER4, InetAddresses.parse("192.0.2.50"), SHORT));
        assertNames(e, PEER4, Reason.SEND_FAILED);
        IcmpEchoException e6 = failure(pinger.echo(PEER6, InetAddresses.parse("2001:db8:1::50"), SHORT));
        assertNames(e6, PEER6, Reason.SEND_FAILED);
        assertEquals(2, pinger.stats().sendFailures());
    }

    @Test
    void anUnusedAddressTimesOutAndThenIsReportedUnreachable() throws Exception {
        CompletableFuture<Duration> v4 = pinger.echo(UNUSED4, null, SHORT);
        CompletableFuture<Duration> v6 = pinger.echo(UNUSED6, null, SHORT);
        assertNames(failure(v4), UNUSED4, Reason.TIMEOUT);
        assertNames(failure(v6), UNUSED6, Reason.TIMEOUT);
        // with time for neighbour discovery to give up (3 probes, 1 s apart), the kernel reports
        // host / address unreachable, quoting our request
        InetAddress other4 = InetAddresses.parse("192.0.2.98");
        InetAddress other6 = InetAddresses.parse("2001:db8:1::98");
        CompletableFuture<Duration> u4 = pinger.echo(other4, null, Duration.ofSeconds(20));
        CompletableFuture<Duration> u6 = pinger.echo(other6, null, Duration.ofSeconds(20));
        IcmpEchoException e4 = failure(u4);
        assertNames(e4, other4, Reason.UNREACHABLE);
        assertEquals(3, e4.icmpType());
        assertEquals(1, e4.icmpCode());   // host unreachable
        assertEquals(US4, e4.reporter().orElseThrow());
        IcmpEchoException e6 = failure(u6);
        assertNames(e6, other6, Reason.UNREACHABLE);
        assertEquals(1, e6.icmpType());
        assertEquals(3, e6.icmpCode());   // address unreachable
        IcmpPinger.Stats s = pinger.stats();
        assertEquals(2, s.timeouts());
        assertEquals(2, s.errors());
    }

    @Test
    void theEchoFailsOnceThePeerLinkIsDown() throws Exception {
        pinger.echo(PEER4, null, SHORT).get(60, TimeUnit.SECONDS);
        pinger.echo(PEER6, null, SHORT).get(60, TimeUnit.SECONDS);
        peer.ok("ip", "link", "set", "ic1", "down");
        assertTrue(failure(pinger.echo(PEER4, null, SHORT)).getMessage().contains("192.0.2.2"));
        assertTrue(failure(pinger.echo(PEER6, null, SHORT)).getMessage().contains("2001:db8:1::2"));
        peer.ok("ip", "link", "set", "ic1", "up");
        waitFor(() -> {
            try {
                return pinger.echo(PEER4, null, SHORT).handle((rtt, e) -> e == null).get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                return false;
            }
        }, "the peer answers again once its link is up");
    }

    @Test
    void thousandConcurrentEchoesCompleteOnTheSameTwoThreads() throws Exception {
        List<InetAddress> targets = new ArrayList<>();
        for (int i = 2; i <= 5; i++) {
            targets.add(InetAddresses.parse("192.0.2." + i));
            targets.add(InetAddresses.parse("2001:db8:1::" + i));
        }
        for (InetAddress t : targets) {   // neighbours resolved first: the kernel queues few packets per unresolved one
            pinger.echo(t, null, Duration.ofSeconds(5)).get(60, TimeUnit.SECONDS);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        threads.resetPeakThreadCount();
        int before = threads.getThreadCount();
        List<CompletableFuture<Duration>> echoes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            echoes.add(pinger.echo(targets.get(i % targets.size()), null, Duration.ofSeconds(30)));
        }
        assertTrue(pinger.stats().inFlight() <= 1000);
        CompletableFuture.allOf(echoes.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        for (CompletableFuture<Duration> e : echoes) {
            assertTrue(e.isDone() && !e.isCompletedExceptionally());
        }
        int peak = threads.getPeakThreadCount();
        assertTrue(peak <= before + 2, "1,000 echoes started threads: " + before + " before, peak " + peak);
        long pingerThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("ipvs4j-icmp")).count();
        assertEquals(2, pingerThreads, "one receive thread and one timer thread");
        IcmpPinger.Stats s = pinger.stats();
        assertEquals(1000 + targets.size(), s.replies() - warmUp.replies());
        assertEquals(0, s.inFlight());
        assertEquals(0, s.timeouts());
    }

    @Test
    void malformedDatagramsAreCountedAndIgnored() throws Exception {
        // the peer sends, from raw sockets of its own: an echo reply with a bad checksum, a
        // destination unreachable whose quote is cut short (IPv4 and IPv6), and a well-formed
        // echo reply that answers nothing (another pinger's)
        byte[] badChecksum = {0, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8};
        byte[] shortQuote = new byte[8 + 12];
        shortQuote[0] = 3;
        shortQuote[1] = 1;
        byte[] foreign = {0, 0, 0, 0, 0x77, 0x77, 0, 9, 1, 2, 3, 4};
        setChecksum(shortQuote);
        setChecksum(foreign);
        setChecksum(badChecksum);
        badChecksum[3] ^= 0x5a;
        byte[] shortQuote6 = new byte[8 + 12];
        shortQuote6[0] = 1;   // the kernel fills the ICMPv6 checksum in
        NetNs.callIn(NetlinkOptions.namedNamespace(peer.name()), () -> {
            sendRaw(false, US4, badChecksum);
            sendRaw(false, US4, shortQuote);
            sendRaw(false, US4, foreign);
            sendRaw(true, US6, shortQuote6);
            return null;
        });
        waitFor(() -> pinger.stats().malformed() == 3 && pinger.stats().unmatched() == 1,
                "3 malformed and 1 unmatched counted, " + "now " + pinger.stats());
        pinger.echo(PEER4, null, Duration.ofSeconds(5)).get(60, TimeUnit.SECONDS);
        pinger.echo(PEER6, null, Duration.ofSeconds(5)).get(60, TimeUnit.SECONDS);
        assertEquals(3, pinger.stats().malformed());
    }

    @Test
    void closeFailsTheEchoesInFlightAndStopsItsThreads() throws Exception {
        CompletableFuture<Duration> pending = pinger.echo(UNUSED4, null, Duration.ofMinutes(5));
        pinger.close();
        assertNames(failure(pending), UNUSED4, Reason.CLOSED);
        assertNames(failure(pinger.echo(PEER4, null, SHORT)), PEER4, Reason.CLOSED);
        waitFor(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("ipvs4j-icmp") && t.isAlive()), "the pinger's threads end");
        assertThrows(IllegalArgumentException.class, () -> pinger.echo(PEER4, US6, SHORT));
        assertThrows(IllegalArgumentException.class, () -> pinger.echo(PEER4, null, Duration.ZERO));
    }

    private static void setChecksum(byte[] icmp) {
        ByteBuffer b = ByteBuffer.wrap(icmp);
        b.putShort(2, (short) 0);
        long sum = 0;
        for (int i = 0; i + 1 < icmp.length; i += 2) {
            sum += ((icmp[i] & 0xff) << 8) | (icmp[i + 1] & 0xff);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        b.putShort(2, (short) ~sum);
    }

    /** One datagram from a raw ICMP / ICMPv6 socket of the calling thread's namespace. */
    private static void sendRaw(boolean v6, InetAddress to, byte[] icmp) throws SyscallException {
        int fd = Sock.socket(v6 ? Native.AF_INET6 : Native.AF_INET, Native.SOCK_RAW,
                v6 ? Native.IPPROTO_ICMPV6 : Native.IPPROTO_ICMP, "forger");
        try {
            ByteBuffer data = Sock.direct(icmp.length);
            data.put(0, icmp);
            ByteBuffer address = Sock.direct(Sock.SOCKADDR_IN6);
            int addressLength = Sock.putSockaddr(address, to, 0);
            ByteBuffer msg = Sock.direct(56 + 16);   // struct msghdr + one iovec
            long base = Sock.address(msg);
            msg.putLong(0, Sock.address(address));
            msg.putInt(8, addressLength);
            msg.putLong(16, base + 56);
            msg.putLong(24, 1);
            msg.putLong(56, Sock.address(data));
            msg.putLong(64, icmp.length);
            if (Native.libc().sendmsg(fd, base, 0) != icmp.length) {
                throw new SyscallException("sendmsg(forged ICMP to " + InetAddresses.toText(to) + ")", Native.errno());
            }
        } finally {
            Sock.close(fd);
        }
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(50);
        }
    }
}
