#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Crafted rnwfs images through the kernel (in the guest, as root): the quick subset of the
# campaign scripts/crafted-rnwfs.sh runs long. rnwfs-crafted (tools/rnwfs-fuzz) makes a
# seed image with the kernel, then runs RNW_CRAFTED_COUNT (300) images of a fixed seed:
# each mutated from a seed image (metadata fields, checksums recomputed), bound to a loop
# device, mounted (one in four writethrough), walked (reads, writes, renames, unlinks),
# unmounted. Any WARN, BUG, oops, lockdep or memory-checker report in the kernel log of an
# image, or an image that hangs, fails the test; refusals and EIO/EUCLEAN are what crafted
# images should get. About a minute under TCG. Skipped where the kernel has no loop
# devices. RNW_CRAFTED_SEED changes the seed (printed); a failure says how to replay the
# image that failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib/ktap.sh"
. "$here/lib/run_bounded.sh"
BIN=$root/target/release/rnwfs-crafted
SEED=${RNW_CRAFTED_SEED:-20261203}
COUNT=${RNW_CRAFTED_COUNT:-300}
# A whole run's limit (an image's own is 120 s, after which rnwfs-crafted reports a hang).
LIMIT=${RNW_CRAFTED_RUN_LIMIT:-900}

crafted() {
	local out rc loaded=0
	[ -x "$BIN" ] || { echo "$BIN missing: run scripts/build-tools.sh"; return 1; }
	if ! grep -q '^rnwfs ' /proc/modules; then
		insmod "$root/rnwfs.ko" || { echo "insmod $root/rnwfs.ko failed"; return 1; }
		loaded=1
	fi
	# Results (the per-image table, the seed image, what a failing image left) where the
	# guest runner keeps its output.
	if [ -n "${RNW_OUT:-}" ]; then
		out=$RNW_OUT/rnwfs-crafted-test
		mkdir -p "$out" || return 1
	else
		out=$(mktemp -d /tmp/rnwfs-crafted-test.XXXXXX) || return 1
	fi
	rm -f "$out/crafted-$SEED.tsv"
	echo "rnwfs-crafted --seed $SEED --count $COUNT (results in $out)"
	run_bounded "$LIMIT" "$out/output.txt" "$BIN" --seed "$SEED" --count "$COUNT" --limit 120 -q --out "$out" 2>/dev/null
	rc=$?
	cat "$out/output.txt"
	[ "$rc" = 124 ] && echo "rnwfs-crafted did not finish within $LIMIT s"
	# Every image must have a result line: a count that stops short is a failure too.
	local lines
	lines=$(wc -l <"$out/crafted-$SEED.tsv" 2>/dev/null || echo 0)
	if [ "$rc" = 0 ] && [ "$lines" != "$COUNT" ]; then
		echo "$lines image results, expected $COUNT"
		rc=1
	fi
	[ "$loaded" = 1 ] && rmmod rnwfs
	return "$rc"
}

ktap_plan 1
if ! [ -e /dev/loop-control ]; then
	ktap_skip "rnwfs_crafted_images" "no loop devices in this kernel (/dev/loop-control missing)"
elif [ "$(id -u)" != 0 ]; then
	ktap_skip "rnwfs_crafted_images" "needs root (loop devices, mount)"
else
	ktap_result "rnwfs_crafted_images" crafted
fi
ktap_exit
