#!/usr/bin/env bash
# Runs in the guest for `make run`: make an rnwblk device and show nowait I/O at work with
# xfs_io (Debian's xfsprogs): EAGAIN where the device would block, success where it would not.
set -euo pipefail
cd "$(dirname "$0")/.."
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug

say() { printf '\n### %s\n' "$*"; }
dbg=/sys/kernel/debug/rnwblk/rnwblk0
# pwrite -N (RWF_NOWAIT, needs -V 1 for pwritev2) with O_DIRECT; prints the outcome.
nowait_write() {
	if out=$(xfs_io -d -c "pwrite -N -V 1 $1 4096" /dev/rnwblk0 2>&1); then
		echo "nowait write at $1: ok ($(grep -o 'wrote [0-9/]* bytes' <<<"$out"))"
	else
		echo "nowait write at $1: $out"
	fi
}

# preadv2(RWF_NOWAIT) of the first 4 KiB (this xfs_io's pread has no -N).
nowait_read() {
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
try:
    print("nowait read: %d bytes" % os.preadv(fd, [bytearray(4096)], 0, os.RWF_NOWAIT))
except BlockingIOError:
    print("nowait read: EAGAIN (not cached)")' "$1"
}

say "load rnwblk: one 1 GiB sparse device, softirq completions, one poll queue"
insmod rnwblk.ko
lsblk /dev/rnwblk0
cat "$dbg/config"

say "a nowait write to never-written space needs a backing page: EAGAIN, nothing waits"
nowait_write 0
say "a blocking write allocates the page; now the same nowait write succeeds"
xfs_io -d -c "pwrite 0 4096" /dev/rnwblk0 | head -1
nowait_write 0

say "inject congestion: nowait I/O fails fast, blocking I/O is still served (by the worker)"
echo 1 >"$dbg/congested"
nowait_write 0
xfs_io -d -c "pwrite 0 4096" /dev/rnwblk0 | head -1
echo 0 >"$dbg/congested"

say "counters"
cat "$dbg/counters"

say "make an rnwfs on the device, mount it, keep some files on it"
blkdiscard -f /dev/rnwblk0
target/bin/mkfs.rnwfs -L demo /dev/rnwblk0
insmod rnwfs.ko
mnt=$(mktemp -d)
mount -t rnwfs /dev/rnwblk0 "$mnt"
findmnt -no SOURCE,FSTYPE,OPTIONS "$mnt"
mkdir "$mnt/docs"
cp README.md "$mnt/docs/"
ln -s docs/README.md "$mnt/readme"
xfs_io -f -c "pwrite -S 0x5a 0 8m" -c fsync "$mnt/data" | head -1
ls -la "$mnt" "$mnt/docs"
df -h "$mnt" | tail -1

say "nowait on rnwfs: cached data is served, a miss is EAGAIN, the blocking retry reads it"
xfs_io -c "fadvise -d 0 8m" "$mnt/data"
nowait_read "$mnt/data"
xfs_io -c "pread 0 4096" "$mnt/data" | head -1
nowait_read "$mnt/data"
say "a nowait append needing new blocks is EAGAIN; an overwrite is not"
xfs_io -c "pwrite -N -V 1 8m 4096" "$mnt/data" 2>&1 | head -1 || true
xfs_io -c "pwrite -N -V 1 0 4096" "$mnt/data" | head -1

say "a nowait write while another task holds the file's i_rwsem (its 64 MiB write in progress): EAGAIN, not a wait"
python3 -c 'import os, sys, threading
fd = os.open(sys.argv[1], os.O_RDWR)
big = threading.Thread(target=os.pwrite, args=(fd, bytes(64 << 20), 16 << 20))
big.start()
outcome = "the big write ended first: no contention seen"
while big.is_alive():
    try:
        os.pwritev(fd, [bytes(4096)], 0, os.RWF_NOWAIT)
    except BlockingIOError:
        outcome = "nowait write during the big one: EAGAIN (i_rwsem held)"
        break
big.join()
os.pwritev(fd, [bytes(4096)], 0, os.RWF_NOWAIT)
print(outcome + "; after it: the same nowait write succeeds")' "$mnt/data"

say "the file's nowait counters (rnwfsctl, RNWFS_IOC_NOWAIT_STATS), then the filesystem's"
target/bin/rnwfsctl stats "$mnt/data" | grep -v ' 0$'
target/bin/rnwfsctl stats -f "$mnt" | grep -v ' 0$'
echo "(an event loop that tries nowait reads first only where these counters say they hit:"
echo " target/bin/rnw-pool-bench, benchmarked by scripts/bench-pool.sh)"

say "writethrough: buffered writes that are on the device when they complete"
target/bin/rnwfsctl writethrough "$mnt/data" on
xfs_io -c "pwrite -S 0x77 0 64k" "$mnt/data" | head -1
fio --name=wt --filename="$mnt/data" --ioengine=libaio --iodepth=8 --rw=randwrite --bs=4k \
	--size=1M --verify=crc32c --verify_state_save=0 --output-format=terse --terse-version=3 \
	>/dev/null &&
	echo "fio libaio QD8 random writes + verify: ok"
cat /sys/kernel/debug/rnwfs/rnwblk0/writethrough_stats

say "unmount, fsck, mount again: the files are still there"
umount "$mnt"
target/bin/fsck.rnwfs /dev/rnwblk0
mount -t rnwfs /dev/rnwblk0 "$mnt"
cmp README.md "$mnt/readme" && echo "README.md intact through the symlink"
target/bin/rnwfsctl writethrough "$mnt/data"
umount "$mnt"

say "unload"
rmmod rnwfs
rmmod rnwblk
dmesg >"${RNW_OUT:-/tmp}/dmesg-demo.txt"
echo "demo done"
