#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# File data on a read-write filesystem (in the guest, on rnwblk0): patterns written with one
# method (buffered, O_DIRECT, mmap) and read back with the others, before and after
# umount/mount; sparse files and SEEK_DATA/SEEK_HOLE; truncate; fallocate (preallocate,
# keep size, punch hole, other modes); fsync/fdatasync/O_DSYNC reaching the device; small
# files written just before umount; a 64 MiB file; and all of it across remount (and, for
# rnwfs, a module reload).
#
# Filesystem-generic: RNW_FS=rnwfs (default), ext4 or xfs (lib/fs.sh holds what differs).
# Each test makes a new filesystem and leaves it unmounted; fsck must find it clean.
# Patterns come from selftests/build/fs_io (bytes are a function of seed and file offset).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib/ktap.sh"
. "$here/lib/fs.sh"
export LC_ALL=C
umask 022
K=1024
M=$((1024 * 1024))

# check_all DESCRIPTION FILE SEED OFF LEN READERS...: the pattern through every reader.
check_all() {
	local what=$1 file=$2 seed=$3 off=$4 len=$5 how
	shift 5
	for how in "$@"; do
		check_pattern "$what" "$file" "$seed" "$off" "$len" "$how" || return 1
	done
}
# zero_all DESCRIPTION FILE OFF LEN READERS...
zero_all() {
	local what=$1 file=$2 off=$3 len=$4 how
	shift 4
	for how in "$@"; do
		check_zero "$what" "$file" "$off" "$len" "$how" || return 1
	done
}
# same_as DESCRIPTION FILE EXPECTED READERS...: FILE's whole contents through each reader
# (direct: the 4 KiB-aligned prefix) equal the file EXPECTED.
same_as() {
	local what=$1 file=$2 want=$3 how size len
	shift 3
	size=$(stat -c %s "$file")
	check_eq "$what: size" "$size" "$(stat -c %s "$want")" || return 1
	for how in "$@"; do
		len=$size
		[ "$how" = direct ] && len=$((size / 4096 * 4096))
		read_range "$file" 0 "$len" "$how" >"$FS_TMP/got" || { echo "FAIL: $what: $how read"; return 1; }
		if ! cmp -n "$len" "$FS_TMP/got" "$want" >/dev/null || [ "$(stat -c %s "$FS_TMP/got")" != "$len" ]; then
			echo "FAIL: $what: $how read differs: $(cmp -n "$len" "$FS_TMP/got" "$want" 2>&1 | head -n 1)"
			return 1
		fi
	done
}
blocks() { stat -c %b "$1"; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }

t_buffered() {
	local f=$FS_MNT/buffered g=$FS_MNT/small
	fs_fresh || return 1
	write_range "$f" 0 $((4 * M)) 11 buffered || return 1
	write_range "$g" 0 10000 12 buffered || return 1
	check_all "4 MiB written buffered" "$f" 11 0 $((4 * M)) buffered direct mmap || return 1
	check_all "10000 bytes written buffered" "$g" 12 0 10000 buffered mmap || return 1
	check_all "its first 8 KiB" "$g" 12 0 8192 direct || return 1
	sync
	check_stat "sizes and blocks" "$f" '%s|%b' "$((4 * M))|8192" || return 1
	check_stat "sizes and blocks" "$g" '%s|%b' "10000|24" || return 1
	fs_remount || return 1
	check_all "after remount" "$f" 11 0 $((4 * M)) direct buffered mmap || return 1
	check_all "after remount" "$g" 12 0 10000 mmap buffered || return 1
	check_stat "after remount: size and blocks" "$g" '%s|%b' "10000|24" || return 1
	fs_umount
}

t_direct() {
	local f=$FS_MNT/direct
	fs_fresh || return 1
	# Extending direct writes into a new file, then one past a hole.
	write_range "$f" 0 $((4 * M)) 13 direct || return 1
	write_range "$f" $((8 * M)) $M 14 direct || return 1
	check_stat "size" "$f" '%s|%b' "$((9 * M))|$((5 * 2048))" || return 1
	check_all "written with O_DIRECT" "$f" 13 0 $((4 * M)) buffered mmap direct || return 1
	check_all "written with O_DIRECT past a hole" "$f" 14 $((8 * M)) $M buffered mmap direct || return 1
	zero_all "the hole" "$f" $((4 * M)) $((4 * M)) buffered mmap direct || return 1
	# An O_DIRECT overwrite of cached data: buffered and mmap readers see the new data.
	write_range "$f" $M $((64 * K)) 15 direct || return 1
	check_all "direct overwrite of cached data" "$f" 15 $M $((64 * K)) buffered mmap || return 1
	check_eq "seek map" "$(seek_map "$f")" "DATA 0 HOLE $((4 * M)) DATA $((8 * M)) HOLE $((9 * M))" || return 1
	fs_remount || return 1
	check_all "after remount" "$f" 13 0 $M direct buffered mmap || return 1
	check_all "after remount" "$f" 15 $M $((64 * K)) direct buffered mmap || return 1
	check_all "after remount" "$f" 13 $((M + 64 * K)) $((3 * M - 64 * K)) direct buffered || return 1
	check_all "after remount" "$f" 14 $((8 * M)) $M buffered direct mmap || return 1
	zero_all "after remount: the hole" "$f" $((4 * M)) $((4 * M)) direct buffered || return 1
	check_eq "after remount: seek map" "$(seek_map "$f")" "DATA 0 HOLE $((4 * M)) DATA $((8 * M)) HOLE $((9 * M))" || return 1
	fs_umount
}

t_mmap() {
	local f=$FS_MNT/mapped g=$FS_MNT/prealloc h=$FS_MNT/tail
	fs_fresh || return 1
	# Page faults into a sparse file allocate.
	truncate -s $((4 * M)) "$f" || return 1
	write_range "$f" 0 $((4 * M)) 16 mmap || return 1
	check_all "written through mmap into holes" "$f" 16 0 $((4 * M)) buffered direct || return 1
	check_stat "size and blocks" "$f" '%s|%b' "$((4 * M))|8192" || return 1
	# Into preallocated (unwritten) space.
	xfs_io -f -c "falloc 0 $M" "$g" || return 1
	write_range "$g" 4096 8192 17 mmap || return 1
	check_all "written through mmap into preallocated space" "$g" 17 4096 8192 buffered direct || return 1
	zero_all "around it" "$g" 0 4096 buffered direct || return 1
	zero_all "around it" "$g" 12288 $((M - 12288)) buffered direct || return 1
	# Past EOF inside the last page: not part of the file, even when it grows later.
	write_range "$h" 0 10000 18 buffered || return 1
	write_range "$h" 5000 7288 19 mmap || return 1
	check_stat "size after writing past EOF through mmap" "$h" '%s' 10000 || return 1
	check_all "mmap write below EOF" "$h" 19 5000 5000 buffered || return 1
	truncate -s 16384 "$h" || return 1
	zero_all "what mmap wrote past the old EOF" "$h" 10000 6384 buffered mmap || return 1
	fs_remount || return 1
	check_all "after remount" "$f" 16 0 $((4 * M)) direct mmap || return 1
	check_all "after remount" "$g" 17 4096 8192 direct mmap || return 1
	zero_all "after remount" "$g" 12288 $((M - 12288)) direct mmap || return 1
	check_all "after remount" "$h" 18 0 5000 buffered mmap || return 1
	check_all "after remount" "$h" 19 5000 5000 buffered mmap || return 1
	zero_all "after remount" "$h" 10000 6384 buffered mmap || return 1
	fs_umount
}

# Buffered and O_DIRECT I/O on one file stay coherent: direct reads see dirty cached
# data, buffered reads see direct writes; the expected contents are built in $FS_TMP.
t_mixed() {
	local f=$FS_MNT/mixed e=$FS_TMP/expected
	fs_fresh || return 1
	rm -f "$e"
	mix() { write_range "$f" "$@" && write_range "$e" "${@:1:3}" buffered; }
	mix 0 $((256 * K)) 20 direct || return 1
	mix 8192 16384 21 buffered || return 1
	same_as "buffered write over direct data, read" "$f" "$e" direct mmap buffered || return 1
	mix 16384 8192 22 direct || return 1
	same_as "direct write over cached data, read" "$f" "$e" buffered mmap direct || return 1
	mix 100 50 23 buffered || return 1
	mix $((256 * K)) $((64 * K)) 24 direct || return 1
	mix $((320 * K - 10)) 30 25 buffered || return 1
	mix $((128 * K)) 4096 26 mmap || return 1
	same_as "after an unaligned buffered write, a direct append, an unaligned extension, an mmap write" \
		"$f" "$e" direct buffered mmap || return 1
	fs_remount || return 1
	same_as "after remount" "$f" "$e" direct buffered mmap || return 1
	fs_umount
}

t_sparse() {
	local f=$FS_MNT/sparse map
	fs_fresh || return 1
	write_range "$f" 0 4096 30 buffered || return 1
	write_range "$f" $M 8192 31 buffered || return 1
	write_range "$f" $((3 * M + 100)) 50 32 buffered || return 1
	truncate -s $((5 * M)) "$f" || return 1
	map="DATA 0 HOLE 4096 DATA $M HOLE $((M + 8192)) DATA $((3 * M)) HOLE $((3 * M + 4096))"
	check_eq "seek map of dirty data" "$(seek_map "$f")" "$map" || return 1
	zero_all "holes" "$f" 4096 $((M - 4096)) buffered mmap || return 1
	zero_all "the rest of a partly written block" "$f" $((3 * M)) 100 buffered mmap || return 1
	zero_all "the tail" "$f" $((3 * M + 150)) $((2 * M - 150)) buffered mmap || return 1
	sync
	check_eq "seek map after sync" "$(seek_map "$f")" "$map" || return 1
	check_stat "size and blocks (4 blocks written)" "$f" '%s|%b' "$((5 * M))|32" || return 1
	fs_remount || return 1
	check_eq "after remount: seek map" "$(seek_map "$f")" "$map" || return 1
	check_stat "after remount: size and blocks" "$f" '%s|%b' "$((5 * M))|32" || return 1
	check_all "after remount" "$f" 30 0 4096 direct buffered || return 1
	check_all "after remount" "$f" 31 $M 8192 direct mmap || return 1
	check_all "after remount" "$f" 32 $((3 * M + 100)) 50 buffered mmap || return 1
	zero_all "after remount: holes" "$f" 4096 $((M - 4096)) direct buffered || return 1
	zero_all "after remount: partly written block" "$f" $((3 * M)) 100 buffered || return 1
	zero_all "after remount: tail" "$f" $((3 * M + 4096)) $((2 * M - 4096)) direct mmap || return 1
	fs_umount
}

t_truncate() {
	local f=$FS_MNT/trunc g=$FS_MNT/synced e=$FS_TMP/expected
	fs_fresh || return 1
	"$FS_IO" gen 40 0 5000 >"$e" && truncate -s 20000 "$e" || return 1
	# Shrink into a block, grow: zeros past the old size, in the page cache...
	write_range "$f" 0 10000 40 buffered || return 1
	truncate -s 5000 "$f" || return 1
	check_stat "shrunk to 5000" "$f" '%s' 5000 || return 1
	truncate -s 20000 "$f" || return 1
	same_as "shrunk to 5000, grown to 20000" "$f" "$e" buffered mmap direct || return 1
	# ... and on disk: data written back, shrunk, remounted, grown.
	write_range "$g" 0 10000 40 buffered && sync || return 1
	truncate -s 5000 "$g" || return 1
	fs_remount || return 1
	truncate -s 20000 "$g" || return 1
	same_as "written back, shrunk, remounted, grown" "$g" "$e" direct buffered mmap || return 1
	sync
	check_stat "blocks (2 blocks of data, the growth sparse)" "$g" '%s|%b' "20000|16" || return 1
	# Shrinking frees blocks; on a block boundary too.
	write_range "$f" 0 $M 41 buffered && sync || return 1
	check_stat "1 MiB" "$f" '%b' 2048 || return 1
	truncate -s 8192 "$f" && sync || return 1
	check_stat "shrunk to 8 KiB" "$f" '%s|%b' "8192|16" || return 1
	truncate -s $M "$f" || return 1
	zero_all "grown again" "$f" 8192 $((M - 8192)) buffered direct || return 1
	check_all "the kept part" "$f" 41 0 8192 buffered direct || return 1
	fs_remount || return 1
	same_as "after remount" "$g" "$e" buffered direct || return 1
	check_all "after remount" "$f" 41 0 8192 direct mmap || return 1
	zero_all "after remount" "$f" 8192 $((M - 8192)) direct mmap || return 1
	check_stat "after remount" "$f" '%s|%b' "$M|16" || return 1
	truncate -s 0 "$f" || return 1
	check_stat "truncated to 0" "$f" '%s|%b' "0|0" || return 1
	fs_umount
}

t_falloc_default() {
	local f=$FS_MNT/falloc
	fs_fresh || return 1
	xfs_io -f -c "falloc 0 $M" "$f" || return 1
	check_stat "preallocated 1 MiB" "$f" '%s|%b' "$M|2048" || return 1
	zero_all "preallocated space" "$f" 0 $M buffered direct mmap || return 1
	write_range "$f" $((64 * K)) 8192 50 buffered || return 1
	check_all "data written into it" "$f" 50 $((64 * K)) 8192 buffered direct || return 1
	zero_all "around it" "$f" 0 $((64 * K)) direct mmap || return 1
	zero_all "around it" "$f" $((72 * K)) $((M - 72 * K)) buffered direct || return 1
	# Past EOF, leaving a hole; over existing data, which stays.
	xfs_io -c "falloc $((2 * M)) $M" -c "falloc $((60 * K)) $((16 * K))" "$f" || return 1
	sync
	check_stat "preallocated past EOF" "$f" '%s|%b' "$((3 * M))|4096" || return 1
	check_all "data under a second falloc" "$f" 50 $((64 * K)) 8192 buffered direct || return 1
	zero_all "the hole and the new space" "$f" $M $((2 * M)) buffered direct || return 1
	fs_remount || return 1
	check_stat "after remount" "$f" '%s|%b' "$((3 * M))|4096" || return 1
	check_all "after remount" "$f" 50 $((64 * K)) 8192 direct mmap || return 1
	zero_all "after remount" "$f" 0 $((64 * K)) direct buffered || return 1
	zero_all "after remount" "$f" $((72 * K)) $((3 * M - 72 * K)) direct || return 1
	fs_umount
}

t_falloc_keep_size() {
	local f=$FS_MNT/keep
	fs_fresh || return 1
	write_range "$f" 0 8192 51 buffered || return 1
	xfs_io -c "falloc -k 8192 $M" "$f" || return 1
	sync
	check_stat "KEEP_SIZE: size kept, blocks added" "$f" '%s|%b' "8192|$((16 + 2048))" || return 1
	check_eq "reads stop at EOF" "$(cat "$f" | wc -c)" 8192 || return 1
	fs_remount || return 1
	check_stat "after remount" "$f" '%s|%b' "8192|$((16 + 2048))" || return 1
	check_all "after remount" "$f" 51 0 8192 direct buffered || return 1
	truncate -s $((M + 8192)) "$f" || return 1
	check_stat "grown over the preallocation" "$f" '%s|%b' "$((M + 8192))|$((16 + 2048))" || return 1
	zero_all "the preallocation" "$f" 8192 $M buffered direct mmap || return 1
	write_range "$f" $((512 * K)) 4096 52 direct || return 1
	fs_remount || return 1
	check_all "after remount" "$f" 52 $((512 * K)) 4096 buffered direct || return 1
	zero_all "after remount" "$f" 8192 $((504 * K)) direct || return 1
	zero_all "after remount" "$f" $((516 * K)) $((M + 8192 - 516 * K)) direct buffered || return 1
	check_stat "after remount" "$f" '%s|%b' "$((M + 8192))|$((16 + 2048))" || return 1
	fs_umount
}

t_punch() {
	local f=$FS_MNT/punch e=$FS_TMP/expected map
	fs_fresh || return 1
	write_range "$f" 0 $M 53 buffered && sync || return 1
	"$FS_IO" gen 53 0 $M >"$e" || return 1
	check_stat "1 MiB" "$f" '%b' 2048 || return 1
	# Aligned: blocks freed, a hole.
	xfs_io -c "fpunch $((256 * K)) $((64 * K))" "$f" || return 1
	dd if=/dev/zero of="$e" bs=1K seek=256 count=64 conv=notrunc status=none
	sync
	check_stat "64 KiB punched" "$f" '%s|%b' "$M|$((2048 - 128))" || return 1
	same_as "after an aligned punch" "$f" "$e" buffered direct mmap || return 1
	map="DATA 0 HOLE $((256 * K)) DATA $((320 * K)) HOLE $M"
	check_eq "seek map" "$(seek_map "$f")" "$map" || return 1
	# Unaligned [1000, 10000): bytes zeroed, the one block inside freed.
	xfs_io -c "fpunch 1000 9000" "$f" || return 1
	dd if=/dev/zero of="$e" bs=1 seek=1000 count=9000 conv=notrunc status=none
	sync
	check_stat "unaligned punch frees the block it covers" "$f" '%s|%b' "$M|$((2048 - 128 - 8))" || return 1
	same_as "after an unaligned punch" "$f" "$e" direct buffered mmap || return 1
	# Over dirty cached data; past EOF (size kept).
	write_range "$f" $((512 * K)) $((64 * K)) 54 buffered && write_range "$e" $((512 * K)) $((64 * K)) 54 buffered || return 1
	xfs_io -c "fpunch $((520 * K)) 8192" -c "fpunch $((2 * M)) $M" "$f" || return 1
	dd if=/dev/zero of="$e" bs=1K seek=520 count=8 conv=notrunc status=none
	same_as "after a punch of dirty data and one past EOF" "$f" "$e" direct mmap buffered || return 1
	sync
	check_stat "after the punch of dirty data" "$f" '%s|%b' "$M|$((2048 - 128 - 8 - 16))" || return 1
	fs_remount || return 1
	same_as "after remount" "$f" "$e" direct buffered mmap || return 1
	check_stat "after remount" "$f" '%s|%b' "$M|$((2048 - 128 - 8 - 16))" || return 1
	check_eq "after remount: seek map" "$(seek_map "$f")" \
		"DATA 0 HOLE 4096 DATA 8192 HOLE $((256 * K)) DATA $((320 * K)) HOLE $((520 * K)) DATA $((528 * K)) HOLE $M" || return 1
	fs_umount
}

# A punch whose ends fall on block boundaries, over data only the device holds (written
# with O_DIRECT: nothing cached): the blocks next to the hole keep their data. A zero-length
# zeroing at such an edge once made a folio for the next block that was marked uptodate and
# dirty without being filled, so writeback put uninitialised memory over the file's data.
t_punch_block_edges() {
	local f=$FS_MNT/edges e=$FS_TMP/expected
	fs_fresh || return 1
	write_range "$f" 0 $((64 * K)) 56 direct || return 1
	"$FS_IO" gen 56 0 $((64 * K)) >"$e" || return 1
	# [16K, 20K): both ends aligned. [1000, 8K): the end aligned. [36K, 40K+100): the start.
	xfs_io -c "fpunch $((16 * K)) 4096" -c "fpunch 1000 $((8 * K - 1000))" \
		-c "fpunch $((36 * K)) $((4 * K + 100))" "$f" || return 1
	dd if=/dev/zero of="$e" bs=1K seek=16 count=4 conv=notrunc status=none
	dd if=/dev/zero of="$e" bs=1 seek=1000 count=$((8 * K - 1000)) conv=notrunc status=none
	dd if=/dev/zero of="$e" bs=1 seek=$((36 * K)) count=$((4 * K + 100)) conv=notrunc status=none
	same_as "after punches with aligned edges" "$f" "$e" direct buffered mmap || return 1
	fs_remount || return 1
	same_as "after remount" "$f" "$e" direct buffered mmap || return 1
	fs_umount
}

# fstests' fsx found this sequence (O_DIRECT, as generic/617 runs fsx): shrink, preallocate
# past the new EOF with KEEP_SIZE, punch up to the (aligned) EOF, grow over the
# preallocation. The grown part must read as zeros. Clean page cache is dropped first so
# that new folios are likely to come from recycled pages with data in them.
t_grow_over_preallocation() {
	local f=$FS_MNT/regrow s=$FS_MNT/scratch
	fs_fresh || return 1
	xfs_io -f -c "pwrite -q -S 0xaa 0 $((4 * M))" -c fsync -c "fadvise -d 0 $((4 * M))" "$s" || return 1
	xfs_io -f -d -c "pwrite -q -S 0x55 0 0x91000" -c "truncate 0x53000" \
		-c "falloc -k 0x43afd 0x1b1da" -c "pwrite -q -S 0x66 0x47000 0xc000" \
		-c "fpunch 0x462ce 0xcd32" -c "truncate 0x89000" "$f" || return 1
	check_stat "size" "$f" '%s' $((0x89000)) || return 1
	zero_all "punched, then grown over preallocated blocks" "$f" $((0x462ce)) $((0x89000 - 0x462ce)) buffered mmap || return 1
	zero_all "grown over preallocated blocks" "$f" $((0x53000)) $((0x89000 - 0x53000)) direct || return 1
	check_eq "the kept part" "$(head -c $((0x462ce)) "$f" | tr -d '\125' | wc -c)" 0 || return 1
	fs_remount || return 1
	zero_all "after remount" "$f" $((0x47000)) $((0x89000 - 0x47000)) direct buffered || return 1
	fs_umount
}

# ZERO_RANGE, COLLAPSE_RANGE, INSERT_RANGE: exactly those the filesystem supports
# (fs_falloc_modes) work, with their semantics; the others fail with EOPNOTSUPP and change
# nothing.
t_falloc_modes() {
	local f=$FS_MNT/modes e=$FS_TMP/expected mode got supported
	fs_fresh || return 1
	supported=" $(fs_falloc_modes) "
	for mode in zero collapse insert; do
		rm -f "$f" "$e.new" && write_range "$f" 0 $M 55 buffered || return 1
		"$FS_IO" gen 55 0 $M >"$e" || return 1
		got=$("$FS_IO" errno fallocate "$f" "$mode" $((64 * K)) $((64 * K)))
		if [[ $supported != *" $mode "* ]]; then
			check_eq "fallocate $mode (not supported by $FS_TYPE)" "$got" EOPNOTSUPP || return 1
		else
			check_eq "fallocate $mode" "$got" OK || return 1
			case $mode in
			zero) dd if=/dev/zero of="$e" bs=1K seek=64 count=64 conv=notrunc status=none ;;
			collapse) { head -c $((64 * K)) "$e"; tail -c +$((128 * K + 1)) "$e"; } >"$e.new" ;;
			insert) { head -c $((64 * K)) "$e"; head -c $((64 * K)) /dev/zero; tail -c +$((64 * K + 1)) "$e"; } >"$e.new" ;;
			esac
			[ -f "$e.new" ] && mv "$e.new" "$e"
		fi
		same_as "after fallocate $mode" "$f" "$e" buffered direct || return 1
		fs_remount || return 1
		same_as "after fallocate $mode and remount" "$f" "$e" direct mmap || return 1
	done
	fs_umount
}

# After fsync, fdatasync or an O_DSYNC write returns, the data is on the device (found by
# scanning it with O_DIRECT; the filesystem still mounted).
t_fsync() {
	local m=$FS_MNT f=$FS_MNT/synced n
	fs_fresh || return 1
	write_range "$f" 0 $((256 * K)) 60 buffered || return 1
	check "fsync" sync "$f" || return 1
	check_eq "after fsync: blocks on the device" "$("$FS_IO" devfind "$FS_DEV" 60 0 $((256 * K)))" 64 || return 1
	write_range "$f" $((64 * K)) $((64 * K)) 61 buffered || return 1
	check "fdatasync" sync -d "$f" || return 1
	check_eq "after fdatasync: overwritten blocks on the device" \
		"$("$FS_IO" devfind "$FS_DEV" 61 $((64 * K)) $((64 * K)))" 16 || return 1
	"$FS_IO" gen 62 0 $((128 * K)) | dd of="$m/dsync" bs=64K oflag=dsync status=none || return 1
	check_eq "after O_DSYNC writes: blocks on the device" "$("$FS_IO" devfind "$FS_DEV" 62 0 $((128 * K)))" 32 || return 1
	mkdir "$m/d" && touch "$m/d/x" || return 1
	check "fsync of a directory" sync "$m/d" || return 1
	check "syncfs" sync -f "$m" || return 1
	fs_remount || return 1
	check_all "after remount" "$f" 60 0 $((64 * K)) direct || return 1
	check_all "after remount" "$f" 61 $((64 * K)) $((64 * K)) direct || return 1
	check_all "after remount" "$f" 60 $((128 * K)) $((128 * K)) direct || return 1
	check_all "after remount" "$m/dsync" 62 0 $((128 * K)) direct || return 1
	fs_umount
}

# A small file written just before a clean umount keeps its data: 40 rounds of write, stat,
# umount, mount, then every file so far read back (the inode update that makes new data
# readable, e.g. an unwritten extent becoming written, can race umount's writeback).
t_write_then_umount() {
	local m=$FS_MNT i j line
	fs_fresh || return 1
	for ((i = 1; i <= 40; i++)); do
		printf 'round %d\n' "$i" >"$m/f$i" && stat "$m/f$i" >/dev/null || return 1
		fs_remount || return 1
		for ((j = 1; j <= i; j++)); do
			line=
			read -r line <"$m/f$j"
			[ "$line" = "round $j" ] && continue
			echo "FAIL: f$j, written just before umount $j, reads '$line' after umount $i"
			return 1
		done
	done
	fs_umount
}

t_large() {
	local f=$FS_MNT/large size=$((64 * M)) want b
	fs_fresh || return 1
	want=$("$FS_IO" gen 70 0 $size | sha256sum | cut -d' ' -f1)
	"$FS_IO" gen 70 0 $size | dd of="$f" bs=1M iflag=fullblock status=none || return 1
	check_eq "sha256, buffered read" "$(sha "$f")" "$want" || return 1
	check_eq "sha256, direct read" "$(dd if="$f" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1)" "$want" || return 1
	sync
	b=$(blocks "$f")
	check "blocks: $b, the data's $((size / 512)) plus at most 64 KiB of mapping metadata" \
		eval '[ "$b" -ge $((size / 512)) ] && [ "$b" -le $((size / 512 + 128)) ]' || return 1
	fs_remount || return 1
	check_stat "after remount" "$f" '%s|%b' "$size|$b" || return 1
	check_eq "after remount: sha256, direct read" "$(dd if="$f" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1)" "$want" || return 1
	check_eq "after remount: sha256, buffered read" "$(sha "$f")" "$want" || return 1
	check_all "after remount: a middle stretch through mmap" "$f" 70 $((30 * M)) $((2 * M)) mmap || return 1
	fs_umount
}

# Files made every way above; sizes, blocks, seek maps and checksums must survive $1
# (fs_remount or fs_reload).
make_files() {
	local m=$FS_MNT
	write_range "$m/buffered" 0 $((3 * M + 123)) 80 buffered || return 1
	write_range "$m/direct" 0 $((2 * M)) 81 direct || return 1
	truncate -s $((2 * M)) "$m/mmap" && write_range "$m/mmap" 0 $((2 * M)) 82 mmap || return 1
	write_range "$m/sparse" $((5 * M)) 4096 83 buffered && truncate -s $((7 * M)) "$m/sparse" || return 1
	xfs_io -f -c "falloc -k 0 $M" -c "pwrite -q -S 0x5a 4096 4096" "$m/keep" || return 1
	write_range "$m/punched" 0 $M 84 buffered && xfs_io -c "fpunch 4096 $((128 * K))" "$m/punched" || return 1
	write_range "$m/trunc" 0 10000 85 buffered && truncate -s 6000 "$m/trunc" && truncate -s 9000 "$m/trunc" || return 1
	sync
}
data_manifest() {
	local f
	for f in "$FS_MNT"/*; do
		[ -f "$f" ] || continue
		echo "$(basename "$f") $(stat -c '%s %b' "$f") $(seek_map "$f") $(sha "$f")"
	done
}
persistence() {
	fs_fresh || return 1
	make_files || return 1
	data_manifest >"$FS_TMP/before" || return 1
	"$1" || return 1
	data_manifest >"$FS_TMP/after" || return 1
	if ! cmp -s "$FS_TMP/before" "$FS_TMP/after"; then
		echo "FAIL: files changed across $1:"
		diff "$FS_TMP/before" "$FS_TMP/after"
		return 1
	fi
	cat "$FS_TMP/after"
	fs_umount
}
t_persist_remount() { persistence fs_remount; }
t_persist_reload() { persistence fs_reload; }

fs_init
ktap_plan 17
fs_test buffered_write_read_direct_and_mmap t_buffered
fs_test direct_write_read_buffered_and_mmap t_direct
fs_test mmap_write_holes_prealloc_and_past_eof t_mmap
fs_test buffered_and_direct_mixed_on_one_file t_mixed
fs_test sparse_file_holes_and_seek_data_hole t_sparse
fs_test truncate_shrink_then_grow_reads_zeros t_truncate
fs_test fallocate_preallocate t_falloc_default
fs_test fallocate_keep_size t_falloc_keep_size
fs_test fallocate_punch_hole t_punch
fs_test punch_on_block_edges_keeps_neighbours t_punch_block_edges
fs_test grow_over_preallocation_past_eof_reads_zeros t_grow_over_preallocation
fs_test fallocate_other_modes_exact_or_eopnotsupp t_falloc_modes
fs_test fsync_fdatasync_dsync_reach_the_device t_fsync
fs_test small_file_written_just_before_umount_kept t_write_then_umount
fs_test file_of_64_mib t_large
fs_test files_persist_across_remount t_persist_remount
fs_test_reload files_persist_across_module_reload t_persist_reload
fs_done
ktap_exit
