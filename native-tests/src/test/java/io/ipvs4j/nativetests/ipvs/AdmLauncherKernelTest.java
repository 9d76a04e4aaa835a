package io.ipvs4j.nativetests.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.KernelTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The packaged command, {@code ipvs-adm/target/ipvs4j-adm/bin/ipvs4j-adm} (built by
 * {@code mvn package}), run as scripts run ipvsadm: a process per call, in the test's
 * namespace, its output compared with ipvsadm's line by line, nothing on stderr (no slf4j or
 * CDS chatter).
 */
@KernelTest
class AdmLauncherKernelTest extends NamespaceFixture {
    /** The build's launcher; {@code IPVS4J_BUILD_SUFFIX} as in run-kernel-tests.sh's {@code SUFFIX}. */
    static Path launcher() {
        String target = "target" + java.util.Objects.requireNonNullElse(System.getenv("IPVS4J_BUILD_SUFFIX"), "");
        for (Path base = Path.of("").toAbsolutePath(); base != null; base = base.getParent()) {
            Path p = base.resolve("ipvs-adm/" + target + "/ipvs4j-adm/bin/ipvs4j-adm");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IllegalStateException("ipvs-adm/target/ipvs4j-adm/bin/ipvs4j-adm is missing: run"
                + " mvn -pl ipvs-adm -am package first");
    }

    private Commands.Result adm(String... args) {
        String[] argv = new String[args.length + 1];
        argv[0] = launcher().toString();
        System.arraycopy(args, 0, argv, 1, args.length);
        // a JVM start in the emulated VM can take a minute when the host is busy
        return director.exec(java.time.Duration.ofMinutes(5), argv);
    }

    @Test
    void oneRuleCallsListingsAndRestore() throws Exception {
        director.addDummy("rs0", "198.51.100.254/24");
        Commands.Result add = adm("-A", "-t", "192.0.2.1:80", "-s", "rr", "-b", "flag-1");
        assertEquals(0, add.exitCode(), add.toString());
        assertEquals("", add.stdout() + add.stderr());
        assertEquals(0, adm("-a", "-t", "192.0.2.1:80", "-r", "198.51.100.1", "-m", "-w", "3").exitCode());
        assertEquals("-A -t 192.0.2.1:80 -s rr -b flag-1\n-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 3\n", ipvsadm.save());
        for (String[] listing : new String[][] {{"-Ln"}, {"-Sn"}, {"-Ln", "--stats"}, {"-L", "--timeout"}}) {
            Commands.Result r = adm(listing);
            assertEquals(ipvsadm.ok(listing), r.stdout(), String.join(" ", listing));
            assertEquals("", r.stderr(), String.join(" ", listing));
        }
        Commands.Result refused = adm("-A", "-t", "192.0.2.2:80", "-w", "1");
        assertEquals(2, refused.exitCode());
        assertEquals("Illegal 'weight' option with the 'add-service' command\n", refused.stderr());
        Commands.Result exists = adm("-A", "-t", "192.0.2.1:80");
        assertEquals(255, exists.exitCode());
        assertEquals(ipvsadm.run("-A", "-t", "192.0.2.1:80").stderr(), exists.stderr());

        String saved = ipvsadm.save();
        ipvsadm.clear();
        Path f = Files.createTempFile("adm", ".rules");
        Files.writeString(f, saved);
        Commands.Result restore = director.exec(java.time.Duration.ofMinutes(5), "sh", "-c", launcher() + " -R < " + f);
        Files.delete(f);
        assertEquals(0, restore.exitCode(), restore.toString());
        assertEquals(saved, ipvsadm.save());
        assertTrue(Files.size(launcher().getParent().resolve("../lib/ipvs4j-adm.jsa")) > 0, "the CDS archive ships");
    }
}
