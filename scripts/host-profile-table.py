#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What each benchmark run cost QEMU on the host, per write: the table of
scripts/bench-writethrough.sh with RNW_BENCH_HOST_PERF=1.

    host-profile-table.py OUT

Reads OUT/fio-MODE-PATTERN-BS-ENGINE-ROUND.json (fio's result: the writes done) and the
.json.host beside it (scripts/host-profile-qemu.sh: QEMU's CPU ticks over the run and the
perf split by DSO). Prints, per mode and row, the median over rounds of QEMU's CPU time per
write in microseconds and its parts: the host kernel (QEMU's poll, eventfd and futex
wake-ups, signals: the cost of emulating the guest's interrupts, halts and wake-ups), QEMU's
own code (main loop, devices, softmmu helpers), the translated guest code (JIT) and the
rest; beside them the guest's context switches and interrupts per write (the .events of
scripts/guest-bench-writethrough.sh: the events whose emulation costs the host kernel
time); then, per row, writethrough over the floor (a buffered write plus an O_DIRECT one).
The window of each run includes fio's start (the same for every mode).
"""
import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

PARTS = ("kernel", "qemu", "jit", "other")
EVENTS = ("ctxt", "intr")


def part_of(dso):
    if dso.startswith("[kernel"):
        return "kernel"
    if dso.startswith("qemu-system"):
        return "qemu"
    if dso.startswith("[JIT]"):
        return "jit"
    return "other"


def writes_of(json_path):
    text = json_path.read_text()
    # fio may print warnings before its JSON.
    data = json.loads(text[text.index("{"):])
    return data["jobs"][0]["write"]["total_ios"]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: host-profile-table.py OUT")
    out = Path(sys.argv[1])
    name = re.compile(r"fio-(\w+)-(\w+)-(\w+)-(\w+)-(\d+)\.json\.host$")
    cells = defaultdict(lambda: defaultdict(list))
    for host in sorted(out.glob("fio-*.json.host")):
        m = name.match(host.name)
        if not m:
            continue
        mode, pattern, bs, engine, _ = m.groups()
        try:
            writes = writes_of(host.with_suffix(""))
        except (OSError, ValueError, KeyError, IndexError):
            continue
        ticks = hz = 0
        split = defaultdict(float)
        for line in host.read_text().splitlines():
            f = line.split()
            if len(f) == 3 and f[0] == "ticks":
                ticks, hz = int(f[1]), int(f[2])
            elif len(f) == 3 and f[0] == "split":
                split[part_of(f[1])] += float(f[2])
        if not writes or not hz:
            continue
        total = ticks / hz * 1e6 / writes
        key = (mode, pattern, bs, engine)
        cells[key]["total"].append(total)
        for p in PARTS:
            cells[key][p].append(total * split[p] / 100)
        events = host.with_suffix(".events")
        if events.exists():
            for line in events.read_text().splitlines():
                f = line.split()
                if len(f) == 2 and f[0] in EVENTS:
                    cells[key][f[0]].append(int(f[1]) / writes)
    if not cells:
        print("host profile: no runs recorded")
        return
    med = {k: {p: statistics.median(v) for p, v in c.items()} for k, c in cells.items()}
    print("QEMU's host CPU time per write (us, median of rounds): total = host kernel +"
          " QEMU + translated guest code (JIT) + other")
    print("and the guest's context switches (ctxt) and interrupts (intr) per write")
    print(f"{'mode':<13}{'pattern':<10}{'bs':>4} {'engine':<7}{'total':>8}"
          + "".join(f"{p:>8}" for p in PARTS + EVENTS))
    for (mode, pattern, bs, engine), c in sorted(med.items()):
        print(f"{mode:<13}{pattern:<10}{bs:>4} {engine:<7}{c['total']:8.1f}"
              + "".join(f"{c[p]:8.1f}" for p in PARTS)
              + "".join(f"{c[e]:8.2f}" if e in c else f"{'-':>8}" for e in EVENTS))
    print()
    print("writethrough over the floor (buffered + direct), in QEMU's host CPU time per write:")
    rows = sorted({k[1:] for k in med})
    for row in rows:
        wt, buf, dio = (med.get((m,) + row) for m in ("writethrough", "buffered", "direct"))
        if not (wt and buf and dio):
            continue
        floor = {p: buf[p] + dio[p] for p in ("total",) + PARTS}
        extra = ", ".join(f"{p} {wt[p] - floor[p]:+.1f}" for p in PARTS)
        print(f"  {' '.join(row):<22} {wt['total'] / floor['total']:5.2f}"
              f"  (us/write over the floor: {extra})")


if __name__ == "__main__":
    main()
