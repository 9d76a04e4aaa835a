package io.ipvs4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchOptions;
import io.ipvs4j.BatchResult;
import io.ipvs4j.IpvsException;
import io.ipvs4j.ipvsadm.IpvsadmRules;
import org.junit.jupiter.api.Test;

/** ipvsadm rules applied to the fake: batch tags name the failing line, and save restores the table. */
class IpvsadmRulesOnFakeTest {

    @Test
    void batchTagsNameTheFailingRule() throws IpvsException {
        Batch batch = IpvsadmRules.toBatch(IpvsadmRules.parse("-A -t 192.0.2.1:80 -s rr\n"));
        try (InMemoryIpvs ipvs = new InMemoryIpvs()) {
            Batch twice = Batch.builder().add(batch.changes().get(0), 1).add(batch.changes().get(0), 7).build();
            BatchResult r = ipvs.apply(twice, BatchOptions.builder().errorPolicy(BatchOptions.ErrorPolicy.CONTINUE).build());
            assertEquals(1, r.failures().size());
            assertEquals(7, twice.tag(r.failures().get(0)).orElseThrow());
        }
    }

    @Test
    void restoredSaveIsTheSameTable() throws IpvsException {
        String rules = """
                -A -t 192.0.2.1:80 -s rr -b flag-1,flag-3
                -a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 0
                -a -t 192.0.2.1:80 -r 198.51.100.2:80 -i -w 1 --tun-type gre --tun-nocsum
                -A -f 5 -6 -s sh -b sh-port
                -a -f 5 -6 -r [2001:db8::6]:99 -m -w 65536
                """;
        try (InMemoryIpvs ipvs = new InMemoryIpvs()) {
            ipvs.apply(IpvsadmRules.toBatch(IpvsadmRules.parse(rules))).throwIfFailed();
            assertEquals(rules, IpvsadmRules.save(ipvs.snapshot()));
        }
    }
}
