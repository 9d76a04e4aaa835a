/**
 * Test doubles for code that uses ipvs4j: {@link io.ipvs4j.testing.InMemoryIpvs} behaves like
 * the kernel and throws the same typed exceptions, without root or a kernel.
 */
package io.ipvs4j.testing;
