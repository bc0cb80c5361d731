#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host side of a benchmark's RNW_BENCH_HOST_PERF=1: what the guest's work costs QEMU on the
# host. Under TCG a guest event (a timer interrupt, a halt and its wake-up, an IPI) costs
# QEMU host-kernel time (poll, eventfd, futex) that the guest's clock counts as time in
# whatever code it interrupted, and that no guest profile or instruction count can name.
#   host-profile-qemu.sh OUT
# Watches OUT (the guest's $RNW_OUT) until OUT/host-profile.stop appears or QEMU is gone.
# For each NAME.start the guest writes there, it records QEMU's CPU time (utime + stime of
# all its threads, in clock ticks) and profiles it (perf record -p) until NAME.end, then
# writes NAME.host:
#   ticks TICKS HZ            QEMU's CPU time between the marks
#   split DSO PERCENT         per part: [kernel.kallsyms] (host kernel), qemu-system-x86_64
#                             (QEMU's C: main loop, devices, softmmu helpers), [JIT]...
#                             (translated guest code), libraries
# and creates NAME.started / NAME.ended to let the guest go on (it waits at most a few
# seconds for each, so a missing watcher costs time, not the run).
set -uo pipefail
out=${1:?usage: host-profile-qemu.sh OUT}
hz=$(getconf CLK_TCK)
qemu=
for _ in $(seq 600); do
	qemu=$(pgrep -f "qemu-system.*$out" | head -1)
	[ -n "$qemu" ] && break
	sleep 0.5
done
[ -n "$qemu" ] || { echo "host-profile-qemu: no QEMU for $out" >&2; exit 1; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$qemu/stat"; }

shopt -s nullglob
while [ ! -e "$out/host-profile.stop" ] && kill -0 "$qemu" 2>/dev/null; do
	for mark in "$out"/*.start; do
		name=${mark%.start}
		[ -e "$name.started" ] && continue
		t0=$(cpu_ticks)
		perf record -p "$qemu" -F 999 -q -o "$name.host.perf" 2>/dev/null &
		perf_pid=$!
		sleep 0.3 # perf attached before the guest goes on
		: >"$name.started"
		while [ ! -e "$name.end" ] && kill -0 "$qemu" 2>/dev/null; do sleep 0.1; done
		t1=$(cpu_ticks)
		kill -INT "$perf_pid" 2>/dev/null
		wait "$perf_pid"
		: >"$name.ended"
		{
			echo "ticks $((t1 - t0)) $hz"
			perf report -i "$name.host.perf" --stdio --no-children --sort dso -g none \
				2>/dev/null | awk '/%/ { p = $1; sub(/%/, "", p); $1 = ""
					sub(/^ +/, ""); gsub(/ /, "_"); print "split", $0, p }'
		} >"$name.host"
		rm -f "$name.host.perf"
	done
	sleep 0.1
done
