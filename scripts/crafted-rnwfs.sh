#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The long crafted-image campaign (not part of make check; selftests/rnwfs_crafted_test.sh
# is its quick subset): rnwfs-crafted (tools/rnwfs-fuzz) in guest boots
# (scripts/guest-crafted-rnwfs.sh), images 0, 1, 2, ... of one seed, each mutated from a seed
# image with its checksums recomputed, mounted, walked, unmounted, the kernel log judged.
# Boots are time-budgeted: each runs the next images for its share of the budget, so that
# a guest a kernel oops took down (oops=panic) costs one image, not the campaign: the next
# boot goes on after it. Prints the totals: images tried, refused at mount, walks with
# EIO/EUCLEAN, clean, and kernel reports (WARN/BUG/oops/lockdep/checkers), hangs and guest
# crashes, which must all be 0.
#   crafted-rnwfs.sh [IMAGES [SECONDS]]   (default 20000 images, 3600 s)
#   RNW_CRAFTED_SEED   the seed (default: today's date, YYYYMMDD)
#   RNW_CRAFTED_BOOT   seconds of images per boot (default 900)
#   RNW_CRAFTED_OUT    where results go (default: a new /tmp/rnw-crafted-long.* directory)
#   RNW_CRAFTED_START  the first image (default 0): a campaign stopped from outside goes on
#                      with the same RNW_CRAFTED_OUT, and the totals count every boot in it
#   RNW_CRAFTED_BUILD=0  use the modules and tools already built
# Under TCG a boot takes about 15 s and images run at 5-9 a second. Run it under the
# machine's guest lock:  flock /tmp/rnw-guest.lock scripts/crafted-rnwfs.sh 20000 3600
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images=${1:-20000}
budget=${2:-3600}
seed=${RNW_CRAFTED_SEED:-$(date +%Y%m%d)}
per_boot=${RNW_CRAFTED_BOOT:-900}
out=${RNW_CRAFTED_OUT:-$(mktemp -d /tmp/rnw-crafted-long.XXXXXX)}
# A boot's time beyond its images: the boot itself, making the seed image, the unload.
overhead=40

if [ "${RNW_CRAFTED_BUILD:-1}" != 0 ]; then
	"$here/build-modules.sh" || exit 1
	"$here/build-tools.sh" || exit 1
fi
mkdir -p "$out"
echo "crafted-rnwfs: seed $seed, images ${RNW_CRAFTED_START:-0}..$((images - 1)), ${budget} s at most, boots of ${per_boot} s; results in $out"
start=$SECONDS
next=${RNW_CRAFTED_START:-0}
# Boots already in the output directory (a campaign going on) keep their numbers.
boot=$(find "$out" -maxdepth 1 -name 'boot-*' -type d | wc -l)
crashed=()
while [ "$next" -lt "$images" ]; do
	left=$((budget - (SECONDS - start)))
	[ "$left" -gt $((overhead + 30)) ] || { echo "crafted-rnwfs: time budget spent"; break; }
	secs=$((left < per_boot ? left : per_boot))
	boot=$((boot + 1))
	dir=$out/boot-$boot
	echo "crafted-rnwfs: boot $boot: images $next.. for $((secs - overhead)) s"
	"$here/vm-run.sh" --timeout $((secs + 120)) --out "$dir" -- scripts/guest-crafted-rnwfs.sh \
		--seed "$seed" --start "$next" --count $((images - next)) --time $((secs - overhead)) -q \
		>"$dir.log" 2>&1
	rc=$?
	grep -E '^rnwfs-crafted: (seed|KERNEL|HANG|FAIL|harness)' "$dir.log" | sed 's/^/  /'
	tsv=$dir/crafted-$seed.tsv
	last=$(awk -F'\t' 'END { if (NR) print $1 }' "$tsv" 2>/dev/null)
	# The summary line ("images A..B: ..."; the first line says "images A.. (").
	if grep -qE "^rnwfs-crafted: seed $seed, images [0-9]+\.\.[0-9]+: " "$dir.log"; then
		[ -n "$last" ] || { echo "crafted-rnwfs: boot $boot ran no image (rc $rc): see $dir.log"; break; }
		next=$((last + 1))
	else
		# The guest died under an image (or rnwfs-crafted exited after a hang): the one
		# after the last result.
		dead=$((${last:-$((next - 1))} + 1))
		if grep -q "HANG: image $dead " "$dir.log"; then
			echo "crafted-rnwfs: image $dead hung (rc $rc): see $dir.log"
		else
			echo "crafted-rnwfs: the guest died at image $dead (rc $rc): see $dir/console.log"
			crashed+=("$dead")
		fi
		next=$((dead + 1))
	fi
	[ "$rc" = 0 ] || echo "crafted-rnwfs: boot $boot failed (rc $rc): see $dir.log"
done
secs=$((SECONDS - start))

echo
cat "$out"/boot-*/crafted-"$seed".tsv 2>/dev/null | awk -F'\t' -v seed="$seed" -v secs="$secs" -v crashes="${#crashed[@]}" '
	{ tried++; n[$4]++; if ($3 ~ /wt/) wt++; if ($3 ~ /ro/) ro++ }
	END {
		printf "crafted-rnwfs: seed %s: %d images tried in %d s (%.1f/s), %d mounted writethrough, %d read-only\n", seed, tried, secs, tried / (secs ? secs : 1), wt, ro
		printf "crafted-rnwfs:   refused at mount     %d\n", n["refused"]
		printf "crafted-rnwfs:   walk met EIO/EUCLEAN %d\n", n["eio-euclean"]
		printf "crafted-rnwfs:   clean                %d\n", n["clean"]
		printf "crafted-rnwfs:   kernel reports       %d (WARN, BUG, oops, lockdep, KASAN/KFENCE)\n", n["KERNEL-REPORT"]
		printf "crafted-rnwfs:   hangs                %d\n", n["HANG"]
		printf "crafted-rnwfs:   guest crashes        %d\n", crashes
	}'
bad=$(cat "$out"/boot-*/crafted-"$seed".tsv 2>/dev/null | awk -F'\t' '$4 == "KERNEL-REPORT" || $4 == "HANG" { print $1 }' | tr '\n' ' ')
bad="$bad${crashed[*]:-}"
if [ -n "${bad// /}" ]; then
	echo "crafted-rnwfs: FAIL: images $bad(replay one in the guest: rnwfs-crafted --seed $seed --replay I)"
	exit 1
fi
echo "crafted-rnwfs: 0 kernel reports, 0 hangs, 0 crashes"
