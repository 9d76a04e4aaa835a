package io.ipvs4j.nativetests.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.IpvsInfo;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.model.SyncState;
import io.ipvs4j.model.Timeouts;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.KernelTest;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Timeouts, info, sync daemons and flush on a real kernel, cross-checked with ipvsadm. */
@KernelTest
class ConfigKernelTest extends NamespaceFixture {

    @Test
    void timeoutsBothWays() throws Exception {
        // a fresh namespace has the kernel defaults
        assertEquals("Timeout (tcp tcpfin udp): 900 120 300\n", ipvsadm.timeouts());
        assertEquals(Timeouts.KERNEL_DEFAULTS, ipvs.timeouts());

        ipvs.setTimeouts(Timeouts.ofSeconds(100, 20, 30));
        assertEquals("Timeout (tcp tcpfin udp): 100 20 30\n", ipvsadm.timeouts());
        // zero fields are left unchanged by the kernel
        ipvs.setTimeouts(Timeouts.ofSeconds(0, 0, 45));
        assertEquals("Timeout (tcp tcpfin udp): 100 20 45\n", ipvsadm.timeouts());
        // the largest the model allows (INT_MAX/1000 s) is accepted by a HZ=250 kernel too
        ipvs.setTimeouts(Timeouts.ofSeconds(Timeouts.MAX_SECONDS, 1, 1));
        assertEquals("Timeout (tcp tcpfin udp): " + Timeouts.MAX_SECONDS + " 1 1\n", ipvsadm.timeouts());

        ipvsadm.ok("--set", "200", "40", "60");
        assertEquals(Timeouts.ofSeconds(200, 40, 60), ipvs.timeouts());
    }

    @Test
    void infoInANamespace() throws Exception {
        IpvsInfo info = ipvs.info();
        assertEquals("1.2.1", info.version());
        assertEquals(IpvsInfo.CURRENT_VERSION_CODE, info.versionCode());
        // the same numbers as ipvsadm's listing header
        String header = ipvsadm.ok("-L", "-n").lines().findFirst().orElse("");
        assertEquals("IP Virtual Server version 1.2.1 (size=" + info.connectionTableSize() + ")", header);
        assertTrue(info.connectionTableSize() > 0, "table size " + info.connectionTableSize());
    }

    @Test
    void syncDaemonsBothWays() throws Exception {
        // a veth (multicast capable) for the master, lo for the backup
        topology.link(director, "192.0.2.1/24");
        SyncDaemon master = SyncDaemon.builder(SyncState.MASTER, "eth0", 5).maxLength(1000)
                .multicastGroup(InetAddresses.parse("239.1.2.3")).multicastPort(9000).multicastTtl(3).build();
        SyncDaemon backup = SyncDaemon.builder(SyncState.BACKUP, "eth0", 6).maxLength(1400)
                .multicastGroup(InetAddresses.parse("239.1.2.4")).multicastPort(9100).multicastTtl(2).build();
        assertEquals(List.of(), ipvs.syncDaemons());
        ipvs.startSyncDaemon(master);
        ipvs.startSyncDaemon(backup);
        assertEquals("master sync daemon (mcast=eth0, syncid=5, maxlen=1000, group=239.1.2.3, port=9000, ttl=3)\n"
                        + "backup sync daemon (mcast=eth0, syncid=6, maxlen=1400, group=239.1.2.4, port=9100, ttl=2)\n",
                ipvsadm.daemons());
        assertEquals(Set.of(master, backup), Set.copyOf(ipvs.syncDaemons()));

        ipvs.stopSyncDaemon(SyncState.MASTER);
        assertEquals("backup sync daemon (mcast=eth0, syncid=6, maxlen=1400, group=239.1.2.4, port=9100, ttl=2)\n",
                ipvsadm.daemons());
        assertEquals(List.of(backup), ipvs.syncDaemons());
        ipvs.stopSyncDaemon(SyncState.BACKUP);
        assertEquals("", ipvsadm.daemons());
        assertEquals(List.of(), ipvs.syncDaemons());

        // ipvsadm starts them; unset options read back as the kernel's defaults
        // (group 224.0.0.81, port 8848, TTL 1, maxlen = MTU 1500 - IP and UDP headers)
        ipvsadm.ok("--start-daemon", "master", "--mcast-interface", "eth0", "--syncid", "7");
        ipvsadm.ok("--start-daemon", "backup", "--mcast-interface", "eth0", "--syncid", "8",
                "--mcast-group", "ff02::1:3", "--mcast-port", "9200", "--mcast-ttl", "4", "--sync-maxlen", "1200");
        SyncDaemon master2 = SyncDaemon.builder(SyncState.MASTER, "eth0", 7).maxLength(1472)
                .multicastGroup(InetAddresses.parse("224.0.0.81")).multicastPort(8848).multicastTtl(1).build();
        SyncDaemon backup2 = SyncDaemon.builder(SyncState.BACKUP, "eth0", 8).maxLength(1200)
                .multicastGroup(InetAddresses.parse("ff02::1:3")).multicastPort(9200).multicastTtl(4).build();
        assertEquals(Set.of(master2, backup2), Set.copyOf(ipvs.syncDaemons()), ipvsadm.daemons());
        ipvsadm.ok("--stop-daemon", "master");
        ipvsadm.ok("--stop-daemon", "backup");
        assertEquals(List.of(), ipvs.syncDaemons());
    }

    @Test
    void flushRemovesEveryServiceOfTheNamespace() throws Exception {
        ServiceKey.Inet v4 = ServiceKey.tcp("192.0.2.100", 80);
        ipvs.addService(VirtualService.of(v4, Scheduler.RR));
        ipvs.addRealServer(v4, RealServer.builder(Endpoint.of("198.51.100.3", 80)).forwarding(ForwardingMethod.MASQUERADE).build());
        ipvs.addService(VirtualService.of(ServiceKey.udp("2001:db8::1", 53), Scheduler.RR));
        ipvs.addService(VirtualService.of(ServiceKey.fwmark(9, AddressFamily.INET6), Scheduler.RR));
        assertEquals(3, ipvsadm.table().services().size());
        ipvs.flush();
        assertEquals("", ipvsadm.save());
        assertEquals(List.of(), ipvs.services());
        // flushing an empty table is fine, and ipvsadm's flush is seen by ipvs4j
        ipvs.flush();
        ipvsadm.ok("-A", "-t", "192.0.2.100:80", "-s", "rr");
        assertEquals(1, ipvs.services().size());
        ipvsadm.clear();
        assertEquals(List.of(), ipvs.services());
    }
}
