/**
 * ipvsadm's languages as a library: {@link io.ipvs4j.ipvsadm.IpvsadmCommand} parses one ipvsadm
 * command line, {@link io.ipvs4j.ipvsadm.IpvsadmRules} parses {@code ipvsadm -R} input into
 * batch changes and prints a table as {@code ipvsadm -Sn} does, and
 * {@link io.ipvs4j.ipvsadm.IpvsadmListing} prints the {@code ipvsadm -Ln} listings. Pure Java,
 * checked against ipvsadm 1.31 on a real kernel.
 */
package io.ipvs4j.ipvsadm;
