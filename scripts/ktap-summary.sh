#!/usr/bin/env bash
# Count KTAP results in the given files and print the closing line CI reads:
#   N passed, N failed, N skipped
# Only top-level result lines count (indented ones are subtests already counted by their
# parent). "# SKIP" is a skip, never a pass; "# XFAIL" is a pass. A document that plans
# more results than it reports (a test program that died) counts the missing ones as
# failed. Exits 1 if anything failed or nothing ran.
set -u
awk '
	function close_doc() {
		if (plan > seen) {
			printf "FAILED: %d planned result(s) missing (%s)\n", plan - seen, doc
			failed += plan - seen
		}
		plan = 0; seen = 0
	}
	/^(K?TAP) version/ { close_doc(); doc = FILENAME ":" FNR; next }
	/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; next }
	/^(not )?ok [0-9]+/ {
		seen++
		if ($0 ~ /# *SKIP/) { skipped++; next }
		if ($1 == "not" && $0 !~ /# *XFAIL/) { failed++; print "FAILED: " $0; next }
		passed++
	}
	END {
		close_doc()
		printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
		exit (failed > 0 || passed + failed == 0) ? 1 : 0
	}
' "$@"
