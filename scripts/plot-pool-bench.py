#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Plot of a scripts/bench-pool.sh run (not needed to run the benchmark; needs matplotlib,
# e.g. from PyPI in a venv): mean response time per filesystem and policy, one panel per
# load and workload, each bar labelled with its ratio to policy a.
#   scripts/plot-pool-bench.py RESULTS-DIR OUT.svg
# RESULTS-DIR is the benchmark's output directory (pool-FS-LOAD.tsv files).
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.fonttype"] = "none"  # text as text: a smaller file
import matplotlib.pyplot as plt  # noqa: E402

FSS = ["rnwfs", "xfs", "ext4"]
LOADS = [("open", "open loop (same arrivals for every policy)"),
         ("closed", "closed loop (one request per stream)")]
POLICIES = [("a", "a: hand off"), ("b", "b: nowait first"), ("c", "c: guided by hit ratio")]
WORKLOADS = [("f1", "f1 zipf, mostly cached"), ("f2", "f2 uniform, mostly uncached"),
             ("f3", "f3 sequential")]


def load(path):
    with open(path, newline="") as f:
        return {(r["policy"], r["workload"]): r for r in csv.DictReader(f, delimiter="\t")}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot-pool-bench.py RESULTS-DIR OUT.svg")
    src, dst = sys.argv[1:]
    loads = [(l, t) for l, t in LOADS
             if any(os.path.exists(f"{src}/pool-{fs}-{l}.tsv") for fs in FSS)]
    if not loads:
        sys.exit(f"no pool-FS-LOAD.tsv files in {src}")
    fig, axes = plt.subplots(len(loads), 3, figsize=(13, 4.2 * len(loads)), squeeze=False)
    width = 0.27
    for row, (ld, title) in enumerate(loads):
        data = {fs: load(f"{src}/pool-{fs}-{ld}.tsv") for fs in FSS
                if os.path.exists(f"{src}/pool-{fs}-{ld}.tsv")}
        fss = [fs for fs in FSS if fs in data]
        for col, (wl, wtitle) in enumerate(WORKLOADS):
            ax = axes[row][col]
            for i, (p, plabel) in enumerate(POLICIES):
                xs, ys, ratios = [], [], []
                for j, fs in enumerate(fss):
                    r = data[fs].get((p, wl))
                    a = data[fs].get(("a", wl))
                    if r is None or r["mean_ns"] == "-":
                        continue
                    xs.append(j + (i - 1) * width)
                    ys.append(int(r["mean_ns"]) / 1000)
                    ok = a is not None and a["mean_ns"] not in ("-", "0")
                    ratios.append(int(r["mean_ns"]) / int(a["mean_ns"]) if ok else None)
                bars = ax.bar(xs, ys, width, label=plabel)
                for b, q in zip(bars, ratios):
                    if q is not None and p != "a":
                        ax.annotate(f"{q:.2f}", (b.get_x() + b.get_width() / 2, b.get_height()),
                                    ha="center", va="bottom", fontsize=7)
            ax.set_xticks(range(len(fss)), fss)
            ax.set_title(f"{wtitle}\n{title}", fontsize=9)
            if col == 0:
                ax.set_ylabel("mean response time (us)")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("rnw-pool-bench: mean response time, ratio to policy a above the bars", fontsize=11)
    fig.tight_layout()
    fig.savefig(dst)


if __name__ == "__main__":
    main()
