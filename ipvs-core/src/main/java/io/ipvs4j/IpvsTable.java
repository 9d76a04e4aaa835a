package io.ipvs4j;

import io.ipvs4j.model.ServiceKey;
import java.util.List;
import java.util.Optional;

/**
 * The whole IPVS table as {@link Ipvs#table()} lists it: every entry the kernel returned is
 * either in {@link #services()} as a full model value or in {@link #foreign()} as an entry the
 * model cannot represent. Nothing is left out.
 *
 * <ul>
 * <li>{@code services()}: the representable services, each with its representable real servers
 *     (the same list {@link Ipvs#snapshot()} returns);</li>
 * <li>{@code foreign()}: first the unrepresentable services (with their representable real
 *     servers in {@link ForeignEntry#realServers()}), then the unrepresentable real servers of
 *     any service, each in listing order.</li>
 * </ul>
 *
 * <pre>{@code
 * IpvsTable table = ipvs.table();
 * table.services().forEach(s -> System.out.println(s.service().service()));
 * table.foreign().forEach(f -> System.out.println("left alone: " + f));
 * }</pre>
 *
 * @param services the representable services with their representable real servers
 * @param foreign the entries the model cannot represent
 */
public record IpvsTable(List<ServiceSnapshot> services, List<ForeignEntry> foreign) {
    /**
     * Copies the lists.
     *
     * @param services the representable services with their representable real servers
     * @param foreign the entries the model cannot represent
     * @throws NullPointerException if a list or an element is null
     */
    public IpvsTable {
        services = List.copyOf(services);
        foreign = List.copyOf(foreign);
    }

    /**
     * The foreign entries of service {@code key}: the service itself if it is foreign, and its
     * foreign real servers.
     *
     * <pre>{@code boolean untouchable = !table.foreignOf(key).isEmpty(); }</pre>
     *
     * @param key the service
     * @return the foreign entries of that service, possibly none
     */
    public List<ForeignEntry> foreignOf(ServiceKey key) {
        return foreign.stream().filter(f -> f.belongsTo(key)).toList();
    }

    /**
     * The representable service {@code key} with its real servers, if listed.
     *
     * <pre>{@code table.service(key).map(s -> s.realServers().size()).orElse(0); }</pre>
     *
     * @param key the service
     * @return the service with its real servers, or empty
     */
    public Optional<ServiceSnapshot> service(ServiceKey key) {
        return services.stream().filter(s -> s.service().key().equals(key)).findFirst();
    }
}
