package io.ipvs4j.adm;

import io.ipvs4j.Ipvs;
import io.ipvs4j.testing.InMemoryIpvs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;

/**
 * The workload run under {@code -XX:ArchiveClassesAtExit} to build the distribution's
 * class-data-sharing archive: the parser, the printers and the batch path on the in-memory
 * fake, then (with {@code IPVS4J_ADM_TRAIN_KERNEL=1}, meant for a throwaway network namespace
 * whose table is empty) the same commands on the kernel, so that the netlink classes are
 * archived too. Prints nothing; the status is 0 unless the in-memory part fails.
 */
final class CdsTraining {
    private static final String RULES = """
            -A -t 192.0.2.1:80 -s rr -p -b flag-1
            -a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 2
            -A -u [2001:db8::1]:53 -s wlc -o
            -a -u [2001:db8::1]:53 -r [2001:db8::2]:53 -g -w 1
            -A -f 7 -6 -s sh -b sh-port -p 60 -M 64
            -E -t 192.0.2.1:80 -s wrr -p 300 -M 255.255.255.0
            -e -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 3 -x 10 -y 5
            -d -t 192.0.2.1:80 -r 198.51.100.1:80
            -D -t 192.0.2.1:80
            """;

    private CdsTraining() {}

    static int run(PrintStream out, PrintStream err) {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), false, StandardCharsets.UTF_8);
        try (InMemoryIpvs fake = new InMemoryIpvs()) {
            int rc = exercise(() -> fake, sink);
            if (rc != 0) {
                err.println("ipvs4j-adm --cds-training: the in-memory run failed with status " + rc);
                return rc;
            }
        }
        if ("1".equals(System.getenv("IPVS4J_ADM_TRAIN_KERNEL"))) {
            try (Ipvs kernel = IpvsAdm.openNetlink()) {
                if (kernel.services().isEmpty()) {
                    exercise(() -> kernel, sink);
                    kernel.flush();
                }
            } catch (Exception | LinkageError e) {
                // no IPVS here: the archive then holds the classes the in-memory run loaded
            }
        } else {
            try (Ipvs kernel = IpvsAdm.openNetlink()) {
                kernel.info();
            } catch (Exception | LinkageError e) {
                // loads the netlink classes up to the family lookup, which fails without IPVS
            }
        }
        return 0;
    }

    private static int exercise(java.util.function.Supplier<Ipvs> ipvs, PrintStream sink) {
        Ipvs shared = ipvs.get();
        IpvsAdm adm = new IpvsAdm(sink, sink, () -> shared, false);
        int rc = adm.run(new String[] {"-R"}, new StringReader(RULES.replace("-D -t 192.0.2.1:80\n", "")));
        for (String[] args : new String[][] {{"-A", "-t", "192.0.2.9:80", "-s", "rr"},
                {"-a", "-t", "192.0.2.9:80", "-r", "198.51.100.9", "-m", "-w", "5"}, {"-Ln"}, {"-Sn"},
                {"-Ln", "--stats"}, {"-Ln", "--rate"}, {"-Ln", "--thresholds"}, {"-Ln", "--persistent-conn"},
                {"-Ln", "--tun-info"}, {"-L", "-n", "--timeout"}, {"-L", "--daemon"}, {"-Ln", "-t", "192.0.2.9:80"},
                {"-Z"}, {"-A", "-t", "192.0.2.9:80"}, {"-d", "-t", "192.0.2.9:80", "-r", "198.51.100.9"},
                {"-D", "-t", "192.0.2.9:80"}, {"-C"}}) {
            adm.run(args, new StringReader(""));
        }
        return rc;
    }
}
