package io.ipvs4j.vrrp;

/**
 * Counters of one VRRP instance since it started (keepalived's {@code vrrp_stats}).
 *
 * @param advertsReceived valid adverts of this virtual router taken
 * @param advertsSent adverts sent (each unicast peer counts once)
 * @param becameMaster transitions to MASTER
 * @param releasedMaster transitions from MASTER to another state
 * @param priorityZeroReceived adverts with priority 0 received (a master stopping)
 * @param priorityZeroSent adverts with priority 0 sent
 * @param badTtl adverts dropped for a TTL / hop limit other than 255
 * @param badLength messages shorter than their header and address count say
 * @param badVersion messages of another VRRP version
 * @param badType messages that are not advertisements
 * @param badAuthType v2 messages whose auth type differs from the configured one
 * @param authFailures v2 messages with the wrong password
 * @param badChecksum messages with a wrong checksum
 * @param intervalMismatch v2 adverts whose interval differs from ours (dropped, as keepalived)
 * @param addressListErrors adverts whose address list differs from ours (taken, as keepalived)
 * @param sendErrors adverts that could not be sent
 */
public record VrrpStats(long advertsReceived, long advertsSent, long becameMaster, long releasedMaster,
                        long priorityZeroReceived, long priorityZeroSent, long badTtl, long badLength, long badVersion,
                        long badType, long badAuthType, long authFailures, long badChecksum, long intervalMismatch,
                        long addressListErrors, long sendErrors) {}
