package io.ipvs4j.nativetests.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that needs a kernel with IPVS and root (CAP_NET_ADMIN).
 *
 * <p>Such tests carry the JUnit tag {@code kernel} (the VM runner
 * {@code native-tests/vm/run-kernel-tests.sh} selects exactly these) and are guarded by
 * {@link RequiresIpvsCondition}: without IPVS they are skipped with the reason (host
 * {@code mvn verify}); with {@code IPVS4J_KERNEL_TESTS=required} (set inside the VM) they
 * fail instead, so that a broken VM can never produce a green, skipped suite.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag(KernelTest.TAG)
@ExtendWith(RequiresIpvsCondition.class)
public @interface KernelTest {
    /** The JUnit tag of every kernel test. */
    String TAG = "kernel";
}
