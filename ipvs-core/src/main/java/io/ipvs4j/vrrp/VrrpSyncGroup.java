package io.ipvs4j.vrrp;

import java.util.List;
import java.util.Objects;

/**
 * keepalived's {@code vrrp_sync_group}: instances that change state together, so that e.g. the
 * outside VIP and the inside gateway address always live on the same director. When a member
 * becomes MASTER the others become MASTER; when a member leaves MASTER for BACKUP the others
 * do; while a member is in FAULT the others are held in FAULT, and no member becomes MASTER.
 *
 * <pre>{@code
 * VrrpSyncGroup vg1 = VrrpSyncGroup.of("VG_1", List.of(outside, inside));   // before start()
 * outside.start();
 * inside.start();
 * }</pre>
 *
 * <p>The members must share one {@link VrrpTimers} (scheduler thread), and each belongs to at
 * most one group.
 */
public final class VrrpSyncGroup {
    private final String name;
    private final List<VrrpRouter> members;
    private boolean propagating;

    private VrrpSyncGroup(String name, List<VrrpRouter> members) {
        this.name = name;
        this.members = members;
    }

    /**
     * Groups {@code members} (at least two, not yet started, not in another group).
     * 
     * @param name the {@code vrrp_sync_group} name
     * @param members the instances that change state together
     * @return the group
     * @throws IllegalArgumentException if fewer than two members, or one is running or already grouped
     */
    public static VrrpSyncGroup of(String name, List<VrrpRouter> members) {
        Objects.requireNonNull(name, "name");
        List<VrrpRouter> copy = List.copyOf(members);
        if (copy.size() < 2) {
            throw new IllegalArgumentException("vrrp_sync_group " + name + " needs at least two instances, has " + copy.size());
        }
        for (VrrpRouter r : copy) {
            if (r.group != null) {
                throw new IllegalArgumentException("vrrp_sync_group " + name + ": instance " + r.config().name()
                        + " is already in vrrp_sync_group " + r.group.name);
            }
            if (r.state() != VrrpState.INIT) {
                throw new IllegalArgumentException("vrrp_sync_group " + name + ": instance " + r.config().name()
                        + " is already running");
            }
        }
        VrrpSyncGroup g = new VrrpSyncGroup(name, copy);
        copy.forEach(r -> r.group = g);
        return g;
    }

    /**
     * The group's name.
     * 
     * @return the {@code vrrp_sync_group} name
     */
    public String name() {
        return name;
    }

    /**
     * The members' names.
     * 
     * @return the names of the member instances, in order
     */
    public List<String> members() {
        return members.stream().map(r -> r.config().name()).toList();
    }

    boolean canBecomeMaster(VrrpRouter member) {
        return members.stream().noneMatch(VrrpRouter::ownFault);
    }

    /** Called on the timer thread after {@code member} changed state. */
    void memberChanged(VrrpRouter member, VrrpState from, VrrpState to) {
        if (propagating) {
            return;
        }
        propagating = true;
        try {
            String reason = "vrrp_sync_group " + name + ": " + member.config().name() + " " + from + " -> " + to;
            boolean anyFault = members.stream().anyMatch(VrrpRouter::ownFault);
            for (VrrpRouter other : members) {
                if (other == member) {
                    continue;
                }
                if (to == VrrpState.FAULT || (from == VrrpState.FAULT && anyFault)) {
                    other.groupHoldFault(anyFault);
                } else if (from == VrrpState.FAULT) {
                    other.groupHoldFault(false);
                } else if (to == VrrpState.MASTER) {
                    other.groupForceMaster(reason);
                } else if (to == VrrpState.BACKUP && from == VrrpState.MASTER) {
                    other.groupForceBackup(reason);
                }
            }
        } finally {
            propagating = false;
        }
    }
}
