package io.ipvs4j.nativetests.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.BatchResult;
import io.ipvs4j.IpvsException;
import io.ipvs4j.ModuleNotFoundException;
import io.ipvs4j.adm.IpvsAdm;
import io.ipvs4j.ipvsadm.IpvsadmRules;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.KernelTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ipvsadm 1.31 is the oracle for ipvs4j's rule format ({@link IpvsadmRules}) and for the
 * listings of {@code ipvs4j-adm} ({@link IpvsAdm}, run in-process on a client of the test's
 * namespace): for each scenario, the rules go in through {@code ipvsadm -R}, and
 * <ol>
 * <li>print: {@code IpvsadmRules.save} of what ipvs4j lists equals {@code ipvsadm -Sn};</li>
 * <li>listings: {@code ipvs4j-adm -Ln} with every listing option equals ipvsadm's, line by line;</li>
 * <li>parse: after {@code ipvsadm -C}, the same rules parsed by ipvs4j and applied as one batch
 *     give the same {@code ipvsadm -Sn} and {@code -Ln --thresholds};</li>
 * <li>complete: {@code saveComplete} restored by ipvsadm gives the same table again,
 *     thresholds and flag-3 on sh/mh included.</li>
 * </ol>
 */
@KernelTest
class IpvsadmFormatKernelTest extends NamespaceFixture {
    /** The schedulers of the VM's kernel (6.1; {@code twos} came later). */
    private static final List<String> SCHEDULERS =
            List.of("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh");

    private static final List<List<String>> LISTINGS = List.of(List.of("-Ln"), List.of("-L", "-n", "--stats"),
            List.of("-Ln", "--stats", "--exact"), List.of("-Ln", "--rate"), List.of("-Ln", "--thresholds"),
            List.of("-Ln", "--persistent-conn"), List.of("-Ln", "--tun-info"), List.of("-l", "-n", "--nosort"),
            List.of("-S", "-n"));

    @BeforeEach
    void routes() {
        // real servers must be unicast-routable in the namespace, or the kernel answers EINVAL
        director.addDummy("rs0", "198.51.100.254/24", "2001:db8::fe/64");
    }

    @Test
    void everyScheduler() throws Exception {
        StringBuilder rules = new StringBuilder();
        int i = 1;
        for (String s : SCHEDULERS) {
            rules.append("-A -t 192.0.2.").append(i).append(":80 -s ").append(s).append('\n');
            rules.append("-a -t 192.0.2.").append(i).append(":80 -r 198.51.100.").append(i).append(":8080 -m -w ").append(i)
                    .append('\n');
            rules.append("-a -t 192.0.2.").append(i).append(":80 -r 198.51.100.").append(100 + i).append('\n');
            i++;
        }
        scenario(rules.toString());
    }

    @Test
    void schedulerFlagsOnEverySchedulerAsTheKernelStoresThem() throws Exception {
        scenario("""
                -A -t 192.0.2.1:80 -s rr -b flag-1
                -A -t 192.0.2.2:80 -s wlc -b flag-2
                -A -t 192.0.2.3:80 -s lc -b flag-3
                -A -t 192.0.2.4:80 -s rr -b flag-1,flag-2,flag-3
                -A -t 192.0.2.5:80 -s sh -b sh-fallback,sh-port
                -A -t 192.0.2.6:80 -s sh -b flag-1
                -A -t 192.0.2.7:80 -s mh -b mh-port
                -A -t 192.0.2.8:80 -s mh -b mh-fallback,flag-3
                -A -t 192.0.2.9:80 -s sh -b flag-3
                -A -u 192.0.2.10:53 -s wrr -b flag-2,flag-3 -o
                """);
        // the library keeps them: a listing holds the bits, an update leaves what it does not change
        VirtualService rr = ipvs.service(ServiceKey.tcp("192.0.2.1", 80)).orElseThrow().service();
        assertEquals(Set.of(ServiceFlag.FLAG_1), rr.flags());
        VirtualService lc = ipvs.service(ServiceKey.tcp("192.0.2.3", 80)).orElseThrow().service();
        assertEquals(Set.of(ServiceFlag.FLAG_3), lc.flags());
        ipvs.updateService(lc.toBuilder().scheduler(Scheduler.WLC).build());
        assertEquals("-A -t 192.0.2.3:80 -s wlc -b flag-3", line(ipvsadm.save(), "192.0.2.3:80"));
        ipvs.updateServiceFlags(rr.key(), Set.of(ServiceFlag.FLAG_3), Set.of(ServiceFlag.FLAG_1));
        assertEquals("-A -t 192.0.2.1:80 -s rr -b flag-3", line(ipvsadm.save(), "192.0.2.1:80"));
        VirtualService mh = ipvs.service(ServiceKey.tcp("192.0.2.8", 80)).orElseThrow().service();
        assertEquals(Set.of(ServiceFlag.MH_FALLBACK, ServiceFlag.FLAG_3), mh.flags(), "flag-3 kept on mh");
    }

    @Test
    void fwmarkServices() throws Exception {
        scenario("""
                -A -f 1 -s rr
                -a -f 1 -r 198.51.100.1 -m
                -a -f 1 -r 198.51.100.2:8080 -g -w 3
                -A -f 2 -6 -s wlc -p 30 -M 64
                -a -f 2 -6 -r [2001:db8::2]:80 -m
                -A -f 4294967295 -s rr -o
                -A -f 7 -s sh -b sh-port -p
                """);
    }

    @Test
    void ipv6Spellings() throws Exception {
        scenario("""
                -A -t [2001:db8::1]:80 -s rr
                -a -t [2001:db8::1]:80 -r 2001:db8::10 -m
                -a -t [2001:db8::1]:80 -r [2001:db8:0:0:0:0:0:11]:8080 -m
                -a -t [2001:db8::1]:80 -r 198.51.100.3 -i
                -A -u [2001:DB8:0::2]:53 -s wlc -p 5 -M 128
                -A -t [2001:db8::3]:0 -s rr -p 10 -M 1
                -A --sctp-service [2001:db8::4]:9 -s rr
                -A -t 192.0.2.1:80 -s rr
                -a -t 192.0.2.1:80 -r 2001:db8::12 -i --tun-type gue --tun-port 6080 --tun-csum
                """);
    }

    @Test
    void persistenceWithAndWithoutValue() throws Exception {
        scenario("""
                -A -t 192.0.2.1:80 -p
                -A -t 192.0.2.2:80 -s rr -p 1
                -A -t 192.0.2.3:80 -s rr --persistent=2678400
                -A -t 192.0.2.4:80 -s rr -p 20 -M 255.255.255.0
                -A -t 192.0.2.5:0 -s rr -p 20 -M 0.0.0.0
                -A -t 192.0.2.6:80 -s rr -p 20 -M 255.255.255.255
                -A -u 192.0.2.7:5060 -s rr -p 60 --pe sip
                -A -t 192.0.2.8:80 -s rr -p50 -M255.255.0.0
                """);
        VirtualService bare = ipvs.service(ServiceKey.tcp("192.0.2.1", 80)).orElseThrow().service();
        assertEquals(Persistence.DEFAULT_TIMEOUT, bare.persistence().orElseThrow().timeout(), "ipvsadm's bare -p");
        assertEquals(Duration.ofSeconds(360), Persistence.DEFAULT_TIMEOUT);
    }

    @Test
    void tunnelsForwardingWeightsAndThresholdsAtTheirLimits() throws Exception {
        scenario("""
                -A -t 192.0.2.1:80 -s wrr
                -a -t 192.0.2.1:80 -r 198.51.100.1 -i
                -a -t 192.0.2.1:80 -r 198.51.100.2 -i --tun-type ipip
                -a -t 192.0.2.1:80 -r 198.51.100.3 -i --tun-type gue --tun-port 6080 --tun-csum
                -a -t 192.0.2.1:80 -r 198.51.100.4 -i --tun-type gue --tun-port 1 --tun-remcsum
                -a -t 192.0.2.1:80 -r 198.51.100.5 -i --tun-type gue --tun-port 65535 --tun-nocsum
                -a -t 192.0.2.1:80 -r 198.51.100.6 --ipip --tun-type=gre --tun-csum
                -a -t 192.0.2.1:80 -r 198.51.100.7 -i --tun-type gre
                -a -t 192.0.2.1:80 -r 198.51.100.8:99 -m -w 0
                -a -t 192.0.2.1:80 -r 198.51.100.9:65535 --masquerading --weight 65535
                -a -t 192.0.2.1:80 -r 198.51.100.10 -g -w 2147483647
                -a -t 192.0.2.1:80 -r 198.51.100.11 -x 2147483647 -y 2147483647
                -a -t 192.0.2.1:80 -r 198.51.100.12 -w 3 -x 10 -y 5
                -a -t 192.0.2.1:80 -r 198.51.100.13 -mw 5 -x 1
                -A -t 192.0.2.2:65535 -s rr
                -a -t 192.0.2.2:65535 -r 198.51.100.14:1 -m
                -A -t 0.0.0.0:80 -s rr
                """);
    }

    @Test
    void editsAndDeletes() throws Exception {
        scenario("""
                -A -t 192.0.2.1:80 -s rr
                -a -t 192.0.2.1:80 -r 198.51.100.1 -m
                -a -t 192.0.2.1:80 -r 198.51.100.2 -m
                -e -t 192.0.2.1:80 -r 198.51.100.1 -m -w 7 -x 9
                -d -t 192.0.2.1:80 -r 198.51.100.2
                -E -t 192.0.2.1:80 -s sh -b sh-port -p 99 -M 255.255.0.0
                -A -t 192.0.2.2:80
                -D -t 192.0.2.2:80
                -A -u 192.0.2.3:53 -s rr -p 9
                -E -u 192.0.2.3:53 -s lc
                """);
    }

    @Test
    void hundredsOfServices() throws Exception {
        StringBuilder rules = new StringBuilder();
        for (int s = 0; s < 300; s++) {
            String vip = "192.0.2." + (s % 250 + 1) + ":" + (1000 + s);
            String proto = s % 3 == 0 ? "-u" : "-t";
            rules.append("-A ").append(proto).append(' ').append(vip).append(" -s ").append(SCHEDULERS.get(s % SCHEDULERS.size()))
                    .append(s % 5 == 0 ? " -p " + (s + 1) : "").append('\n');
            for (int r = 0; r < 3; r++) {
                rules.append("-a ").append(proto).append(' ').append(vip).append(" -r 198.51.100.").append((s * 3 + r) % 250 + 1)
                        .append(":80 -m -w ").append(r).append('\n');
            }
        }
        scenario(rules.toString());
        assertEquals(300, ipvs.services().size());
    }

    /**
     * Lines the kernel refuses: ipvsadm -R reports each and goes on; ipvs4j's batch (CONTINUE)
     * leaves the same table, reports the same lines with ipvsadm's messages, and names the
     * missing scheduler module as the single call does.
     */
    @Test
    void kernelRejectedLinesLeaveWhatIpvsadmLeaves() throws Exception {
        String rules = """
                -A -t 192.0.2.1:80 -s rr
                -A -t 192.0.2.1:80 -s wlc
                -A -t 192.0.2.2:80 -s nosuchsched
                -a -t 192.0.2.3:80 -r 198.51.100.1
                -a -t 192.0.2.1:80 -r 198.51.100.1 -m
                -a -t 192.0.2.1:80 -r 198.51.100.1 -m -w 5
                -e -t 192.0.2.1:80 -r 198.51.100.2 -m
                -d -t 192.0.2.1:80 -r 198.51.100.3
                -D -t 192.0.2.9:80
                -E -t 192.0.2.9:80 -s rr
                -A -t 192.0.2.4:80 -s rr
                """;
        Commands.Result oracle = ipvsadmRestore(rules);
        String expected = ipvsadm.save();
        List<String> oracleErrors = oracle.stderr().lines().toList();
        assertEquals(8, oracleErrors.size(), oracle.toString());

        ipvsadm.clear();
        Batch batch = IpvsadmRules.toBatch(IpvsadmRules.parse(rules));
        BatchResult result = ipvs.apply(batch, BatchOptions.builder().errorPolicy(BatchOptions.ErrorPolicy.CONTINUE).build());
        assertEquals(expected, ipvsadm.save());
        assertEquals(List.of(2, 3, 4, 6, 7, 8, 9, 10), failedLines(batch, result));
        BatchResult.Outcome module = result.failures().stream().filter(o -> batch.tag(o).orElseThrow().equals(3))
                .findFirst().orElseThrow();
        ModuleNotFoundException e = assertInstanceOf(ModuleNotFoundException.class, module.error().orElseThrow());
        assertEquals(List.of("ip_vs_nosuchsched"), e.moduleNames(), "the batch names the module as the single call does");
        IpvsException single = org.junit.jupiter.api.Assertions.assertThrows(IpvsException.class,
                () -> ipvs.addService(VirtualService.of(ServiceKey.tcp("192.0.2.2", 80), Scheduler.of("nosuchsched"))));
        assertEquals(single.getMessage(), e.getMessage(), "batch and single call read the same");

        // ipvs4j-adm -R prints what ipvsadm prints for the same lines
        ipvsadm.clear();
        Run adm = adm(rules, "-R");
        assertEquals(expected, ipvsadm.save());
        assertEquals(oracleErrors, adm.err.lines().toList());
        assertEquals(oracle.exitCode() == 0 ? 0 : 255, adm.rc);
    }

    private static List<Object> failedLines(Batch batch, BatchResult result) {
        List<Object> out = new ArrayList<>();
        for (BatchResult.Outcome o : result.failures()) {
            out.add(batch.tag(o).orElseThrow());
        }
        return out;
    }

    /** A line ipvsadm refuses: ipvsadm applies the lines before it, ipvs4j-adm applies none. */
    @Test
    void refusedLineAppliesNothing() throws Exception {
        String rules = "-A -t 192.0.2.1:80 -s rr\n-A -t 192.0.2.2:80 -w 4\n-A -t 192.0.2.3:80\n";
        Commands.Result oracle = ipvsadmRestore(rules);
        assertEquals(2, oracle.exitCode());
        assertTrue(oracle.stderr().startsWith("Illegal 'weight' option with the 'add-service' command"), oracle.toString());
        assertEquals("-A -t 192.0.2.1:80 -s rr\n", ipvsadm.save());
        ipvsadm.clear();
        Run adm = adm(rules, "-R");
        assertEquals(2, adm.rc);
        assertEquals("line 2: Illegal 'weight' option with the 'add-service' command\n", adm.err);
        assertEquals("", ipvsadm.save());
    }

    /** Each rule as its own ipvs4j-adm call (as scripts do) gives ipvsadm's table. */
    @Test
    void commandPerRuleAndOtherCommands() throws Exception {
        String rules = """
                -A -t 192.0.2.1:80 -s rr -b flag-2
                -a -t 192.0.2.1:80 -r 198.51.100.1 -m -w 2
                -A -f 3 -6 -s wlc -p
                --set 100 20 30
                """;
        ipvsadmRestore(rules);
        String expected = ipvsadm.save();
        String timeouts = ipvsadm.ok("-L", "--timeout");
        ipvsadm.clear();
        ipvsadm.ok("--set", "900", "120", "300");
        for (String line : rules.lines().toList()) {
            Run r = adm("", line.split(" "));
            assertEquals(0, r.rc, line + ": " + r.err);
        }
        assertEquals(expected, ipvsadm.save());
        assertEquals(timeouts, adm("", "-L", "--timeout").out);
        assertEquals(timeouts, adm("", "-L", "-n", "--timeout").out);
        assertEquals(ipvsadm.ok("-Ln", "-t", "192.0.2.1:80"), adm("", "-Ln", "-t", "192.0.2.1:80").out);
        assertEquals(ipvsadm.ok("-Ln", "-f", "3", "-6", "--stats"), adm("", "-Ln", "-f", "3", "-6", "--stats").out);
        Run missing = adm("", "-Ln", "-t", "192.0.2.99:80");
        Commands.Result oracleMissing = ipvsadm.run("-Ln", "-t", "192.0.2.99:80");
        assertEquals(oracleMissing.exitCode(), missing.rc);
        assertEquals(oracleMissing.stderr(), missing.err);
        for (String[] bad : new String[][] {{"-E", "-t", "192.0.2.99:80", "-s", "rr"}, {"-d", "-t", "192.0.2.1:80", "-r", "198.51.100.99"},
                {"-a", "-t", "192.0.2.1:80", "-r", "198.51.100.1", "-m"}, {"-A", "-t", "192.0.2.1:80"},
                {"-A", "-t", "192.0.2.7:80", "-s", "nosuch"}, {"-A", "-t", "192.0.2.1:80", "-w", "1"}}) {
            Commands.Result o = ipvsadm.run(bad);
            Run a = adm("", bad);
            assertEquals(o.exitCode(), a.rc, String.join(" ", bad));
            if (o.exitCode() == 255) {
                assertEquals(o.stderr(), a.err, String.join(" ", bad));
            }
        }
        assertEquals(0, adm("", "-Z").rc);
        assertEquals(0, adm("", "-Z", "-t", "192.0.2.1:80").rc);
        assertEquals(0, adm("", "-C").rc);
        assertEquals("", ipvsadm.save());
        ipvsadm.ok("--set", "900", "120", "300");
    }

    @Test
    void daemonListing() throws Exception {
        topology.link(director, "192.0.2.201/24");
        assertEquals(ipvsadm.ok("-L", "--daemon"), adm("", "-L", "--daemon").out);
        assertEquals(0, adm("", "--start-daemon", "master", "--mcast-interface", "eth0", "--syncid", "7").rc);
        ipvsadm.ok("--start-daemon", "backup", "--mcast-interface", "eth0", "--syncid", "8",
                "--mcast-group", "239.1.2.4", "--mcast-port", "9100", "--mcast-ttl", "2", "--sync-maxlen", "1200");
        String expected = ipvsadm.ok("-L", "--daemon");
        assertEquals(2, expected.lines().count(), expected);
        assertEquals(expected, adm("", "-L", "--daemon").out);
        assertEquals(expected, adm("", "-Ln", "--daemon").out);
        assertEquals(0, adm("", "--stop-daemon", "master").rc);
        assertEquals(0, adm("", "--stop-daemon", "backup").rc);
        assertEquals("", ipvsadm.ok("-L", "--daemon"));
    }

    // ------------------------------------------------------------------ helpers

    private void scenario(String rules) throws Exception {
        Commands.Result r = ipvsadmRestore(rules);
        assertEquals(0, r.exitCode(), r.toString());
        String expected = ipvsadm.save();
        String thresholds = ipvsadm.ok("-Ln", "--thresholds");

        // print: ipvs4j's listing printed as -Sn
        assertLines(expected, IpvsadmRules.save(ipvs.snapshot()), "IpvsadmRules.save vs ipvsadm -Sn");
        // listings: ipvs4j-adm vs ipvsadm, line by line
        for (List<String> listing : LISTINGS) {
            String[] args = listing.toArray(String[]::new);
            assertLines(ipvsadm.ok(args), adm("", args).out, "ipvs4j-adm " + listing + " vs ipvsadm");
        }
        String complete = IpvsadmRules.saveComplete(ipvs.snapshot());

        // parse: the same rules through ipvs4j, one batch
        ipvsadm.clear();
        ipvs.apply(IpvsadmRules.toBatch(IpvsadmRules.parse(rules))).throwIfFailed();
        assertLines(expected, ipvsadm.save(), "ipvsadm -Sn after ipvs4j applied the rules");
        assertLines(thresholds, ipvsadm.ok("-Ln", "--thresholds"), "thresholds after ipvs4j applied the rules");

        // complete: what saveComplete wrote, restored by ipvsadm, is the same table
        ipvsadm.clear();
        Commands.Result back = ipvsadmRestore(complete);
        assertEquals(0, back.exitCode(), back + "\n" + complete);
        assertLines(expected, ipvsadm.save(), "ipvsadm -R of saveComplete");
        assertLines(thresholds, ipvsadm.ok("-Ln", "--thresholds"), "thresholds after ipvsadm -R of saveComplete");
        assertEquals(complete, IpvsadmRules.saveComplete(ipvs.snapshot()));
    }

    private static void assertLines(String expected, String actual, String what) {
        List<String> e = expected.lines().toList();
        List<String> a = actual.lines().toList();
        for (int i = 0; i < Math.min(e.size(), a.size()); i++) {
            assertEquals(e.get(i), a.get(i), what + ", line " + (i + 1));
        }
        assertEquals(e.size(), a.size(), what + ": line count\n--- expected\n" + expected + "--- actual\n" + actual);
        assertEquals(expected, actual, what + " (line ends)");
    }

    private static String line(String text, String containing) {
        return text.lines().filter(l -> l.startsWith("-A") && l.contains(containing)).findFirst().orElseThrow();
    }

    private Commands.Result ipvsadmRestore(String rules) throws IOException {
        Path f = Files.createTempFile("ipvsadm-rules", ".txt");
        try {
            Files.writeString(f, rules);
            return director.sh("ipvsadm -R < " + f);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private record Run(int rc, String out, String err) {}

    /** ipvs4j-adm in-process on this test's client (kept open). */
    private Run adm(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            rc = new IpvsAdm(o, e, () -> ipvs, false).run(args, new StringReader(stdin));
        }
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
