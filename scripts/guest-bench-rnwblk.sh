#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/bench-rnwblk.sh (runs in the guest booted by vm-run.sh): for each
# driver in turn — rnwblk, null_blk, brd, rnull — load it, pre-fill the benchmarked range,
# run fio 4k randread and randwrite (io_uring, O_DIRECT) at QD 1 and 32, unload it.
# Results: $RNW_OUT/bench.tsv (driver, workload, QD, IOPS), the fio command template in
# $RNW_OUT/fio-cmd.txt and fio's JSON output in $RNW_OUT/fio-*.json.
#   RNW_BENCH_RUNTIME   seconds per run (default 10)
#   RNW_BENCH_SIZE_MIB  the range I/O goes to, from offset 0 (default 256)
set -uo pipefail
cd "$(dirname "$0")/.."

out=${RNW_OUT:?RNW_OUT is set by scripts/vm-run.sh}
runtime=${RNW_BENCH_RUNTIME:-10}
size_mib=${RNW_BENCH_SIZE_MIB:-256}
tmp=$(mktemp -d /tmp/rnw-bench.XXXXXX)
: >"$out/bench.tsv"
log() { echo "bench: [$(date +%T)] $*"; }

# The fio command line of every measured run; DEV, RW and QD are filled in.
fio_template="fio --name=bench --filename=DEV --ioengine=io_uring --direct=1 --rw=RW --bs=4k \
--iodepth=QD --numjobs=1 --offset=0 --size=${size_mib}M --norandommap --time_based \
--runtime=$runtime --output-format=json"
echo "$fio_template" >"$out/fio-cmd.txt"

# IOPS of the first job's read or write side in fio's JSON (one key per line).
iops_of() {
	awk -v side="$2" '
		/"jobs" : \[/ { injobs = 1 }
		injobs && $0 ~ "^      \"" side "\" : \\{" { inside = 1 }
		inside && /"iops" :/ { v = $3; sub(/,$/, "", v); printf "%.0f\n", v; exit }
	' "$1"
}

wait_dev() {
	local i
	for i in $(seq 50); do
		[ -b "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# bench NAME DEV: pre-fill the range (so reads hit written data), then the four runs.
bench() {
	local name=$1 dev=$2 rw qd cmd json iops ret=0
	if ! wait_dev "$dev"; then
		log "$dev did not appear"
		return 1
	fi
	log "$name ($dev, $(blockdev --getss "$dev")-byte sectors, $(($(blockdev --getsize64 "$dev") >> 20)) MiB)"
	dd if=/dev/zero of="$dev" bs=1M count="$size_mib" oflag=direct conv=notrunc status=none ||
		{ log "pre-fill of $dev failed"; return 1; }
	log "  pre-filled ${size_mib} MiB"
	for rw in randread randwrite; do
		for qd in 1 32; do
			cmd=${fio_template/DEV/$dev}
			cmd=${cmd/RW/$rw}
			cmd=${cmd/QD/$qd}
			json=$out/fio-$name-$rw-qd$qd.json
			if $cmd --output="$json" >"$tmp/fio.err" 2>&1; then
				iops=$(iops_of "$json" "${rw#rand}")
			else
				log "fio failed: $(head -n 3 "$tmp/fio.err")"
				iops=fail ret=1
			fi
			log "  $rw QD $qd: ${iops:-?} IOPS"
			printf '%s\t%s\t%s\t%s\n' "$name" "$rw" "$qd" "${iops:-?}" >>"$out/bench.tsv"
		done
	done
	return $ret
}

status=0
log "guest $(nproc) CPUs, $(awk '/MemTotal/ {print int($2 / 1024) " MiB"}' /proc/meminfo), kernel $(uname -r)"

if insmod rnwblk.ko irqmode=1 size=1024; then
	bench rnwblk /dev/rnwblk0 || status=1
	rmmod rnwblk || status=1
else
	log "insmod rnwblk.ko failed"
	status=1
fi

if modprobe null_blk memory_backed=1 irqmode=1 gb=1; then
	bench null_blk /dev/nullb0 || status=1
	modprobe -r null_blk || status=1
else
	log "modprobe null_blk failed"
	status=1
fi

if modprobe brd rd_size=1048576 rd_nr=1; then
	bench brd /dev/ram0 || status=1
	modprobe -r brd || status=1
else
	log "modprobe brd failed"
	status=1
fi

# rnull (drivers/block/rnull.rs) takes no parameters: one 4 GiB device with 4096-byte
# blocks that completes every request inline in queue_rq and stores nothing.
if modprobe rnull_mod; then
	bench rnull /dev/rnullb0 || status=1
	modprobe -r rnull_mod || status=1
else
	log "modprobe rnull_mod failed"
	status=1
fi

rm -rf "$tmp"
dmesg >"$out/dmesg-bench.txt"
exit $status
