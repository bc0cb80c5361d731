#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/fsx-long.sh: rnw-fsx for each filesystem x mode x seed, each run on
# a new filesystem on rnwblk0, fsck after it. Results: $RNW_OUT/fsx.tsv (fs, mode, seed,
# ops, seconds, rnw-fsx exit status (124: did not finish), fsck status); a failing run's
# output and op log are kept as $RNW_OUT/fail-FS-MODE-SEED.{out,log}. A run stuck in the
# kernel ends it (the device stays busy); the controls run first for that reason.
#   RNW_FSX_OPS, RNW_FSX_SEEDS, RNW_FSX_MODES, RNW_FSX_FS, RNW_FSX_RUN_LIMIT: as
#   scripts/fsx-long.sh says.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${RNW_OUT:?RNW_OUT is set by scripts/vm-run.sh}
ops=${RNW_FSX_OPS:-1000000}
seeds=${RNW_FSX_SEEDS:-1 2 3}
modes=${RNW_FSX_MODES:-buffered direct mmap aio uring nowait mixed}
filesystems=${RNW_FSX_FS:-ext4 xfs rnwfs rnwfs-wt}
# One run's limit: TCG does 400 to 1700 ops a second; at 50 a second something is stuck.
limit=${RNW_FSX_RUN_LIMIT:-$((ops / 50 + 300))}
fsx=$root/target/bin/rnw-fsx
. "$root/selftests/lib/fs.sh"
. "$root/selftests/lib/run_bounded.sh"
FS_MNT=$(mktemp -d /tmp/rnw-fsx-long-mnt.XXXXXX)
work=$(mktemp -d /tmp/rnw-fsx-long.XXXXXX)
: >"$out/fsx.tsv"
log() { echo "fsx-long: [$(date +%T)] $*"; }

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
insmod rnwblk.ko || exit 1
insmod rnwfs.ko || exit 1
status=0
for fs in $filesystems; do
	opts=()
	case $fs in
	rnwfs) FS_TYPE=rnwfs ;;
	rnwfs-wt) FS_TYPE=rnwfs; opts=(-o writethrough) ;;
	ext4 | xfs) FS_TYPE=$fs ;;
	*) log "unknown filesystem $fs"; status=1; continue ;;
	esac
	for mode in $modes; do
		for seed in $seeds; do
			name=$fs-$mode-$seed
			if ! fs_mkfs || ! mount -t "$FS_TYPE" "${opts[@]}" "$FS_DEV" "$FS_MNT"; then
				log "$name: mkfs/mount failed"
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$fs" "$mode" "$seed" "$ops" 0 mkfs - >>"$out/fsx.tsv"
				status=1
				continue
			fi
			log "$name: rnw-fsx --mode $mode --seed $seed -N $ops"
			start=$(date +%s)
			run_bounded "$limit" "$work/out" "$fsx" --mode "$mode" --seed "$seed" -N "$ops" \
				--check-every 10000 --log "$work/log" "$FS_MNT/fsx-file" 2>/dev/null
			rc=$?
			secs=$(($(date +%s) - start))
			if ! umount "$FS_MNT"; then
				# rnw-fsx is stuck in the kernel (run_bounded said so): the device stays busy,
				# nothing more can run.
				log "$name: umount failed after rnw-fsx exit status $rc: stopping here"
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$fs" "$mode" "$seed" "$ops" "$secs" "$rc" stuck \
					>>"$out/fsx.tsv"
				cp "$work/out" "$out/fail-$name.out"
				cp "$work/log" "$out/fail-$name.log"
				exit 1
			fi
			fs_fsck >"$work/fsck" 2>&1
			fsck_rc=$?
			tail -n 1 "$work/out"
			if [ "$rc" != 0 ] || [ "$fsck_rc" != 0 ]; then
				status=1
				cp "$work/out" "$out/fail-$name.out"
				cp "$work/log" "$out/fail-$name.log"
				cat "$work/fsck" >>"$out/fail-$name.out"
				log "$name: FAILED (rnw-fsx $rc, fsck $fsck_rc): $out/fail-$name.{out,log}"
				head -n 40 "$work/out"
			fi
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$fs" "$mode" "$seed" "$ops" "$secs" "$rc" "$fsck_rc" \
				>>"$out/fsx.tsv"
			rm -f "$work/log" "$work/out"
		done
	done
done
rmmod rnwfs rnwblk
rm -rf "$work"
rmdir "$FS_MNT"
dmesg >"$out/dmesg-guest.txt"
exit $status
