package io.ipvs4j.nativetests.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ipvs4j.Batch;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.IpvsUnavailableException;
import io.ipvs4j.Reconciler;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code ip_vs} module removed and loaded again under a live client: while it is gone
 * every call answers {@link IpvsUnavailableException} (and nothing else), afterwards the same
 * client works again (the generic-netlink family is resolved anew) and holds no more
 * descriptors than before.
 *
 * <p>Removing {@code ip_vs} needs every {@code ip_vs_*} module out first, and a scheduler
 * module is pinned by every service that uses it, in any namespace: the test flushes its own
 * namespace and retries {@code rmmod} for a while (namespaces that other test classes deleted
 * are torn down asynchronously by the kernel). It restores exactly the module set it found,
 * in {@code finally} and again in {@code @AfterAll}, so the classes that run after it (JUnit
 * gives no class order) find IPVS as the VM booted it.
 */
@KernelTest
class ModuleReloadFaultKernelTest {
    private static final Duration UNLOAD_PATIENCE = Duration.ofSeconds(60);
    private static List<String> loadedAtStart;

    /** Loaded modules named ip_vs or ip_vs_*, in /proc/modules order, with their use counts and users. */
    private static Map<String, String> ipvsModules() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/modules"))) {
            String[] f = line.split(" ");
            if (f[0].equals("ip_vs") || f[0].startsWith("ip_vs_")) {
                out.put(f[0], "used by " + f[2] + " " + f[3]);
            }
        }
        return out;
    }

    private static void unloadIpvs() throws Exception {
        long deadline = System.nanoTime() + UNLOAD_PATIENCE.toNanos();
        while (true) {
            List<String> loaded = new ArrayList<>(ipvsModules().keySet());
            if (loaded.isEmpty()) {
                return;
            }
            // the schedulers, persistence engines and helpers first: they use ip_vs
            loaded.remove("ip_vs");
            loaded.add("ip_vs");
            for (String m : loaded) {
                Commands.run("rmmod", m);
            }
            if (ipvsModules().isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("cannot remove the IPVS modules within " + UNLOAD_PATIENCE + " (a service in another namespace?): "
                        + ipvsModules());
            }
            Thread.sleep(500);
        }
    }

    /** Loads every module of {@code modules} that is missing, ip_vs first (the VM's recipe: modprobe -d /proc/1/root). */
    private static void restore(List<String> modules) throws IOException {
        List<String> problems = new ArrayList<>();
        for (String m : modules) {
            if (!ipvsModules().containsKey(m)) {
                Commands.Result r = Commands.run(modprobe(m));
                if (!r.ok()) {
                    problems.add(r.toString());
                }
            }
        }
        if (!problems.isEmpty() || !ipvsModules().keySet().containsAll(modules)) {
            throw new IllegalStateException("could not restore the IPVS modules " + modules + ": " + problems
                    + "; loaded now: " + ipvsModules().keySet());
        }
    }

    private static List<String> modprobe(String module) {
        // Inside the VM the modules live in the initramfs (the root of pid 1), not in the chrooted host.
        return Files.isDirectory(Path.of("/proc/1/root/lib/modules")) && System.getenv("IPVS_VM") != null
                ? List.of("modprobe", "-d", "/proc/1/root", module)
                : List.of("modprobe", module);
    }

    @AfterAll
    static void restoreModules() throws IOException {
        if (loadedAtStart != null) {
            restore(loadedAtStart);
        }
    }

    private interface Call {
        void run(Ipvs ipvs) throws Exception;
    }

    private static final ServiceKey WEB = ServiceKey.tcp("192.0.2.70", 80);
    private static final RealServer RS = RealServer.of(Endpoint.of("198.51.100.7", 80));

    private static Map<String, Call> everyKindOfCall() {
        Map<String, Call> calls = new LinkedHashMap<>();
        calls.put("services()", Ipvs::services);
        calls.put("service(key)", ipvs -> ipvs.service(WEB));
        calls.put("realServers(key)", ipvs -> ipvs.realServers(WEB));
        calls.put("snapshot()", Ipvs::snapshot);
        calls.put("info()", Ipvs::info);
        calls.put("timeouts()", Ipvs::timeouts);
        calls.put("syncDaemons()", Ipvs::syncDaemons);
        calls.put("addService", ipvs -> ipvs.addService(VirtualService.of(WEB, Scheduler.RR)));
        calls.put("updateService", ipvs -> ipvs.updateService(VirtualService.of(WEB, Scheduler.WRR)));
        calls.put("addRealServer", ipvs -> ipvs.addRealServer(WEB, RS));
        calls.put("removeService", ipvs -> ipvs.removeService(WEB));
        calls.put("flush()", Ipvs::flush);
        // apply() reports a failed transport in its result; throwIfFailed() is how a caller gets the exception
        calls.put("apply(batch)", ipvs -> ipvs.apply(Batch.builder().addService(VirtualService.of(WEB, Scheduler.RR))
                .addRealServer(WEB, RS).build()).throwIfFailed());
        calls.put("Reconciler.apply", ipvs -> new Reconciler(ipvs, Reconciler.Options.DEFAULT).apply(List.of(
                new Reconciler.DesiredService(VirtualService.of(WEB, Scheduler.RR), List.of(RS)))));
        return calls;
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aLiveClientSaysUnavailableWhileIpVsIsGoneAndWorksAgainAfterModprobe() throws Exception {
        loadedAtStart = new ArrayList<>(ipvsModules().keySet());
        assertTrue(loadedAtStart.contains("ip_vs"), "ip_vs is not loaded: " + loadedAtStart);
        Path proc = Path.of("/proc/net/ip_vs");
        try (Topology topology = new Topology()) {
            Topology.Node node = topology.node("modreload");
            IpvsadmOracle ipvsadm = node.ipvsadm();
            NetlinkOptions options = NetlinkOptions.builder()
                    .namespace(NetlinkOptions.namedNamespace(node.name())).listingParallelism(2).build();
            Ipvs ipvs = IpvsNetlink.open(options);
            try {
                ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
                ipvs.addRealServer(WEB, RS);
                assertEquals(1, ipvs.snapshot().size());
                ipvs.flush();   // our own services would pin ip_vs_rr
                Map<String, Integer> descriptorsBefore = ProcessResources.descriptors();

                // The kernel loads a generic-netlink family's module on demand when a client asks for the
                // family by name (genetlink ctrl_getfamily: request_module("net-pf-16-proto-16-family-IPVS")),
                // so the client's own re-resolution would bring ip_vs straight back. While ip_vs is to stay
                // gone, the kernel's module loader points nowhere.
                Path modprobeSysctl = Path.of("/proc/sys/kernel/modprobe");
                String kernelModprobe = Files.readString(modprobeSysctl).strip();
                long unloadStart = System.nanoTime();
                try {
                    Files.writeString(modprobeSysctl, "/nonexistent/ipvs4j-no-module-autoload\n");
                    unloadIpvs();
                    long unloadMs = (System.nanoTime() - unloadStart) / 1_000_000;
                    assertFalse(Files.exists(proc), "/proc/net/ip_vs still there after rmmod");

                    // every call of the live client, twice: IpvsUnavailableException and nothing else
                    List<String> wrong = new ArrayList<>();
                    int unavailable = 0;
                    for (int round = 0; round < 2; round++) {
                        for (Map.Entry<String, Call> call : everyKindOfCall().entrySet()) {
                            try {
                                call.getValue().run(ipvs);
                                wrong.add(call.getKey() + " succeeded without ip_vs");
                            } catch (IpvsUnavailableException expected) {
                                unavailable++;
                                if (!expected.getMessage().contains("modprobe ip_vs")) {
                                    wrong.add(call.getKey() + ": message does not say what to do: " + expected.getMessage());
                                }
                            } catch (Throwable t) {
                                wrong.add(call.getKey() + " threw " + t);
                            }
                        }
                    }
                    // and a new client cannot open
                    try (Ipvs fresh = IpvsNetlink.open(options)) {
                        wrong.add("IpvsNetlink.open succeeded without ip_vs");
                    } catch (IpvsUnavailableException expected) {
                        unavailable++;
                    } catch (Throwable t) {
                        wrong.add("IpvsNetlink.open threw " + t);
                    }
                    assertEquals(List.of(), wrong, "calls while ip_vs was unloaded");
                    Map<String, Integer> whileGone = ProcessResources.descriptors();
                    assertEquals(descriptorsBefore, whileGone,
                            "descriptors while ip_vs was gone: " + ProcessResources.difference(descriptorsBefore, whileGone));

                    Files.writeString(modprobeSysctl, kernelModprobe + "\n");
                    long loadStart = System.nanoTime();
                    restore(loadedAtStart);
                    long loadMs = (System.nanoTime() - loadStart) / 1_000_000;
                    assertTrue(Files.exists(proc), "/proc/net/ip_vs missing after modprobe");

                    // the same client again: family re-resolved, the table is the new module's (empty)
                    assertEquals(List.of(), ipvs.services());
                    ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
                    ipvs.addRealServer(WEB, RS);
                    assertEquals(1, ipvs.snapshot().get(0).realServers().size());
                    assertTrue(ipvs.apply(Batch.builder().updateService(VirtualService.of(WEB, Scheduler.WRR)).build())
                            .isSuccess());
                    Reconciler.Result r = new Reconciler(ipvs, Reconciler.Options.DEFAULT).apply(List.of(
                            new Reconciler.DesiredService(VirtualService.of(WEB, Scheduler.WRR), List.of(RS))));
                    assertTrue(r.changes().isEmpty(), r.changes().toString());
                    assertEquals("-A -t 192.0.2.70:80 -s wrr\n-a -t 192.0.2.70:80 -r 198.51.100.7:80 -g -w 1\n",
                            ipvsadm.save());
                    ipvs.flush();
                    Map<String, Integer> after = ProcessResources.descriptors();
                    assertEquals(descriptorsBefore, after,
                            "descriptors after the reload: " + ProcessResources.difference(descriptorsBefore, after));
                    ProcessResources.report("module reload", "rmmod of " + loadedAtStart.size() + " IPVS modules ("
                            + unloadMs + " ms) under a live client; " + unavailable + " calls while gone, all "
                            + "IpvsUnavailableException; modprobe again (" + loadMs + " ms), the same client worked "
                            + "again; " + ProcessResources.summary(descriptorsBefore) + " before and after");
                } finally {
                    Files.writeString(modprobeSysctl, kernelModprobe + "\n");
                    restore(loadedAtStart);
                }
            } finally {
                ipvs.close();
            }
        }
    }
}
