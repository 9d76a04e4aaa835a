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
    void freshServiceAddsInReverseOrder() {
        MhOrder.Plan p = MhOrder.plan(List.of(), List.of(e(2), e(1), e(3)));
        assertEquals(List.of(e(3), e(2), e(1)), p.addOrder());   // each add goes to the head: list ends 1,2,3
        assertEquals(List.of(), p.readd());
        assertEquals(List.of(), p.remove());
    }

    @Test
    void inOrderKernelNeedsNothing() {
        MhOrder.Plan p = MhOrder.plan(List.of(e(1), e(2), e(3)), List.of(e(3), e(1), e(2)));
        assertEquals(new MhOrder.Plan(List.of(), List.of(), List.of()), p);
    }

    @Test
    void newSmallestGoesToTheHeadWithoutReadding() {
        MhOrder.Plan p = MhOrder.plan(List.of(e(2), e(3)), List.of(e(1), e(2), e(3)));
        assertEquals(List.of(e(1)), p.addOrder());
        assertEquals(List.of(), p.readd());
    }

    @Test
    void newMiddleServerReaddsThoseInFront() {
        MhOrder.Plan p = MhOrder.plan(List.of(e(1), e(3), e(4)), List.of(e(1), e(2), e(3), e(4)));
        assertEquals(List.of(e(1)), p.readd());
        assertEquals(List.of(e(2), e(1)), p.addOrder());
    }

    @Test
    void removalKeepsTheRestAndOutOfOrderKernelIsRepaired() {
        MhOrder.Plan p = MhOrder.plan(List.of(e(1), e(2), e(3)), List.of(e(1), e(3)));
        assertEquals(List.of(e(2)), p.remove());
        assertEquals(List.of(), p.readd());
        // a server removed and added again by hand sits at the head: 3,1,2 -> 1,2,3
        p = MhOrder.plan(List.of(e(3), e(1), e(2)), List.of(e(1), e(2), e(3)));
        assertEquals(List.of(e(3), e(1), e(2)), p.readd());
        assertEquals(List.of(e(3), e(2), e(1)), p.addOrder());
    }

    @Test
    void freshServersAreReaddedWithThoseInFront() {
        MhOrder.Plan p = MhOrder.plan(List.of(e(1), e(2), e(3)), List.of(e(1), e(2), e(3)), Set.of(e(2)));
        assertEquals(List.of(e(1), e(2)), p.readd());
        assertEquals(List.of(e(2), e(1)), p.addOrder());
    }
}
