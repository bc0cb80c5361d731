#!/usr/bin/env bash
# Runs in the guest (scripts/vm-run.sh): load the modules, run every selftest program,
# unload, keep the kernel log. KTAP goes to stdout and to $RNW_OUT/ktap-guest.txt.
set -u
cd "$(dirname "$0")/.."
export RNW_ROOT=$PWD
out=${RNW_OUT:?RNW_OUT is set by scripts/vm-run.sh}

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config

status=0
for m in rnwblk rnwfs; do
	if ! insmod "$RNW_ROOT/$m.ko"; then
		echo "run-guest: insmod $m failed" >&2
		status=1
	fi
done
lsmod | grep -E '^rnw' || true

# Compiled tests (selftests/build/*_test) and shell tests (selftests/*_test.sh), each a
# KTAP document of its own. The loop runs in the pipeline's subshell: it reports failure
# through its exit status.
{
	failed=0
	for t in selftests/build/*_test selftests/*_test.sh; do
		[ -x "$t" ] || continue
		# A binary left from a test since removed is not part of this suite.
		case $t in
		selftests/build/*) [ -f "selftests/$(basename "$t").c" ] || { echo "# skipping stale $t"; continue; } ;;
		esac
		echo "# selftest: $(basename "$t")"
		"$t" || failed=1
	done
	exit $failed
} 2>&1 | tee "$out/ktap-guest.txt"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

for m in rnwfs rnwblk; do
	if grep -q "^$m " /proc/modules && ! rmmod "$m"; then
		echo "run-guest: rmmod $m failed" >&2
		status=1
	fi
done
dmesg >"$out/dmesg-guest.txt"
exit $status
