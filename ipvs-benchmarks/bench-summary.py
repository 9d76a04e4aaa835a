#!/usr/bin/env python3
"""The headline figures of a KernelBenchmark TSV: per scale point ipvs4j against the C
reference (same boot, same table), and per-operation cost against the smallest point.
Usage: bench-summary.py kernel-STAMP.tsv"""
import collections, sys

REF_ADD = "C ipvs-ref batch add (fresh namespace)"
REF_LIST = "C ipvs-ref list (services dump + a dests dump per service)"
ADD = "ipvs4j batch add, ACK last of each send (fresh namespace)"
SNAP = "ipvs4j snapshot()"
COLD_ADD = "cold: first batch add in a fresh JVM (apply only)"
COLD_SNAP = "cold: first snapshot() in that JVM (after the add)"
DND = "ipvs4j dump-and-diff apply, 1% changed (Reconciler.apply)"
INC = "ipvs4j incremental apply of the same change (applyIncremental)"
rows = collections.defaultdict(dict)
ops = {}
for line in open(sys.argv[1]):
    if line.startswith("#") or not line.strip():
        continue
    f = line.rstrip("\n").split("\t")
    s = int(f[0]); ops[s] = int(f[1])
    rows[s][f[2]] = {"median": float(f[3]), "n": int(f[6]), "user": float(f[7]), "sys": float(f[8]),
                     "other": float(f[9]), "alloc": float(f[10]), "samples": f[11]}

def med(s, name):
    return rows[s].get(name, {}).get("median", float("nan"))

def target(v, t):
    return "met" if v <= t else "NOT met"

print("| services x 10 | operations | C add ms | ipvs4j warm add ms | ratio | ipvs4j cold add ms | ratio | C list ms | ipvs4j warm snapshot ms | ratio | cold snapshot ms | ratio | dump-and-diff ms | incremental ms |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for s in sorted(rows):
    ca, ja, ka = med(s, REF_ADD), med(s, ADD), med(s, COLD_ADD)
    cl, js, ks = med(s, REF_LIST), med(s, SNAP), med(s, COLD_SNAP)
    print(f"| {s} | {ops[s]} | {ca:.0f} | {ja:.0f} | {ja/ca:.2f}x | {ka:.0f} | {ka/ca:.2f}x | {cl:.0f} | {js:.0f} | {js/cl:.2f}x | {ks:.0f} | {ks/cl:.2f}x | {med(s, DND):.0f} | {med(s, INC):.1f} |")
print()
for s in sorted(rows):
    print(f"{s} services: warm add {med(s, ADD)/med(s, REF_ADD):.2f}x C (target <= 1.2: {target(med(s, ADD)/med(s, REF_ADD), 1.2)}), "
          f"warm snapshot {med(s, SNAP)/med(s, REF_LIST):.2f}x C (target <= 1.2: {target(med(s, SNAP)/med(s, REF_LIST), 1.2)}), "
          f"cold add {med(s, COLD_ADD)/med(s, REF_ADD):.2f}x (target <= 2: {target(med(s, COLD_ADD)/med(s, REF_ADD), 2)})")
    for name in (REF_ADD, ADD, REF_LIST, SNAP):
        r = rows[s].get(name)
        if r:
            print(f"    {name:62s} median {r['median']:9.1f} ms  user {r['user']:8.1f}  sys {r['sys']:8.1f}  other threads {r['other']:7.1f}  samples {r['samples']}")
first = min(rows)
print()
for s in sorted(rows):
    if s == first:
        continue
    scale = ops[s] / ops[first]
    parts = []
    for label, name in (("C add", REF_ADD), ("ipvs4j add", ADD), ("C list", REF_LIST), ("ipvs4j snapshot", SNAP), ("dump-and-diff", DND)):
        parts.append(f"{label} {med(s, name) / scale / med(first, name):.2f}x")
    print(f"per-operation time at {s} / at {first}: " + ", ".join(parts))
