#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/bench-pool.sh: rnwblk in timer mode (irqmode=2, completion_nsec
# RNW_BENCH_LATENCY_NS), then for each filesystem of RNW_BENCH_FS (default rnwfs xfs ext4)
# a new filesystem on /dev/rnwblk0 with the data set on it, and rnw-pool-bench over the
# three policies (Documentation/nowait-applications.rst), once per load of RNW_BENCH_LOAD:
# open (Poisson arrivals at RNW_BENCH_RATES requests/s of f1,f2,f3) and closed (one
# request outstanding per client stream). Results: $RNW_OUT/pool-FS-LOAD.tsv (for
# `rnw-pool-bench report`), the tool's output in $RNW_OUT/pool-FS-LOAD.txt, the exact
# commands in $RNW_OUT/pool-cmd-LOAD.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${RNW_OUT:?RNW_OUT is set by scripts/vm-run.sh}
latency=${RNW_BENCH_LATENCY_NS:-100000}
seconds=${RNW_BENCH_SECONDS:-6}
reps=${RNW_BENCH_REPS:-3}
fss=${RNW_BENCH_FS:-rnwfs xfs ext4}
loads=${RNW_BENCH_LOAD:-open closed}
rates=${RNW_BENCH_RATES:-800,200,100}
# Extra rnw-pool-bench options (sizes, streams...), word-split on purpose.
read -r -a extra <<<"${RNW_POOL_BENCH_ARGS:-}"
log() { echo "bench: [$(date +%T)] $*"; }

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
insmod rnwblk.ko irqmode=2 completion_nsec="$latency" || exit 1
insmod rnwfs.ko || exit 1
mnt=$(mktemp -d /tmp/rnw-pool-bench-mnt.XXXXXX)
log "memory: $(awk '/MemTotal|MemAvailable/ { printf "%s %d MiB ", $1, $2 / 1024 }' /proc/meminfo)"
status=0
for fs in $fss; do
	blkdiscard -f /dev/rnwblk0 || exit 1
	case $fs in
	rnwfs) target/bin/mkfs.rnwfs -q /dev/rnwblk0 ;;
	xfs) mkfs.xfs -q -f /dev/rnwblk0 ;;
	# No lazy initialisation: ext4lazyinit would write the inode tables behind the
	# benchmark's back.
	ext4) mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 /dev/rnwblk0 ;;
	*) log "unknown filesystem $fs"; exit 1 ;;
	esac || exit 1
	mount -t "$fs" /dev/rnwblk0 "$mnt" || exit 1
	log "$fs: $(findmnt -no FSTYPE,OPTIONS "$mnt")"
	for load in $loads; do
		case $load in
		open) mode=(--rates "$rates") ;;
		closed) mode=() ;;
		*) log "unknown load $load (open or closed)"; exit 1 ;;
		esac
		# --setup makes the data set on the first run and finds it there on the next.
		cmd=(target/bin/rnw-pool-bench run --setup --rounds "$reps" --seconds "$seconds"
			"${mode[@]}" "${extra[@]}")
		echo "${cmd[*]} --label FS --tsv FS.tsv MOUNTPOINT" >"$out/pool-cmd-$load.txt"
		log "$fs, $load loop"
		if ! "${cmd[@]}" --label "$fs" --tsv "$out/pool-$fs-$load.tsv" "$mnt" \
			>"$out/pool-$fs-$load.txt" 2>&1; then
			log "$fs: rnw-pool-bench failed"
			status=1
		fi
		cat "$out/pool-$fs-$load.txt"
	done
	log "$fs: rnwblk0 $(tr '\n' ' ' </sys/kernel/debug/rnwblk/rnwblk0/counters)"
	umount "$mnt" || exit 1
done
rmdir "$mnt"
rmmod rnwfs rnwblk
exit $status
