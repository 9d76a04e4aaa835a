package org.example.webfarm;

import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The small controller a user writes: keeps one round-robin TCP virtual service pointing at
 * exactly the given back ends, adding and removing only the difference.
 */
public final class WebFarm {
    private final Ipvs ipvs;
    private final ServiceKey vip;

    public WebFarm(Ipvs ipvs, ServiceKey vip) {
        this.ipvs = ipvs;
        this.vip = vip;
    }

    /** Makes the service's real servers exactly {@code backends}; returns what it did, in order. */
    public List<String> converge(Set<Endpoint> backends) throws IpvsException {
        List<String> done = new ArrayList<>();
        if (ipvs.service(vip).isEmpty()) {
            ipvs.addService(VirtualService.of(vip, Scheduler.RR));
            done.add("add service " + vip);
        }
        Set<Endpoint> present = ipvs.realServers(vip).stream().map(RealServerStatus::endpoint)
                .collect(Collectors.toSet());
        for (Endpoint e : inOrder(backends)) {
            if (!present.contains(e)) {
                ipvs.addRealServer(vip, RealServer.of(e));
                done.add("add " + e);
            }
        }
        for (Endpoint e : present) {
            if (!backends.contains(e)) {
                ipvs.removeRealServer(vip, e);
                done.add("remove " + e);
            }
        }
        return done;
    }

    /** Removes the service (and with it its real servers) if it exists. */
    public boolean remove() throws IpvsException {
        if (ipvs.service(vip).isEmpty()) {
            return false;
        }
        ipvs.removeService(vip);
        return true;
    }

    private static Set<Endpoint> inOrder(Set<Endpoint> backends) {
        Set<Endpoint> sorted = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
        sorted.addAll(backends);
        return sorted;
    }
}
