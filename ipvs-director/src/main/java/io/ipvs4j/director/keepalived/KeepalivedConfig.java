package io.ipvs4j.director.keepalived;

import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.Protocol;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The load-balancing half of a keepalived.conf, as {@link KeepalivedParser} reads it: the
 * VIP aliases of {@code static_ipaddress}, the {@code virtual_server_group}s and the
 * {@code virtual_server}s with their real servers and checkers, plus a warning for every part
 * of the file that was ignored. Defaults that keepalived applies are already filled in; turn it
 * into the library's model with {@link KeepalivedConverter#toDesiredState(KeepalivedConfig)}.
 *
 * <pre>{@code
 * KeepalivedConfig config = KeepalivedParser.parse(Path.of("/etc/keepalived/keepalived.conf"));
 * config.warnings().forEach(w -> log.warn("{}", w));
 * for (KeepalivedConfig.VirtualServer vs : config.virtualServers()) {
 *     System.out.println(vs.address() + " " + vs.scheduler() + " " + vs.realServers().size() + " real servers");
 * }
 * }</pre>
 *
 * @param routerId {@code global_defs { router_id ... }}, if set
 * @param staticAddresses the entries of {@code static_ipaddress} blocks
 * @param groups the {@code virtual_server_group} blocks
 * @param virtualServers the {@code virtual_server} blocks, in file order
 * @param warnings everything that is not programmed as written (ignored, or replaced by
 *     keepalived's fallback), in file order
 * @param netNamespace {@code global_defs { net_namespace NAME }}: keepalived runs (and programs
 *     IPVS) in the network namespace {@code /run/netns/NAME}
 * @param vrrp the VRRP blocks ({@code vrrp_instance}, {@code vrrp_sync_group}, {@code vrrp_script})
 *     and global VRRP settings; {@link KeepalivedVrrp#NONE} if there are none
 */
public record KeepalivedConfig(Optional<String> routerId, List<StaticAddress> staticAddresses,
        List<VirtualServerGroup> groups, List<VirtualServer> virtualServers, List<ConfigWarning> warnings,
        Optional<String> netNamespace, KeepalivedVrrp vrrp) {

    /**
     * A configuration without {@code net_namespace} or VRRP blocks.
     *
     * @param routerId {@code global_defs { router_id ... }}, if set
     * @param staticAddresses the entries of {@code static_ipaddress} blocks
     * @param groups the {@code virtual_server_group} blocks
     * @param virtualServers the {@code virtual_server} blocks, in file order
     * @param warnings everything that is not programmed as written, in file order
     */
    public KeepalivedConfig(Optional<String> routerId, List<StaticAddress> staticAddresses,
            List<VirtualServerGroup> groups, List<VirtualServer> virtualServers, List<ConfigWarning> warnings) {
        this(routerId, staticAddresses, groups, virtualServers, warnings, Optional.empty());
    }

    /**
     * A configuration without VRRP blocks.
     *
     * @param routerId {@code global_defs { router_id ... }}, if set
     * @param staticAddresses the entries of {@code static_ipaddress} blocks
     * @param groups the {@code virtual_server_group} blocks
     * @param virtualServers the {@code virtual_server} blocks, in file order
     * @param warnings everything that is not programmed as written, in file order
     * @param netNamespace {@code global_defs { net_namespace NAME }}, if set
     */
    public KeepalivedConfig(Optional<String> routerId, List<StaticAddress> staticAddresses,
            List<VirtualServerGroup> groups, List<VirtualServer> virtualServers, List<ConfigWarning> warnings,
            Optional<String> netNamespace) {
        this(routerId, staticAddresses, groups, virtualServers, warnings, netNamespace, KeepalivedVrrp.NONE);
    }

    /**
     * Copies the lists, so that the configuration is immutable; rejects null parts.
     *
     * @param routerId {@code global_defs { router_id ... }}, if set
     * @param staticAddresses the entries of {@code static_ipaddress} blocks
     * @param groups the {@code virtual_server_group} blocks
     * @param virtualServers the {@code virtual_server} blocks, in file order
     * @param warnings everything that is not programmed as written (ignored, or replaced by
     *     keepalived's fallback), in file order
     * @param netNamespace {@code global_defs { net_namespace NAME }}: keepalived runs (and programs
     *     IPVS) in the network namespace {@code /run/netns/NAME}
     * @param vrrp the VRRP blocks ({@code vrrp_instance}, {@code vrrp_sync_group}, {@code vrrp_script})
     *     and global VRRP settings; {@link KeepalivedVrrp#NONE} if there are none
     */
    public KeepalivedConfig {
        Objects.requireNonNull(routerId, "routerId");
        staticAddresses = List.copyOf(staticAddresses);
        groups = List.copyOf(groups);
        virtualServers = List.copyOf(virtualServers);
        warnings = List.copyOf(warnings);
        Objects.requireNonNull(netNamespace, "netNamespace");
        Objects.requireNonNull(vrrp, "vrrp");
    }

    /**
     * Looks up a {@code virtual_server_group} by name, as {@code virtual_server group NAME} refers to it.
     *
     * @param name the group's name, case-sensitive as keepalived compares it
     * @return the group called {@code name}, or empty if the file defines none
     */
    public Optional<VirtualServerGroup> group(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
    }

    /**
     * One address of a {@code static_ipaddress} block, e.g.
     * {@code 192.168.159.100/24 dev eth0 label eth0:1}.
     *
     * @param address the address
     * @param prefixLength the prefix length; /32 or /128 when not written
     * @param device {@code dev}, if given
     * @param label {@code label}, if given
     * @param line where it was written
     */
    public record StaticAddress(InetAddress address, int prefixLength, Optional<String> device,
            Optional<String> label, int line) {
        /**
         * Rejects null parts.
         *
         * @param address the address
         * @param prefixLength the prefix length; /32 or /128 when not written
         * @param device {@code dev}, if given
         * @param label {@code label}, if given
         * @param line where it was written
         */
        public StaticAddress {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(label, "label");
        }

        @Override
        public String toString() {
            return InetAddresses.toText(address) + "/" + prefixLength + device.map(d -> " dev " + d).orElse("")
                    + label.map(l -> " label " + l).orElse("");
        }
    }

    /** How a {@code virtual_server} is identified: its first line. */
    public sealed interface ServiceAddress permits Inet, FwMark, Group {
    }

    /**
     * {@code virtual_server 192.0.2.100 80}.
     *
     * @param address the VIP
     * @param port 0..65535
     */
    public record Inet(InetAddress address, int port) implements ServiceAddress {
        /**
         * Rejects a null address.
         *
         * @param address the VIP
         * @param port 0..65535
         */
        public Inet {
            Objects.requireNonNull(address, "address");
        }

        @Override
        public String toString() {
            return InetAddresses.toText(address, port);
        }
    }

    /**
     * {@code virtual_server fwmark 1}.
     *
     * @param mark 1..4294967295
     */
    public record FwMark(long mark) implements ServiceAddress {
        @Override
        public String toString() {
            return "fwmark " + mark;
        }
    }

    /**
     * {@code virtual_server group NAME}: one virtual server per member of the group.
     *
     * @param name the {@link VirtualServerGroup#name()}
     */
    public record Group(String name) implements ServiceAddress {
        /**
         * Rejects a null name.
         *
         * @param name the {@link VirtualServerGroup#name()}
         */
        public Group {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public String toString() {
            return "group " + name;
        }
    }

    /**
     * A {@code virtual_server_group NAME { 192.0.2.1 80  192.0.2.10-12 80  fwmark 7 }}, with
     * address ranges expanded.
     *
     * @param name the group's name
     * @param members {@link Inet} and {@link FwMark} entries
     * @param line where the block starts
     */
    public record VirtualServerGroup(String name, List<ServiceAddress> members, int line) {
        /**
         * Copies the member list, so that the group is immutable.
         *
         * @param name the group's name
         * @param members {@link Inet} and {@link FwMark} entries
         * @param line where the block starts
         */
        public VirtualServerGroup {
            Objects.requireNonNull(name, "name");
            members = List.copyOf(members);
        }
    }

    /** {@code lb_kind} / {@code lvs_method}. */
    public enum LbKind {
        /** Masquerading; keepalived's default. */
        NAT(ForwardingMethod.MASQUERADE),
        /** Direct routing. */
        DR(ForwardingMethod.DIRECT_ROUTE),
        /** IP-in-IP tunnelling. */
        TUN(ForwardingMethod.TUNNEL);

        private final ForwardingMethod method;

        LbKind(ForwardingMethod method) {
            this.method = method;
        }

        /**
         * The IPVS forwarding method ({@code ipvsadm -m/-g/-i}) this kind selects.
         *
         * @return the forwarding method given to the real servers of this kind
         */
        public ForwardingMethod forwardingMethod() {
            return method;
        }
    }

    /**
     * A {@code virtual_server} block.
     *
     * @param address how the service is identified
     * @param protocol {@code protocol}; default TCP
     * @param scheduler {@code lb_algo} / {@code lvs_sched}, if set (ipvsadm's default is wlc)
     * @param lbKind {@code lb_kind} / {@code lvs_method}; default NAT
     * @param persistenceTimeout {@code persistence_timeout}, absent when unset or 0
     * @param persistenceGranularity {@code persistence_granularity} as a prefix length
     * @param delayLoop {@code delay_loop}; default 60 s (already applied to the checkers)
     * @param virtualHost {@code virtualhost}: the Host header of its HTTP checks
     * @param alpha {@code alpha}: real servers start DOWN until their checks pass
     * @param omega {@code omega}
     * @param quorum {@code quorum}; default 1
     * @param hysteresis {@code hysteresis}; default 0
     * @param onePacket {@code ops}: one-packet scheduling
     * @param schedulerFlags {@code sh-port}, {@code sh-fallback}, {@code mh-port}, {@code mh-fallback}
     * @param sorryServer {@code sorry_server}, if set (its {@code inhibitOnFailure} is {@code sorry_server_inhibit})
     * @param realServers the {@code real_server} blocks
     * @param line where the block starts
     */
    public record VirtualServer(ServiceAddress address, Protocol protocol, Optional<String> scheduler, LbKind lbKind,
            Optional<Duration> persistenceTimeout, OptionalInt persistenceGranularity, Duration delayLoop,
            Optional<String> virtualHost, boolean alpha, boolean omega, int quorum, int hysteresis,
            boolean onePacket, Set<String> schedulerFlags, Optional<RealServer> sorryServer,
            List<RealServer> realServers, int line) {
        /**
         * Copies the sets and lists, so that the virtual server is immutable; rejects null parts.
         *
         * @param address how the service is identified
         * @param protocol {@code protocol}; default TCP
         * @param scheduler {@code lb_algo} / {@code lvs_sched}, if set (ipvsadm's default is wlc)
         * @param lbKind {@code lb_kind} / {@code lvs_method}; default NAT
         * @param persistenceTimeout {@code persistence_timeout}, absent when unset or 0
         * @param persistenceGranularity {@code persistence_granularity} as a prefix length
         * @param delayLoop {@code delay_loop}; default 60 s (already applied to the checkers)
         * @param virtualHost {@code virtualhost}: the Host header of its HTTP checks
         * @param alpha {@code alpha}: real servers start DOWN until their checks pass
         * @param omega {@code omega}
         * @param quorum {@code quorum}; default 1
         * @param hysteresis {@code hysteresis}; default 0
         * @param onePacket {@code ops}: one-packet scheduling
         * @param schedulerFlags {@code sh-port}, {@code sh-fallback}, {@code mh-port}, {@code mh-fallback}
         * @param sorryServer {@code sorry_server}, if set (its {@code inhibitOnFailure} is {@code sorry_server_inhibit})
         * @param realServers the {@code real_server} blocks
         * @param line where the block starts
         */
        public VirtualServer {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(lbKind, "lbKind");
            schedulerFlags = Set.copyOf(schedulerFlags);
            realServers = List.copyOf(realServers);
        }
    }

    /**
     * A {@code real_server} block (or a {@code sorry_server} line).
     *
     * @param address its address
     * @param port its port, or 0 when not written (then the service's port is used)
     * @param weight {@code weight}; default 1
     * @param inhibitOnFailure {@code inhibit_on_failure} here or on the virtual server: on
     *     failure set the weight to 0 instead of removing the server
     * @param upperThreshold {@code uthreshold}; 0 means no limit
     * @param lowerThreshold {@code lthreshold}
     * @param lbKind a per-server {@code lvs_method} / {@code lb_kind}, if set
     * @param checkers its checkers; none means always up
     * @param line where it was written
     * @param notifyUp {@code notify_up}: the program and arguments run when it comes up; empty for none
     * @param notifyDown {@code notify_down}: run when it goes down; empty for none
     */
    public record RealServer(InetAddress address, int port, int weight, boolean inhibitOnFailure,
            long upperThreshold, long lowerThreshold, Optional<LbKind> lbKind, List<Checker> checkers, int line,
            List<String> notifyUp, List<String> notifyDown) {
        /**
         * Copies the lists, so that the real server is immutable; rejects null parts.
         *
         * @param address its address
         * @param port its port, or 0 when not written (then the service's port is used)
         * @param weight {@code weight}; default 1
         * @param inhibitOnFailure {@code inhibit_on_failure} here or on the virtual server: on
         *     failure set the weight to 0 instead of removing the server
         * @param upperThreshold {@code uthreshold}; 0 means no limit
         * @param lowerThreshold {@code lthreshold}
         * @param lbKind a per-server {@code lvs_method} / {@code lb_kind}, if set
         * @param checkers its checkers; none means always up
         * @param line where it was written
         * @param notifyUp {@code notify_up}: the program and arguments run when it comes up; empty for none
         * @param notifyDown {@code notify_down}: run when it goes down; empty for none
         */
        public RealServer {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(lbKind, "lbKind");
            checkers = List.copyOf(checkers);
            notifyUp = List.copyOf(notifyUp);
            notifyDown = List.copyOf(notifyDown);
        }

        /**
         * A real server without {@code notify_up}/{@code notify_down} scripts.
         *
         * @param address its address
         * @param port its port, or 0 when not written (then the service's port is used)
         * @param weight {@code weight}; default 1
         * @param inhibitOnFailure on failure set the weight to 0 instead of removing the server
         * @param upperThreshold {@code uthreshold}; 0 means no limit
         * @param lowerThreshold {@code lthreshold}
         * @param lbKind a per-server {@code lvs_method} / {@code lb_kind}, if set
         * @param checkers its checkers; none means always up
         * @param line where it was written
         */
        public RealServer(InetAddress address, int port, int weight, boolean inhibitOnFailure,
                long upperThreshold, long lowerThreshold, Optional<LbKind> lbKind, List<Checker> checkers, int line) {
            this(address, port, weight, inhibitOnFailure, upperThreshold, lowerThreshold, lbKind, checkers, line,
                    List.of(), List.of());
        }

        @Override
        public String toString() {
            return port == 0 ? InetAddresses.toText(address) : InetAddresses.toText(address, port);
        }
    }

    /** A checker block of a real server. */
    public sealed interface Checker permits HttpGet, TcpCheck, MiscCheck, SmtpCheck, DnsCheck, UdpCheck, PingCheck {
        /**
         * The settings shared by all checkers.
         *
         * @return timeouts, retries, delays and the address/port overrides of this checker
         */
        CheckerOptions options();

        /**
         * Where the block starts, for messages about it.
         *
         * @return the 1-based line of the checker's keyword
         */
        int line();
    }

    /**
     * Settings every checker has, with keepalived's defaults applied.
     *
     * @param connectTimeout {@code connect_timeout}; default 5 s
     * @param connectIp {@code connect_ip}: check this address instead of the real server's
     * @param connectPort {@code connect_port}: check this port instead of the real server's
     * @param bindTo {@code bindto}: the local source address
     * @param retries {@code retry} / {@code nb_get_retry}; default 1
     * @param delayBeforeRetry {@code delay_before_retry}; default 1 s
     * @param delayLoop the checker's {@code delay_loop}, else the real server's, else the
     *     virtual server's
     * @param warmup {@code warmup} of the checker, else the real server's, else the virtual
     *     server's, else the delay loop (keepalived 2.2, check_data.c): the first check waits
     *     a random time up to it
     */
    public record CheckerOptions(Duration connectTimeout, Optional<InetAddress> connectIp, OptionalInt connectPort,
            Optional<InetAddress> bindTo, int retries, Duration delayBeforeRetry, Duration delayLoop, Duration warmup) {
        /**
         * Options whose warmup is the delay loop, keepalived's default.
         *
         * @param connectTimeout {@code connect_timeout}
         * @param connectIp {@code connect_ip}: check this address instead of the real server's
         * @param connectPort {@code connect_port}: check this port instead of the real server's
         * @param bindTo {@code bindto}: the local source address
         * @param retries {@code retry} / {@code nb_get_retry}
         * @param delayBeforeRetry {@code delay_before_retry}
         * @param delayLoop the effective {@code delay_loop}, also used as the warmup
         */
        public CheckerOptions(Duration connectTimeout, Optional<InetAddress> connectIp, OptionalInt connectPort,
                Optional<InetAddress> bindTo, int retries, Duration delayBeforeRetry, Duration delayLoop) {
            this(connectTimeout, connectIp, connectPort, bindTo, retries, delayBeforeRetry, delayLoop, delayLoop);
        }

        /**
         * Rejects null parts.
         *
         * @param connectTimeout {@code connect_timeout}; default 5 s
         * @param connectIp {@code connect_ip}: check this address instead of the real server's
         * @param connectPort {@code connect_port}: check this port instead of the real server's
         * @param bindTo {@code bindto}: the local source address
         * @param retries {@code retry} / {@code nb_get_retry}; default 1
         * @param delayBeforeRetry {@code delay_before_retry}; default 1 s
         * @param delayLoop the checker's {@code delay_loop}, else the real server's, else the
         *     virtual server's
         * @param warmup {@code warmup} of the checker, else the real server's, else the virtual
         *     server's, else the delay loop (keepalived 2.2, check_data.c): the first check waits
         *     a random time up to it
         */
        public CheckerOptions {
            Objects.requireNonNull(warmup, "warmup");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(connectIp, "connectIp");
            Objects.requireNonNull(connectPort, "connectPort");
            Objects.requireNonNull(bindTo, "bindTo");
            Objects.requireNonNull(delayBeforeRetry, "delayBeforeRetry");
            Objects.requireNonNull(delayLoop, "delayLoop");
        }
    }

    /**
     * {@code HTTP_GET { url { ... } ... }}.
     *
     * @param urls at least one
     * @param virtualHost the checker's {@code virtualhost}, else the virtual server's
     * @param options shared settings
     * @param line where the block starts
     * @param tls {@code SSL_GET}: the check speaks HTTPS
     * @param enableSni {@code enable_sni}: send the virtual host as TLS server name
     */
    public record HttpGet(List<Url> urls, Optional<String> virtualHost, CheckerOptions options, int line, boolean tls,
            boolean enableSni) implements Checker {
        /**
         * An {@code HTTP_GET} (no TLS).
         *
         * @param urls at least one
         * @param virtualHost the checker's {@code virtualhost}, else the virtual server's
         * @param options shared settings
         * @param line where the block starts
         */
        public HttpGet(List<Url> urls, Optional<String> virtualHost, CheckerOptions options, int line) {
            this(urls, virtualHost, options, line, false, false);
        }

        /**
         * Copies the URL list, so that the checker is immutable; rejects null parts.
         *
         * @param urls at least one
         * @param virtualHost the checker's {@code virtualhost}, else the virtual server's
         * @param options shared settings
         * @param line where the block starts
         * @param tls {@code SSL_GET}: the check speaks HTTPS
         * @param enableSni {@code enable_sni}: send the virtual host as TLS server name
         */
        public HttpGet {
            urls = List.copyOf(urls);
            Objects.requireNonNull(virtualHost, "virtualHost");
            Objects.requireNonNull(options, "options");
        }
    }

    /**
     * {@code url { path / status_code 200 digest ... }}.
     *
     * @param path {@code path}
     * @param statusCodes {@code status_code} values with ranges expanded; empty means any 2xx
     * @param digest {@code digest}: hex MD5 of the expected body
     * @param line where the block starts
     */
    public record Url(String path, Set<Integer> statusCodes, Optional<String> digest, int line) {
        /**
         * Copies the status codes, so that the URL is immutable; rejects null parts.
         *
         * @param path {@code path}
         * @param statusCodes {@code status_code} values with ranges expanded; empty means any 2xx
         * @param digest {@code digest}: hex MD5 of the expected body
         * @param line where the block starts
         */
        public Url {
            Objects.requireNonNull(path, "path");
            statusCodes = Set.copyOf(statusCodes);
            Objects.requireNonNull(digest, "digest");
        }
    }

    /**
     * {@code MISC_CHECK}: a program run without a shell, judged by its exit status.
     *
     * @param command {@code misc_path}, split into program and arguments
     * @param timeout {@code misc_timeout}, if set (keepalived's default: the delay_loop)
     * @param dynamic {@code misc_dynamic}
     * @param options retry, delay_before_retry and delay_loop (its connection settings are unused)
     * @param line the line of the MISC_CHECK keyword
     */
    public record MiscCheck(List<String> command, Optional<Duration> timeout, boolean dynamic, CheckerOptions options,
            int line) implements Checker {
        /**
         * Copies the command, so that the checker is immutable; rejects null parts.
         *
         * @param command {@code misc_path}, split into program and arguments
         * @param timeout {@code misc_timeout}, if set (keepalived's default: the delay_loop)
         * @param dynamic {@code misc_dynamic}
         * @param options retry, delay_before_retry and delay_loop (its connection settings are unused)
         * @param line the line of the MISC_CHECK keyword
         */
        public MiscCheck {
            command = List.copyOf(command);
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(options, "options");
        }
    }

    /**
     * {@code TCP_CHECK { connect_timeout 3 }}.
     *
     * @param options shared settings
     * @param line where the block starts
     */
    public record TcpCheck(CheckerOptions options, int line) implements Checker {
        /**
         * Rejects null options.
         *
         * @param options shared settings
         * @param line where the block starts
         */
        public TcpCheck {
            Objects.requireNonNull(options, "options");
        }
    }

    /**
     * {@code SMTP_CHECK { helo_name ... }} (each deprecated {@code host { }} block is a checker of its own).
     *
     * @param heloName {@code helo_name}; default {@code smtpchecker.keepalived.org}
     * @param options shared settings
     * @param line where the block starts
     */
    public record SmtpCheck(String heloName, CheckerOptions options, int line) implements Checker {
        /**
         * Rejects null parts.
         *
         * @param heloName {@code helo_name}; default {@code smtpchecker.keepalived.org}
         * @param options shared settings
         * @param line where the block starts
         */
        public SmtpCheck {
            Objects.requireNonNull(heloName, "heloName");
            Objects.requireNonNull(options, "options");
        }
    }

    /**
     * {@code DNS_CHECK { type ... name ... }}.
     *
     * @param type {@code type}; default SOA
     * @param name {@code name}; default the root ("")
     * @param options shared settings (keepalived's DNS_CHECK defaults: retry 3, delay_before_retry the delay_loop)
     * @param line where the block starts
     */
    public record DnsCheck(String type, String name, CheckerOptions options, int line) implements Checker {
        /**
         * Rejects null parts.
         *
         * @param type {@code type}; default SOA
         * @param name {@code name}; default the root ("")
         * @param options shared settings (keepalived's DNS_CHECK defaults: retry 3, delay_before_retry the delay_loop)
         * @param line where the block starts
         */
        public DnsCheck {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(options, "options");
        }
    }

    /**
     * {@code UDP_CHECK { payload ... require_reply ... min_reply_length ... max_reply_length ... }}.
     *
     * @param payload {@code payload}, if set (else keepalived's 32-byte filler)
     * @param requireReply {@code require_reply}
     * @param reply the data of {@code require_reply <hex>}, if given
     * @param minReplyLength {@code min_reply_length}; default 0
     * @param maxReplyLength {@code max_reply_length}; default 255
     * @param options shared settings
     * @param line where the block starts
     */
    public record UdpCheck(Optional<byte[]> payload, boolean requireReply,
            Optional<io.ipvs4j.director.check.UdpCheck.Reply> reply, int minReplyLength, int maxReplyLength,
            CheckerOptions options, int line) implements Checker {
        /**
         * Rejects null parts.
         *
         * @param payload {@code payload}, if set (else keepalived's 32-byte filler)
         * @param requireReply {@code require_reply}
         * @param reply the data of {@code require_reply <hex>}, if given
         * @param minReplyLength {@code min_reply_length}; default 0
         * @param maxReplyLength {@code max_reply_length}; default 255
         * @param options shared settings
         * @param line where the block starts
         */
        public UdpCheck {
            Objects.requireNonNull(payload, "payload");
            Objects.requireNonNull(reply, "reply");
            Objects.requireNonNull(options, "options");
        }
    }

    /**
     * {@code PING_CHECK { }}: an ICMP echo to the real server (or {@code connect_ip}).
     *
     * @param options shared settings (the port ones are unused)
     * @param line where the block starts
     */
    public record PingCheck(CheckerOptions options, int line) implements Checker {
        /**
         * Rejects null parts.
         *
         * @param options shared settings (the port ones are unused)
         * @param line where the block starts
         */
        public PingCheck {
            Objects.requireNonNull(options, "options");
        }
    }
}
