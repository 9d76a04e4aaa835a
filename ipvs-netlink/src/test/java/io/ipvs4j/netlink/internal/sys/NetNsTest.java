package io.ipvs4j.netlink.internal.sys;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ipvs4j.netlink.internal.nl.SyscallException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Whatever fails on the namespace helper thread comes back typed, never as a null result. */
class NetNsTest {
    // the calling process's own namespace: entering it is allowed for root and changes nothing
    private static final Path OWN = Path.of("/proc/self/ns/net");

    @Test
    void anErrorOnTheHelperThreadBecomesASyscallExceptionWithItAsCause() {
        for (Error error : new Error[] {new StackOverflowError("deep"), new OutOfMemoryError("full"), new AssertionError("x")}) {
            SyscallException e = assertThrows(SyscallException.class, () -> NetNs.callIn(OWN, () -> {
                throw error;
            }));   // returned null before (then a NullPointerException in the caller)
            assertInstanceOf(error.getClass(), e.getCause());
        }
    }

    @Test
    void anActionWithoutResultReturnsNull() throws Exception {
        org.junit.jupiter.api.Assertions.assertNull(NetNs.callIn(OWN, () -> null));
    }

    @Test
    void runtimeExceptionsKeepTheirType() {
        assertThrows(IllegalStateException.class, () -> NetNs.callIn(OWN, () -> {
            throw new IllegalStateException("x");
        }));
    }
}
