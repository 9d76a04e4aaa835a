package io.ipvs4j.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.Ipvs;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.testing.InMemoryIpvs;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The README's Spring Boot example without Spring: the configuration's bean method, then what
 * Boot does with a MeterBinder bean (bindTo its registry) and at shutdown (close).
 */
class IpvsMetricsReadmeTest {

    /** The README's IpvsMetricsConfiguration, minus the annotations (no Spring here). */
    static final class IpvsMetricsConfiguration {
        IpvsMetrics ipvsMetrics(Ipvs ipvs) {
            return IpvsMetrics.builder(ipvs)
                    .refreshInterval(Duration.ofSeconds(15))
                    .tag("director", "lb1")
                    .build();
        }
    }

    @Test
    void theSpringStyleBeanBindsToTheApplicationsRegistry() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ServiceKey web = ServiceKey.tcp("192.0.2.100", 80);
        ipvs.addService(VirtualService.of(web, Scheduler.RR));
        ipvs.addRealServer(web, RealServer.of(Endpoint.of("198.51.100.3", 80)));

        IpvsMetrics bean = new IpvsMetricsConfiguration().ipvsMetrics(ipvs);
        MeterBinder binder = bean;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        binder.bindTo(registry);
        assertEquals(1, registry.find("ipvs.realserver.weight")
                .tags(Tags.of("director", "lb1", "realserver", "198.51.100.3:80")).gauge().value());
        assertTrue(registry.getMeters().stream().allMatch(m -> "lb1".equals(m.getId().getTag("director"))));
        bean.close();
        assertEquals(0, registry.getMeters().size());
    }
}
