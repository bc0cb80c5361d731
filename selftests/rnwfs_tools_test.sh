#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# mkfs.rnwfs and fsck.rnwfs on a real block device (rnwblk0, in the guest): a new
# filesystem checks clean, and damage written behind the tools' back is found.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib/ktap.sh"
mkfs=$root/target/bin/mkfs.rnwfs
fsck=$root/target/bin/fsck.rnwfs
dev=/dev/rnwblk0

fresh() { blkdiscard -f "$dev" && "$mkfs" -q -L ktest "$dev"; }

mkfs_then_fsck_clean() {
	fresh || return 1
	"$fsck" "$dev"
}

# Expects fsck to exit 4 and name the problem.
fsck_finds() {
	local out rc
	out=$("$fsck" -q "$dev")
	rc=$?
	printf '%s\n' "$out"
	[ "$rc" = 4 ] && grep -q "$1" <<<"$out"
}

corrupt_superblock_found() {
	fresh || return 1
	printf 'X' | dd of="$dev" bs=1 seek=0 conv=notrunc status=none
	fsck_finds "bad magic"
}

stray_bitmap_bit_found() {
	fresh || return 1
	# Block 1 is the first bitmap block; its last byte covers blocks 32760..32767 (unused).
	printf '\x80' | dd of="$dev" bs=1 seek=$((4096 + 4095)) conv=notrunc status=none
	fsck_finds "allocated in the bitmap but unused"
}

mkfs_refuses_bad_usage() {
	"$mkfs" -N notanumber "$dev" 2>/dev/null
	[ $? = 2 ] || return 1
	"$fsck" 2>/dev/null
	[ $? = 16 ]
}

ktap_plan 4
ktap_result mkfs_then_fsck_clean mkfs_then_fsck_clean
ktap_result fsck_finds_corrupt_superblock corrupt_superblock_found
ktap_result fsck_finds_stray_bitmap_bit stray_bitmap_bit_found
ktap_result tools_refuse_bad_usage mkfs_refuses_bad_usage
blkdiscard "$dev"
ktap_exit
