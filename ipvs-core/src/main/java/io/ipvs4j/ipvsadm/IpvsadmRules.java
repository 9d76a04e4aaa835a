package io.ipvs4j.ipvsadm;

import io.ipvs4j.Batch;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.Protocol;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Tunnel;
import io.ipvs4j.model.TunnelFlag;
import io.ipvs4j.model.TunnelType;
import io.ipvs4j.model.VirtualService;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * ipvsadm's rule syntax as a library format: the input of {@code ipvsadm -R} and the output
 * of {@code ipvsadm -Sn} (ipvsadm 1.31).
 *
 * <pre>{@code
 * List<IpvsadmRules.Rule> rules = IpvsadmRules.parse("""
 *         -A -t 192.0.2.100:80 -s rr -p
 *         -a -t 192.0.2.100:80 -r 198.51.100.3 -m -w 5
 *         """);
 * Batch batch = IpvsadmRules.toBatch(rules);       // each change tagged with its line number
 * BatchResult result = ipvs.apply(batch, BatchOptions.builder().errorPolicy(ErrorPolicy.CONTINUE).build());
 * for (BatchResult.Outcome o : result.failures()) {
 *     System.err.println("line " + batch.tag(o).orElseThrow() + ": " + o.error().orElseThrow().getMessage());
 * }
 * String saved = IpvsadmRules.save(ipvs.snapshot());  // byte for byte what ipvsadm -Sn prints
 * }</pre>
 *
 * <p>Parsing follows ipvsadm's {@code -R}: one command per line, tokens separated by blanks,
 * a token {@code ipvsadm} ignored, blank lines skipped; each line is parsed as
 * {@link IpvsadmCommand#parse(List, int)} parses a command line. Unlike ipvsadm, which stops
 * at the first bad line after applying the ones before it, the whole text is parsed before
 * anything is applied, and a line whose first token starts with {@code #} is a comment
 * (ipvsadm stops there).
 */
public final class IpvsadmRules {
    private IpvsadmRules() {}

    /**
     * One line of a rule file.
     *
     * @param line 1-based line number
     * @param command the parsed command
     */
    public record Rule(int line, IpvsadmCommand command) {
        /**
         * Checks the parts.
         *
         * @param line 1-based line number
         * @param command the parsed command
         * @throws NullPointerException if the command is null
         */
        public Rule {
            Objects.requireNonNull(command, "command");
        }
    }

    /**
     * Parses rule text.
     *
     * @param text the rules, one per line
     * @return the rules, in order
     * @throws IpvsadmSyntaxException for the first line ipvsadm would refuse, naming line and token
     */
    public static List<Rule> parse(String text) {
        Objects.requireNonNull(text, "text");
        return parse(new StringReader(text));
    }

    /**
     * Parses rule text from {@code in} (not closed).
     *
     * @param in the rules, read to the end
     * @return the rules, in order
     * @throws IpvsadmSyntaxException for the first line ipvsadm would refuse, naming line and token
     * @throws UncheckedIOException if reading fails
     */
    public static List<Rule> parse(Reader in) {
        Objects.requireNonNull(in, "in");
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        List<Rule> out = new ArrayList<>();
        int lineNo = 0;
        try {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lineNo++;
                List<String> tokens = tokens(line);
                if (tokens.isEmpty() || tokens.get(0).startsWith("#")) {
                    continue;
                }
                IpvsadmCommand c = IpvsadmCommand.parse(tokens, lineNo);
                if (c.kind() == IpvsadmCommand.Kind.RESTORE) {
                    throw new IpvsadmSyntaxException(lineNo, tokens.get(0), "-R inside a rule file");
                }
                out.add(new Rule(lineNo, c));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading ipvsadm rules failed after line " + lineNo, e);
        }
        return out;
    }

    /** ipvsadm's {@code config_stream_read}: blank-separated tokens, the word {@code ipvsadm} dropped. */
    static List<String> tokens(String line) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && isBlank(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isBlank(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                String t = line.substring(start, i);
                if (!t.equals("ipvsadm")) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
    }

    /**
     * The table changes of {@code rules}, in order, each tagged with its line number
     * ({@link Batch#tag(io.ipvs4j.BatchResult.Outcome)} gives an {@code Integer}).
     *
     * @param rules the parsed rules, in order
     * @return the batch of their changes, tagged with their line numbers
     * @throws IpvsadmSyntaxException naming the line if a rule is not {@code -A -E -D -a -e -d}
     */
    public static Batch toBatch(List<Rule> rules) {
        Batch.Builder b = Batch.builder();
        for (Rule rule : rules) {
            b.add(rule.command().toChange().orElseThrow(() -> new IpvsadmSyntaxException(rule.line(), null,
                    "a " + rule.command().kind().ipvsadmName() + " command is not a table change"
                            + " (-A -E -D -a -e -d)")), rule.line());
        }
        return b.build();
    }

    /**
     * The table as {@code ipvsadm -Sn} prints it, byte for byte: services and real servers
     * in ipvsadm's order, ipvsadm's spellings, {@code -M} only when not the host mask.
     * Like ipvsadm it omits thresholds and {@code flag-3} on sh and mh; see
     * {@link #saveComplete(List)}.
     *
     * @param table the services with their real servers
     * @return the rules
     */
    public static String save(List<ServiceSnapshot> table) {
        return save(table, false);
    }

    /**
     * Like {@link #save(List)}, plus what {@code -Sn} leaves out or misprints so that
     * restoring the text gives back the same table: {@code -x}/{@code -y} thresholds when set,
     * {@code flag-3} on sh and mh services, fwmarks above 2147483647 unsigned.
     *
     * @param table the services with their real servers
     * @return the rules
     */
    public static String saveComplete(List<ServiceSnapshot> table) {
        return save(table, true);
    }

    private static String save(List<ServiceSnapshot> table, boolean complete) {
        StringBuilder sb = new StringBuilder();
        for (ServiceSnapshot s : sortedAsIpvsadm(table)) {
            VirtualService v = s.service().service();
            String svc = serviceOption(v.key(), complete);
            sb.append("-A ").append(svc).append(" -s ").append(v.scheduler().name());
            Persistence p = v.persistence().orElse(null);
            if (p != null) {
                sb.append(" -p ").append(p.timeoutSeconds());
                if (p.netmaskBits() != v.key().family().addressBits()) {
                    sb.append(" -M ").append(v.key().family() == AddressFamily.INET
                            ? dotted(Persistence.ipv4Mask(p.netmaskBits())) : Integer.toString(p.netmaskBits()));
                }
            }
            v.persistenceEngine().ifPresent(pe -> sb.append(" --pe ").append(pe));
            if (v.flags().contains(ServiceFlag.ONE_PACKET)) {
                sb.append(" -o");
            }
            int bits = v.flagBits();
            if ((bits & ServiceFlag.SCHED_BITS) != 0) {
                String names = IpvsadmNames.schedulerFlags(bits, v.scheduler(), complete);
                if (!complete || !names.isEmpty()) {
                    sb.append(" -b ").append(names);
                }
            }
            sb.append('\n');
            for (RealServerStatus rs : sortedRealServers(s.realServers())) {
                RealServer r = rs.realServer();
                sb.append("-a ").append(svc).append(" -r ").append(endpoint(r.endpoint())).append(' ')
                        .append(IpvsadmNames.forwardingSwitch(r.forwarding())).append(" -w ").append(r.weight());
                if (r.forwarding() == io.ipvs4j.model.ForwardingMethod.TUNNEL) {
                    sb.append(tunnelOptions(r.tunnel().orElse(Tunnel.ipip())));
                }
                if (complete && (r.thresholds().upper() != 0 || r.thresholds().lower() != 0)) {
                    sb.append(" -x ").append(r.thresholds().upper()).append(" -y ").append(r.thresholds().lower());
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static String tunnelOptions(Tunnel t) {
        String csum = t.flags().contains(TunnelFlag.CHECKSUM) ? "--tun-csum"
                : t.flags().contains(TunnelFlag.REMOTE_CHECKSUM) ? "--tun-remcsum" : "--tun-nocsum";
        return switch (t.type()) {
            case IPIP -> " --tun-type ipip";
            case GUE -> " --tun-type gue --tun-port " + t.port() + " " + csum;
            case GRE -> " --tun-type gre " + csum;
        };
    }

    /**
     * {@code -t 192.0.2.1:80}, {@code --sctp-service [2001:db8::1]:80}, {@code -f 1 -6} as {@code -Sn} writes it.
     *
     * @param key the service
     * @return the option
     */
    public static String serviceOption(ServiceKey key) {
        return serviceOption(key, false);
    }

    private static String serviceOption(ServiceKey key, boolean complete) {
        if (key instanceof ServiceKey.FwMark f) {
            // ipvsadm prints the u32 mark with %d (4294967295 is -1), which its -R refuses;
            // the complete form writes it unsigned
            return "-f " + (complete ? Long.toString(f.markUnsigned()) : Integer.toString(f.mark()))
                    + (f.family() == AddressFamily.INET6 ? " -6" : "");
        }
        ServiceKey.Inet inet = (ServiceKey.Inet) key;
        String opt = switch (inet.protocol()) {
            case TCP -> "-t";
            case UDP -> "-u";
            case SCTP -> "--sctp-service";
        };
        return opt + " " + InetAddresses.toText(inet.address(), inet.port());
    }

    static String endpoint(Endpoint e) {
        return InetAddresses.toText(e.address(), e.port());
    }

    static String dotted(int mask) {
        return ((mask >>> 24) & 0xff) + "." + ((mask >>> 16) & 0xff) + "." + ((mask >>> 8) & 0xff) + "." + (mask & 0xff);
    }

    /**
     * {@code table} in ipvsadm's order ({@code ipvs_cmp_services} under glibc's merge sort):
     * fwmark, then family, protocol, address and port. ipvsadm compares with wrapping 32-bit
     * differences, so e.g. {@code 0.0.0.0} sorts after {@code 192.0.2.1}; this reproduces it.
     *
     * @param table the services with their real servers
     * @return the table in ipvsadm's order
     */
    public static List<ServiceSnapshot> sortedAsIpvsadm(List<ServiceSnapshot> table) {
        return mergeSort(table, IpvsadmRules::compareServices);
    }

    /**
     * Real servers in ipvsadm's order ({@code ipvs_cmp_dests}): address, then port.
     *
     * @param servers the representable real servers
     * @return the real servers in ipvsadm's order
     */
    public static List<RealServerStatus> sortedRealServers(List<RealServerStatus> servers) {
        return mergeSort(servers, (a, b) -> compareDests(a.endpoint(), b.endpoint()));
    }

    private static int compareServices(ServiceSnapshot a, ServiceSnapshot b) {
        ServiceKey k1 = a.service().key();
        ServiceKey k2 = b.service().key();
        int m1 = k1 instanceof ServiceKey.FwMark f ? f.mark() : 0;
        int m2 = k2 instanceof ServiceKey.FwMark f ? f.mark() : 0;
        int r = m1 - m2;
        if (r != 0) {
            return r;
        }
        r = afNumber(k1.family()) - afNumber(k2.family());
        if (r != 0) {
            return r;
        }
        if (!(k1 instanceof ServiceKey.Inet i1) || !(k2 instanceof ServiceKey.Inet i2)) {
            return 0;
        }
        r = protocolNumber(i1.protocol()) - protocolNumber(i2.protocol());
        if (r != 0) {
            return r;
        }
        r = compareAddresses(k1.family(), i1.address().getAddress(), i2.address().getAddress());
        if (r != 0) {
            return r;
        }
        return i1.port() - i2.port();
    }

    private static int compareDests(Endpoint d1, Endpoint d2) {
        int r = compareAddresses(d1.family(), d1.address().getAddress(), d2.address().getAddress());
        if (r != 0) {
            return r;
        }
        return d1.port() - d2.port();
    }

    /** ipvsadm's address order: the 32-bit words of {@link #words} in turn, one word for IPv4. */
    private static int compareAddresses(AddressFamily family, byte[] a1, byte[] a2) {
        int[] w1 = words(a1);
        int[] w2 = words(a2);
        int words = family == AddressFamily.INET6 ? 4 : 1;
        int r = 0;
        for (int i = 0; r == 0 && i < words; i++) {
            r = w1[i] - w2[i];
        }
        return r;
    }

    /** The address as in {@code union nf_inet_addr}: IPv4 in the first word, the rest zero. */
    private static int[] words(byte[] a) {
        int[] w = new int[4];
        for (int i = 0; i < a.length; i++) {
            w[i / 4] |= (a[i] & 0xff) << (24 - 8 * (i % 4));
        }
        return w;
    }

    private static int afNumber(AddressFamily f) {
        return f == AddressFamily.INET ? 2 : 10;
    }

    private static int protocolNumber(Protocol p) {
        return switch (p) {
            case TCP -> 6;
            case UDP -> 17;
            case SCTP -> 132;
        };
    }

    /** glibc's {@code msort_with_tmp}: top-down, halves n/2 and n - n/2, left wins ties. */
    private static <T> List<T> mergeSort(List<T> in, Comparator<T> cmp) {
        @SuppressWarnings("unchecked")
        T[] a = (T[]) in.toArray();
        T[] tmp = Arrays.copyOf(a, a.length);
        msort(a, tmp, 0, a.length, cmp);
        return Arrays.asList(a);
    }

    private static <T> void msort(T[] b, T[] tmp, int from, int n, Comparator<T> cmp) {
        if (n <= 1) {
            return;
        }
        int n1 = n / 2;
        int n2 = n - n1;
        msort(b, tmp, from, n1, cmp);
        msort(b, tmp, from + n1, n2, cmp);
        int i = from;
        int j = from + n1;
        int k = 0;
        int end1 = from + n1;
        int end2 = from + n;
        while (i < end1 && j < end2) {
            if (cmp.compare(b[i], b[j]) <= 0) {
                tmp[k++] = b[i++];
            } else {
                tmp[k++] = b[j++];
            }
        }
        while (i < end1) {
            tmp[k++] = b[i++];
        }
        // whatever is left of the second half is already in place
        System.arraycopy(tmp, 0, b, from, k);
    }

    /** The tunnel text of {@code -Ln --tun-info}: {@code ipip}, {@code gue:6080:+c}, {@code gre:-c}, {@code gue:1:r+c}. */
    static String tunnelInfo(Tunnel t) {
        String csum = t.flags().contains(TunnelFlag.CHECKSUM) ? "+c"
                : t.flags().contains(TunnelFlag.REMOTE_CHECKSUM) ? "r+c" : "-c";
        return t.type() == TunnelType.IPIP ? "ipip"
                : t.type() == TunnelType.GUE ? "gue:" + t.port() + ":" + csum : "gre:" + csum;
    }
}
