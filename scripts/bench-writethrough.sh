#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): rnwfs writethrough buffered writes (also with O_DSYNC) against
# buffered writes with an fdatasync after each, O_DIRECT, and O_DSYNC buffered writes, on rnwblk in timer mode
# (completion_nsec, default 20 us), in one guest boot (scripts/guest-bench-writethrough.sh).
# fio, 4k and 64k, sequential and random writes into a laid-out file, sync (psync, QD1) and
# async (libaio, QD16); plain buffered writes (no sync) as the reference: the page-cache
# copy alone, the bound of any writethrough. Prints the median MiB/s of RNW_BENCH_REPS
# rounds (modes interleaved) and writethrough/O_DIRECT. The clock (RNW_BENCH_CLOCK,
# scripts/bench-clock.sh) is wall by default: compare modes within one run, not numbers
# across machines or runs; icount counts instructions instead.
#   RNW_BENCH_RUNTIME     seconds per run (default 5)
#   RNW_BENCH_REPS        rounds (default 3)
#   RNW_BENCH_LATENCY_NS  rnwblk completion_nsec (default 20000)
#   RNW_BENCH_OUT         where to keep the results (default: a new /tmp/rnw-wt-bench.* dir)
#   RNW_BENCH_BUILD=0     use the modules already built
#   RNW_BENCH_CLOCK       wall (default) or icount
#   RNW_BENCH_MODES, RNW_BENCH_PATTERNS, RNW_BENCH_SIZES, RNW_BENCH_ENGINES
#                         narrow the runs (lists; default every mode and row)
#   RNW_BENCH_INVALIDATE=0  keep the file in the page cache from its layout on (fio's
#                         --invalidate; by default fio drops it before each run)
#   RNW_BENCH_PERF=1      profile each run (perf record -a -g in the guest; a flat
#                         profile beside each run's JSON, as .perf.txt, and one with
#                         callees counted in their callers, as .perf-children.txt)
#   RNW_BENCH_HOST_PERF=1 what each run costs QEMU on the host (host-profile-qemu.sh):
#                         its CPU time per write, split into host kernel, QEMU and the
#                         translated guest code; a second table (host-profile-table.py)
#   RNW_KCONFIG           the kernel variant (default bench: the production config,
#                         scripts/config/rnw-bench.config; RNW_KCONFIG= boots the test kernel)
set -euo pipefail
export RNW_KCONFIG=${RNW_KCONFIG-bench}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/bench-clock.sh"
bench_clock wall
runtime=${RNW_BENCH_RUNTIME:-5}
reps=${RNW_BENCH_REPS:-3}
latency=${RNW_BENCH_LATENCY_NS:-20000}
out=${RNW_BENCH_OUT:-$(mktemp -d /tmp/rnw-wt-bench.XXXXXX)}

if [ "${RNW_BENCH_BUILD:-1}" != 0 ]; then
	"$here/build-modules.sh"
	"$here/build-tools.sh"
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
echo "bench: host load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
status=0
watcher=
if [ "${RNW_BENCH_HOST_PERF:-0}" = 1 ]; then
	"$here/host-profile-qemu.sh" "$out" &
	watcher=$!
fi
"$here/vm-run.sh" --timeout 3600 --out "$out" -- \
	env RNW_BENCH_RUNTIME="$runtime" RNW_BENCH_REPS="$reps" RNW_BENCH_LATENCY_NS="$latency" \
	${RNW_BENCH_MODES:+RNW_BENCH_MODES="$RNW_BENCH_MODES"} \
	${RNW_BENCH_PATTERNS:+RNW_BENCH_PATTERNS="$RNW_BENCH_PATTERNS"} \
	${RNW_BENCH_SIZES:+RNW_BENCH_SIZES="$RNW_BENCH_SIZES"} \
	${RNW_BENCH_ENGINES:+RNW_BENCH_ENGINES="$RNW_BENCH_ENGINES"} \
	${RNW_BENCH_PERF:+RNW_BENCH_PERF="$RNW_BENCH_PERF"} \
	${RNW_BENCH_INVALIDATE:+RNW_BENCH_INVALIDATE="$RNW_BENCH_INVALIDATE"} \
	${RNW_BENCH_HOST_PERF:+RNW_BENCH_HOST_PERF="$RNW_BENCH_HOST_PERF"} \
	scripts/guest-bench-writethrough.sh || status=$?
if [ -n "$watcher" ]; then
	: >"$out/host-profile.stop"
	wait "$watcher" || true
fi
[ -s "$out/bench.tsv" ] || { echo "bench: no results (see $out)"; exit 1; }
echo
echo "MiB/s written, median of $reps rounds (fio, ${runtime} s per run, 64 MiB laid-out" \
	"file, rnwblk irqmode=2 completion_nsec=$latency),"
bench_clock_note
awk -F'\t' '
	function median(k,    n, a, i, j, t) {
		n = split(r[k], a, " ")
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{ k = $1 "," $2 "," $3 "," $4; r[k] = r[k] " " $6 }
	END {
		for (k in r) v[k] = median(k)
		n = split("writethrough wt_dsync fdatasync direct dsync buffered", m, " ")
		printf "%-9s %4s %-6s", "pattern", "bs", "engine"
		for (i = 1; i <= n; i++) printf " %12s", m[i]
		printf " %9s %9s %9s\n", "wt/direct", "wt/floor", "wtds/ds"
		split("write randwrite", pat, " "); split("4k 64k", bs, " "); split("psync libaio", en, " ")
		for (p = 1; p <= 2; p++) for (b = 1; b <= 2; b++) for (e = 1; e <= 2; e++) {
			k = pat[p] "," bs[b] "," en[e]
			printf "%-9s %4s %-6s", pat[p], bs[b], en[e]
			for (i = 1; i <= n; i++) printf " %12s", ((m[i] "," k) in v) ? v[m[i] "," k] : "-"
			# (Not a, b, e or p: those count the loops.)
			wt = v["writethrough," k]; dio = v["direct," k]; buf = v["buffered," k]
			wtds = v["wt_dsync," k]; ds = v["dsync," k]
			if (wt > 0 && dio > 0) printf " %9.2f", wt / dio; else printf " %9s", "-"
			# Time per write against the floor (a buffered copy plus an O_DIRECT write of
			# the same size): (1/wt) / (1/buf + 1/dio); the goal is <= 1.10.
			if (wt > 0 && dio > 0 && buf > 0) printf " %9.2f", (1 / wt) / (1 / buf + 1 / dio)
			else printf " %9s", "-"
			if (wtds > 0 && ds > 0) printf " %9.2f\n", wtds / ds; else printf " %9s\n", "-"
		}
	}' "$out/bench.tsv"
echo
echo "fio command (MODE adds: writethrough: none, on a -o writethrough mount; wt_dsync:" \
	"--sync=dsync on that mount; fdatasync: --fdatasync=1; direct: --direct=1; dsync:" \
	"--sync=dsync; buffered: none). wt/floor: writethrough's time per write over a" \
	"buffered copy's plus an O_DIRECT write's; wtds/ds: wt_dsync over dsync (MiB/s)."
echo "  $(cat "$out/fio-cmd.txt")"
if [ -n "$watcher" ]; then
	echo
	"$here/host-profile-table.py" "$out"
fi
echo "Results and fio's JSON: $out"
exit $status
