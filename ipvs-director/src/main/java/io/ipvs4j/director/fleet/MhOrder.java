package io.ipvs4j.director.fleet;

import io.ipvs4j.model.Endpoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The one order in which every director of a fleet holds a service's real servers, so that the
 * kernel's {@code mh} (Maglev) scheduler builds the same lookup table on each of them.
 *
 * <p>Facts from the kernel ({@code net/netfilter/ipvs/ip_vs_mh.c}, {@code ip_vs_ctl.c}):
 * <ul>
 *   <li>the table has 4093 slots by default ({@code CONFIG_IP_VS_MH_TAB_INDEX} 12); each real
 *       server's preference list (offset and skip) is a hash of its address and port only, but
 *       {@code ip_vs_mh_populate} walks {@code svc->destinations} in list order, each server
 *       taking its next free preferred slot in turn, so which server wins a contested slot
 *       depends on the list order;</li>
 *   <li>{@code __ip_vs_update_dest} links a new real server at the <em>head</em> of that list
 *       ({@code list_add}), so the list is the reverse of the order of adding, and a server
 *       removed and added again moves to the head;</li>
 *   <li>the number of turns of a server is its {@code last_weight} (divided by the gcd of all):
 *       the latest weight it was given that was not 0 ({@code last_weight} is set on add, and on
 *       update only to a weight that is not 0). Setting a weight to 0 thus keeps the table and
 *       only makes the server unavailable (lookups that land on it fail, or with
 *       {@code mh-fallback} go on to the next slot); a server <em>added</em> with weight 0 takes
 *       no slot.</li>
 * </ul>
 *
 * <p>Hence the rules the fleet follows: a drain is weight 0, never removal; a drained server is
 * first programmed at its configured weight and then set to 0, so its {@code last_weight} is
 * the configured one whatever the director's history; and servers are added in
 * {@link #ORDER}: by address family (IPv4 first), address bytes (unsigned, big-endian), then
 * port, so the kernel list is that order reversed (highest first). Adding a server that sorts
 * after all the others (the usual growth of a pool) is then one add at the head; when a server
 * sorts before servers the kernel already holds, {@link #plan} says which of those must be
 * removed and added again so that the list is the same as on a director that added them all in
 * order.
 *
 * <pre>{@code
 * MhOrder.Plan p = MhOrder.plan(kernelOrder, desiredEndpoints);
 * p.readd();      // to remove first (then added again)
 * p.addOrder();   // to add, in this order
 * }</pre>
 */
public final class MhOrder {
    /** The canonical order of real servers: family (IPv4 first), address bytes unsigned, port. */
    public static final Comparator<Endpoint> ORDER = (a, b) -> {
        byte[] x = a.address().getAddress();
        byte[] y = b.address().getAddress();
        if (x.length != y.length) {
            return Integer.compare(x.length, y.length);
        }
        int c = java.util.Arrays.compareUnsigned(x, y);
        return c != 0 ? c : Integer.compare(a.port(), b.port());
    };

    private MhOrder() {
    }

    /**
     * What to do to a service's real servers so that the kernel list becomes {@code desired}
     * sorted by {@link #ORDER}, reversed (as if added in that order).
     *
     * @param remove servers the kernel holds that are not desired (removed; the rest keeps its order)
     * @param readd servers the kernel holds in a place the order does not allow: removed, then
     *     added again (they are in {@code addOrder} too)
     * @param addOrder the servers to add, in the order to add them (each goes to the list head)
     */
    public record Plan(List<Endpoint> remove, List<Endpoint> readd, List<Endpoint> addOrder) {
        /**
         * Copies the lists.
         *
         * @param remove servers to remove
         * @param readd servers to remove and add again
         * @param addOrder servers to add, in this order
         */
        public Plan {
            remove = List.copyOf(remove);
            readd = List.copyOf(readd);
            addOrder = List.copyOf(addOrder);
        }
    }

    /**
     * Sorts endpoints into {@link #ORDER}.
     *
     * @param endpoints the endpoints
     * @return a new list in canonical order
     */
    public static List<Endpoint> sorted(java.util.Collection<Endpoint> endpoints) {
        List<Endpoint> list = new ArrayList<>(endpoints);
        list.sort(ORDER);
        return list;
    }

    /**
     * The changes that turn the kernel's list {@code kernel} (in the kernel's order, as a dump
     * lists it) into {@code desired} in reversed canonical order, removing as few servers as it
     * can: the longest tail of the kernel list that already is the tail of the wanted list stays.
     *
     * @param kernel the real servers as the kernel lists them (list order)
     * @param desired the real servers wanted, in any order
     * @return the plan
     */
    public static Plan plan(List<Endpoint> kernel, java.util.Collection<Endpoint> desired) {
        return plan(kernel, desired, Set.of());
    }

    /**
     * As {@link #plan(List, java.util.Collection)}, where the servers of {@code fresh} must be
     * added anew even if the kernel holds them (so that the kernel forgets their
     * {@code last_weight}): they are removed and added again, with those in front of them.
     *
     * @param kernel the real servers as the kernel lists them (list order)
     * @param desired the real servers wanted, in any order
     * @param fresh desired servers to add anew
     * @return the plan
     */
    public static Plan plan(List<Endpoint> kernel, java.util.Collection<Endpoint> desired, Set<Endpoint> fresh) {
        List<Endpoint> target = sorted(desired);
        java.util.Collections.reverse(target);   // the kernel list: the last added first
        Set<Endpoint> wanted = new HashSet<>(target);
        List<Endpoint> remove = new ArrayList<>();
        List<Endpoint> kept = new ArrayList<>();
        for (Endpoint e : kernel) {
            if (wanted.contains(e) && !fresh.contains(e)) {
                kept.add(e);
            } else if (wanted.contains(e)) {
                kept.add(null);   // held, but must be added anew: breaks the kept tail here
            } else {
                remove.add(e);
            }
        }
        // the longest suffix of kept that equals a suffix of target
        int k = kept.size() - 1;
        int t = target.size() - 1;
        while (k >= 0 && t >= 0 && target.get(t).equals(kept.get(k))) {
            k--;
            t--;
        }
        List<Endpoint> readd = new ArrayList<>();
        for (int i = 0; i <= k; i++) {
            readd.add(kept.get(i) != null ? kept.get(i) : nthHeld(kernel, wanted, i));
        }
        // target[0..t] must be put in front, target[t] first (adding prepends)
        List<Endpoint> addOrder = new ArrayList<>(t + 1);
        for (int i = t; i >= 0; i--) {
            addOrder.add(target.get(i));
        }
        return new Plan(remove, readd, addOrder);
    }

    /** The {@code n}-th server of {@code kernel} that is wanted (kept's n-th slot). */
    private static Endpoint nthHeld(List<Endpoint> kernel, Set<Endpoint> wanted, int n) {
        int i = 0;
        for (Endpoint e : kernel) {
            if (wanted.contains(e) && i++ == n) {
                return e;
            }
        }
        throw new IllegalStateException("no held server " + n);
    }
}
