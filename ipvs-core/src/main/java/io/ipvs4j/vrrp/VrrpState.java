package io.ipvs4j.vrrp;

/**
 * The states of a VRRP instance (RFC 5798 section 6.4, with keepalived's FAULT).
 *
 * <ul>
 *   <li>{@link #INIT}: created or stopped; sends nothing, holds no virtual address.</li>
 *   <li>{@link #BACKUP}: listens for the master's advertisements and takes over when the
 *       master-down timer expires.</li>
 *   <li>{@link #MASTER}: holds the virtual addresses, advertises every advert interval and
 *       announces the addresses (gratuitous ARP, unsolicited neighbour advertisements).</li>
 *   <li>{@link #FAULT}: a tracked interface or a tracker with weight 0 is down; sends nothing
 *       and holds no virtual address until the fault clears (then BACKUP).</li>
 * </ul>
 */
public enum VrrpState {
    /** Created or stopped: sends nothing, holds no virtual address. */
    INIT,
    /** Listens for the master's advertisements. */
    BACKUP,
    /** Holds the virtual addresses and advertises. */
    MASTER,
    /** A tracked interface or weight-0 tracker is down. */
    FAULT
}
