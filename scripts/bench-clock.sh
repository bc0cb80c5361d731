# SPDX-License-Identifier: GPL-2.0
# Sourced by the benchmarks: the clock they measure with (RNW_BENCH_CLOCK).
#   icount  QEMU's -icount: the guest's clock advances 4 ns per instruction executed, so
#           results measure instructions (the code path) and repeat within about 0.3 %,
#           whatever the host is doing. Memory, cache and atomic costs are not modelled.
#   wall    real time (TCG, or KVM with RNW_KVM=1), which under TCG also depends on the
#           host's load: runs of one cell spread by 30-40 % on our 2-core machines.
# bench_clock DEFAULT_CLOCK: sets $clock; with icount, adds -icount to RNW_QEMU_OPTS (which
# scripts/vm-run.sh passes to QEMU).
bench_clock() {
	clock=${RNW_BENCH_CLOCK:-$1}
	case "$clock" in
	icount)
		if [ "${RNW_KVM:-0}" = 1 ]; then
			echo "bench: icount needs TCG: RNW_BENCH_CLOCK=wall with RNW_KVM=1" >&2
			exit 2
		fi
		# shift=2: 4 ns per instruction. sleep=off: an idle guest jumps to its next timer.
		export RNW_QEMU_OPTS="${RNW_QEMU_OPTS:+$RNW_QEMU_OPTS }-icount shift=2,sleep=off"
		;;
	wall) ;;
	*)
		echo "bench: RNW_BENCH_CLOCK is icount or wall, not $clock" >&2
		exit 2
		;;
	esac
}

# What the figures mean, for the benchmark's report.
bench_clock_note() {
	if [ "$clock" = icount ]; then
		echo "clock: icount (guest time = 4 ns per instruction executed)"
	else
		echo "clock: wall; host load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
	fi
}
