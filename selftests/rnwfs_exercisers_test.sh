#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A read-write filesystem (in the guest, on rnwblk0) under exercisers nobody here wrote:
# Debian's fio with crc32c verification through psync, O_DIRECT, libaio and io_uring (and a
# concurrent mixed random read/write job), re-verified from disk after umount/mount; then
# stress-ng's filesystem stressors. Each test runs on a new filesystem, which fsck must find
# clean afterwards.
#
# Filesystem-generic: RNW_FS=rnwfs (default), ext4 or xfs (lib/fs.sh holds what differs).
# fio files are laid out sequentially, then overwritten at random; two jobs write sparse
# files at random and with holes between every block (thousands of extents).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib/ktap.sh"
. "$here/lib/fs.sh"
export LC_ALL=C
SIZE_MB=32

# ---- fio -----------------------------------------------------------------------------------

# fio_run OUT JOB-ARGS...: fio in $FS_MNT, terse (v3) results into OUT, 240 s limit; shows
# the command line, fio's stderr and its exit status.
fio_run() {
	local out=$1 rc start=$SECONDS
	shift
	echo "fio $*"
	(cd "$FS_MNT" && timeout 240 fio --output-format=terse --terse-version=3 --output="$out" \
		--verify_state_save=0 "$@") >"$FS_TMP/fio.err" 2>&1
	rc=$?
	[ "$rc" = 124 ] && echo "fio did not finish within 240 s"
	head -n 10 "$FS_TMP/fio.err"
	echo "fio exit status $rc after $((SECONDS - start)) s"
	return $rc
}

# fio_check OUT JOB READ_KB WRITE_KB: job JOB (from 1) of OUT had no error and moved
# exactly those KiB (a negative figure -N means at least N).
fio_check() {
	local line name err rkb wkb
	line=$(grep '^3;' "$1" | sed -n "$2p")
	[ -n "$line" ] || { echo "FAIL: no job $2 in fio's output"; cat "$1"; return 1; }
	IFS=';' read -r name err rkb wkb <<<"$(cut -d';' -f3,5,6,47 <<<"$line")"
	echo "fio job $2 ($name): error $err, read $rkb KiB, written $wkb KiB"
	check_eq "$name: error" "$err" 0 || return 1
	kib_is "$name: KiB read" "$rkb" "$3" && kib_is "$name: KiB written" "$wkb" "$4"
}
kib_is() {
	if [ "$3" -lt 0 ]; then
		check "$1: $2, at least $((-$3))" [ "$2" -ge $((-$3)) ]
	else
		check_eq "$1" "$2" "$3"
	fi
}

# fio_verify NAME ENGINE-ARGS...: through the given engine, lays the file out with
# sequential 1 MiB writes and overwrites all of it with random 4-64 KiB writes, verified
# (crc32c) when they are done; after umount/mount, fio re-reads and verifies it all again
# (--verify_only: fio reports the writes it skipped as written).
fio_verify() {
	local name=$1 kb=$((SIZE_MB * 1024))
	shift
	local common=(--filename="$name" --size="${SIZE_MB}M" --verify=crc32c --verify_fatal=1 "$@")
	fs_fresh || return 1
	fio_run "$FS_TMP/fio.out" \
		--name="$name-layout" "${common[@]}" --rw=write --bs=1M --fallocate=none --verify=0 \
		--name="$name-random" "${common[@]}" --rw=randwrite --bsrange=4k-64k --stonewall ||
		return 1
	fio_check "$FS_TMP/fio.out" 1 0 "$kb" || return 1
	fio_check "$FS_TMP/fio.out" 2 "$kb" "$kb" || return 1
	check_stat "the file" "$FS_MNT/$name" '%s' $((kb * 1024)) || return 1
	fs_remount || return 1
	fio_run "$FS_TMP/fio.out" --name="$name-random" "${common[@]}" --rw=randwrite \
		--bsrange=4k-64k --verify_only || return 1
	fio_check "$FS_TMP/fio.out" 1 "$kb" "$kb" || return 1
	fs_umount
}

t_fio_psync_buffered() { fio_verify psync-buffered --ioengine=psync --fsync=32 --end_fsync=1; }
t_fio_psync_direct() { fio_verify psync-direct --ioengine=psync --direct=1; }
t_fio_libaio_direct() { fio_verify libaio-direct --ioengine=libaio --direct=1 --iodepth=16; }
t_fio_io_uring_buffered() { fio_verify uring-buffered --ioengine=io_uring --iodepth=16; }
t_fio_io_uring_direct() { fio_verify uring-direct --ioengine=io_uring --direct=1 --iodepth=16; }

# fio_sparse NAME JOB-ARGS...: writes a sparse file (no layout, no preallocation) through
# psync O_DIRECT, verified; after umount/mount the file's checksum must be the same (fio's
# --verify_only cannot replay a job with holes: it fails with EIO even on tmpfs); fsck
# follows.
fio_sparse() {
	local name=$1
	shift
	fs_fresh || return 1
	fio_run "$FS_TMP/fio.out" --name="$name" --filename="$name" --size="${SIZE_MB}M" \
		--verify=crc32c --verify_fatal=1 --fallocate=none --ioengine=psync --direct=1 \
		--bs=4k "$@" || return 1
	fio_check "$FS_TMP/fio.out" 1 -4 -4 || return 1
	sha256sum "$FS_MNT/$name" >"$FS_TMP/sum" || return 1
	fs_remount || return 1
	check "the file's checksum after remount" sha256sum -c --quiet "$FS_TMP/sum" || return 1
	fs_umount
}

# Random 4 KiB writes into a sparse file: blocks allocated in random order (8192 of them
# in 32 MiB), most of them extents of their own.
t_fio_sparse_randwrite() { fio_sparse sparse-random --rw=randwrite --number_ios=4096; }
# Every other block written (rw=write:4k skips 4 KiB after each write): 4096 extents.
t_fio_every_other_block() { fio_sparse every-other --rw=write:4k --number_ios=4096; }

# Two concurrent random read/write jobs (one buffered, one O_DIRECT) on the two halves of
# one laid-out file, each verifying what it wrote (so each reads its whole half: the
# random reads plus the verification of the random writes); then the whole file's checksum
# after umount/mount.
t_fio_mixed_randrw() {
	local half=$((SIZE_MB / 2)) kb=$((SIZE_MB * 1024)) f=mixed
	local common=(--filename=$f --verify=crc32c --verify_fatal=1 --rw=randrw --rwmixread=40
		--bsrange=4k-32k --size="${half}M")
	fs_fresh || return 1
	fio_run "$FS_TMP/fio.out" \
		--name=layout --filename=$f --size="${SIZE_MB}M" --rw=write --bs=1M --fallocate=none \
		--name=randrw-buffered "${common[@]}" --ioengine=psync --offset=0 --stonewall \
		--name=randrw-direct "${common[@]}" --ioengine=libaio --iodepth=8 --direct=1 \
		--offset="${half}M" || return 1
	fio_check "$FS_TMP/fio.out" 1 0 "$kb" || return 1
	fio_check "$FS_TMP/fio.out" 2 $((half * 1024)) -4 || return 1
	fio_check "$FS_TMP/fio.out" 3 $((half * 1024)) -4 || return 1
	sha256sum "$FS_MNT/$f" >"$FS_TMP/sum" || return 1
	fs_remount || return 1
	check "the file's checksum after remount" sha256sum -c --quiet "$FS_TMP/sum" || return 1
	fs_umount
}

# ---- stress-ng -----------------------------------------------------------------------------

# stressor NAME WORKERS ARGS...: stress-ng --NAME WORKERS for 10 s in the filesystem, with
# --verify; stress-ng must exit 0, report a successful run and NAME's metrics with bogo
# ops > 0; the filesystem must be left as it was (stress-ng cleans up after itself).
stressor() {
	local name=$1 workers=$2 out rc ops
	shift 2
	fs_fresh || return 1
	echo "stress-ng --$name $workers $* --timeout 10s --verify --metrics-brief"
	out=$(cd "$FS_MNT" && timeout 120 stress-ng --"$name" "$workers" "$@" --temp-path "$FS_MNT" \
		--timeout 10s --verify --metrics-brief 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v 'metrc:.*\(miscellaneous\|nanosecs\|geometic\|rate\)'
	check_eq "stress-ng exit status" "$rc" 0 || return 1
	check "a successful run" grep -q 'successful run completed' <<<"$out" || return 1
	ops=$(awk -v s="$name" '$2 == "metrc:" && $4 == s && $5 ~ /^[0-9]+$/ { print $5; exit }' <<<"$out")
	check "$name's metrics line with bogo ops > 0 (got '$ops')" [ "${ops:-0}" -gt 0 ] || return 1
	check_eq "stress-ng left nothing behind" "$(ls -A "$FS_MNT" | grep -vxF "$(fs_reserved_names)")" "" || return 1
	fs_umount
}

# link and symlink make 8192 links per bogo op (about 15 s under TCG): one worker each.
# mmap dirties random pages of a sparse file, seek writes 512 bytes at random offsets of
# a sparse one: both make files of many small extents. readahead reads a file written
# sequentially at random.
t_sng_hdd() { stressor hdd 2 --hdd-bytes 16M --hdd-write-size 64K; }
t_sng_dir() { stressor dir 2 --dir-dirs 1024; }
t_sng_dentry() { stressor dentry 2 --dentries 1024; }
t_sng_rename() { stressor rename 2; }
t_sng_link() { stressor link 1; }
t_sng_symlink() { stressor symlink 1; }
t_sng_fallocate() { stressor fallocate 2 --fallocate-bytes 8M; }
t_sng_seek() { stressor seek 2 --seek-size 1M; }
t_sng_readahead() { stressor readahead 2 --readahead-bytes 16M; }
t_sng_mmap() { stressor mmap 2 --mmap-file --mmap-bytes 4M; }

fs_init
if [ -z "$FS_BROKEN" ]; then
	command -v fio >/dev/null || FS_BROKEN="fio is not installed (scripts/setup-toolchain.sh installs it)"
	command -v stress-ng >/dev/null || FS_BROKEN="stress-ng is not installed (scripts/setup-toolchain.sh installs it)"
fi
ktap_plan 18
fs_test fio_psync_buffered_verify t_fio_psync_buffered
fs_test fio_psync_direct_verify t_fio_psync_direct
fs_test fio_libaio_direct_qd16_verify t_fio_libaio_direct
fs_test fio_io_uring_buffered_verify t_fio_io_uring_buffered
fs_test fio_io_uring_direct_verify t_fio_io_uring_direct
fs_test fio_mixed_randrw_buffered_and_direct t_fio_mixed_randrw
fs_test fio_sparse_random_4k_direct_verify t_fio_sparse_randwrite
fs_test fio_every_other_block_direct_verify t_fio_every_other_block
fs_test stress_ng_hdd t_sng_hdd
fs_test stress_ng_dir t_sng_dir
fs_test stress_ng_dentry t_sng_dentry
fs_test stress_ng_rename t_sng_rename
fs_test stress_ng_link t_sng_link
fs_test stress_ng_symlink t_sng_symlink
fs_test stress_ng_fallocate t_sng_fallocate
fs_test stress_ng_seek t_sng_seek
fs_test stress_ng_readahead t_sng_readahead
fs_test stress_ng_mmap t_sng_mmap
fs_done
ktap_exit
