#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): rnw-pool-bench, the nowait-first thread-pool server of issue #17
# (seed 002's experiment), on rnwfs, xfs and ext4 on rnwblk in timer mode
# (irqmode=2 completion_nsec, default 100 us), in one guest boot
# (scripts/guest-bench-pool.sh), under an open load (Poisson arrivals at set rates, the
# same for every policy) and a closed one (one request outstanding per client stream).
# Prints, per load, per filesystem x policy x workload: throughput, mean/p50/p90/p99
# response time, the share served inline and EAGAIN counts; then the mean response times
# side by side and the issue's goals. See Documentation/nowait-applications.rst. The clock
# (RNW_BENCH_CLOCK, scripts/bench-clock.sh) is wall by default: compare policies within
# one run, not numbers across machines.
#   RNW_BENCH_SECONDS     measured seconds per phase (default 6)
#   RNW_BENCH_REPS        rounds of the three policies (default 3)
#   RNW_BENCH_LATENCY_NS  rnwblk completion_nsec (default 100000)
#   RNW_BENCH_FS          filesystems (default "rnwfs xfs ext4")
#   RNW_BENCH_LOAD        loads (default "open closed")
#   RNW_BENCH_RATES       the open load: f1,f2,f3 requests/s (default 800,200,100)
#   RNW_POOL_BENCH_ARGS   more rnw-pool-bench options (sizes, streams, workers...)
#   RNW_BENCH_OUT         where to keep the results (default: a new /tmp/rnw-pool-bench.* dir)
#   RNW_BENCH_BUILD=0     use the modules and tools already built
#   RNW_BENCH_CLOCK       wall (default) or icount
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/bench-clock.sh"
bench_clock wall
seconds=${RNW_BENCH_SECONDS:-6}
reps=${RNW_BENCH_REPS:-3}
latency=${RNW_BENCH_LATENCY_NS:-100000}
fss=${RNW_BENCH_FS:-rnwfs xfs ext4}
loads=${RNW_BENCH_LOAD:-open closed}
rates=${RNW_BENCH_RATES:-800,200,100}
out=${RNW_BENCH_OUT:-$(mktemp -d /tmp/rnw-pool-bench.XXXXXX)}

if [ "${RNW_BENCH_BUILD:-1}" != 0 ]; then
	"$here/build-modules.sh"
	"$here/build-tools.sh"
fi
mkdir -p "$out"
echo "bench: host load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
status=0
"$here/vm-run.sh" --timeout 3600 --out "$out" -- \
	env RNW_BENCH_SECONDS="$seconds" RNW_BENCH_REPS="$reps" RNW_BENCH_LATENCY_NS="$latency" \
	RNW_BENCH_FS="$fss" RNW_BENCH_LOAD="$loads" RNW_BENCH_RATES="$rates" \
	RNW_POOL_BENCH_ARGS="${RNW_POOL_BENCH_ARGS:-}" \
	scripts/guest-bench-pool.sh || status=$?
shown=0
for load in $loads; do
	files=()
	for fs in $fss; do
		if [ -s "$out/pool-$fs-$load.tsv" ]; then
			files+=("$fs=$out/pool-$fs-$load.tsv")
		else
			echo "bench: no $load-loop results for $fs (see $out/pool-$fs-$load.txt)"
			status=1
		fi
	done
	[ ${#files[@]} -gt 0 ] || continue
	shown=1
	echo
	case $load in
	open) echo "=== open loop: Poisson arrivals, $rates requests/s of f1,f2,f3" ;;
	closed) echo "=== closed loop: one request outstanding per client stream" ;;
	esac
	echo "rnw-pool-bench on rnwblk (irqmode=2 completion_nsec=$latency), $reps round(s) of" \
		"${seconds} s per policy, pooled;"
	bench_clock_note
	"$here/../target/bin/rnw-pool-bench" report "${files[@]}"
	echo
	echo "command (in the guest, per filesystem, on a new filesystem on /dev/rnwblk0):"
	echo "  $(cat "$out/pool-cmd-$load.txt")"
done
[ "$shown" = 1 ] || { echo "bench: no results (see $out)"; exit 1; }
echo "Results and the tool's output per filesystem and load: $out"
exit $status
