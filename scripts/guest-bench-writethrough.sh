#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/bench-writethrough.sh: rnwblk in timer mode, rnwfs on it; for each
# write mode (writethrough, writethrough with O_DSYNC, buffered + fdatasync per write,
# O_DIRECT, O_DSYNC, and plain buffered writes as the reference: the copy alone, nothing
# reaches the device) a fresh filesystem with a laid-out 64 MiB file, then fio sequential
# and random writes of 4k and 64k through psync (QD1) and libaio (QD16). RNW_BENCH_REPS rounds, the modes interleaved
# in each (host load drifts alike for all). Results: $RNW_OUT/bench.tsv (mode, pattern,
# bs, engine, round, MiB/s), the command template in $RNW_OUT/fio-cmd.txt, fio's JSON beside.
# RNW_BENCH_MODES, _PATTERNS, _SIZES and _ENGINES narrow the runs (space-separated lists);
# RNW_BENCH_INVALIDATE=0 keeps the file cached between runs (fio's --invalidate);
# RNW_BENCH_PERF=1 runs each fio under `perf record -a -g` and keeps `perf report`'s flat
# profile (symbols over 0.5 % of the samples) beside its JSON, as .perf.txt, and the same
# with each function's callees counted in it (--children), as .perf-children.txt.
# RNW_BENCH_HOST_PERF=1 marks each fio run for scripts/host-profile-qemu.sh on the host
# (JSON.start/.end, waiting for its .started/.ended). Each run's guest-wide context switches
# and interrupts (/proc/stat) go beside its JSON, as .events.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${RNW_OUT:?RNW_OUT is set by scripts/vm-run.sh}
runtime=${RNW_BENCH_RUNTIME:-5}
latency=${RNW_BENCH_LATENCY_NS:-20000}
reps=${RNW_BENCH_REPS:-3}
modes=${RNW_BENCH_MODES:-writethrough wt_dsync fdatasync direct dsync buffered}
patterns=${RNW_BENCH_PATTERNS:-write randwrite}
sizes=${RNW_BENCH_SIZES:-4k 64k}
engines=${RNW_BENCH_ENGINES:-psync libaio}
profile=${RNW_BENCH_PERF:-0}
host_profile=${RNW_BENCH_HOST_PERF:-0}
# fio drops the file's page cache before each run (its default); 0 keeps the laid-out file
# cached, so that no write has to add a folio to the cache.
invalidate=${RNW_BENCH_INVALIDATE:-1}
mnt=/tmp/rnw-wt-bench
: >"$out/bench.tsv"
log() { echo "bench: [$(date +%T)] $*"; }

# Context switches and interrupts (all CPUs, IPIs and local timer included) so far.
events() { awk '/^ctxt / { c = $2 } /^intr / { i = $2 } END { print c, i }' /proc/stat; }

# host_mark JSON start|end: tells the host's QEMU profiler where a run starts or ends and
# waits for it to have taken note (5 s at most: without a profiler the run goes on).
host_mark() {
	[ "$host_profile" = 1 ] || return 0
	: >"$1.$2"
	for _ in $(seq 50); do
		[ -e "$1.${2}ed" ] && return 0
		sleep 0.1
	done
	log "  no host profiler answered at the $2 of $(basename "$1")"
}

template="fio --name=bench --directory=$mnt --filename=f --size=64M --rw=PATTERN --bs=BS \
--ioengine=ENGINE --iodepth=QD --numjobs=1 --time_based --runtime=$runtime --fallocate=none \
--invalidate=$invalidate --output-format=json"
echo "$template" >"$out/fio-cmd.txt"

# MiB/s of the write side of fio's JSON (bw is in KiB/s).
mibs_of() {
	awk '/"write" : \{/ { w = 1 } w && /"bw" :/ { v = $3; sub(/,$/, "", v); printf "%.1f\n", v / 1024; exit }' "$1"
}

insmod rnwblk.ko irqmode=2 completion_nsec="$latency" hw_queue_depth=64 || exit 1
insmod rnwfs.ko || exit 1
mkdir -p "$mnt"
for rep in $(seq "$reps"); do
for mode in $modes; do
	blkdiscard -f /dev/rnwblk0 && target/bin/mkfs.rnwfs -q /dev/rnwblk0 || exit 1
	opts=; extra=()
	case $mode in
	writethrough) opts=-owritethrough ;;
	wt_dsync) opts=-owritethrough extra=(--sync=dsync) ;;
	fdatasync) extra=(--fdatasync=1) ;;
	direct) extra=(--direct=1) ;;
	dsync) extra=(--sync=dsync) ;;
	esac
	mount -t rnwfs $opts /dev/rnwblk0 "$mnt" || exit 1
	# Lay the file out (written blocks: every mode overwrites, none allocates).
	dd if=/dev/zero of="$mnt/f" bs=1M count=64 conv=fsync status=none || exit 1
	log "round $rep: $mode"
	for pattern in $patterns; do
		for bs in $sizes; do
			for engine in $engines; do
				qd=1
				[ $engine = libaio ] && qd=16
				cmd=${template/PATTERN/$pattern}
				cmd=${cmd/BS/$bs}
				cmd=${cmd/ENGINE/$engine}
				cmd=${cmd/QD/$qd}
				json=$out/fio-$mode-$pattern-$bs-$engine-$rep.json
				perf=()
				[ "$profile" = 1 ] && perf=(perf record -a -g -F 999 -q -o "$json.perf.data" --)
				host_mark "$json" start
				before=$(events)
				"${perf[@]}" $cmd "${extra[@]}" >"$json" 2>"$json.err"
				fio_status=$?
				echo "$before $(events)" |
					awk '{ print "ctxt", $3 - $1; print "intr", $4 - $2 }' >"$json.events"
				host_mark "$json" end
				if [ $fio_status = 0 ]; then
					printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$pattern" "$bs" \
						"$engine" "$rep" "$(mibs_of "$json")" >>"$out/bench.tsv"
				else
					log "  fio failed: $mode $pattern $bs $engine"
				fi
				if [ "$profile" = 1 ]; then
					# --kallsyms: the modules' Rust functions by name (without it
					# perf 6.1 prints them as raw addresses).
					perf report -i "$json.perf.data" --stdio --no-children --sort sym \
						--kallsyms=/proc/kallsyms --percent-limit 0.5 \
						>"$json.perf.txt" 2>/dev/null
					perf report -i "$json.perf.data" --stdio --children --sort sym -g none \
						--kallsyms=/proc/kallsyms --percent-limit 0.5 \
						>"$json.perf-children.txt" 2>/dev/null
					rm -f "$json.perf.data"
				fi
			done
		done
	done
	umount "$mnt" || exit 1
done
done
rmmod rnwfs rnwblk
cat "$out/bench.tsv"
