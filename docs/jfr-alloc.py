#!/usr/bin/env python3
"""Sums jdk.ObjectAllocationSample weights on event-loop threads by first dev.sluice frame (and by top frame).

Usage: jfr print --json --stack-depth 40 --events jdk.ObjectAllocationSample X.jfr > X.json
       python3 docs/jfr-alloc.py X.json REQUESTS   (REQUESTS: rows of usage_ledger in the kept work directory)
"""
import json, sys, collections
data = json.load(open(sys.argv[1]))
events = data["recording"]["events"]
requests = float(sys.argv[2]) if len(sys.argv) > 2 else 0
by_first = collections.Counter(); by_top = collections.Counter(); total = 0; all_threads = collections.Counter()
for e in events:
    v = e["values"]
    t = (v.get("eventThread") or {}).get("javaName") or ""
    w = v.get("weight", 0)
    all_threads[t.split("-")[0] if t else "?"] += w
    if "eventloop" not in t: continue
    total += w
    frames = (v.get("stackTrace") or {}).get("frames") or []
    first = None
    for f in frames:
        m = f["method"]; cls = m["type"]["name"]
        if cls.startswith("dev.sluice") or cls.startswith("dev/sluice"):
            first = cls.replace("/", ".").split(".")[-1] + "." + m["name"]; break
    by_first[first or "(no sluice frame)"] += w
    if frames:
        m = frames[0]["method"]; by_top[m["type"]["name"].split(".")[-1] + "." + m["name"]] += w
print(f"event-loop bytes sampled: {total/1e6:.1f} MB" + (f"; requests {requests:.0f}; {total/requests/1e3:.1f} KB/request" if requests else ""))
for k, w in by_first.most_common(30):
    print(f"  {100*w/total:5.1f}%  {w/1e6:8.1f} MB  " + (f"{w/requests/1e3:6.2f} KB/req  " if requests else "") + k)
print("top frames:")
for k, w in by_top.most_common(12):
    print(f"  {100*w/total:5.1f}%  {w/1e6:8.1f} MB  {k}")
