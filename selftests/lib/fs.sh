# SPDX-License-Identifier: GPL-2.0
# Filesystem-generic helpers for the rnwfs_*_test.sh selftests (guest, as root). The tests
# are written for any filesystem and run on the one RNW_FS names (default rnwfs; ext4 and
# xfs are the references they are validated against), on /dev/rnwblk0 (rnwblk loaded with
# default parameters: 1 GiB). Everything that differs between filesystems lives here.
#
#   . lib/ktap.sh; . lib/fs.sh   (with $root set to the repository)
#   fs_init                      once, before ktap_plan's results (probes the filesystem)
#   fs_test NAME FUNC            FUNC as one KTAP result, then the fsck of the unmounted fs
#   fs_test_reload NAME FUNC     the same, or a skip where module reload does not apply
#   fs_done                      once, at the end (unmounts, discards, cleans up)
# RNW_FS_FILTER=REGEX runs only the tests whose names match (the others are skipped).
#
# Inside a test: fs_fresh (new filesystem, mounted at $FS_MNT), fs_remount, fs_reload,
# fs_umount, scratch space in $FS_TMP, and the assertions below. A test must leave the
# filesystem unmounted; fs_test fails it otherwise (and unmounts).

FS_TYPE=${RNW_FS:-rnwfs}
FS_DEV=/dev/rnwblk0
FS_IO=$root/selftests/build/fs_io
FS_MKFS_RNWFS=$root/target/bin/mkfs.rnwfs
FS_FSCK_RNWFS=$root/target/bin/fsck.rnwfs
FS_MNT=
FS_TMP=
FS_BROKEN=	# reason every test fails
fs_loaded_module=0

# ---- per filesystem ------------------------------------------------------------------------

# New filesystem on the (discarded) device.
fs_mkfs() {
	local out
	out=$(blkdiscard -f "$FS_DEV" 2>&1) || { echo "blkdiscard $FS_DEV: $out"; return 1; }
	case $FS_TYPE in
	rnwfs) "$FS_MKFS_RNWFS" -q "$FS_DEV" ;;
	ext4) mkfs.ext4 -q -F "$FS_DEV" ;;
	xfs) mkfs.xfs -q -f "$FS_DEV" ;;
	esac
}

# Check of the unmounted filesystem, changing nothing; 0 if clean (its report is shown
# otherwise).
fs_fsck() {
	local out rc
	case $FS_TYPE in
	rnwfs) out=$("$FS_FSCK_RNWFS" -q "$FS_DEV" 2>&1) ;;
	ext4) out=$(e2fsck -fn "$FS_DEV" 2>&1) ;;
	xfs) out=$(xfs_repair -n "$FS_DEV" 2>&1) ;;
	esac
	rc=$?
	[ "$rc" = 0 ] && return 0
	echo "fsck ($FS_TYPE) exit status $rc:"
	printf '%s\n' "$out" | head -n 40
	return 1
}

# What mkfs puts in the root besides . and .. (ext4: lost+found, which e2fsck wants): tests
# leave it out of root listings and count it in the root's link count (2 + subdirectories).
fs_reserved_names() {
	case $FS_TYPE in
	ext4) echo lost+found ;;
	esac
}
fs_root_nlink() { echo $((2 + $(fs_reserved_names | wc -w))); }

# Longest symlink target (bytes): rnwfs keeps it in one 4 KiB block, ext4 up to PATH_MAX-1,
# XFS below XFS_SYMLINK_MAXLEN (1024).
fs_symlink_max() {
	case $FS_TYPE in
	xfs) echo 1023 ;;
	*) echo 4095 ;;
	esac
}

# Mount options. XFS preallocates speculatively past EOF on extending writes, and a later
# truncate up zeroes those blocks into data: allocsize=4k turns that off, so the tests' exact
# block counts and SEEK_DATA/SEEK_HOLE maps hold on XFS too.
# (FS_MOUNT_EXTRA: more options for this mount, e.g. rnwfs' "-o writethrough".)
fs_mount_opts() {
	case $FS_TYPE in
	xfs) echo -o allocsize=4k ;;
	esac
	echo "${FS_MOUNT_EXTRA:-}"
}

# rename(2) of a directory over a non-empty directory: POSIX allows EEXIST or ENOTEMPTY;
# XFS returns EEXIST.
fs_rename_nonempty_errno() {
	case $FS_TYPE in
	xfs) echo EEXIST ;;
	*) echo ENOTEMPTY ;;
	esac
}

# fallocate modes beyond preallocate, KEEP_SIZE and PUNCH_HOLE that the filesystem
# supports (fs_io names); rnwfs refuses the others with EOPNOTSUPP.
fs_falloc_modes() {
	case $FS_TYPE in
	ext4 | xfs) echo zero collapse insert ;;
	esac
}

# Kernel messages that are about the filesystem under test or its device (an extended
# regex); at warning level or worse they fail the test (fs_log_check).
fs_log_pattern() {
	local own
	case $FS_TYPE in
	rnwfs) own=rnwfs ;;
	ext4) own='EXT4-fs|JBD2' ;;
	xfs) own='XFS' ;;
	esac
	echo "$own|rnwblk0|Page cache invalidation failure"
}

# Module reload (rmmod + insmod between umount and mount) applies to rnwfs only: ext4 and
# xfs are not modules of this project.
fs_can_reload() { [ "$FS_TYPE" = rnwfs ]; }

# ---- mount state ---------------------------------------------------------------------------

fs_mount() {
	mount -t "$FS_TYPE" $(fs_mount_opts) "$FS_DEV" "$FS_MNT" ||
		{ echo "mount -t $FS_TYPE $(fs_mount_opts) $FS_DEV failed"; return 1; }
	if findmnt -no OPTIONS "$FS_MNT" | tr ',' '\n' | grep -qx ro; then
		echo "$FS_TYPE mounted read-only"
		umount "$FS_MNT"
		return 1
	fi
}
fs_umount() { umount "$FS_MNT" || { echo "umount $FS_MNT failed"; return 1; }; }
fs_fresh() { fs_mkfs && fs_mount; }
# Everything from the disk again: unmount (writes back, drops the inodes and page cache),
# mount.
fs_remount() { fs_umount && fs_mount; }
# The same, with the filesystem module unloaded and loaded in between (rnwfs only).
fs_reload() {
	fs_can_reload || { echo "fs_reload: not for $FS_TYPE"; return 1; }
	fs_umount || return 1
	rmmod rnwfs || { echo "rmmod rnwfs failed"; return 1; }
	insmod "$root/rnwfs.ko" || { echo "insmod rnwfs.ko failed"; return 1; }
	fs_mount
}
# Waits (up to 10 s) until CMD prints WANT; for counters a filesystem updates in the
# background after sync (XFS frees unlinked inodes' space from a worker: statfs pushes it
# but does not wait). Prints the last value on failure.
fs_settles_to() {
	local want=$1 got i
	shift
	sync
	for i in $(seq 20); do
		got=$("$@")
		[ "$got" = "$want" ] && return 0
		sleep 0.5
	done
	echo "'$*' gives '$got', expected '$want' (waited 10 s after sync)"
	return 1
}

# ---- the harness ---------------------------------------------------------------------------

# Probes once: the device, the tools, the module, and that a new filesystem mounts
# read-write; if anything of that does not work, every test fails with the reason.
fs_init() {
	FS_MNT=$(mktemp -d /tmp/rnwfs-test-mnt.XXXXXX)
	FS_TMP=$(mktemp -d /tmp/rnwfs-test-tmp.XXXXXX)
	case $FS_TYPE in
	rnwfs | ext4 | xfs) ;;
	*) FS_BROKEN="RNW_FS=$FS_TYPE: not one of rnwfs, ext4, xfs"; return ;;
	esac
	[ -b "$FS_DEV" ] || { FS_BROKEN="$FS_DEV missing: is rnwblk loaded?"; return; }
	[ -x "$FS_IO" ] || { FS_BROKEN="$FS_IO missing: run scripts/build-modules.sh"; return; }
	if [ "$FS_TYPE" = rnwfs ]; then
		[ -x "$FS_MKFS_RNWFS" ] && [ -x "$FS_FSCK_RNWFS" ] ||
			{ FS_BROKEN="mkfs.rnwfs/fsck.rnwfs missing: run scripts/build-tools.sh"; return; }
		if ! grep -q '^rnwfs ' /proc/modules; then
			insmod "$root/rnwfs.ko" || { FS_BROKEN="insmod $root/rnwfs.ko failed"; return; }
			fs_loaded_module=1
		fi
	fi
	local out
	out=$(fs_mkfs 2>&1) || { FS_BROKEN="mkfs ($FS_TYPE) failed: $out"; return; }
	if ! out=$(mount -t "$FS_TYPE" $(fs_mount_opts) "$FS_DEV" "$FS_MNT" 2>&1); then
		FS_BROKEN="a new $FS_TYPE does not mount: $out"
		return
	fi
	findmnt -no OPTIONS "$FS_MNT" | tr ',' '\n' | grep -qx ro && FS_BROKEN="a new $FS_TYPE mounts read-only"
	umount "$FS_MNT"
}

# A start marker in the kernel log (info level), then after the test: no kernel message at
# warning level or worse about the filesystem or its device since the marker, and the
# marker still there (a flood that overwrote it fails the test too).
fs_log_mark() {
	fs_log_marker="rnw-fs-selftest: $1 started ($RANDOM$RANDOM)"
	echo "<6>$fs_log_marker" >/dev/kmsg
}
fs_log_check() {
	local log bad
	log=$(dmesg -r | awk -v m="$fs_log_marker" 'index($0, m) { on = 1 } on')
	if [ -z "$log" ]; then
		echo "FAIL: the kernel log no longer holds the test's start marker: flooded?"
		return 1
	fi
	# Raw lines are <facility * 8 + level>[time] text; the kernel's facility is 0. A test
	# that injects errors names the messages it expects in FS_LOG_EXPECTED (a regex).
	bad=$(awk -F'[<>]' '$2 + 0 <= 4' <<<"$log" | grep -E "$(fs_log_pattern)" |
		grep -vE "${FS_LOG_EXPECTED:-^\$}")
	[ -z "$bad" ] && return 0
	echo "FAIL: the kernel logged $(wc -l <<<"$bad") warning(s) or error(s) during the test:"
	head -n 10 <<<"$bad"
	return 1
}

fs_run() {
	local start=$SECONDS rc=0
	fs_log_mark "$1"
	"$1" || rc=1
	if mountpoint -q "$FS_MNT"; then
		# A failed test may stop anywhere; a passing one must unmount.
		[ "$rc" = 0 ] && echo "FAIL: the test left $FS_MNT mounted"
		rc=1
		umount "$FS_MNT" || return 1
	fi
	fs_log_check || rc=1
	FS_LOG_EXPECTED=
	local fsck_start=$SECONDS
	if fs_fsck; then
		echo "($((SECONDS - start)) s; fsck clean, $((SECONDS - fsck_start)) s)"
	else
		echo "FAIL: fsck after the test"
		rc=1
	fi
	return $rc
}

fs_broken() { echo "$FS_BROKEN"; return 1; }

# RNW_FS_FILTER=REGEX runs only the tests whose names match (the others are skipped).
fs_test() {
	if [ -n "${RNW_FS_FILTER:-}" ] && ! [[ $1 =~ $RNW_FS_FILTER ]]; then
		ktap_skip "$1" "not selected by RNW_FS_FILTER"
	elif [ -n "$FS_BROKEN" ]; then
		ktap_result "$1" fs_broken
	else
		ktap_result "$1" fs_run "$2"
	fi
}

fs_test_reload() {
	if fs_can_reload || [ -n "$FS_BROKEN" ] ||
		{ [ -n "${RNW_FS_FILTER:-}" ] && ! [[ $1 =~ $RNW_FS_FILTER ]]; }; then
		fs_test "$@"
	else
		ktap_skip "$1" "module reload applies to rnwfs only ($FS_TYPE is not a module of this project)"
	fi
}

fs_done() {
	mountpoint -q "$FS_MNT" && umount "$FS_MNT"
	rmdir "$FS_MNT"
	rm -rf "$FS_TMP"
	[ -b "$FS_DEV" ] && blkdiscard -f "$FS_DEV" 2>/dev/null
	[ "$fs_loaded_module" = 1 ] && rmmod rnwfs
	return 0
}

# ---- assertions (print FAIL: ... and return 1) ---------------------------------------------

# check DESCRIPTION CMD...: CMD must succeed.
check() {
	local what=$1
	shift
	"$@" && return 0
	echo "FAIL: $what"
	return 1
}

# check_eq DESCRIPTION GOT WANT
check_eq() {
	[ "$2" = "$3" ] && return 0
	echo "FAIL: $1: got '$2', expected '$3'"
	return 1
}

# check_errno ERRNO OP ARGS...: the system call (fs_io errno OP ARGS) fails with ERRNO
# (ENOENT...) or, with OK, succeeds.
check_errno() {
	local want=$1 got
	shift
	got=$("$FS_IO" errno "$@" 2>&1)
	[ "$got" = "$want" ] && return 0
	echo "FAIL: $*: got $got, expected $want"
	return 1
}

# check_stat DESCRIPTION PATH FORMAT WANT: stat -c FORMAT of PATH (not followed).
check_stat() {
	local got
	got=$(stat -c "$3" "$2" 2>&1)
	check_eq "$1: stat -c '$3' $2" "$got" "$4"
}

# check_pattern DESCRIPTION FILE SEED OFF LEN [READER]: FILE's bytes [OFF, OFF+LEN) are the
# pattern of SEED, read by READER: buffered (default: dd), direct (dd iflag=direct, 4 KiB
# aligned), mmap (fs_io mread).
check_pattern() {
	local what=$1 file=$2 seed=$3 off=$4 len=$5 how=${6:-buffered}
	"$FS_IO" gen "$seed" "$off" "$len" >"$FS_TMP/want" || return 1
	read_range "$file" "$off" "$len" "$how" >"$FS_TMP/got" || { echo "FAIL: $what: $how read of $file"; return 1; }
	cmp "$FS_TMP/got" "$FS_TMP/want" >/dev/null && return 0
	echo "FAIL: $what: $how read of $file [$off, +$len) differs from pattern $seed: $(cmp "$FS_TMP/got" "$FS_TMP/want" 2>&1 | head -n 1)"
	return 1
}

# check_zero DESCRIPTION FILE OFF LEN [READER]: those bytes read as zeros.
check_zero() {
	local what=$1 file=$2 off=$3 len=$4 how=${5:-buffered}
	read_range "$file" "$off" "$len" "$how" >"$FS_TMP/got" || { echo "FAIL: $what: $how read of $file"; return 1; }
	check_eq "$what: $how read of $file [$off, +$len): size" "$(stat -c %s "$FS_TMP/got")" "$len" || return 1
	cmp -n "$len" "$FS_TMP/got" /dev/zero >/dev/null && return 0
	echo "FAIL: $what: $how read of $file [$off, +$len) is not all zeros: $(cmp -n "$len" "$FS_TMP/got" /dev/zero 2>&1 | head -n 1)"
	return 1
}

# read_range FILE OFF LEN READER: the bytes on stdout.
read_range() {
	local file=$1 off=$2 len=$3
	case $4 in
	buffered) dd if="$file" bs=64K iflag=skip_bytes,count_bytes skip="$off" count="$len" status=none ;;
	direct)
		if [ $((off % 4096)) != 0 ] || [ $((len % 4096)) != 0 ]; then
			echo "read_range: direct reads must be 4 KiB-aligned" >&2
			return 1
		fi
		dd if="$file" bs=1M iflag=direct,skip_bytes,count_bytes skip="$off" count="$len" status=none ;;
	mmap) "$FS_IO" mread "$file" "$off" "$len" ;;
	*) echo "read_range: unknown reader $4" >&2; return 1 ;;
	esac
}

# write_range FILE OFF LEN SEED WRITER: the pattern written by WRITER: buffered (dd),
# direct (dd oflag=direct, 4 KiB-aligned), mmap (fs_io mwrite: the file must be large
# enough). The file is created if missing and never truncated.
write_range() {
	local file=$1 off=$2 len=$3 seed=$4
	case $5 in
	buffered)
		"$FS_IO" gen "$seed" "$off" "$len" |
			dd of="$file" bs=64K iflag=fullblock oflag=seek_bytes seek="$off" conv=notrunc status=none ;;
	direct)
		if [ $((off % 4096)) != 0 ] || [ $((len % 4096)) != 0 ]; then
			echo "write_range: direct writes must be 4 KiB-aligned" >&2
			return 1
		fi
		"$FS_IO" gen "$seed" "$off" "$len" |
			dd of="$file" bs=1M iflag=fullblock oflag=direct,seek_bytes seek="$off" conv=notrunc status=none ;;
	mmap) "$FS_IO" mwrite "$file" "$off" "$len" "$seed" ;;
	*) echo "write_range: unknown writer $5" >&2; return 1 ;;
	esac
}

# SEEK_DATA/SEEK_HOLE map of FILE from offset 0 as "DATA 0 HOLE 4096 ..." (xfs_io seek -a).
seek_map() { xfs_io -r -c 'seek -a -r 0' "$1" | awk 'NR > 1 { printf "%s%s %s", sep, $1, $2; sep = " " }'; }

# statfs figures: free blocks in bytes, free inodes.
free_bytes() { stat -f -c '%f %S' "$FS_MNT" | awk '{ print $1 * $2 }'; }
free_inodes() { stat -f -c %d "$FS_MNT"; }
