#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): rnwblk against the kernel's null_blk (memory backed), brd and rnull,
# with fio 4k randread and randwrite (io_uring, O_DIRECT, 1 job) at QD 1 and 32, in one guest
# boot (scripts/guest-bench-rnwblk.sh runs there). Prints IOPS per driver and the ratio
# rnwblk/null_blk. Guests run under TCG unless RNW_KVM=1: compare drivers within one run,
# not numbers across machines or runs (TCG timing also depends on the host's load).
#   RNW_BENCH_RUNTIME   seconds per run (default 10)
#   RNW_BENCH_SIZE_MIB  the range I/O goes to, pre-filled (default 256)
#   RNW_BENCH_OUT       where to keep the results (default: a new /tmp/rnw-bench.* directory)
#   RNW_BENCH_BUILD=0   use the rnwblk.ko already built (skip scripts/build-modules.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runtime=${RNW_BENCH_RUNTIME:-10}
size_mib=${RNW_BENCH_SIZE_MIB:-256}
out=${RNW_BENCH_OUT:-$(mktemp -d /tmp/rnw-bench.XXXXXX)}

if [ "${RNW_BENCH_BUILD:-1}" != 0 ]; then
	"$here/build-modules.sh"
fi
[ -f "$here/../rnwblk.ko" ] || { echo "bench: rnwblk.ko is not built" >&2; exit 1; }
mkdir -p "$out"
echo "bench: host load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
status=0
"$here/vm-run.sh" --timeout 600 --out "$out" -- \
	env RNW_BENCH_RUNTIME="$runtime" RNW_BENCH_SIZE_MIB="$size_mib" \
	scripts/guest-bench-rnwblk.sh || status=$?

[ -s "$out/bench.tsv" ] || { echo "bench: no results (see $out)"; exit 1; }
echo
echo "4k random I/O, IOPS (fio io_uring, direct=1, numjobs=1, ${runtime} s per run, ${size_mib} MiB range, pre-filled):"
awk -F'\t' '
	{ v[$1 "," $2 "," $3] = $4 }
	END {
		n = split("rnwblk null_blk brd rnull", drv, " ")
		printf "%-10s %3s", "workload", "QD"
		for (i = 1; i <= n; i++) printf " %9s", drv[i]
		printf " %16s\n", "rnwblk/null_blk"
		split("randread randwrite", wl, " ")
		for (w = 1; w <= 2; w++) for (q = 1; q <= 32; q += 31) {
			printf "%-10s %3d", wl[w], q
			for (i = 1; i <= n; i++) {
				k = drv[i] "," wl[w] "," q
				printf " %9s", (k in v) ? v[k] : "-"
			}
			a = v["rnwblk," wl[w] "," q]; b = v["null_blk," wl[w] "," q]
			if (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/ && b > 0) printf " %16.2f\n", a / b
			else printf " %16s\n", "-"
		}
	}' "$out/bench.tsv"
echo
echo "fio command (DEV: /dev/rnwblk0, /dev/nullb0, /dev/ram0, /dev/rnullb0; RW: randread or"
echo "randwrite; QD: 1 or 32), one run each, after writing the range with dd oflag=direct:"
echo "  $(cat "$out/fio-cmd.txt")"
echo
echo "Drivers: insmod rnwblk.ko irqmode=1 size=1024 | modprobe null_blk memory_backed=1 irqmode=1 gb=1"
echo "         | modprobe brd rd_size=1048576 rd_nr=1 | modprobe rnull_mod (4 GiB, 4096-byte"
echo "         blocks, completes inline, not memory backed: no data is stored or copied)"
echo "Results and fio's JSON: $out"
exit $status
