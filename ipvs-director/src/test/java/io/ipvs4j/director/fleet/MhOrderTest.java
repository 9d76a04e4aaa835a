package io.ipvs4j.director.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ipvs4j.model.Endpoint;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MhOrderTest {
    private static Endpoint e(int last) {
        return Endpoint.of("198.51.100." + last, 80);
    }

    @Test
    void orderIsFamilyThenUnsignedAddressThenPort() {
        List<Endpoint> sorted = MhOrder.sorted(List.of(Endpoint.parse("[2001:db8::1]:80"), e(200), e(3), Endpoint.of("198.51.100.3", 79)));
        assertEquals(List.of(Endpoint.of("198.51.100.3", 79), e(3), e(200), Endpoint.parse("[2001:db8::1]:80")), sorted);
    }

    @Test
    void freshServiceAddsInOrder() {
        MhOrder.Plan p = MhOrder.plan(List.of(), List.of(e(2), e(1), e(3)));
        assertEquals(List.of(e(1), e(2), e(3)), p.addOrder());   // each add goes to the head: list ends 3,2,1
        assertEquals(List.of(), p.readd());
        assertEquals(List.of(), p.remove());
    }

    @Test
    void inOrderKernelNeedsNothing() {
        MhOrder.Plan p = MhOrder.plan(List.of(e(3), e(2), e(1)), List.of(e(3), e(1), e(2)));
        assertEquals(new MhOrder.Plan(List.of(), List.of(), List.of()), p);
    }

    @Test
    void newLargestGoesToTheHeadWithoutReadding() {
        MhOrder.Plan p = MhOrder.plan(List.of(e(3), e(2)), List.of(e(2), e(3), e(4)));
        assertEquals(List.of(e(4)), p.addOrder());
        assertEquals(List.of(), p.readd());
    }

    @Test
    void newMiddleServerReaddsThoseAfterIt() {
        MhOrder.Plan p = MhOrder.plan(List.of(e(4), e(3), e(1)), List.of(e(1), e(2), e(3), e(4)));
        assertEquals(List.of(e(4), e(3)), p.readd());
        assertEquals(List.of(e(2), e(3), e(4)), p.addOrder());
    }

    @Test
    void removalKeepsTheRestAndOutOfOrderKernelIsRepaired() {
        MhOrder.Plan p = MhOrder.plan(List.of(e(3), e(2), e(1)), List.of(e(1), e(3)));
        assertEquals(List.of(e(2)), p.remove());
        assertEquals(List.of(), p.readd());
        assertEquals(List.of(), p.addOrder());
        // a server removed and added again by hand sits at the head: 1,3,2 -> 3,2,1
        p = MhOrder.plan(List.of(e(1), e(3), e(2)), List.of(e(1), e(2), e(3)));
        assertEquals(List.of(e(1), e(3), e(2)), p.readd());
        assertEquals(List.of(e(1), e(2), e(3)), p.addOrder());
    }

    @Test
    void freshServersAreReaddedWithThoseAfterThem() {
        MhOrder.Plan p = MhOrder.plan(List.of(e(3), e(2), e(1)), List.of(e(1), e(2), e(3)), Set.of(e(2)));
        assertEquals(List.of(e(3), e(2)), p.readd());
        assertEquals(List.of(e(2), e(3)), p.addOrder());
    }
}
