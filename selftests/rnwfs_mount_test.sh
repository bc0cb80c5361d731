#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Mounting rnwfs (in the guest, on rnwblk0): a fresh filesystem mounts (read-only for now)
# with a listable root and right statfs figures; corrupt or foreign images and unknown
# options are refused with a message and no kernel warning; rmmod is refused while
# mounted; fsck is clean afterwards.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib/ktap.sh"
mkfs=$root/target/bin/mkfs.rnwfs
fsck=$root/target/bin/fsck.rnwfs
dev=/dev/rnwblk0
mnt=$(mktemp -d /tmp/rnwfs-mnt.XXXXXX)

fresh() { blkdiscard -f "$dev" && "$mkfs" -q "$dev"; }

# Mount must fail; its message (mount's stderr or the kernel log) must mention $1.
refused_with() {
	local before out
	before=$(dmesg | wc -l)
	if out=$(mount -t rnwfs "${@:2}" "$dev" "$mnt" 2>&1); then
		umount "$mnt"
		echo "mounted, expected a refusal"
		return 1
	fi
	out="$out
$(dmesg | tail -n +"$((before + 1))")"
	printf '%s\n' "$out"
	grep -q "$1" <<<"$out"
}

fresh_mounts_and_lists() {
	fresh || return 1
	mount -t rnwfs "$dev" "$mnt" || return 1
	local ok=0
	findmnt -no OPTIONS "$mnt" | grep -qw ro || { echo "not read-only"; ok=1; }
	[ "$(ls -a "$mnt" | tr '\n' ' ')" = ". .. " ] || { ls -la "$mnt"; ok=1; }
	[ "$(stat -c '%F %a %h' "$mnt")" = "directory 755 2" ] || { stat "$mnt"; ok=1; }
	stat "$mnt/missing" 2>/dev/null && { echo "lookup of a missing name succeeded"; ok=1; }
	touch "$mnt/new" 2>/dev/null && { echo "created a file on a read-only mount"; ok=1; }
	umount "$mnt" || ok=1
	"$fsck" -q "$dev" || ok=1
	return $ok
}

statfs_matches_mkfs() {
	fresh || return 1
	mount -t rnwfs "$dev" "$mnt" || return 1
	# 1 GiB device: 262144 blocks, 65536 inodes, metadata 9 + 4096 blocks + the root's.
	local got
	got=$(stat -f -c '%S %b %f %c %d %l' "$mnt")
	umount "$mnt"
	echo "statfs: $got"
	[ "$got" = "4096 262144 258038 65536 65535 56" ]
}

corrupt_magic_refused() {
	fresh || return 1
	printf 'X' | dd of="$dev" bs=1 seek=0 conv=notrunc status=none
	refused_with "bad magic"
}

corrupt_checksum_refused() {
	fresh || return 1
	printf '\xff' | dd of="$dev" bs=1 seek=100 conv=notrunc status=none
	refused_with "checksum mismatch"
}

foreign_image_refused() {
	blkdiscard -f "$dev" && mkfs.ext4 -q -F "$dev" >/dev/null 2>&1 || return 1
	refused_with "bad magic"
}

unknown_option_refused() {
	fresh || return 1
	refused_with "Unknown parameter" -o no_such_option
}

# Files and symlinks are not supported yet: listed, but refused on lookup with
# EOPNOTSUPP (never an inode without operations: the log scan would catch a WARN or oops).
unsupported_inodes_refused() {
	fresh && "$root/target/release/examples/rnwfs-craft" "$dev" || return 1
	mount -t rnwfs "$dev" "$mnt" || return 1
	local ok=0 out
	[ "$(ls "$mnt" | tr '\n' ' ')" = "file link " ] || { ls -la "$mnt"; ok=1; }
	out=$(stat "$mnt/file" 2>&1) && { echo "stat of a file succeeded"; ok=1; }
	grep -q "not supported" <<<"$out" || { echo "$out"; ok=1; }
	cat "$mnt/link" 2>/dev/null && { echo "followed a symlink"; ok=1; }
	umount "$mnt" || ok=1
	"$fsck" -q "$dev" || ok=1
	return $ok
}

rmmod_refused_while_mounted() {
	fresh || return 1
	mount -t rnwfs "$dev" "$mnt" || return 1
	local ok=0
	if rmmod rnwfs 2>/dev/null; then
		echo "rmmod succeeded with a mount"
		ok=1
	fi
	umount "$mnt"
	rmmod rnwfs && insmod "$root/rnwfs.ko" || ok=1
	return $ok
}

ktap_plan 8
ktap_result fresh_filesystem_mounts_read_only_and_lists fresh_mounts_and_lists
ktap_result statfs_matches_mkfs statfs_matches_mkfs
ktap_result corrupt_magic_refused corrupt_magic_refused
ktap_result corrupt_checksum_refused corrupt_checksum_refused
ktap_result foreign_ext4_image_refused foreign_image_refused
ktap_result unknown_option_refused unknown_option_refused
ktap_result files_and_symlinks_refused_until_supported unsupported_inodes_refused
ktap_result rmmod_refused_while_mounted rmmod_refused_while_mounted
rmdir "$mnt"
blkdiscard "$dev"
ktap_exit
