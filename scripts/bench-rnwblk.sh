#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): rnwblk against the kernel's null_blk (memory backed), brd and rnull,
# with fio 4k randread and randwrite (io_uring, O_DIRECT, 1 job) at QD 1 and 32, in one guest
# boot (scripts/guest-bench-rnwblk.sh runs there). Every cell runs RNW_BENCH_REPS times with
# the drivers interleaved (each repetition runs the cell on every driver back to back);
# prints the median IOPS per driver, the ratio rnwblk/null_blk of the medians and, since the
# runs of one repetition are neighbours in time, the range of the per-repetition ratios.
#
# The clock (RNW_BENCH_CLOCK, scripts/bench-clock.sh) is icount by default: IOPS measure
# instructions per I/O and repeat within 0.3 %; wall (real time) spreads by 30-40 % under
# TCG, so compare drivers within one run, not numbers across machines or runs.
#   RNW_BENCH_RUNTIME   seconds per run (default 2 with icount, 10 with wall)
#   RNW_BENCH_REPS      repetitions per cell (default 3)
#   RNW_BENCH_SIZE_MIB  the range I/O goes to, pre-filled (default 256)
#   RNW_BENCH_DRIVERS   drivers to run (default "rnwblk null_blk brd rnull")
#   RNW_BENCH_OUT       where to keep the results (default: a new /tmp/rnw-bench.* directory)
#   RNW_BENCH_BUILD=0   use the rnwblk.ko already built (skip scripts/build-modules.sh)
#   RNW_BENCH_TSV=FILE  only print the tables of an earlier run's bench.tsv (no guest)
#   RNW_BENCH_CLOCK     icount (default) or wall
#   RNW_KCONFIG           the kernel variant (default bench: the production config,
#                         scripts/config/rnw-bench.config; RNW_KCONFIG= boots the test kernel)
set -euo pipefail
export RNW_KCONFIG=${RNW_KCONFIG-bench}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/bench-clock.sh"
bench_clock icount
if [ "$clock" = icount ]; then runtime=${RNW_BENCH_RUNTIME:-2}; else runtime=${RNW_BENCH_RUNTIME:-10}; fi
reps=${RNW_BENCH_REPS:-3}
size_mib=${RNW_BENCH_SIZE_MIB:-256}
drivers=${RNW_BENCH_DRIVERS:-rnwblk null_blk brd rnull}

# report TSV: the tables. Rows of bench.tsv: driver, workload, QD, repetition, IOPS.
report() {
	awk -F'\t' -v drivers="$drivers" '
		function median(key,   n, i, j, t, a) {
			n = cnt[key]
			for (i = 1; i <= n; i++) a[i] = val[key, i]
			for (i = 2; i <= n; i++)	# insertion sort: n is small
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		$5 ~ /^[0-9]+$/ {
			k = $1 "," $2 "," $3
			val[k, ++cnt[k]] = $5
			if (!(k in lo) || $5 < lo[k]) lo[k] = $5
			if (!(k in hi) || $5 > hi[k]) hi[k] = $5
			iops[k, $4] = $5
			if ($4 > nrep) nrep = $4
		}
		END {
			n = split(drivers, drv, " ")
			split("randread randwrite", wl, " ")
			printf "median IOPS (n runs per cell):\n"
			printf "%-10s %3s", "workload", "QD"
			for (i = 1; i <= n; i++) printf " %9s", drv[i]
			printf " %16s %14s\n", "rnwblk/null_blk", "per-rep ratio"
			for (w = 1; w <= 2; w++) for (q = 1; q <= 32; q += 31) {
				printf "%-10s %3d", wl[w], q
				for (i = 1; i <= n; i++) {
					k = drv[i] "," wl[w] "," q
					if (k in cnt) { med[k] = median(k); printf " %9.0f", med[k] }
					else printf " %9s", "-"
				}
				a = "rnwblk," wl[w] "," q; b = "null_blk," wl[w] "," q
				if ((a in med) && (b in med) && med[b] > 0) printf " %16.2f", med[a] / med[b]
				else printf " %16s", "-"
				# Ratios within one repetition (neighbouring runs): their range.
				rlo = ""; rhi = ""
				for (r = 1; r <= nrep; r++)
					if (((a, r) in iops) && ((b, r) in iops) && iops[b, r] > 0) {
						x = iops[a, r] / iops[b, r]
						if (rlo == "" || x < rlo) rlo = x
						if (rhi == "" || x > rhi) rhi = x
					}
				if (rlo != "") printf "      %.2f-%.2f\n", rlo, rhi
				else printf " %14s\n", "-"
			}
			printf "\nmin-max IOPS and runs per cell:\n"
			printf "%-10s %3s", "workload", "QD"
			for (i = 1; i <= n; i++) printf " %15s", drv[i]
			printf "\n"
			for (w = 1; w <= 2; w++) for (q = 1; q <= 32; q += 31) {
				printf "%-10s %3d", wl[w], q
				for (i = 1; i <= n; i++) {
					k = drv[i] "," wl[w] "," q
					if (k in cnt) printf " %15s", lo[k] "-" hi[k] " (" cnt[k] ")"
					else printf " %15s", "-"
				}
				printf "\n"
			}
		}' "$1"
}

if [ -n "${RNW_BENCH_TSV:-}" ]; then
	report "$RNW_BENCH_TSV"
	exit 0
fi

out=${RNW_BENCH_OUT:-$(mktemp -d /tmp/rnw-bench.XXXXXX)}
if [ "${RNW_BENCH_BUILD:-1}" != 0 ]; then
	"$here/build-modules.sh"
fi
[ -f "$here/../rnwblk.ko" ] || { echo "bench: rnwblk.ko is not built" >&2; exit 1; }
mkdir -p "$out"
echo "bench: host load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
# Each run: the runtime plus fio's start-up (a few seconds under TCG); plus boot and fills.
ndrv=$(wc -w <<<"$drivers")
timeout_s=$((reps * 4 * ndrv * (runtime + 8) + 300))
status=0
"$here/vm-run.sh" --timeout "$timeout_s" --out "$out" -- \
	env RNW_BENCH_RUNTIME="$runtime" RNW_BENCH_SIZE_MIB="$size_mib" RNW_BENCH_REPS="$reps" \
	RNW_BENCH_DRIVERS="$drivers" scripts/guest-bench-rnwblk.sh || status=$?

[ -s "$out/bench.tsv" ] || { echo "bench: no results (see $out)"; exit 1; }
echo
echo "4k random I/O (fio io_uring, direct=1, numjobs=1, ${runtime} s per run, ${size_mib} MiB range,"
echo "pre-filled), $reps repetitions, drivers interleaved"
bench_clock_note
echo
report "$out/bench.tsv"
echo
echo "fio command (DEV: /dev/rnwblk0, /dev/nullb0, /dev/ram0, /dev/rnullb0; RW: randread or"
echo "randwrite; QD: 1 or 32), after writing the range with dd oflag=direct:"
echo "  $(cat "$out/fio-cmd.txt")"
echo
echo "Drivers, all loaded at once: insmod rnwblk.ko irqmode=1 size=1024"
echo "         | modprobe null_blk memory_backed=1 irqmode=1 gb=1 | modprobe brd rd_size=1048576 rd_nr=1"
echo "         | modprobe rnull_mod (4 GiB, 4096-byte blocks, completes inline, not memory backed:"
echo "         no data is stored or copied)"
echo "Results (bench.tsv) and fio's JSON: $out"
exit $status
