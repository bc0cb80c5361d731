#!/usr/bin/env bash
# Scan guest kernel logs for anything that must fail a run: lockdep reports, BUG/WARNING/Oops,
# sleeping in atomic context, call traces. Prints each hit; exits 1 if there was one. A scan
# that could see nothing fails too: no log given, a log missing or unreadable, or logs that
# show no kernel boot at all (an empty console log proves nothing).
#   scan-kernel-log.sh LOG...
set -u
[ $# -gt 0 ] || { echo "kernel log scan: FAIL: no log to scan"; exit 1; }
for log in "$@"; do
	[ -f "$log" ] && [ -r "$log" ] || { echo "kernel log scan: FAIL: $log: missing or unreadable"; exit 1; }
done
if ! grep -qaE 'Linux version [0-9]|Command line: ' "$@"; then
	echo "kernel log scan: FAIL: no kernel boot in $*"
	exit 1
fi
patterns=(
	'BUG:'
	'WARNING:'
	'Oops'
	'sleeping function called from invalid context'
	'Call Trace'
	'possible recursive locking detected'
	'possible circular locking dependency'
	'inconsistent lock state'
	'turning off the locking correctness validator'
	'DEBUG_LOCKS_WARN_ON'
	'INFO: task .* blocked for more than'
	'Kernel panic'
	'general protection fault'
	'rcu: INFO'
	'stack-protector'
	'kernel BUG at'
	'rust_panic'
	'panicked at'
)
regex=$(IFS='|'; echo "${patterns[*]}")
hits=$(grep -haE "$regex" "$@" 2>/dev/null || true)
if [ -n "$hits" ]; then
	printf 'kernel log scan: FAIL\n%s\n' "$hits"
	exit 1
fi
exit 0
