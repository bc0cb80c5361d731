#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rnw-fsx (tools/rnw-fsx, an fsx-class tester) on a read-write filesystem (in the guest, on
# rnwblk0): random reads and writes, truncates up and down, fallocate (allocate, KEEP_SIZE
# past EOF, punch, zero range where supported), copy_file_range, fsync and reopen on one
# file, every read and the whole file after each phase checked against rnw-fsx's model.
# One test per mode (buffered, direct, mmap, aio, uring, nowait, mixed), one mixed run
# that unmounts, checks (fsck) and mounts the filesystem every RNW_FSX_REMOUNT_EVERY ops,
# and for rnwfs one mixed run with every buffered write writethrough (-o writethrough);
# each on a new filesystem, with a fixed seed (printed: rerun with the same seed, or replay
# the op log kept in $RNW_OUT on failure), and fsck after the test.
#
# Filesystem-generic: RNW_FS=rnwfs (default), ext4 or xfs (lib/fs.sh holds what differs).
# RNW_FSX_OPS sets every test's op count (default: counts sized for 2-4 minutes of the whole
# file under TCG); RNW_FSX_RUN_LIMIT is how long one run may take before the test fails (a
# run stuck in the kernel is left behind: the test fails instead of hanging the guest).
# The long run is scripts/fsx-long.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib/ktap.sh"
. "$here/lib/fs.sh"
. "$here/lib/run_bounded.sh"
export LC_ALL=C
FSX=$root/target/bin/rnw-fsx
REMOUNT_EVERY=${RNW_FSX_REMOUNT_EVERY:-500}
# Seconds one rnw-fsx run may take (the slowest takes about 70 under a loaded host).
LIMIT=${RNW_FSX_RUN_LIMIT:-300}

# fsx_ops DEFAULT: the op count of a test (RNW_FSX_OPS overrides them all).
fsx_ops() { echo "${RNW_FSX_OPS:-$1}"; }

# fsx_test MODE SEED OPS [RNW-FSX ARGS...]: rnw-fsx on a new filesystem; its output is
# shown (all of it on failure), its op log kept in $RNW_OUT when it fails.
fsx_test() {
	local mode=$1 seed=$2 ops=$3 rc start=$SECONDS name
	shift 3
	name=rnw-fsx-$FS_TYPE-$mode${1:+-remount}
	fs_fresh || return 1
	echo "seed $seed: rnw-fsx --mode $mode --seed $seed -N $ops $*"
	# (stderr: bash's notice of a killed job; rnw-fsx's own goes to fsx.out)
	run_bounded "$LIMIT" "$FS_TMP/fsx.out" "$FSX" --mode "$mode" --seed "$seed" -N "$ops" \
		--log "$FS_TMP/$name.log" "$@" "$FS_MNT/fsx-file" 2>/dev/null
	rc=$?
	if [ "$rc" = 0 ]; then
		grep -v '^rnw-fsx seed=' "$FS_TMP/fsx.out"
	else
		head -n 120 "$FS_TMP/fsx.out"
		[ "$rc" = 124 ] && echo "rnw-fsx did not finish within $LIMIT s"
		if [ -n "${RNW_OUT:-}" ] && cp "$FS_TMP/$name.log" "$RNW_OUT/$name.log"; then
			echo "op log kept: $RNW_OUT/$name.log"
		fi
	fi
	echo "rnw-fsx exit status $rc after $((SECONDS - start)) s"
	# Unmount even after a failure: fs_run's fsck then looks at what the run left.
	fs_umount || return 1
	return "$rc"
}

# The remount command rnw-fsx runs (through sh -c) with its file closed: lib/fs.sh's own
# umount, fsck and mount, from a script that sources it, so the filesystem is also checked
# at every remount, not only at the end. (Exported bash functions would not do: Debian's
# sh, dash, drops them from the environment.)
write_remount_script() {
	{
		echo "set -u"
		printf 'root=%q\n' "$root"
		echo '. "$root/selftests/lib/fs.sh"'
		printf 'FS_TYPE=%q FS_MNT=%q\n' "$FS_TYPE" "$FS_MNT"
		echo 'fs_umount && fs_fsck && fs_mount'
	} >"$FS_TMP/remount.sh"
	echo "bash $FS_TMP/remount.sh"
}

t_buffered() { fsx_test buffered 1001 "$(fsx_ops 6000)"; }
t_direct() { fsx_test direct 1002 "$(fsx_ops 6000)"; }
t_mmap() { fsx_test mmap 1003 "$(fsx_ops 3000)"; }
t_aio() { fsx_test aio 1004 "$(fsx_ops 5000)"; }
t_uring() { fsx_test uring 1005 "$(fsx_ops 4000)"; }
t_nowait() { fsx_test nowait 1006 "$(fsx_ops 5000)"; }
t_mixed() { fsx_test mixed 1007 "$(fsx_ops 5000)"; }
t_mixed_remount() {
	local cmd
	cmd=$(write_remount_script) || return 1
	fsx_test mixed 1008 "$(fsx_ops 4000)" --remount-cmd "$cmd" --remount-every "$REMOUNT_EVERY"
}
# Writethrough buffered writes (their own bios, Documentation/writethrough.rst) mixed with
# every other kind of I/O.
t_mixed_writethrough() {
	FS_MOUNT_EXTRA="-o writethrough" fsx_test mixed 1009 "$(fsx_ops 4000)"
}

fs_init
if [ -z "$FS_BROKEN" ] && ! [ -x "$FSX" ]; then
	FS_BROKEN="$FSX missing: run scripts/build-tools.sh"
fi
ktap_plan 9
fs_test fsx_buffered t_buffered
fs_test fsx_direct t_direct
fs_test fsx_mmap t_mmap
fs_test fsx_aio_direct t_aio
fs_test fsx_uring_direct_and_buffered t_uring
fs_test fsx_nowait_buffered_and_direct t_nowait
fs_test fsx_mixed t_mixed
fs_test fsx_mixed_with_remount t_mixed_remount
if [ "$FS_TYPE" = rnwfs ]; then
	fs_test fsx_mixed_writethrough t_mixed_writethrough
else
	ktap_skip fsx_mixed_writethrough "writethrough is rnwfs' mount option"
fi
fs_done
ktap_exit
