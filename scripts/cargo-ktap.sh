#!/usr/bin/env bash
# Run the workspace's `cargo test` and report each test as a KTAP result line, so that the
# closing count of `make check` includes them. A build failure is one failed result.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
cd "$root"
out=$(cargo test --workspace --locked 2>&1)
rc=$?
echo "KTAP version 1"
printf '%s\n' "$out" | awk -v rc="$rc" '
	/^test .* \.\.\. (ok|FAILED|ignored)$/ {
		name = $2; res = $NF; n++
		if (res == "ok") line[n] = "ok " n " cargo:" name
		else if (res == "ignored") line[n] = "ok " n " cargo:" name " # SKIP ignored"
		else line[n] = "not ok " n " cargo:" name
	}
	END {
		if (n == 0 || (rc != 0 && !failed_seen(line, n))) { n++; line[n] = "not ok " n " cargo_test_build_and_run" }
		print "1.." n
		for (i = 1; i <= n; i++) print line[i]
	}
	function failed_seen(l, k,   i) { for (i = 1; i <= k; i++) if (l[i] ~ /^not ok/) return 1; return 0 }
'
[ "$rc" = 0 ] || printf '%s\n' "$out" | grep -E '^(error|failures:|---- )' -A4 | head -40 | sed 's/^/# /'
exit "$rc"
