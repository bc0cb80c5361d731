#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Tests of the test runner itself: the kernel log scan catches each kind of report (and
# passes a clean boot log), and a guest run fails when the guest WARNs, sleeps in atomic
# context, or hangs. KTAP on stdout.
#   runner_test.sh [--no-guest]   --no-guest: only the log-scan tests (no boots)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/../lib/ktap.sh"
scan=$root/scripts/scan-kernel-log.sh
vmrun=$root/scripts/vm-run.sh
trigger=selftests/kmod/rnw_logscan_trigger.ko

scan_flags_every_sample() {
	local line n=0
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		n=$((n + 1))
		# After a clean boot, so that only the sample can fail the scan.
		if { cat "$here/samples/clean-boot.txt"; printf '%s\n' "$line"; } | "$scan" /dev/stdin >/dev/null; then
			echo "scan missed: $line"
			return 1
		fi
	done <"$here/samples/dirty-lines.txt"
	echo "$n dirty samples flagged"
}

scan_passes_clean_boot_log() {
	"$scan" "$here/samples/clean-boot.txt"
}

# A scan that could see nothing must not pass: no log, a missing one, an empty one, or a
# log without a kernel boot in it.
scan_fails_without_a_log() {
	local empty=$(mktemp) noboot=$(mktemp) ok=0
	grep -v -E 'Linux version|Command line' "$here/samples/clean-boot.txt" >"$noboot"
	"$scan" >/dev/null && { echo "passed with no log"; ok=1; }
	"$scan" "$here/samples/no-such-log.txt" >/dev/null && { echo "passed a missing log"; ok=1; }
	"$scan" "$empty" >/dev/null && { echo "passed an empty log"; ok=1; }
	"$scan" "$noboot" >/dev/null && { echo "passed a log without a boot"; ok=1; }
	"$scan" "$here/samples/clean-boot.txt" "$empty" >/dev/null || { echo "failed a boot log plus an empty dmesg file"; ok=1; }
	rm -f "$empty" "$noboot"
	return $ok
}

# A guest run with CMD must fail, and its output must say WHY (a grep pattern).
guest_run_fails() {
	local why=$1 timeout=$2 output rc start=$SECONDS
	shift 2
	output=$("$vmrun" --timeout "$timeout" -- "$@" 2>&1)
	rc=$?
	echo "vm-run exited $rc after $((SECONDS - start)) s"
	[ "$rc" != 0 ] || { echo "the run passed"; return 1; }
	grep -q "$why" <<<"$output" || { printf '%s\n' "$output" | tail -20; return 1; }
	# A hang must end at the timeout (plus QEMU's kill grace), not later.
	[ $((SECONDS - start)) -le $((timeout + 30)) ] || { echo "took too long"; return 1; }
}

guest=1
[ "${1:-}" = --no-guest ] && guest=0

if [ "$guest" = 1 ]; then ktap_plan 6; else ktap_plan 3; fi
ktap_result log_scan_flags_every_report_kind scan_flags_every_sample
ktap_result log_scan_passes_clean_boot_log scan_passes_clean_boot_log
ktap_result log_scan_fails_without_a_log scan_fails_without_a_log
if [ "$guest" = 1 ]; then
	ktap_result guest_warn_fails_run \
		guest_run_fails 'kernel log shows a problem' 600 insmod "$trigger" trigger=warn
	ktap_result guest_atomic_sleep_fails_run \
		guest_run_fails 'kernel log shows a problem' 600 insmod "$trigger" trigger=atomic_sleep
	ktap_result guest_hang_fails_within_timeout \
		guest_run_fails 'did not finish within' 120 sleep 3600
fi
ktap_exit
