package io.ipvs4j.director.keepalived;

import io.ipvs4j.director.check.CheckPolicy;
import io.ipvs4j.director.check.CheckSpec;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.director.check.HealthCheck;
import io.ipvs4j.director.check.DnsCheck;
import io.ipvs4j.director.check.HttpGetCheck;
import io.ipvs4j.director.check.PingCheck;
import io.ipvs4j.director.check.SmtpCheck;
import io.ipvs4j.director.check.UdpCheck;
import io.ipvs4j.director.check.TcpConnectCheck;
import io.ipvs4j.director.keepalived.KeepalivedConfig.Checker;
import io.ipvs4j.director.keepalived.KeepalivedConfig.CheckerOptions;
import io.ipvs4j.director.keepalived.KeepalivedConfig.FwMark;
import io.ipvs4j.director.keepalived.KeepalivedConfig.Group;
import io.ipvs4j.director.keepalived.KeepalivedConfig.HttpGet;
import io.ipvs4j.director.keepalived.KeepalivedConfig.Inet;
import io.ipvs4j.director.keepalived.KeepalivedConfig.ServiceAddress;
import io.ipvs4j.director.keepalived.KeepalivedConfig.TcpCheck;
import io.ipvs4j.director.keepalived.KeepalivedConfig.VirtualServer;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.Persistence;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceFlag;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Thresholds;
import io.ipvs4j.model.VirtualService;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a parsed {@link KeepalivedConfig} into the library's model: a {@link DesiredState} of
 * {@link VirtualService}s and {@link RealServer}s with their health checks.
 *
 * <pre>{@code
 * DesiredState desired = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(text));
 * VirtualService web = desired.services().get(0).service();   // TCP 192.168.159.100:80 rr
 * }</pre>
 *
 * <p>Mapping: {@code lb_algo} to {@link Scheduler} (wlc when unset, as ipvsadm);
 * {@code lb_kind} to the real servers' forwarding method; {@code persistence_timeout} (with
 * {@code persistence_granularity}) to {@link Persistence}; {@code ops} and the
 * {@code sh-}/{@code mh-} keywords to {@link ServiceFlag}s; {@code uthreshold} /
 * {@code lthreshold} to {@link Thresholds}; {@code HTTP_GET} to {@link HttpGetCheck} and
 * {@code TCP_CHECK} to {@link TcpConnectCheck}, {@code MISC_CHECK}, {@code SMTP_CHECK},
 * {@code DNS_CHECK}, {@code UDP_CHECK} and {@code PING_CHECK} to their checks, each under a
 * {@link CheckPolicy} of its {@code delay_loop}, retries, {@code delay_before_retry} and
 * {@code warmup}. A real server without a port
 * uses the service's port; a {@code virtual_server group} becomes one service per member.
 */
public final class KeepalivedConverter {
    private KeepalivedConverter() {
    }

    /**
     * Converts {@code config}.
     *
     * @param config the parsed configuration
     * @return the services, real servers, checks and VIPs to program; {@code PING_CHECK}s run the system's {@code ping}
     * @throws ConfigParseException naming the line of a virtual or real server the model rejects
     *     (e.g. a real server of another address family without TUN, a duplicate service)
     */
    public static DesiredState toDesiredState(KeepalivedConfig config) throws ConfigParseException {
        return toDesiredState(config, PingCheck.commandPinger());
    }

    /**
     * Converts {@code config}, with {@code pinger} sending the echoes of its {@code PING_CHECK}s
     * (the director passes its native ICMP pinger, {@code IcmpPinger::echo}).
     *
     * @param config the parsed configuration
     * @param pinger sends the ICMP echoes of the {@code PING_CHECK}s
     * @return the services, real servers, checks and VIPs to program
     * @throws ConfigParseException as {@link #toDesiredState(KeepalivedConfig)}
     */
    public static DesiredState toDesiredState(KeepalivedConfig config, PingCheck.Pinger pinger)
            throws ConfigParseException {
        java.util.Objects.requireNonNull(pinger, "pinger");
        List<DesiredState.Service> services = new ArrayList<>();
        Set<ServiceKey> seen = new HashSet<>();
        for (VirtualServer vs : config.virtualServers()) {
            for (ServiceAddress member : members(config, vs)) {
                DesiredState.Service s = service(vs, member, pinger);
                if (!seen.add(s.service().key())) {
                    throw new ConfigParseException(vs.line(), 0, null, "virtual service " + s.service().key()
                            + " is defined more than once");
                }
                services.add(s);
            }
        }
        return new DesiredState(config.staticAddresses(), services);
    }

    private static List<ServiceAddress> members(KeepalivedConfig config, VirtualServer vs) throws ConfigParseException {
        if (vs.address() instanceof Group g) {
            return config.group(g.name())
                    .orElseThrow(() -> new ConfigParseException(vs.line(), 0, g.name(),
                            "virtual_server group '" + g.name() + "' is not defined"))
                    .members();
        }
        return List.of(vs.address());
    }

    private static DesiredState.Service service(VirtualServer vs, ServiceAddress address, PingCheck.Pinger pinger)
            throws ConfigParseException {
        ServiceKey key;
        int servicePort;
        if (address instanceof Inet inet) {
            key = ServiceKey.inet(vs.protocol(), inet.address(), inet.port());
            servicePort = inet.port();
        } else if (address instanceof FwMark fw) {
            // a fwmark service has no address of its own; keepalived takes the family from its servers
            AddressFamily family = vs.realServers().isEmpty()
                    ? AddressFamily.INET
                    : AddressFamily.of(vs.realServers().get(0).address());
            key = ServiceKey.fwmark(fw.mark(), family);
            servicePort = 0;
        } else {
            throw new IllegalStateException("groups are expanded before this: " + address);
        }
        try {
            VirtualService.Builder b = VirtualService.builder(key)
                    .scheduler(Scheduler.of(vs.scheduler().orElse(Scheduler.WLC.name())));
            Optional<java.time.Duration> persistence = vs.persistenceTimeout();
            if (persistence.isEmpty() && address instanceof Inet inet && inet.port() == 0) {
                // a group member without a port (the parser warned): keepalived makes it persistent
                persistence = Optional.of(KeepalivedParser.KEEPALIVED_PERSISTENCE_FOR_PORTLESS);
            }
            if (persistence.isPresent()) {
                b.persistence(Persistence.of(persistence.get(), vs.persistenceGranularity().orElse(Persistence.HOST)));
            }
            if (vs.onePacket()) {
                b.flag(ServiceFlag.ONE_PACKET);
            }
            for (String f : vs.schedulerFlags()) {
                b.flag(ServiceFlag.valueOf(f.toUpperCase(java.util.Locale.ROOT).replace('-', '_')));
            }
            VirtualService service = b.build();
            List<DesiredState.Backend> backends = new ArrayList<>();
            Set<Endpoint> endpoints = new HashSet<>();
            for (KeepalivedConfig.RealServer rs : vs.realServers()) {
                DesiredState.Backend backend = backend(vs, service, rs, servicePort, pinger);
                if (!endpoints.add(backend.server().endpoint())) {
                    throw new ConfigParseException(rs.line(), 0, null, "real server " + backend.server().endpoint()
                            + " appears more than once in " + key);
                }
                backends.add(backend);
            }
            Optional<DesiredState.Backend> sorry = Optional.empty();
            if (vs.sorryServer().isPresent()) {
                sorry = Optional.of(backend(vs, service, vs.sorryServer().get(), servicePort, pinger));
            }
            return new DesiredState.Service(service, backends, sorry, vs.quorum(), vs.hysteresis(), vs.omega(),
                    vs.line());
        } catch (IllegalArgumentException e) {
            throw new ConfigParseException(vs.line(), 0, null, "virtual_server " + vs.address() + ": " + e.getMessage());
        }
    }

    private static DesiredState.Backend backend(VirtualServer vs, VirtualService service,
            KeepalivedConfig.RealServer rs, int servicePort, PingCheck.Pinger pinger) throws ConfigParseException {
        int port = rs.port() != 0 ? rs.port() : servicePort;
        try {
            RealServer server = RealServer.builder(new Endpoint(rs.address(), port))
                    .weight(rs.weight())
                    .forwarding(rs.lbKind().orElse(vs.lbKind()).forwardingMethod())
                    .thresholds(new Thresholds(rs.upperThreshold(), rs.lowerThreshold()))
                    .build();
            RealServer.checkCompatible(service, server);
            List<CheckSpec> checks = new ArrayList<>();
            for (Checker c : rs.checkers()) {
                checks.add(new CheckSpec(check(rs, c, port, pinger), policy(c.options())));
            }
            CheckState initial = vs.alpha() && !checks.isEmpty() ? CheckState.DOWN : CheckState.UP;
            return new DesiredState.Backend(server, checks, initial, rs.inhibitOnFailure(), rs.line(), rs.notifyUp(),
                    rs.notifyDown());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigParseException(rs.line(), 0, null, "real_server " + rs + ": " + e.getMessage());
        }
    }

    private static HealthCheck check(KeepalivedConfig.RealServer rs, Checker c, int rsPort, PingCheck.Pinger pinger)
            throws ConfigParseException {
        CheckerOptions o = c.options();
        if (c instanceof KeepalivedConfig.MiscCheck misc) {
            return new io.ipvs4j.director.check.MiscCheck(misc.command(), misc.timeout().orElse(o.delayLoop()),
                    misc.dynamic());
        }
        InetAddress address = o.connectIp().orElse(rs.address());
        if (c instanceof KeepalivedConfig.PingCheck) {
            // an echo has no port
            return new PingCheck(pinger, address, o.bindTo().orElse(null), o.connectTimeout());
        }
        int port = o.connectPort().orElse(rsPort);
        if (port == 0) {
            throw new ConfigParseException(c.line(), 0, null, "checker of real_server " + rs
                    + " has no port to check: set connect_port or the real server's port");
        }
        if (c instanceof HttpGet http) {
            HttpGetCheck.Builder b = HttpGetCheck.builder(address, port)
                    .connectTimeout(o.connectTimeout())
                    .bindAddress(o.bindTo().orElse(null))
                    .virtualHost(http.virtualHost().orElse(null))
                    .tls(http.tls())
                    .sni(http.enableSni());
            for (KeepalivedConfig.Url u : http.urls()) {
                b.url(new HttpGetCheck.Url(u.path(), u.statusCodes(), u.digest()));
            }
            return b.build();
        }
        if (c instanceof TcpCheck) {
            return TcpConnectCheck.builder(address, port)
                    .connectTimeout(o.connectTimeout())
                    .bindAddress(o.bindTo().orElse(null))
                    .build();
        }
        if (c instanceof KeepalivedConfig.SmtpCheck smtp) {
            return SmtpCheck.builder(address, port).heloName(smtp.heloName()).connectTimeout(o.connectTimeout())
                    .bindAddress(o.bindTo().orElse(null)).build();
        }
        if (c instanceof KeepalivedConfig.DnsCheck dns) {
            return DnsCheck.builder(address, port).type(dns.type()).name(dns.name()).connectTimeout(o.connectTimeout())
                    .bindAddress(o.bindTo().orElse(null)).build();
        }
        if (c instanceof KeepalivedConfig.UdpCheck udp) {
            UdpCheck.Builder b = UdpCheck.builder(address, port).connectTimeout(o.connectTimeout())
                    .bindAddress(o.bindTo().orElse(null))
                    .minReplyLength(udp.minReplyLength()).maxReplyLength(udp.maxReplyLength());
            udp.payload().ifPresent(b::payload);
            if (udp.reply().isPresent()) {
                b.requireReply(udp.reply().get());
            } else if (udp.requireReply()) {
                b.requireReply();
            }
            return b.build();
        }
        throw new IllegalStateException("unknown checker " + c);
    }

    private static CheckPolicy policy(CheckerOptions o) {
        return new CheckPolicy(o.delayLoop(), o.retries(), o.delayBeforeRetry(), o.warmup());
    }
}
