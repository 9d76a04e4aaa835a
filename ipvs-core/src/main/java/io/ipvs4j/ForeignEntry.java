package io.ipvs4j;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An entry of the kernel's IPVS table that the model cannot represent, typically written by
 * another tool: a service with a non-contiguous IPv4 persistence netmask
 * ({@code ipvsadm -p 60 -M 255.0.255.0}), a persistence timeout above
 * {@link io.ipvs4j.model.Persistence#MAX_TIMEOUT_SECONDS}, a real server with a forwarding
 * method or tunnel type the model does not know, a threshold above {@code 2^31-1}, ...
 *
 * <p>Listings never fail because of such an entry and never drop it silently: it is reported
 * here, in {@link IpvsTable#foreign()}, with its key when that could be read, a copy of the
 * kernel's attributes, and which attribute made it unrepresentable and why. The key is enough
 * to replace it ({@link Ipvs#updateService}, {@link Ipvs#updateRealServer}) or remove it.
 *
 * <pre>{@code
 * for (ForeignEntry f : ipvs.table().foreign()) {
 *     log.warn("not managed by us: {}", f);   // e.g. "service TCP 192.0.2.1:80: IPVS_SVC_ATTR_NETMASK=255.0.255.0: ..."
 *     f.serviceKey().filter(myKeys::contains).ifPresent(k -> ipvs.updateService(desired.get(k)));
 * }
 * }</pre>
 *
 * <p>Equality compares every field, the attribute bytes by content.
 */
public final class ForeignEntry {
    /** At most this many bytes of the kernel's attributes are kept (a listing datagram holds one page). */
    public static final int MAX_ATTRIBUTE_BYTES = 4096;

    /** What kind of table entry this is. */
    public enum Kind {
        /** A virtual service ({@code IPVS_CMD_ATTR_SERVICE}). */
        SERVICE,
        /** A real server of a service ({@code IPVS_CMD_ATTR_DEST}). */
        REAL_SERVER
    }

    private final Kind kind;
    private final ServiceKey serviceKey;
    private final Endpoint endpoint;
    private final byte[] attributes;
    private final int attributesLength;
    private final String attribute;
    private final String value;
    private final String reason;
    private final List<RealServerStatus> realServers;

    /**
     * The full constructor; {@link #service} and {@link #realServer} cover the usual cases.
     *
     * @param kind a service or a real server
     * @param serviceKey the service's key, or of the service a real server belongs to; empty
     *     only for a service whose key itself cannot be read (e.g. unknown address family).
     *     A {@link Kind#REAL_SERVER} always has one.
     * @param endpoint a real server's endpoint, when readable; always empty for a service
     * @param attributes the kernel's attributes of the entry (the payload of the nested
     *     {@code IPVS_CMD_ATTR_SERVICE}/{@code _DEST}); copied, and cut to {@link #MAX_ATTRIBUTE_BYTES}
     * @param attribute the attribute that makes it unrepresentable, as named in {@code ip_vs.h}
     *     (e.g. {@code IPVS_SVC_ATTR_NETMASK}), or a description of the combination
     * @param value that attribute's value as text, e.g. {@code 255.0.255.0}
     * @param reason why the model cannot hold it
     * @param realServers for a service: its real servers the model can represent (its
     *     unrepresentable ones are entries of their own); empty for a real server
     * @throws IllegalArgumentException if the fields contradict the kind
     */
    public ForeignEntry(Kind kind, Optional<ServiceKey> serviceKey, Optional<Endpoint> endpoint, byte[] attributes,
            String attribute, String value, String reason, List<RealServerStatus> realServers) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.serviceKey = Objects.requireNonNull(serviceKey, "serviceKey").orElse(null);
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint").orElse(null);
        Objects.requireNonNull(attributes, "attributes");
        this.attributesLength = attributes.length;
        this.attributes = Arrays.copyOf(attributes, Math.min(attributes.length, MAX_ATTRIBUTE_BYTES));
        this.attribute = Objects.requireNonNull(attribute, "attribute");
        this.value = Objects.requireNonNull(value, "value");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.realServers = List.copyOf(realServers);
        if (kind == Kind.REAL_SERVER && this.serviceKey == null) {
            throw new IllegalArgumentException("a foreign real server needs the key of its service");
        }
        if (kind == Kind.SERVICE && this.endpoint != null) {
            throw new IllegalArgumentException("a foreign service has no endpoint, was " + this.endpoint);
        }
        if (kind == Kind.REAL_SERVER && !this.realServers.isEmpty()) {
            throw new IllegalArgumentException("a foreign real server has no real servers of its own");
        }
        if (this.serviceKey == null && !this.realServers.isEmpty()) {
            throw new IllegalArgumentException("real servers of a service whose key is unknown cannot be listed");
        }
    }

    /**
     * A foreign service whose key could be read.
     *
     * <pre>{@code ForeignEntry.service(key, new byte[0], "IPVS_SVC_ATTR_NETMASK", "255.0.255.0", "not contiguous"); }</pre>
     *
     * @param attribute the unrepresentable attribute, as named in {@code ip_vs.h}
     * @param attributes the kernel's attributes of the entry
     * @param key the service
     * @param reason why the model cannot hold it
     * @param value the kernel's value
     * @return the foreign entry
     */
    public static ForeignEntry service(ServiceKey key, byte[] attributes, String attribute, String value, String reason) {
        return new ForeignEntry(Kind.SERVICE, Optional.of(key), Optional.empty(), attributes, attribute, value, reason,
                List.of());
    }

    /**
     * A foreign real server whose endpoint could be read.
     *
     * <pre>{@code ForeignEntry.realServer(key, Endpoint.of("198.51.100.3", 80), new byte[0], "IPVS_DEST_ATTR_FWD_METHOD", "5", "unknown"); }</pre>
     *
     * @param attribute the unrepresentable attribute, as named in {@code ip_vs.h}
     * @param attributes the kernel's attributes of the entry
     * @param endpoint the real server's address and port
     * @param key the service
     * @param reason why the model cannot hold it
     * @param value the kernel's value
     * @return the foreign entry
     */
    public static ForeignEntry realServer(ServiceKey key, Endpoint endpoint, byte[] attributes, String attribute,
            String value, String reason) {
        return new ForeignEntry(Kind.REAL_SERVER, Optional.of(key), Optional.of(endpoint), attributes, attribute, value,
                reason, List.of());
    }

    /**
     * This entry with {@code servers} as its representable real servers (a service with a key only).
     *
     * @param servers the representable real servers
     * @return the foreign entry
     */
    public ForeignEntry withRealServers(List<RealServerStatus> servers) {
        return new ForeignEntry(kind, serviceKey(), endpoint(), attributes, attribute, value, reason, servers);
    }

    /** {@return a service or a real server} */
    public Kind kind() {
        return kind;
    }

    /** {@return the service's key (for a real server: its service's key); empty if it could not be read} */
    public Optional<ServiceKey> serviceKey() {
        return Optional.ofNullable(serviceKey);
    }

    /** {@return a real server's endpoint, if it could be read; empty for a service} */
    public Optional<Endpoint> endpoint() {
        return Optional.ofNullable(endpoint);
    }

    /** {@return a copy of the kernel's attributes of this entry, at most {@link #MAX_ATTRIBUTE_BYTES}} */
    public byte[] attributes() {
        return attributes.clone();
    }

    /** {@return how many bytes of attributes the kernel sent; more than {@code attributes().length} if they were cut} */
    public int attributesLength() {
        return attributesLength;
    }

    /** {@return the attribute that is not representable, e.g. {@code IPVS_SVC_ATTR_NETMASK}} */
    public String attribute() {
        return attribute;
    }

    /** {@return that attribute's value as text, e.g. {@code 255.0.255.0}} */
    public String value() {
        return value;
    }

    /** {@return why the model cannot hold the entry} */
    public String reason() {
        return reason;
    }

    /** {@return for a service: its real servers the model can represent; empty for a real server} */
    public List<RealServerStatus> realServers() {
        return realServers;
    }

    /**
     * Whether this entry is the service {@code key} or one of its real servers.
     *
     * @param key the service
     * @return whether it belongs to {@code key}
     */
    public boolean belongsTo(ServiceKey key) {
        return key.equals(serviceKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ForeignEntry f && kind == f.kind && Objects.equals(serviceKey, f.serviceKey)
                && Objects.equals(endpoint, f.endpoint) && Arrays.equals(attributes, f.attributes)
                && attributesLength == f.attributesLength && attribute.equals(f.attribute) && value.equals(f.value)
                && reason.equals(f.reason) && realServers.equals(f.realServers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, serviceKey, endpoint, Arrays.hashCode(attributes), attribute, value, reason);
    }

    /** E.g. {@code foreign service TCP 192.0.2.1:80: IPVS_SVC_ATTR_NETMASK=255.0.255.0: not contiguous (48 attribute bytes)}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("foreign ");
        if (kind == Kind.SERVICE) {
            b.append("service ").append(serviceKey == null ? "(key unreadable)" : IpvsErrors.subject(serviceKey));
        } else {
            b.append("real server ").append(endpoint == null ? "(endpoint unreadable)" : endpoint.toString())
                    .append(" of ").append(IpvsErrors.subject(serviceKey));
        }
        b.append(": ").append(attribute).append('=').append(value).append(": ").append(reason)
                .append(" (").append(attributesLength).append(" attribute bytes");
        if (attributesLength > 0 && attributesLength <= 64) {
            b.append(' ').append(HexFormat.of().formatHex(attributes));
        }
        return b.append(')').toString();
    }
}
