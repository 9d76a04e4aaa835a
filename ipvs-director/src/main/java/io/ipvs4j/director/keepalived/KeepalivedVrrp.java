package io.ipvs4j.director.keepalived;

import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.vrrp.VrrpInstanceConfig;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The VRRP half of a keepalived.conf, as {@link KeepalivedParser} reads it: the
 * {@code vrrp_instance}, {@code vrrp_sync_group} and {@code vrrp_script} blocks and the VRRP
 * settings of {@code global_defs}, with keepalived 2.2's defaults and fallbacks already applied
 * (each fallback is a {@link ConfigWarning} of the configuration).
 *
 * <pre>{@code
 * KeepalivedConfig config = KeepalivedParser.parse(Path.of("/etc/keepalived/keepalived.conf"));
 * for (KeepalivedVrrp.Instance i : config.vrrp().instances()) {
 *     System.out.println(i.config().name() + " vrid " + i.config().virtualRouterId()
 *             + " priority " + i.config().priority());
 * }
 * }</pre>
 *
 * @param instances the {@code vrrp_instance} blocks, in file order
 * @param syncGroups the {@code vrrp_sync_group} blocks (members that exist, at least one)
 * @param scripts the {@code vrrp_script} blocks that have a script
 * @param syncDaemon {@code global_defs { lvs_sync_daemon ... }} (or an instance's deprecated
 *     {@code lvs_sync_daemon_interface}), if set and its instance exists
 * @param strict {@code global_defs { vrrp_strict }}
 */
public record KeepalivedVrrp(List<Instance> instances, List<SyncGroup> syncGroups, List<Script> scripts,
        Optional<SyncDaemonConfig> syncDaemon, boolean strict) {

    /** No VRRP at all. */
    public static final KeepalivedVrrp NONE = new KeepalivedVrrp(List.of(), List.of(), List.of(), Optional.empty(),
            false);

    /**
     * Copies the lists.
     *
     * @param instances the instances
     * @param syncGroups the sync groups
     * @param scripts the scripts
     * @param syncDaemon the sync daemon settings
     * @param strict vrrp_strict
     */
    public KeepalivedVrrp {
        instances = List.copyOf(instances);
        syncGroups = List.copyOf(syncGroups);
        scripts = List.copyOf(scripts);
        Objects.requireNonNull(syncDaemon, "syncDaemon");
    }

    /**
     * The instance called {@code name}.
     *
     * @param name the {@code vrrp_instance} name
     * @return the instance, if defined
     */
    public Optional<Instance> instance(String name) {
        return instances.stream().filter(i -> i.config().name().equals(name)).findFirst();
    }

    /**
     * The script called {@code name}.
     *
     * @param name the {@code vrrp_script} name
     * @return the script, if defined
     */
    public Optional<Script> script(String name) {
        return scripts.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /**
     * Whether {@code address} is a {@code virtual_ipaddress} or {@code virtual_ipaddress_excluded}
     * of some instance.
     *
     * @param address an address
     * @return true if an instance brings it up as MASTER
     */
    public boolean isVirtualAddress(InetAddress address) {
        return instances.stream().anyMatch(i -> i.allAddresses().stream().anyMatch(a -> a.address().equals(address)));
    }

    /**
     * One {@code vrrp_instance}.
     *
     * @param config what the speaker runs: everything but the {@code track_script} trackers,
     *     which exist only at run time ({@link #trackScripts()})
     * @param excludedAddresses {@code virtual_ipaddress_excluded}: brought up as MASTER like the
     *     virtual addresses, but not carried in the adverts
     * @param trackScripts {@code track_script} entries naming a defined {@code vrrp_script}
     * @param notifyScripts the notify scripts
     * @param line the line of {@code vrrp_instance}
     */
    public record Instance(VrrpInstanceConfig config, List<InterfaceAddress> excludedAddresses,
            List<TrackScript> trackScripts, Notify notifyScripts, int line) {
        /**
         * Copies the lists.
         *
         * @param config the speaker's configuration
         * @param excludedAddresses virtual_ipaddress_excluded
         * @param trackScripts track_script entries
         * @param notifyScripts notify scripts
         * @param line line of the block
         */
        public Instance {
            Objects.requireNonNull(config, "config");
            excludedAddresses = List.copyOf(excludedAddresses);
            trackScripts = List.copyOf(trackScripts);
            Objects.requireNonNull(notifyScripts, "notifyScripts");
        }

        /**
         * The virtual and the excluded addresses.
         *
         * @return every address this instance brings up as MASTER
         */
        public List<InterfaceAddress> allAddresses() {
            return java.util.stream.Stream.concat(config.virtualAddresses().stream(), excludedAddresses.stream())
                    .toList();
        }
    }

    /**
     * A {@code track_script} entry.
     *
     * @param script the {@code vrrp_script} name
     * @param weight the entry's {@code weight}, which overrides the script's; empty: the script's
     * @param line where it was written
     */
    public record TrackScript(String script, OptionalInt weight, int line) {
        /**
         * Checks the name.
         *
         * @param script the vrrp_script name
         * @param weight the override, if any
         * @param line the line
         */
        public TrackScript {
            Objects.requireNonNull(script, "script");
            Objects.requireNonNull(weight, "weight");
        }
    }

    /**
     * keepalived's notify scripts: each a program and its arguments, run without a shell.
     * {@code notify} is called with "INSTANCE|GROUP name STATE priority" appended, the others
     * without arguments.
     *
     * @param all {@code notify}: on every transition
     * @param master {@code notify_master}
     * @param backup {@code notify_backup}
     * @param fault {@code notify_fault}
     * @param stop {@code notify_stop}: when the instance stops
     */
    public record Notify(Optional<List<String>> all, Optional<List<String>> master, Optional<List<String>> backup,
            Optional<List<String>> fault, Optional<List<String>> stop) {
        /** No notify script. */
        public static final Notify NONE = new Notify(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());

        /**
         * Copies the argument lists.
         *
         * @param all notify
         * @param master notify_master
         * @param backup notify_backup
         * @param fault notify_fault
         * @param stop notify_stop
         */
        public Notify {
            all = all.map(List::copyOf);
            master = master.map(List::copyOf);
            backup = backup.map(List::copyOf);
            fault = fault.map(List::copyOf);
            stop = stop.map(List::copyOf);
        }

        /**
         * Whether any script is set.
         *
         * @return true if at least one notify script is configured
         */
        public boolean configured() {
            return all.isPresent() || master.isPresent() || backup.isPresent() || fault.isPresent()
                    || stop.isPresent();
        }
    }

    /**
     * A {@code vrrp_sync_group}.
     *
     * @param name its name
     * @param members the names of its instances (those that exist)
     * @param notifyScripts its notify scripts ("GROUP name STATE priority" for {@code notify})
     * @param line the line of the block
     */
    public record SyncGroup(String name, List<String> members, Notify notifyScripts, int line) {
        /**
         * Copies the members.
         *
         * @param name the name
         * @param members the instance names
         * @param notifyScripts notify scripts
         * @param line the line
         */
        public SyncGroup {
            Objects.requireNonNull(name, "name");
            members = List.copyOf(members);
            Objects.requireNonNull(notifyScripts, "notifyScripts");
        }
    }

    /**
     * A {@code vrrp_script}: a program run every {@code interval}; exit status 0 is success.
     * keepalived's defaults: interval 1 s, timeout = interval, weight 0, rise 1, fall 1.
     *
     * @param name its name
     * @param command the program and its arguments (no shell)
     * @param interval time between runs
     * @param timeout a run that takes longer is killed and counts as a failure
     * @param weight -253..253; 0: FAULT while failing; positive: added while succeeding;
     *     negative: added while failing
     * @param rise successes needed to go from failing to succeeding
     * @param fall failures needed to go from succeeding to failing
     * @param user {@code user NAME [GROUP]}, if set: the script runs as that user (and group)
     * @param initFail {@code init_fail}: the script counts as failing until its first success
     * @param line the line of the block
     */
    public record Script(String name, List<String> command, Duration interval, Duration timeout, int weight, int rise,
            int fall, Optional<String> user, boolean initFail, int line) {
        /**
         * Copies the command.
         *
         * @param name the name
         * @param command the program and its arguments
         * @param interval the interval
         * @param timeout the timeout
         * @param weight the weight
         * @param rise rise
         * @param fall fall
         * @param user the user, if any
         * @param initFail init_fail
         * @param line the line
         */
        public Script {
            Objects.requireNonNull(name, "name");
            command = List.copyOf(command);
            if (command.isEmpty()) {
                throw new IllegalArgumentException("vrrp_script " + name + " needs a script");
            }
            Objects.requireNonNull(interval, "interval");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(user, "user");
        }
    }

    /**
     * {@code lvs_sync_daemon IFACE INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR]}: the
     * IPVS connection-sync daemon, MASTER while {@code instance} is MASTER, BACKUP otherwise.
     *
     * @param interfaceName the sync interface
     * @param instance the instance whose role the daemon follows
     * @param syncId {@code id}, default the instance's virtual_router_id
     * @param maxLength {@code maxlen}, if set
     * @param port {@code port}, if set (kernel default 8848)
     * @param ttl {@code ttl}, if set (kernel default 1)
     * @param group {@code group}, if set (kernel default 224.0.0.81)
     * @param line where it was written
     */
    public record SyncDaemonConfig(String interfaceName, String instance, int syncId, OptionalInt maxLength,
            OptionalInt port, OptionalInt ttl, Optional<InetAddress> group, int line) {
        /**
         * Checks for nulls.
         *
         * @param interfaceName the interface
         * @param instance the instance
         * @param syncId the sync id
         * @param maxLength maxlen
         * @param port port
         * @param ttl ttl
         * @param group group
         * @param line line
         */
        public SyncDaemonConfig {
            Objects.requireNonNull(interfaceName, "interfaceName");
            Objects.requireNonNull(instance, "instance");
            Objects.requireNonNull(maxLength, "maxLength");
            Objects.requireNonNull(port, "port");
            Objects.requireNonNull(ttl, "ttl");
            Objects.requireNonNull(group, "group");
        }

        @Override
        public String toString() {
            return interfaceName + " " + instance + " id " + syncId + maxLength.stream().mapToObj(m -> " maxlen " + m)
                    .findFirst().orElse("") + port.stream().mapToObj(p -> " port " + p).findFirst().orElse("")
                    + ttl.stream().mapToObj(t -> " ttl " + t).findFirst().orElse("")
                    + group.map(g -> " group " + InetAddresses.toText(g)).orElse("");
        }
    }
}
