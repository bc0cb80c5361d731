#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rnw-pool-bench (tools/rnw-pool-bench, Documentation/nowait-applications.rst) in a short
# run on rnwfs over rnwblk0 in timer mode (irqmode=2, completion_nsec=50000, set through
# debugfs and restored after): it completes and reports every policy for every workload,
# and its figures say what the policies are: (a) never tries a nowait read, (b) serves most
# of the primed f1 inline and gets EAGAIN (not a read-in) for f2's misses, (c) takes its
# hit ratios from rnwfs's statistics ioctl and stops trying f2. Seconds, not minutes: a
# smoke test; the benchmark itself is scripts/bench-pool.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib/ktap.sh"
. "$here/lib/fs.sh"
. "$here/lib/run_bounded.sh"
export LC_ALL=C
BENCH=$root/target/bin/rnw-pool-bench
DBG=/sys/kernel/debug/rnwblk/rnwblk0
# Seconds the run may take (it takes about 15 under TCG).
LIMIT=${RNW_POOL_BENCH_LIMIT:-120}
ARGS=(--f1 4x1m --f2 4x4m --f3 2x4m --seconds 1 --warmup 0.5 --evict-ms 100)
TSV=

# field POLICY WORKLOAD COLUMN: a value of the results (the TSV's header names columns).
field() {
	awk -F'\t' -v p="$1" -v w="$2" -v c="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$2 == p && $3 == w { print $col[c]; found = 1 }
		END { if (!found) print "missing" }' "$TSV"
}

# cmp_ok DESCRIPTION A OP B: awk's numeric comparison (the values may be fractions).
cmp_ok() {
	awk -v a="$2" -v b="$4" -v op="$3" 'BEGIN {
		if (a == "missing" || b == "missing") exit 1
		if (op == ">") exit !(a + 0 > b + 0)
		if (op == "<") exit !(a + 0 < b + 0)
		if (op == "==") exit !(a + 0 == b + 0)
		exit 1 }' && return 0
	echo "FAIL: $1: $2 $3 $4 does not hold"
	return 1
}

t_run() {
	local irqmode nsec rc
	fs_fresh || return 1
	irqmode=$(cat "$DBG/irqmode") && nsec=$(cat "$DBG/completion_nsec") || return 1
	echo 2 >"$DBG/irqmode" && echo 50000 >"$DBG/completion_nsec" || return 1
	run_bounded "$LIMIT" "$FS_TMP/bench.out" "$BENCH" run --setup --label rnwfs \
		--tsv "$FS_TMP/bench.tsv" "${ARGS[@]}" "$FS_MNT" 2>/dev/null
	rc=$?
	echo "$irqmode" >"$DBG/irqmode"
	echo "$nsec" >"$DBG/completion_nsec"
	sed -n '/^fs /,$p' "$FS_TMP/bench.out"
	[ "$rc" = 0 ] || { head -n 40 "$FS_TMP/bench.out"; echo "FAIL: rnw-pool-bench exit status $rc"; }
	fs_umount || return 1
	[ "$rc" = 0 ] || return 1
	TSV=$FS_TMP/bench.tsv
	local p w ok=0
	for p in a b c; do
		for w in f1 f2 f3; do
			cmp_ok "policy $p $w: requests served" "$(field $p $w ops)" ">" 0 || ok=1
		done
	done
	return $ok
}

t_handoff() {
	local w ok=0
	for w in f1 f2 f3; do
		cmp_ok "policy a $w: nowait reads tried" "$(field a $w nowait_calls)" "==" 0 || ok=1
		cmp_ok "policy a $w: served inline" "$(field a $w inline_frac)" "==" 0 || ok=1
	done
	return $ok
}

t_nowait() {
	local ok=0
	cmp_ok "policy b f1 (primed): share served inline" "$(field b f1 inline_frac)" ">" 0.5 || ok=1
	cmp_ok "policy b f2 (evicted): EAGAIN" "$(field b f2 eagain)" ">" 0 || ok=1
	# rnwfs starts no I/O for a nowait miss: nothing waits for the device inline.
	cmp_ok "policy b f2: inline reads that took the slow threshold (read-in)" \
		"$(field b f2 slow_inline)" "<" "$(field b f2 eagain)" || ok=1
	return $ok
}

t_guided() {
	local w ok=0 b_share c_share
	for w in f1 f2 f3; do
		[ "$(field c $w source)" = kernel ] ||
			{ echo "FAIL: policy c $w: statistics from '$(field c $w source)', not rnwfs's ioctl"; ok=1; }
	done
	b_share=$(awk -v n="$(field b f2 nowait_calls)" -v o="$(field b f2 ops)" 'BEGIN { print (o > 0 ? n / o : 0) }')
	c_share=$(awk -v n="$(field c f2 nowait_calls)" -v o="$(field c f2 ops)" 'BEGIN { print (o > 0 ? n / o : 1) }')
	echo "f2 reads tried nowait: policy b $b_share, policy c $c_share"
	cmp_ok "policy c tries at most half of f2's reads" "$c_share" "<" 0.5 || ok=1
	cmp_ok "policy c f1 (primed): share served inline" "$(field c f1 inline_frac)" ">" 0.5 || ok=1
	return $ok
}

# The checks of a run that did not happen are skips, not failures (the run's own result
# says why).
after_run() {
	if [ -n "$TSV" ] && [ -s "$TSV" ]; then
		ktap_result "$1" "$2"
	else
		ktap_skip "$1" "no results: the run failed"
	fi
}

fs_init
if [ -z "$FS_BROKEN" ] && ! [ -x "$BENCH" ]; then
	FS_BROKEN="$BENCH missing: run scripts/build-tools.sh"
fi
if [ -z "$FS_BROKEN" ] && ! [ -w "$DBG/irqmode" ]; then
	FS_BROKEN="$DBG/irqmode missing: debugfs not mounted or rnwblk not loaded"
fi
ktap_plan 4
# fs_test runs t_run in a subshell ($(...) in ktap_result): TSV is set here instead.
fs_test pool_bench_runs_and_reports_every_policy t_run
TSV=$FS_TMP/bench.tsv
after_run pool_bench_handoff_never_tries_nowait t_handoff
after_run pool_bench_nowait_serves_primed_f1_inline t_nowait
after_run pool_bench_guided_uses_rnwfs_stats_and_stops_trying_f2 t_guided
fs_done
ktap_exit
