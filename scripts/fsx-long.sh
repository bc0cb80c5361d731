#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The long rnw-fsx run (not part of make check): one guest boot
# (scripts/guest-fsx-long.sh) running rnw-fsx in every mode, with several seeds, on rnwfs,
# rnwfs -o writethrough, and ext4 and xfs as controls, each run on a new filesystem with
# fsck after it. Prints a mode x filesystem table of ops, seconds and failed runs, and
# where the failing runs' op logs are (rnw-fsx --replay LOG FILE reruns one).
#   RNW_FSX_OPS      ops per run (default 1000000)
#   RNW_FSX_CONTROL_OPS  ops per ext4/xfs run (default RNW_FSX_OPS)
#   RNW_FSX_JOBS     runs at a time, each on its own rnwblk device (default 2: the guest's
#                    CPUs; under TCG two runs go nearly twice as fast as one)
#   RNW_FSX_SEEDS    seeds (default "1 2 3")
#   RNW_FSX_MODES    modes (default "buffered direct mmap aio uring nowait mixed")
#   RNW_FSX_FS       filesystems, in run order (default "ext4 xfs rnwfs rnwfs-wt": the
#                    controls first, since a run stuck in the kernel ends the guest's work)
#   RNW_FSX_RUN_LIMIT  seconds one run may take (default: 1 per 50 ops, plus 300)
#   RNW_FSX_TIMEOUT  guest timeout in seconds (default: 1 s per 100 ops, at least 1800)
#   RNW_FSX_OUT      where to keep the results (default: a new /tmp/rnw-fsx-long.* dir)
#   RNW_FSX_BUILD=0  use the modules and tools already built
# Under TCG the default (84 runs of 10^6 ops) takes about a day; progress shows in
# $RNW_FSX_OUT/guest.log as it goes. Run it under the machine's guest lock:
#   flock /tmp/rnw-guest.lock scripts/fsx-long.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ops=${RNW_FSX_OPS:-1000000}
control_ops=${RNW_FSX_CONTROL_OPS:-$ops}
jobs=${RNW_FSX_JOBS:-2}
seeds=${RNW_FSX_SEEDS:-1 2 3}
modes=${RNW_FSX_MODES:-buffered direct mmap aio uring nowait mixed}
filesystems=${RNW_FSX_FS:-ext4 xfs rnwfs rnwfs-wt}
out=${RNW_FSX_OUT:-$(mktemp -d /tmp/rnw-fsx-long.XXXXXX)}
runs=$(($(wc -w <<<"$seeds") * $(wc -w <<<"$modes") * $(wc -w <<<"$filesystems")))
# Under TCG rnw-fsx does 400 (mmap on ext4) to 1700 ops a second: 100 a second is a margin.
timeout_s=${RNW_FSX_TIMEOUT:-$((runs * ops / 100 / jobs > 1800 ? runs * ops / 100 / jobs : 1800))}

if [ "${RNW_FSX_BUILD:-1}" != 0 ]; then
	"$here/build-modules.sh"
	"$here/build-tools.sh"
fi
mkdir -p "$out"
echo "fsx-long: $runs runs of $ops ops (ext4/xfs: $control_ops; seeds: $seeds), $jobs at a time, guest timeout ${timeout_s}s, results in $out"
status=0
"$here/vm-run.sh" --timeout "$timeout_s" --out "$out" -- \
	env RNW_FSX_OPS="$ops" RNW_FSX_CONTROL_OPS="$control_ops" RNW_FSX_JOBS="$jobs" RNW_FSX_SEEDS="$seeds" RNW_FSX_MODES="$modes" RNW_FSX_FS="$filesystems" \
	${RNW_FSX_RUN_LIMIT:+RNW_FSX_RUN_LIMIT="$RNW_FSX_RUN_LIMIT"} scripts/guest-fsx-long.sh || status=$?
[ -s "$out/fsx.tsv" ] || { echo "fsx-long: no results (see $out)"; exit 1; }
echo
echo "rnw-fsx: ops, seconds and failed runs (of $(wc -w <<<"$seeds") seeds: $seeds) per mode and filesystem"
awk -F'\t' -v modes="$modes" -v fss="$filesystems" '
	{
		k = $2 SUBSEP $1; runs[k]++
		if ($6 != 0 || $7 != 0) fail[k]++
		else { ops[k] += $4; secs[k] += $5 }
	}
	END {
		nm = split(modes, m, " "); nf = split(fss, f, " ")
		printf "%-9s", "mode"
		for (j = 1; j <= nf; j++) printf " %-24s", f[j]
		printf "\n"
		for (i = 1; i <= nm; i++) {
			printf "%-9s", m[i]
			for (j = 1; j <= nf; j++) {
				k = m[i] SUBSEP f[j]
				if (!(k in runs)) { printf " %-24s", "-"; continue }
				cell = sprintf("%d ops %ds %d/%d failed", ops[k], secs[k], fail[k] + 0, runs[k])
				printf " %-24s", cell
			}
			printf "\n"
		}
	}' "$out/fsx.tsv"
echo "(ops and seconds count the passing runs; a failed run is rnw-fsx or fsck failing;"
echo " rnw-fsx exit 124: it did not finish in time; fsck 'stuck': it was stuck in the kernel"
echo " and no run could follow it: '-' marks runs that did not happen)"
awk -F'\t' '$6 != 0 || $7 != 0 { printf "FAILED: %s %s seed %s (rnw-fsx exit %s, fsck %s)\n", $1, $2, $3, $6, $7 }' \
	"$out/fsx.tsv"
if ls "$out"/fail-*.log >/dev/null 2>&1; then
	echo "op logs of the failed runs (rnw-fsx --replay LOG FILE):"
	ls "$out"/fail-*.log | sed 's/^/  /'
fi
exit $status
