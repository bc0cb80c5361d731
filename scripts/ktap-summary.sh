#!/usr/bin/env bash
# Count KTAP results in the given files and print the closing line CI reads:
#   N passed, N failed, N skipped
# Only top-level result lines count (indented ones are subtests already counted by their
# parent). "# SKIP" is a skip, never a pass; "# XFAIL" is a pass. Exits 1 if anything failed
# or nothing ran.
set -u
awk '
	/^(not )?ok [0-9]+/ {
		if ($0 ~ /# *SKIP/) { skipped++; next }
		if ($1 == "not" && $0 !~ /# *XFAIL/) { failed++; print "FAILED: " $0; next }
		passed++
	}
	END {
		printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
		exit (failed > 0 || passed + failed == 0) ? 1 : 0
	}
' "$@"
