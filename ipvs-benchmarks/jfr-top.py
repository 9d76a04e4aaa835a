#!/usr/bin/env python3
"""Summarises JFR recordings of the benchmark (Profile / KernelBenchmark --cold): where the
benchmark thread's samples fall. Usage: jfr-top.py FILE.jfr...  (needs `jfr` from the JDK).

Java samples (jdk.ExecutionSample) are taken while the thread runs Java code; native samples
(jdk.NativeMethodSample) while it is in native code - here the system calls (sendmsg,
recvmmsg), i.e. the kernel's share. Both every 10 ms (Profile) or 20 ms (the profile settings
of the cold run)."""
import collections, json, os, subprocess, sys

THREAD = os.environ.get("JFR_THREAD", "main")   # the thread whose samples are summarised

def frames(ev):
    st = ev["values"].get("stackTrace") or {}
    out = []
    for f in st.get("frames", []):
        m = f.get("method") or {}
        t = (m.get("type") or {}).get("name", "?").replace("/", ".")
        out.append(t + "." + m.get("name", "?"))
    return out

def main(files):
    java = collections.Counter(); native_top = collections.Counter(); incl = collections.Counter()
    load = collections.defaultdict(list)
    kinds = collections.Counter(); gc_ms = 0.0; gcs = 0; comp_ms = 0.0; comps = 0
    for fn in files:
        out = subprocess.run(["jfr", "print", "--json", "--events",
                              "jdk.ExecutionSample,jdk.NativeMethodSample,jdk.GarbageCollection,jdk.Compilation,jdk.ThreadCPULoad", fn],
                             check=True, capture_output=True, text=True).stdout
        for ev in json.loads(out)["recording"]["events"]:
            t = ev["type"]
            if t == "jdk.GarbageCollection":
                gcs += 1; gc_ms += dur_ms(ev["values"].get("duration"))
                continue
            if t == "jdk.ThreadCPULoad":
                v = ev["values"]
                name = (v.get("eventThread") or {}).get("javaName") or (v.get("eventThread") or {}).get("osName", "?")
                load[name].append(float(v.get("user", 0)) + float(v.get("system", 0)))
                continue
            if t == "jdk.Compilation":
                comps += 1; comp_ms += dur_ms(ev["values"].get("duration"))
                continue
            th = (ev["values"].get("sampledThread") or {}).get("javaName", "")
            if th != THREAD:
                kinds["other thread: " + th] += 1
                continue
            fr = frames(ev)
            if not fr:
                continue
            if t == "jdk.ExecutionSample":
                kinds["measured thread: Java"] += 1
                java[fr[0]] += 1
                for m in set(fr):
                    if m.startswith("io.ipvs4j") or m.startswith("jnr.") or m.startswith("java.util"):
                        incl[m] += 1
            else:
                kinds["measured thread: native"] += 1
                native_top[" <- ".join(fr[:3])] += 1
    total = sum(v for k, v in kinds.items() if k.startswith("measured"))
    jtotal = kinds["measured thread: Java"]
    print("=== " + " ".join(files))
    for k, v in kinds.most_common():
        print(f"  {k:60s} {v:6d}  {100.0 * v / max(1, total):5.1f}% of the measured thread")
    print(f"  GC: {gcs} collections, {gc_ms:.0f} ms; JIT: {comps} compilations, {comp_ms:.0f} ms (compiler threads)")
    print("  threads by mean CPU load (jdk.ThreadCPULoad, share of one CPU, user + system):")
    for name, v in sorted(load.items(), key=lambda kv: -sum(kv[1]) / len(kv[1]))[:8]:
        print(f"    {100.0 * sum(v) / len(v):5.1f}%  {name}  ({len(v)} readings)")
    print("  top frames of the measured thread's Java samples (self):")
    for k, v in java.most_common(20):
        print(f"    {v:6d} {100.0 * v / max(1, jtotal):5.1f}%  {k}")
    print("  methods on the stack of the measured thread's Java samples (inclusive, ipvs4j / jnr / java.util):")
    for k, v in incl.most_common(30):
        print(f"    {v:6d} {100.0 * v / max(1, jtotal):5.1f}%  {k}")
    print("  the measured thread's native samples (top 3 frames):")
    for k, v in native_top.most_common(8):
        print(f"    {v:6d} {100.0 * v / max(1, kinds['measured thread: native']):5.1f}%  {k}")

def dur_ms(d):
    # JFR JSON durations look like "PT0.001234S"
    if not d or not isinstance(d, str) or not d.startswith("PT"):
        return 0.0
    d = d[2:]; ms = 0.0; num = ""
    for ch in d:
        if ch.isdigit() or ch == ".":
            num += ch
        else:
            v = float(num or 0); num = ""
            ms += v * {"H": 3600e3, "M": 60e3, "S": 1e3}.get(ch, 0)
    return ms

if __name__ == "__main__":
    main(sys.argv[1:])
