#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/bench-rnwblk.sh (runs in the guest booted by vm-run.sh): load all four
# drivers at once — rnwblk, null_blk, brd, rnull — pre-fill the benchmarked range of each,
# then run fio 4k randread and randwrite (io_uring, O_DIRECT) at QD 1 and 32, RNW_BENCH_REPS
# times. The drivers are interleaved: every repetition runs each cell on all four drivers
# back to back (in an order rotated per repetition), so a slow phase of the host hits every
# driver alike instead of one driver's whole block of runs.
# Results: $RNW_OUT/bench.tsv (driver, workload, QD, repetition, IOPS), the fio command
# template in $RNW_OUT/fio-cmd.txt and fio's JSON output in $RNW_OUT/fio-*.json.
#   RNW_BENCH_RUNTIME   seconds per run (default 10)
#   RNW_BENCH_SIZE_MIB  the range I/O goes to, from offset 0 (default 256)
#   RNW_BENCH_REPS      repetitions of every cell (default 3)
#   RNW_BENCH_DRIVERS   the drivers to run (default "rnwblk null_blk brd rnull")
set -uo pipefail
cd "$(dirname "$0")/.."

out=${RNW_OUT:?RNW_OUT is set by scripts/vm-run.sh}
runtime=${RNW_BENCH_RUNTIME:-10}
size_mib=${RNW_BENCH_SIZE_MIB:-256}
reps=${RNW_BENCH_REPS:-3}
read -r -a drivers <<<"${RNW_BENCH_DRIVERS:-rnwblk null_blk brd rnull}"
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

# The load command and device of each driver. rnull (drivers/block/rnull.rs) takes no
# parameters: one 4 GiB device with 4096-byte blocks that completes every request inline in
# queue_rq and stores nothing.
declare -A load_cmd unload_cmd dev_of
load_cmd[rnwblk]="insmod rnwblk.ko irqmode=1 size=1024"
unload_cmd[rnwblk]="rmmod rnwblk"
dev_of[rnwblk]=/dev/rnwblk0
load_cmd[null_blk]="modprobe null_blk memory_backed=1 irqmode=1 gb=1"
unload_cmd[null_blk]="modprobe -r null_blk"
dev_of[null_blk]=/dev/nullb0
load_cmd[brd]="modprobe brd rd_size=1048576 rd_nr=1"
unload_cmd[brd]="modprobe -r brd"
dev_of[brd]=/dev/ram0
load_cmd[rnull]="modprobe rnull_mod"
unload_cmd[rnull]="modprobe -r rnull_mod"
dev_of[rnull]=/dev/rnullb0

# setup NAME: load the driver and pre-fill the range (so reads hit written data).
setup() {
	local name=$1 dev=${dev_of[$1]}
	if ! ${load_cmd[$name]}; then
		log "${load_cmd[$name]} failed"
		return 1
	fi
	if ! wait_dev "$dev"; then
		log "$dev did not appear"
		return 1
	fi
	dd if=/dev/zero of="$dev" bs=1M count="$size_mib" oflag=direct conv=notrunc status=none ||
		{ log "pre-fill of $dev failed"; return 1; }
	log "$name: $dev, $(blockdev --getss "$dev")-byte sectors, $(($(blockdev --getsize64 "$dev") >> 20)) MiB, pre-filled ${size_mib} MiB"
}

# run NAME RW QD REP: one measured fio run.
run() {
	local name=$1 rw=$2 qd=$3 rep=$4 cmd json iops ret=0
	cmd=${fio_template/DEV/${dev_of[$name]}}
	cmd=${cmd/RW/$rw}
	cmd=${cmd/QD/$qd}
	json=$out/fio-$name-$rw-qd$qd-r$rep.json
	if $cmd --output="$json" >"$tmp/fio.err" 2>&1; then
		iops=$(iops_of "$json" "${rw#rand}")
	else
		log "fio failed: $(head -n 3 "$tmp/fio.err")"
		iops=fail ret=1
	fi
	log "  rep $rep $rw QD $qd $name: ${iops:-?} IOPS"
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$rw" "$qd" "$rep" "${iops:-?}" >>"$out/bench.tsv"
	return $ret
}

status=0
log "guest $(nproc) CPUs, $(awk '/MemTotal/ {print int($2 / 1024) " MiB"}' /proc/meminfo), kernel $(uname -r)"
log "$reps repetitions of ${runtime} s runs, drivers interleaved: ${drivers[*]}"

loaded=()
for d in "${drivers[@]}"; do
	if [ -z "${load_cmd[$d]:-}" ]; then
		log "unknown driver $d"
		status=1
	elif setup "$d"; then
		loaded+=("$d")
	else
		status=1
	fi
done

n=${#loaded[@]}
for rep in $(seq "$reps"); do
	for rw in randread randwrite; do
		for qd in 1 32; do
			# Rotate the order per repetition: no driver always runs first after a switch.
			for i in $(seq 0 $((n - 1))); do
				run "${loaded[(i + rep - 1) % n]}" "$rw" "$qd" "$rep" || status=1
			done
		done
	done
done

for d in "${loaded[@]}"; do
	${unload_cmd[$d]} || { log "${unload_cmd[$d]} failed"; status=1; }
done

rm -rf "$tmp"
dmesg >"$out/dmesg-bench.txt"
exit $status
