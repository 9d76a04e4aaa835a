package io.ipvs4j.director.check;

import io.ipvs4j.model.InetAddresses;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

/**
 * keepalived's {@code DNS_CHECK} (check_dns.c): one UDP query for {@code name} of {@code type}
 * (recursion desired) to the target; it passes when an answer with the query's ID, the QR
 * bit set and RCODE 0 (NOERROR) arrives within the timeout. Datagrams shorter than a DNS
 * header, with another ID, or that are queries are ignored while waiting, as keepalived
 * ignores them; an answer with another RCODE (SERVFAIL, REFUSED, NXDOMAIN ...) fails, and so
 * does an ICMP port unreachable. As keepalived, the answer section is not inspected.
 *
 * <pre>{@code
 * DnsCheck c = DnsCheck.builder(InetAddresses.parse("192.0.2.53"), 53)
 *         .type("A").name("www.example.org").connectTimeout(Duration.ofSeconds(2)).build();
 * CheckResult r = c.start(io).join();
 * }</pre>
 */
public final class DnsCheck implements HealthCheck {
    /** The query types keepalived knows (check_dns.c, DNS_TYPE), by name. */
    public static final Map<String, Integer> TYPES = Map.of("A", 1, "NS", 2, "CNAME", 5, "SOA", 6, "MX", 15,
            "TXT", 16, "AAAA", 28, "RRSIG", 46, "DNSKEY", 48);
    /** keepalived's default type: SOA. */
    public static final String DEFAULT_TYPE = "SOA";
    /** keepalived's default name: the root. */
    public static final String DEFAULT_NAME = "";
    /** keepalived's DNS_CHECK retry default (check_dns.h, DNS_DEFAULT_RETRY). */
    public static final int DEFAULT_RETRIES = 3;
    private static final int HEADER = 12;

    private final InetSocketAddress target;
    private final String type;
    private final String name;
    private final Duration timeout;
    private final InetAddress bindAddress;

    private DnsCheck(Builder b) {
        this.target = new InetSocketAddress(b.address, b.port);
        this.type = b.type;
        this.name = b.name;
        this.timeout = b.timeout;
        this.bindAddress = b.bindAddress;
    }

    /**
     * A builder for a check of the DNS server at {@code address:port} (never resolved).
     *
     * @param address the DNS server (or {@code connect_ip})
     * @param port its UDP port, usually 53
     * @return a builder; finish with {@link Builder#build()}
     */
    public static Builder builder(InetAddress address, int port) {
        return new Builder(address, port);
    }

    /**
     * The query type, e.g. {@code "SOA"}.
     *
     * @return the type name in upper case
     */
    public String type() {
        return type;
    }

    /**
     * The name asked for; empty for the root.
     *
     * @return the name as given to the builder; empty or {@code "."} is the root
     */
    public String name() {
        return name;
    }

    /** The query as sent, with {@code id}: header, one question, no other records. */
    static byte[] query(int id, String name, int type) {
        ByteArrayOutputStream q = new ByteArrayOutputStream();
        q.write(id >> 8);
        q.write(id);
        q.write(0x01); // flags: RD
        q.write(0x00);
        q.write(0);
        q.write(1); // QDCOUNT
        for (int i = 0; i < 6; i++) {
            q.write(0); // ANCOUNT, NSCOUNT, ARCOUNT
        }
        if (!name.isEmpty() && !name.equals(".")) {
            for (String label : (name.endsWith(".") ? name.substring(0, name.length() - 1) : name).split("\\.")) {
                byte[] b = label.getBytes(StandardCharsets.US_ASCII);
                q.write(b.length);
                q.write(b, 0, b.length);
            }
        }
        q.write(0); // the root label
        q.write(type >> 8);
        q.write(type);
        q.write(0);
        q.write(1); // class IN
        return q.toByteArray();
    }

    @Override
    public CompletableFuture<CheckResult> start(CheckIo io) {
        String where = InetAddresses.toText(target.getAddress(), target.getPort());
        int id = ThreadLocalRandom.current().nextInt(0x10000);
        byte[] query = query(id, name, TYPES.get(type));
        String asked = type + " " + (name.isEmpty() ? "." : name);
        return io.udp(target, bindAddress).thenCompose(udp -> {
            udp.expireAfter(timeout, "DNS query " + asked + " to " + where);
            return udp.send(ByteBuffer.wrap(query)).thenCompose(v -> answer(udp, id))
                    .thenApply(rcode -> rcode == 0
                            ? CheckResult.up("DNS " + where + " answered " + asked)
                            : CheckResult.down("DNS " + where + " answered " + asked + " with RCODE " + rcode
                                    + rcodeName(rcode)))
                    .whenComplete((r, e) -> udp.close());
        }).exceptionally(e -> {
            Throwable cause = HttpGetCheck.unwrap(e);
            if (cause instanceof TimeoutException) {
                return CheckResult.down("DNS " + where + " did not answer " + asked + " within " + timeout);
            }
            if (cause instanceof PortUnreachableException) {
                return CheckResult.down("DNS " + where + " port unreachable (ICMP)");
            }
            return CheckResult.down("DNS " + where + " failed: " + cause);
        });
    }

    /** The RCODE of the first datagram that answers query {@code id}; others are skipped. */
    private static CompletableFuture<Integer> answer(CheckIo.UdpConnection udp, int id) {
        ByteBuffer buf = ByteBuffer.allocate(768); // keepalived's DNS_BUFFER_SIZE
        return udp.receive(buf).thenCompose(n -> {
            if (n >= HEADER) {
                int rid = ((buf.get(0) & 0xff) << 8) | (buf.get(1) & 0xff);
                boolean response = (buf.get(2) & 0x80) != 0;
                if (rid == id && response) {
                    return CompletableFuture.completedFuture(buf.get(3) & 0x0f);
                }
            }
            return answer(udp, id);
        });
    }

    private static String rcodeName(int rcode) {
        return switch (rcode) {
            case 1 -> " (FORMERR)";
            case 2 -> " (SERVFAIL)";
            case 3 -> " (NXDOMAIN)";
            case 4 -> " (NOTIMP)";
            case 5 -> " (REFUSED)";
            default -> "";
        };
    }

    @Override
    public String describe() {
        return "DNS_CHECK " + InetAddresses.toText(target.getAddress(), target.getPort()) + " " + type + " "
                + (name.isEmpty() ? "." : name);
    }

    @Override
    public String toString() {
        return describe() + " connect_timeout " + timeout;
    }

    /** Builds a {@link DnsCheck}. */
    public static final class Builder extends SocketCheckBuilder<Builder> {
        private String type = DEFAULT_TYPE;
        private String name = DEFAULT_NAME;

        private Builder(InetAddress address, int port) {
            super(address, port);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * The query type, one of {@link DnsCheck#TYPES} (any case); default SOA.
         *
         * @param type a type name such as {@code "A"} or {@code "soa"}
         * @return this builder
         */
        public Builder type(String type) {
            String t = Objects.requireNonNull(type, "type").toUpperCase(Locale.ROOT);
            if (!TYPES.containsKey(t)) {
                throw new IllegalArgumentException("DNS type must be one of " + new java.util.TreeSet<>(TYPES.keySet())
                        + ", was \"" + type + "\"");
            }
            this.type = t;
            return this;
        }

        /**
         * The name to ask for; empty or {@code "."} for the root (the default). Labels must be
         * 1..63 characters of printable ASCII, the whole name at most 253.
         *
         * @param name a domain name, with or without the trailing dot
         * @return this builder
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            String n = name.endsWith(".") && name.length() > 1 ? name.substring(0, name.length() - 1) : name;
            if (!n.isEmpty() && !n.equals(".")) {
                if (n.length() > 253) {
                    throw new IllegalArgumentException("DNS name longer than 253 characters: \"" + name + "\"");
                }
                for (String label : n.split("\\.", -1)) {
                    if (label.isEmpty() || label.length() > 63 || !label.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
                        throw new IllegalArgumentException("DNS name \"" + name + "\" has an empty, over-long (> 63)"
                                + " or non-printable label \"" + label + "\"");
                    }
                }
            }
            this.name = name;
            return this;
        }

        /**
         * The check.
         *
         * @return the check, immutable and reusable
         */
        public DnsCheck build() {
            return new DnsCheck(this);
        }
    }
}
