package io.ipvs4j.nativetests.vrrp;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ipvs4j.netlink.NetlinkOptions;
import io.ipvs4j.netlink.VrrpHost;
import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.vrrp.VrrpInstanceConfig;
import io.ipvs4j.vrrp.VrrpSpeaker;
import io.ipvs4j.vrrp.VrrpState;
import io.ipvs4j.vrrp.VrrpTimers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Helpers of the VRRP kernel tests: speakers and keepalived in nodes, addresses, neighbours. */
final class VrrpNodes {
    private static final Pattern MAC = Pattern.compile("link/ether ([0-9a-f:]{17})");

    private VrrpNodes() {}

    /** A node whose IPv6 addresses need no DAD (link-local usable at once), linked to the bridge. */
    static Topology.Node node(Topology t, String role, String... cidrs) {
        Topology.Node n = t.node(role);
        n.sysctl("net.ipv6.conf.all.accept_dad", "0");
        n.sysctl("net.ipv6.conf.default.accept_dad", "0");
        t.link(n, cidrs);
        return n;
    }

    static NetlinkOptions in(Topology.Node node) {
        return NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(node.name())).build();
    }

    static VrrpSpeaker speaker(Topology.Node node, VrrpInstanceConfig config, VrrpTimers timers) throws Exception {
        VrrpSpeaker s = VrrpHost.speaker(config, timers, in(node));
        s.addListener(tr -> System.out.println(node.role() + ": " + tr));
        s.start();
        return s;
    }

    static boolean holds(Topology.Node node, String ip) {
        String out = node.exec("ip", "-o", "addr", "show", "dev", "eth0").stdout();
        return out.contains(" " + ip + "/");
    }

    static String mac(Topology.Node node) {
        Matcher m = MAC.matcher(node.ok("ip", "-o", "link", "show", "dev", "eth0"));
        assertTrue(m.find(), "no MAC on eth0 of " + node);
        return m.group(1);
    }

    static String linkLocal(Topology.Node node) {
        Matcher m = Pattern.compile("inet6 (fe80::[0-9a-f:]+)/").matcher(node.ok("ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link"));
        assertTrue(m.find(), "no link-local address on eth0 of " + node);
        return m.group(1);
    }

    /** The MAC the node's neighbour table has for {@code ip}, or "" if none. */
    static String neighbour(Topology.Node node, String ip) {
        String out = node.exec("ip", "neigh", "show", ip, "dev", "eth0").stdout();
        Matcher m = Pattern.compile("lladdr ([0-9a-f:]{17})").matcher(out);
        return m.find() ? m.group(1) : "";
    }

    /** Waits up to {@code timeout} for {@code condition}; returns the time it took. */
    static Duration await(String what, Duration timeout, BooleanSupplier condition) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    static Duration awaitState(VrrpSpeaker s, VrrpState state, Duration timeout) {
        return await(s.config().name() + " " + state + " (is " + s.state() + ")", timeout, () -> s.state() == state);
    }

    /** keepalived (VRRP only) in a node, with its own config and pid files in /tmp. */
    static final class Keepalived implements AutoCloseable {
        final Topology.Node node;
        final Path conf;
        final Path pid;
        final Path vrrpPid;
        Topology.Background process;

        Keepalived(Topology.Node node, String name, String config) {
            this.node = node;
            try {
                Path dir = Files.createTempDirectory(Path.of("/tmp"), "i4j-keepalived-" + name + "-");
                conf = dir.resolve("keepalived.conf");
                pid = dir.resolve("keepalived.pid");
                vrrpPid = dir.resolve("vrrp.pid");
                Files.writeString(conf, config);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Keepalived start() {
            process = node.start("keepalived", "-l", "-G", "-D", "-n", "-P", "-f", conf.toString(),
                    "-p", pid.toString(), "-r", vrrpPid.toString());
            // the first start in the VM reads keepalived and its libraries over 9p: allow for it
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!Files.exists(vrrpPid)) {
                if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                    fail("keepalived VRRP process of " + node.role() + " did not start:\n" + process.output());
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail("interrupted");
                }
            }
            return this;
        }

        /**
         * SIGKILL to both keepalived processes: no priority-0 advert, the VIP stays behind. The
         * parent is stopped first: it would respawn a killed VRRP child, and a child whose parent
         * dies gets SIGTERM (PR_SET_PDEATHSIG in vrrp_daemon.c) and would stop cleanly.
         */
        void kill() {
            try {
                String parent = Files.readString(pid).trim();
                String child = Files.readString(vrrpPid).trim();
                // one command, pids are global: the failure starts at once, not after three forks
                Commands.run("sh", "-c", "kill -STOP " + parent + " && kill -KILL " + child + " && kill -KILL " + parent).check();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            await("keepalived of " + node.role() + " dead", Duration.ofSeconds(10), () -> !process.isAlive());
            cleanPidFiles();
        }

        /** SIGTERM: keepalived sends priority 0 and removes its VIPs. */
        void stop() {
            try {
                node.exec("kill", "-TERM", Files.readString(pid).trim());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            await("keepalived of " + node.role() + " stopped", Duration.ofSeconds(20), () -> !process.isAlive());
            cleanPidFiles();
        }

        String output() {
            return process == null ? "" : process.output();
        }

        private void cleanPidFiles() {
            try {
                Files.deleteIfExists(pid);
                Files.deleteIfExists(vrrpPid);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            if (process != null && process.isAlive()) {
                stop();
            }
        }
    }

    /** A keepalived.conf with one instance. */
    static String keepalivedConf(String name, int version, String state, int vrid, int priority, String advertInt,
            boolean nopreempt, String authPass, String vip) {
        StringBuilder b = new StringBuilder();
        b.append("global_defs {\n router_id ").append(name).append("\n vrrp_garp_master_delay 0\n}\n");
        b.append("vrrp_instance VI_1 {\n");
        b.append(" version ").append(version).append('\n');
        b.append(" state ").append(state).append('\n');
        b.append(" interface eth0\n");
        b.append(" virtual_router_id ").append(vrid).append('\n');
        b.append(" priority ").append(priority).append('\n');
        b.append(" advert_int ").append(advertInt).append('\n');
        if (nopreempt) {
            b.append(" nopreempt\n");
        }
        if (authPass != null) {
            b.append(" authentication {\n  auth_type PASS\n  auth_pass ").append(authPass).append("\n }\n");
        }
        b.append(" virtual_ipaddress {\n  ").append(vip).append(" dev eth0\n }\n}\n");
        return b.toString();
    }
}
