package org.example.webfarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.Errno;
import io.ipvs4j.IpvsException;
import io.ipvs4j.Operation;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.testing.InMemoryIpvs;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The user's controller tested against ipvs4j's fake, as a user's CI would. */
class WebFarmTest {
    private final ServiceKey vip = ServiceKey.tcp("192.0.2.10", 80);
    private final Endpoint a = Endpoint.of("198.51.100.1", 80);
    private final Endpoint b = Endpoint.of("198.51.100.2", 80);

    @Test
    void convergesToExactlyTheBackends() throws IpvsException {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        WebFarm farm = new WebFarm(ipvs, vip);
        assertEquals(List.of("add service " + vip, "add " + a, "add " + b), farm.converge(Set.of(a, b)));
        assertEquals(List.of("remove " + a), farm.converge(Set.of(b)));
        assertEquals(List.of(), farm.converge(Set.of(b)));
        assertEquals(Set.of(b), ipvs.realServers(vip).stream().map(RealServerStatus::endpoint).collect(Collectors.toSet()));
        assertTrue(farm.remove());
        assertTrue(ipvs.services().isEmpty());
    }

    @Test
    void aKernelErrorReachesTheController() {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ipvs.failNext(Operation.ADD_SERVICE, Errno.ENOMEM);
        IpvsException e = assertThrows(IpvsException.class, () -> new WebFarm(ipvs, vip).converge(Set.of(a)));
        assertEquals(Operation.ADD_SERVICE, e.operation());
    }
}
