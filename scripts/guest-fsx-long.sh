#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/fsx-long.sh: rnw-fsx for each filesystem x mode x seed, each run on
# a new filesystem, fsck after it. RNW_FSX_JOBS lanes (default: one per CPU) take the runs
# in order from one queue, lane N on /dev/rnwblkN, so a 2-CPU guest does twice the ops.
# Results: $RNW_OUT/fsx.tsv (fs, mode, seed, ops, seconds, rnw-fsx exit status (124: did
# not finish), fsck status); a failing run's output and op log are kept as
# $RNW_OUT/fail-FS-MODE-SEED.{out,log}. A run stuck in the kernel ends its lane (the device
# stays busy); the controls run first for that reason.
#   RNW_FSX_OPS, RNW_FSX_CONTROL_OPS, RNW_FSX_SEEDS, RNW_FSX_MODES, RNW_FSX_FS,
#   RNW_FSX_RUN_LIMIT, RNW_FSX_JOBS: as scripts/fsx-long.sh says.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${RNW_OUT:?RNW_OUT is set by scripts/vm-run.sh}
ops=${RNW_FSX_OPS:-1000000}
control_ops=${RNW_FSX_CONTROL_OPS:-$ops}
jobs=${RNW_FSX_JOBS:-$(nproc)}
seeds=${RNW_FSX_SEEDS:-1 2 3}
modes=${RNW_FSX_MODES:-buffered direct mmap aio uring nowait mixed}
filesystems=${RNW_FSX_FS:-ext4 xfs rnwfs rnwfs-wt}
fsx=$root/target/bin/rnw-fsx
. "$root/selftests/lib/fs.sh"
. "$root/selftests/lib/run_bounded.sh"
work=$(mktemp -d /tmp/rnw-fsx-long.XXXXXX)
: >"$out/fsx.tsv"
log() { echo "fsx-long: [$(date +%T)] $*"; }
# A result line; short enough for one atomic O_APPEND write whichever lane writes it.
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$out/fsx.tsv"; }

# The queue: one line per run, in run order; a lane takes the next under the queue's lock.
for fs in $filesystems; do
	for mode in $modes; do
		for seed in $seeds; do
			echo "$fs $mode $seed"
		done
	done
done >"$work/queue"
echo 0 >"$work/next"
next_run() {
	local n
	exec 9<>"$work/queue.lock"
	flock 9
	n=$(($(cat "$work/next") + 1))
	echo "$n" >"$work/next"
	flock -u 9
	exec 9>&-
	sed -n "${n}p" "$work/queue"
}

# lane N: runs from the queue on /dev/rnwblkN until it is empty; non-zero if one failed.
lane() {
	local lane=$1 lane_status=0 fs mode seed name run_ops limit start rc secs fsck_rc opts
	local scratch=$work/lane$lane
	mkdir -p "$scratch"
	FS_DEV=/dev/rnwblk$lane
	FS_MNT=$(mktemp -d /tmp/rnw-fsx-long-mnt.XXXXXX)
	while read -r fs mode seed < <(next_run) && [ -n "$fs" ]; do
		opts=()
		run_ops=$ops
		case $fs in
		rnwfs) FS_TYPE=rnwfs ;;
		rnwfs-wt) FS_TYPE=rnwfs; opts=(-o writethrough) ;;
		ext4 | xfs) FS_TYPE=$fs; run_ops=$control_ops ;;
		*) log "unknown filesystem $fs"; lane_status=1; continue ;;
		esac
		# One run's limit: TCG does 400 to 1700 ops a second; at 50 a second something is stuck.
		limit=${RNW_FSX_RUN_LIMIT:-$((run_ops / 50 + 300))}
		name=$fs-$mode-$seed
		if ! fs_mkfs || ! mount -t "$FS_TYPE" "${opts[@]}" "$FS_DEV" "$FS_MNT"; then
			log "$name: mkfs/mount failed on $FS_DEV"
			record "$fs" "$mode" "$seed" "$run_ops" 0 mkfs -
			lane_status=1
			continue
		fi
		log "$name: rnw-fsx --mode $mode --seed $seed -N $run_ops on $FS_DEV"
		start=$(date +%s)
		run_bounded "$limit" "$scratch/out" "$fsx" --mode "$mode" --seed "$seed" -N "$run_ops" \
			--check-every 10000 --log "$scratch/log" "$FS_MNT/fsx-file" 2>/dev/null
		rc=$?
		secs=$(($(date +%s) - start))
		if ! umount "$FS_MNT"; then
			# rnw-fsx is stuck in the kernel (run_bounded said so): the device stays busy,
			# nothing more can run in this lane.
			log "$name: umount failed after rnw-fsx exit status $rc: lane $lane stops here"
			record "$fs" "$mode" "$seed" "$run_ops" "$secs" "$rc" stuck
			cp "$scratch/out" "$out/fail-$name.out"
			cp "$scratch/log" "$out/fail-$name.log"
			return 1
		fi
		fs_fsck >"$scratch/fsck" 2>&1
		fsck_rc=$?
		log "$name: $(tail -n 1 "$scratch/out")"
		if [ "$rc" != 0 ] || [ "$fsck_rc" != 0 ]; then
			lane_status=1
			cp "$scratch/out" "$out/fail-$name.out"
			cp "$scratch/log" "$out/fail-$name.log"
			cat "$scratch/fsck" >>"$out/fail-$name.out"
			log "$name: FAILED (rnw-fsx $rc, fsck $fsck_rc): $out/fail-$name.{out,log}"
			head -n 40 "$scratch/out"
		fi
		record "$fs" "$mode" "$seed" "$run_ops" "$secs" "$rc" "$fsck_rc"
		rm -f "$scratch/log" "$scratch/out"
	done
	rmdir "$FS_MNT"
	return $lane_status
}

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
insmod rnwblk.ko nr_devices="$jobs" || exit 1
insmod rnwfs.ko || exit 1
log "$(wc -l <"$work/queue") runs in $jobs lanes"
pids=()
for ((i = 0; i < jobs; i++)); do
	lane "$i" &
	pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
	wait "$pid" || status=1
done
rmmod rnwfs rnwblk
rm -rf "$work"
dmesg >"$out/dmesg-guest.txt"
exit $status
