#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# nowait conformance (issue #5): selftests/build/nowait_conformance (the conditions and the
# expectation table are in nowait_conformance.c) on rnwfs, ext4 and xfs in turn, each made
# new on /dev/rnwblk0 and mounted (lib/fs.sh), then unmounted and checked with its fsck and
# the kernel log. One KTAP document: per filesystem a "FS: setup" result, the program's
# results as "FS: CONDITION/INTERFACE", and a "FS: umount, fsck, kernel log" result. At the
# end the condition x filesystem table, also in $RNW_OUT/nowait-table.txt when RNW_OUT is
# set. RNW_NOWAIT_FS="rnwfs xfs" runs a subset. Runs as root in the guest, rnwblk loaded.
# Only rnwfs' rows are KTAP results: xfs and ext4 are references that judge the kernel
# Debian ships, not rnw, so their rows are reported apart (as "# reference" lines and a
# summary) and a kernel update cannot fail the suite; they still fill the table.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib/ktap.sh"
. "$here/lib/fs.sh"
export LC_ALL=C
prog=$here/build/nowait_conformance
filesystems=${RNW_NOWAIT_FS:-rnwfs ext4 xfs}
work=$(mktemp -d /tmp/nowait-conformance.XXXXXX)
cells=$work/cells	# FS NAME CELL, one line per result

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug

fail_with() { echo "$1"; return 1; }

if ! n=$("$prog" --count 2>&1) || ! names=$("$prog" --list 2>&1); then
	ktap_plan "$(wc -w <<<"$filesystems")"
	for fs in $filesystems; do
		ktap_result "$fs: nowait conformance" fail_with "$prog: $n (run scripts/build-modules.sh)"
	done
	rm -rf "$work"
	ktap_exit
fi

setup() {
	[ -n "$FS_BROKEN" ] && fail_with "$FS_BROKEN"
	fs_fresh
}

finish() {
	local rc=0
	if mountpoint -q "$FS_MNT"; then
		fs_umount || return 1
	fi
	fs_log_check || rc=1
	fs_fsck || rc=1
	[ "$rc" = 0 ] && echo "fsck clean, no kernel warning about $FS_TYPE or its device"
	return $rc
}

# The program's KTAP, renumbered into ours and prefixed with the filesystem; its "# cell"
# lines go to $cells. Counts into ktap_n/ktap_failed; a program that stopped early gets its
# missing results as failures.
run_program() {
	local fs=$1 out=$work/$1.ktap rc seen failed k=0 name
	if [ "$fs" != rnwfs ]; then
		reference_program "$fs"
		return
	fi
	timeout 900 "$prog" "$FS_MNT" "$fs" "$FS_DEV" 2>&1 |
		awk -v base="$ktap_n" -v fs="$fs" -v cells="$cells" '
			/^KTAP version/ || /^1\.\.[0-9]+$/ { next }
			/^# cell / { print fs, $3, substr($0, length("# cell " $3) + 2) >>cells; next }
			/^(not )?ok [0-9]+ / {
				k++
				bad = $1 == "not"
				sub(/^(not )?ok [0-9]+ /, "")
				printf "%s %d %s: %s\n", bad ? "not ok" : "ok", base + k, fs, $0
				fflush()
				next
			}
			/^#/ { print; fflush(); next }
			{ print "# " $0; fflush() }
		' | tee "$out"
	rc=${PIPESTATUS[0]}
	seen=$(grep -cE '^(not )?ok [0-9]+ ' "$out")
	failed=$(grep -E '^not ok [0-9]+ ' "$out" | grep -cv '# *SKIP')
	ktap_n=$((ktap_n + seen))
	ktap_failed=$((ktap_failed + failed))
	if [ "$seen" -lt "$n" ]; then
		echo "# nowait_conformance on $fs exited with status $rc after $seen of $n results"
		while read -r name; do
			k=$((k + 1))
			[ "$k" -le "$seen" ] && continue
			ktap_n=$((ktap_n + 1))
			ktap_failed=$((ktap_failed + 1))
			echo "not ok $ktap_n $fs: $name"
			echo "$fs $name FAIL:not-run" >>"$cells"
		done <<<"$names"
	elif [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
		# Every result reported and none failed, yet a failure status (a crash at exit?).
		echo "# nowait_conformance on $fs exited with status $rc after all its results passed"
		ktap_failed=$((ktap_failed + 1))
	fi
}

# A reference filesystem's results, as comments; the agreements and differences with the
# table are summed in $work/reference.
reference_program() {
	local fs=$1 out=$work/$1.ref agree differ
	timeout 900 "$prog" "$FS_MNT" "$fs" "$FS_DEV" 2>&1 |
		awk -v fs="$fs" -v cells="$cells" '
			/^KTAP version/ || /^1\.\.[0-9]+$/ { next }
			/^# cell / { print fs, $3, substr($0, length("# cell " $3) + 2) >>cells; next }
			/^(not )?ok [0-9]+ / {
				verdict = $1 == "not" ? "differs" : "as expected"
				sub(/^(not )?ok [0-9]+ /, "")
				printf "# reference %s: %s: %s\n", fs, $0, verdict
				fflush()
				next
			}
			/^#/ { print; fflush(); next }
			{ print "# " $0; fflush() }
		' | tee "$out"
	agree=$(grep -c ': as expected$' "$out")
	differ=$(grep -c ': differs$' "$out")
	echo "$fs: $agree rows as nowait_conformance.c expects, $differ differ, $((n - agree - differ)) not reported" >>"$work/reference"
}

# A reference filesystem's setup and teardown: reported, not counted.
reference_step() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "# reference $FS_TYPE: $what: ok"
	else
		printf '%s\n' "$out" | sed 's/^/# /'
		echo "# reference $FS_TYPE: $what: failed"
		echo "$FS_TYPE: $what failed" >>"$work/reference"
	fi
}

# Condition x filesystem table from $cells: one row per condition, the interfaces of a
# condition folded into one cell when they agree ("pv2,aio: X; uring: Y" when not).
table() {
	awk -v fslist="$filesystems" '
		{
			fs = $1; name = $2; cell = substr($0, length($1 " " $2) + 2)
			row = name; ifc = ""
			if (split(name, p, "/") == 2) { row = p[1]; ifc = p[2] }
			if (!(row in seenrow)) { seenrow[row] = 1; order[++nrows] = row }
			key = row SUBSEP fs
			if (!(key in first)) first[key] = cell
			else if (first[key] != cell) mixed[key] = 1
			# interfaces grouped by cell, in order
			if (!((key, cell) in grp)) { grp[key, cell] = ifc; cells[key] = cells[key] SUBSEP cell }
			else grp[key, cell] = grp[key, cell] "," ifc
		}
		END {
			nfs = split(fslist, F, " ")
			w0 = length("condition")
			for (i = 1; i <= nrows; i++) if (length(order[i]) > w0) w0 = length(order[i])
			for (j = 1; j <= nfs; j++) {
				w[j] = length(F[j])
				for (i = 1; i <= nrows; i++) {
					key = order[i] SUBSEP F[j]
					if (!(key in first)) text[i, j] = "-"
					else if (!(key in mixed)) text[i, j] = first[key]
					else {
						m = split(substr(cells[key], 2), cl, SUBSEP); t = ""
						for (c = 1; c <= m; c++)
							t = t (c > 1 ? "; " : "") grp[key, cl[c]] ": " cl[c]
						text[i, j] = t
					}
					if (length(text[i, j]) > w[j]) w[j] = length(text[i, j])
				}
			}
			line = sprintf("%-" w0 "s", "condition")
			for (j = 1; j <= nfs; j++) line = line sprintf("  %-" w[j] "s", F[j])
			print line
			line = sprintf("%-" w0 "s", ""); gsub(/ /, "-", line)
			for (j = 1; j <= nfs; j++) { d = sprintf("%-" w[j] "s", ""); gsub(/ /, "-", d); line = line "  " d }
			print line
			for (i = 1; i <= nrows; i++) {
				line = sprintf("%-" w0 "s", order[i])
				for (j = 1; j <= nfs; j++) line = line sprintf("  %-" w[j] "s", text[i, j])
				sub(/ +$/, "", line)
				print line
			}
		}' "$cells"
	echo
	echo "Cells: the outcome of RWF_NOWAIT through pwritev2/preadv2, libaio and io_uring (listed"
	echo "per interface where they differ). ok = done with the right data; short = exactly the"
	echo "cached part; read-in = a nowait read of uncached data did the I/O itself and returned it;"
	echo "EAGAIN (needless) = refused though nothing would have blocked;"
	echo "blocking-bio = succeeded, but the device got no REQ_NOWAIT request (it could have"
	echo "waited there); readahead = a refused read still started I/O; FAIL:X = X is outside"
	echo "what nowait_conformance.c accepts for that filesystem; n/a, SKIP: not run (see KTAP)."
}

if [[ " $filesystems " == *" rnwfs "* ]]; then ktap_plan $((n + 2)); else ktap_plan 0; fi
for fs in $filesystems; do
	FS_TYPE=$fs FS_BROKEN= fs_loaded_module=0
	fs_init
	fs_log_mark "nowait conformance on $fs"	# not in ktap_result's subshell: finish reads it
	if [ "$fs" != rnwfs ]; then
		reference_step "setup (mkfs, mount)" setup
		mountpoint -q "$FS_MNT" && run_program "$fs"
		reference_step "umount, fsck, kernel log" finish
		fs_done
		continue
	fi
	ktap_result "$fs: setup (mkfs, mount)" setup
	if mountpoint -q "$FS_MNT"; then
		run_program "$fs"
	else
		while read -r name; do
			ktap_result "$fs: $name" fail_with "not run: $fs could not be set up"
			echo "$fs $name FAIL:no-fs" >>"$cells"
		done <<<"$names"
	fi
	ktap_result "$fs: umount, fsck, kernel log" finish
	fs_done
done

table >"$work/table.txt"
sed 's/^/# /' "$work/table.txt"
if [ -s "$work/reference" ]; then
	echo "# reference filesystems (not counted in this suite's results):"
	sed 's/^/#   /' "$work/reference"
fi
[ -n "${RNW_OUT:-}" ] && cp "$work/table.txt" "$RNW_OUT/nowait-table.txt"
rm -rf "$work"
ktap_exit
