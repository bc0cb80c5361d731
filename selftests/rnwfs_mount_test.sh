#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Mounting rnwfs (in the guest, on rnwblk0): a fresh filesystem mounts read-write with a
# listable root and right statfs figures; a filesystem not cleanly unmounted mounts
# read-only; corrupt or foreign images and unknown options are refused with a message and
# no kernel warning; an image written by another writer (rnwfs-craft) reads back; a power
# cut keeps what fsync made stable; rmmod is refused while mounted; fsck is clean afterwards.
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
	findmnt -no OPTIONS "$mnt" | grep -qw rw || { findmnt "$mnt"; ok=1; }
	[ "$(ls -a "$mnt" | tr '\n' ' ')" = ". .. " ] || { ls -la "$mnt"; ok=1; }
	[ "$(stat -c '%F %a %h' "$mnt")" = "directory 755 2" ] || { stat "$mnt"; ok=1; }
	stat "$mnt/missing" 2>/dev/null && { echo "lookup of a missing name succeeded"; ok=1; }
	umount "$mnt" || ok=1
	"$fsck" -q "$dev" || ok=1
	return $ok
}

read_only_mount_refuses_writes() {
	fresh || return 1
	mount -t rnwfs -o ro "$dev" "$mnt" || return 1
	local ok=0
	touch "$mnt/new" 2>/dev/null && { echo "created a file on a read-only mount"; ok=1; }
	refused=$(mount -o remount,rw "$mnt" 2>&1) && { echo "remounted read-write"; ok=1; }
	echo "$refused"
	umount "$mnt" || ok=1
	"$fsck" -q "$dev" || ok=1
	return $ok
}

# A superblock still saying "dirty" (saved while mounted, written back after unmount)
# makes the next mount read-only, with a warning to run fsck.
unclean_filesystem_mounts_read_only() {
	fresh || return 1
	mount -t rnwfs "$dev" "$mnt" || return 1
	local sbcopy ok=0 before
	sbcopy=$(mktemp)
	dd if="$dev" of="$sbcopy" bs=4096 count=1 iflag=direct status=none
	umount "$mnt"
	dd if="$sbcopy" of="$dev" bs=4096 count=1 oflag=direct conv=notrunc status=none
	rm -f "$sbcopy"
	before=$(dmesg | wc -l)
	mount -t rnwfs "$dev" "$mnt" || return 1
	findmnt -no OPTIONS "$mnt" | grep -qw ro || { echo "mounted read-write"; ok=1; }
	dmesg | tail -n +"$((before + 1))" | grep -q "not cleanly unmounted" || { echo "no warning"; ok=1; }
	umount "$mnt" || ok=1
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

# Crafted images whose checksums are valid (rnwfs-mutate recomputes them): the field checks
# refuse the mount with a message, and nothing worse happens (the log scan fails any oops).
mutate() { "$root/target/release/examples/rnwfs-mutate" "$dev" "$@"; }
crafted_root_not_a_directory_refused() {
	fresh && mutate inode 1 0 2 $((0100755)) || return 1
	refused_with "root inode 1 is not a directory"
}
crafted_geometry_refused() {
	local field off out
	# bitmap blocks, inode table start, inode table blocks, data start: u64::MAX each.
	for field in bitmap_blocks:48 itable_start:56 itable_blocks:64 data_start:72 total_blocks:32; do
		off=${field#*:}
		fresh && mutate sb "$off" 8 0xffffffffffffffff || return 1
		echo "superblock ${field%:*} = u64::MAX:"
		# The decoder's own message, not the checksum's: the checksum was valid.
		out=$(refused_with "rnwfs: $dev: ") || { printf '%s\n' "$out"; return 1; }
		printf '%s\n' "$out"
		if grep -q "checksum" <<<"$out"; then
			echo "refused for its checksum, not its field"
			return 1
		fi
	done
}

# Crafted link counts (valid checksums) lower than the names and subdirectories an inode
# has: each operation that would take a count below what its names need is refused with
# EUCLEAN and a message, before it changes anything; drop_nlink()'s WARN (a count already
# at 0) never fires. A directory claiming fewer than two links is refused when loaded.
io() { "$root/selftests/build/fs_io" errno "$@"; }
ino_of() { stat -c %i "$mnt/$1"; }
# Mounts a fresh filesystem, runs the shell commands $1 in it, unmounts.
made_with() {
	fresh && mount -t rnwfs "$dev" "$mnt" || return 1
	(cd "$mnt" && eval "$1") || { umount "$mnt"; return 1; }
	local out
	out=$(cd "$mnt" && eval "$2")
	umount "$mnt" || return 1
	printf '%s' "$out"
}
# expect_errno WANT OP ARGS...: the call (fs_io errno) gives WANT (EUCLEAN, OK, ...).
expect_errno() {
	local want=$1 got
	shift
	got=$(io "$@")
	[ "$got" = "$want" ] && return 0
	echo "$*: got $got, expected $want"
	return 1
}
# No kernel warning since line $1 of the kernel log (the log scan fails the run too; this
# fails the test itself).
no_warning_since() {
	local hits
	hits=$(dmesg | tail -n +"$(($1 + 1))" | grep -E 'WARNING:|BUG:|Call Trace' || true)
	[ -z "$hits" ] && return 0
	printf 'kernel warning:\n%s\n' "$hits"
	return 1
}
crafted_unlink_link_count_too_low() {
	local ino before held ok=0
	# "a" and "b" name one inode, which claims one link.
	ino=$(made_with 'touch a && ln a b' 'stat -c %i a') || return 1
	mutate inode "$ino" 2 2 1 || return 1
	before=$(dmesg | wc -l)
	mount -t rnwfs "$dev" "$mnt" || return 1
	# b held open (as a walk's cached dentry would hold it): the inode stays in memory,
	# with no link left, when a goes.
	exec {held}<"$mnt/b"
	expect_errno OK unlink "$mnt/a" || ok=1
	expect_errno EUCLEAN unlink "$mnt/b" || ok=1
	exec {held}<&-
	umount "$mnt" || ok=1
	dmesg | tail -n +"$((before + 1))" | grep -q "rnwfs: inode $ino: .*link" || { echo "no message about inode $ino's link count"; ok=1; }
	no_warning_since "$before" || ok=1
	return $ok
}
crafted_rename_over_link_count_too_low() {
	local ino before held ok=0
	ino=$(made_with 'touch a c && ln a b' 'stat -c %i a') || return 1
	mutate inode "$ino" 2 2 1 || return 1
	before=$(dmesg | wc -l)
	mount -t rnwfs "$dev" "$mnt" || return 1
	exec {held}<"$mnt/b"
	expect_errno OK unlink "$mnt/a" || ok=1
	# c over b: b's inode would lose a link it no longer has.
	expect_errno EUCLEAN rename "$mnt/c" "$mnt/b" || ok=1
	exec {held}<&-
	[ -e "$mnt/c" ] || { echo "c is gone after the refused rename"; ok=1; }
	umount "$mnt" || ok=1
	no_warning_since "$before" || ok=1
	return $ok
}
crafted_rmdir_parent_link_count_too_low() {
	local ino before ok=0
	# d has three subdirectories but claims 2 links (no subdirectory's "..").
	ino=$(made_with 'mkdir -p d/s1 d/s2 d/s3' 'stat -c %i d') || return 1
	mutate inode "$ino" 2 2 2 || return 1
	before=$(dmesg | wc -l)
	mount -t rnwfs "$dev" "$mnt" || return 1
	expect_errno EUCLEAN rmdir "$mnt/d/s1" || ok=1
	expect_errno EUCLEAN rename "$mnt/d/s2" "$mnt/s2" || ok=1
	[ -d "$mnt/d/s1" ] && [ -d "$mnt/d/s2" ] || { echo "a refused rmdir or rename changed the namespace"; ok=1; }
	umount "$mnt" || ok=1
	no_warning_since "$before" || ok=1
	return $ok
}
crafted_directory_with_one_link_refused() {
	local ino before ok=0
	ino=$(made_with 'mkdir d && touch d/f' 'stat -c %i d') || return 1
	mutate inode "$ino" 2 2 1 || return 1
	before=$(dmesg | wc -l)
	mount -t rnwfs "$dev" "$mnt" || return 1
	expect_errno EUCLEAN stat "$mnt/d" || ok=1
	umount "$mnt" || ok=1
	dmesg | tail -n +"$((before + 1))" | grep -q "rnwfs: inode $ino: " || { echo "no message about inode $ino"; ok=1; }
	no_warning_since "$before" || ok=1
	return $ok
}

# Free counts (valid checksums) at the most the superblock allows while blocks and inodes
# are in use: the frees of the unlinks would count past what exists. The kernel keeps
# them capped, so the filesystem it unmounts mounts again.
sb_field() { od -An -tu"$2" -j"$1" -N"$2" "$dev" | tr -d ' '; }
crafted_free_counts_stay_mountable() {
	local total data inodes ok=0
	made_with 'head -c 1048576 /dev/zero >f && mkdir d && touch d/g' true || return 1
	total=$(sb_field 32 8) data=$(sb_field 72 8) inodes=$(sb_field 88 4)
	mutate sb 80 8 $((total - data)) && mutate sb 92 4 $((inodes - 1)) || return 1
	mount -t rnwfs "$dev" "$mnt" || return 1
	rm -r "$mnt/f" "$mnt/d" || ok=1
	umount "$mnt" || ok=1
	if mount -t rnwfs "$dev" "$mnt"; then
		umount "$mnt" || ok=1
	else
		echo "the filesystem no longer mounts after the unlinks"
		dmesg | tail -n 3
		ok=1
	fi
	echo "free counts on disk: blocks $(sb_field 80 8) of $((total - data)), inodes $(sb_field 92 4) of $((inodes - 1))"
	[ "$(sb_field 80 8)" -le $((total - data)) ] && [ "$(sb_field 92 4)" -le $((inodes - 1)) ] || ok=1
	return $ok
}

# An image another writer made (rnwfs-craft: a 100-byte file of 'x' and a symlink to
# "xxxx") reads back exactly.
crafted_image_reads_back() {
	fresh && "$root/target/release/examples/rnwfs-craft" "$dev" || return 1
	mount -t rnwfs "$dev" "$mnt" || return 1
	local ok=0
	[ "$(ls "$mnt" | tr '\n' ' ')" = "file link " ] || { ls -la "$mnt"; ok=1; }
	[ "$(cat "$mnt/file")" = "$(printf 'x%.0s' $(seq 100))" ] || { echo "file data differs"; ok=1; }
	[ "$(stat -c '%s %h %a' "$mnt/file")" = "100 1 644" ] || { stat "$mnt/file"; ok=1; }
	[ "$(readlink "$mnt/link")" = "xxxx" ] || { echo "link target: $(readlink "$mnt/link")"; ok=1; }
	umount "$mnt" || ok=1
	"$fsck" -q "$dev" || ok=1
	return $ok
}

# A power cut (a volatile-cache rnwblk device powered off while mounted) keeps exactly what
# fsync made stable: the next mount is read-only (not cleanly unmounted), the fsynced file
# reads back whole, and a file created after that fsync, never fsynced, is gone.
power_cut_keeps_fsynced_data() {
	local item=/sys/kernel/config/rnwblk/cut$$ cdev ok=0 pattern
	mkdir "$item" || return 1
	echo 64 >"$item/size" && echo 1 >"$item/volatile_cache" && echo 1 >"$item/power" ||
		{ rmdir "$item"; return 1; }
	cdev=/dev/rnwblk$(cat "$item/index")
	pattern=$(mktemp)
	head -c 1048576 /dev/urandom >"$pattern"
	if "$mkfs" -q "$cdev" && mount -t rnwfs "$cdev" "$mnt"; then
		dd if="$pattern" of="$mnt/kept" bs=64k conv=fsync status=none || ok=1
		dd if="$pattern" of="$mnt/lost" bs=64k status=none || ok=1
		echo 0 >"$item/power" # the cut: the unmount's writes fail
		umount "$mnt" 2>/dev/null
		echo 1 >"$item/power" || ok=1
		cdev=/dev/rnwblk$(cat "$item/index")
		if mount -t rnwfs "$cdev" "$mnt"; then
			findmnt -no OPTIONS "$mnt" | grep -qw ro || { echo "mounted read-write"; ok=1; }
			cmp "$pattern" "$mnt/kept" || { echo "the fsynced file differs"; ok=1; }
			[ -e "$mnt/lost" ] && { echo "the file never fsynced survived the cut"; ok=1; }
			umount "$mnt" || ok=1
		else
			echo "no mount after the power cut"
			ok=1
		fi
	else
		ok=1
	fi
	rm -f "$pattern"
	echo 0 >"$item/power"
	rmdir "$item"
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

# The filesystem type is registered as a block-device one (no "nodev" in
# /proc/filesystems), and the module says it provides it: modinfo's alias fs-rnwfs is
# what `mount -t rnwfs` makes the kernel ask modprobe for.
type_registered_and_aliased() {
	local ok=0
	if ! awk '$1 == "rnwfs" && NF == 1 { found = 1 } END { exit !found }' /proc/filesystems; then
		grep rnwfs /proc/filesystems
		echo "rnwfs is not listed as a block-device filesystem"
		ok=1
	fi
	if ! modinfo -F alias "$root/rnwfs.ko" | grep -qx fs-rnwfs; then
		modinfo "$root/rnwfs.ko"
		echo "no fs-rnwfs alias"
		ok=1
	fi
	return $ok
}

# Inodes are freed an RCU grace period after their eviction, into the module's inode
# cache: an unload right after an unmount that evicted many must wait for those frees
# before the cache goes (rcu_barrier), or the kernel finds objects left in it, or a free
# runs on a destroyed cache.
unload_right_after_many_inodes() {
	fresh || return 1
	mount -t rnwfs "$dev" "$mnt" || return 1
	local ok=0 before i
	for i in $(seq 1 2000); do
		: >"$mnt/f$i" || { echo "creating f$i failed"; ok=1; break; }
	done
	before=$(dmesg | wc -l)
	umount "$mnt" || return 1
	rmmod rnwfs || ok=1
	insmod "$root/rnwfs.ko" || ok=1
	if dmesg | tail -n +"$((before + 1))" | grep -E "Objects remaining|BUG|WARNING"; then
		ok=1
	fi
	"$fsck" -q "$dev" || ok=1
	return $ok
}

# -o writethrough shows in /proc/mounts while it is on (->show_options), and a remount
# turns it off and on again.
writethrough_option_shown() {
	fresh || return 1
	mount -t rnwfs -o writethrough "$dev" "$mnt" || return 1
	local ok=0
	findmnt -no OPTIONS "$mnt" | grep -qw writethrough || { findmnt "$mnt"; ok=1; }
	mount -o remount,nowritethrough "$mnt" || ok=1
	if findmnt -no OPTIONS "$mnt" | grep -qw writethrough; then
		findmnt "$mnt"
		echo "writethrough still shown after -o remount,nowritethrough"
		ok=1
	fi
	mount -o remount,writethrough "$mnt" || ok=1
	findmnt -no OPTIONS "$mnt" | grep -qw writethrough || { findmnt "$mnt"; ok=1; }
	umount "$mnt" || ok=1
	"$fsck" -q "$dev" || ok=1
	return $ok
}

ktap_plan 21
ktap_result filesystem_type_registered_and_aliased type_registered_and_aliased
ktap_result fresh_filesystem_mounts_read_write_and_lists fresh_mounts_and_lists
ktap_result read_only_mount_refuses_writes_and_remount read_only_mount_refuses_writes
ktap_result unclean_filesystem_mounts_read_only unclean_filesystem_mounts_read_only
ktap_result statfs_matches_mkfs statfs_matches_mkfs
ktap_result corrupt_magic_refused corrupt_magic_refused
ktap_result corrupt_checksum_refused corrupt_checksum_refused
ktap_result foreign_ext4_image_refused foreign_image_refused
ktap_result unknown_option_refused unknown_option_refused
ktap_result writethrough_option_shown_in_proc_mounts writethrough_option_shown
ktap_result crafted_image_reads_back crafted_image_reads_back
ktap_result crafted_root_not_a_directory_refused crafted_root_not_a_directory_refused
ktap_result crafted_superblock_geometry_refused crafted_geometry_refused
ktap_result crafted_unlink_link_count_too_low crafted_unlink_link_count_too_low
ktap_result crafted_rename_over_link_count_too_low crafted_rename_over_link_count_too_low
ktap_result crafted_rmdir_parent_link_count_too_low crafted_rmdir_parent_link_count_too_low
ktap_result crafted_directory_with_one_link_refused crafted_directory_with_one_link_refused
ktap_result crafted_free_counts_stay_mountable crafted_free_counts_stay_mountable
ktap_result power_cut_keeps_fsynced_data power_cut_keeps_fsynced_data
ktap_result rmmod_refused_while_mounted rmmod_refused_while_mounted
ktap_result unload_right_after_many_inodes unload_right_after_many_inodes
rmdir "$mnt"
blkdiscard "$dev"
ktap_exit
