# SPDX-License-Identifier: GPL-2.0
# Minimal KTAP emitter for shell tests (host and guest):
#   ktap_plan N; ktap_result NAME CMD...; ktap_skip NAME REASON; ktap_exit
ktap_n=0
ktap_failed=0
ktap_plan() { echo "KTAP version 1"; echo "1..$1"; }
# Runs CMD; ok if it exits 0. Its output is shown as KTAP diagnostics.
ktap_result() {
	local name=$1 output rc
	shift
	ktap_n=$((ktap_n + 1))
	output=$("$@" 2>&1)
	rc=$?
	[ -z "$output" ] || printf '%s\n' "$output" | sed 's/^/# /'
	if [ "$rc" = 0 ]; then
		echo "ok $ktap_n $name"
	else
		echo "not ok $ktap_n $name"
		ktap_failed=$((ktap_failed + 1))
	fi
}
# A test not run, with the reason: "ok N NAME # SKIP reason" (counted as a skip, never a
# pass, by scripts/ktap-summary.sh).
ktap_skip() {
	ktap_n=$((ktap_n + 1))
	echo "ok $ktap_n $1 # SKIP $2"
}
# Exits non-zero if any result failed.
ktap_exit() { exit $((ktap_failed > 0)); }
