#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rnwblk driven by clients nobody here wrote: Debian's fio, xfs_io (xfsprogs), dd and
# blkdiscard. Data integrity through every fio ioengine, polled completions, and every
# nowait outcome checked from both sides (EAGAIN where the device would block, success
# where it would not), cross-checked against the device's debugfs counters; fault injection.
#
# Runs as root in the guest (selftests/run-guest.sh) with rnwblk loaded with default
# parameters (/dev/rnwblk0: 1 GiB, bs 512, poll_queues=1, irqmode=1) and debugfs mounted.
# Prints one KTAP document on stdout; exits 1 if any test failed. RNW_CLIENTS_FILTER=REGEX
# runs only the tests whose names match (the others are reported as skipped).
set -u

DEV=/dev/rnwblk0
DBG=/sys/kernel/debug/rnwblk/rnwblk0
MiB=$((1024 * 1024))
TMP=$(mktemp -d /tmp/rnwblk-clients.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

KNOB_DEFAULTS="irqmode=1 completion_nsec=10000 max_inflight=0 fail_every=0 again_every=0
congested=0 nowait_alloc=0"

# ---- device helpers ----------------------------------------------------------------------
# A counter's value (no exec: process start-up is slow under TCG).
cnt() {
	local k v
	while read -r k v; do
		[ "$k" = "$1" ] && { echo "$v"; return; }
	done <"$DBG/counters"
	echo "missing"
}
knob() { echo "$2" >"$DBG/$1"; }

# Every knob back to its default, read back; non-zero (and a message) if one did not stick.
reset_knobs() {
	local kv k v ret=0
	for kv in $KNOB_DEFAULTS; do
		k=${kv%%=*} v=${kv#*=}
		echo "$v" >"$DBG/$k" 2>/dev/null
		if [ "$(cat "$DBG/$k" 2>/dev/null)" != "$v" ]; then
			echo "knob $k did not return to $v (reads '$(cat "$DBG/$k" 2>&1)')"
			ret=1
		fi
	done
	return $ret
}

# check DESCRIPTION TEST-COMMAND...: prints FAIL and returns 1 if the command fails.
check() {
	local what=$1
	shift
	"$@" && return 0
	echo "FAIL: $what"
	return 1
}

# Discard a byte range (frees its backing pages: nowait writes there need an allocation).
discard() { blkdiscard -o "$1" -l "$2" "$DEV"; }

# A file of LEN bytes of one byte value (octal escape for tr, e.g. 132 for 0x5a).
pattern() { head -c "$2" /dev/zero | tr '\0' "\\$3" >"$1"; }

# The device's bytes [OFF, OFF+LEN) through O_DIRECT, into FILE.
read_direct() { dd if="$DEV" of="$3" bs=4096 skip=$(($1 / 4096)) count=$(($2 / 4096)) iflag=direct status=none; }

# ---- fio -----------------------------------------------------------------------------------
# fio keeps its job table in SysV shared memory (the test kernel has CONFIG_SYSVIPC); if it
# cannot start at all, its tests are skipped with the reason.
FIO_SKIP=

fio_setup() {
	command -v fio >/dev/null || { FIO_SKIP="fio not installed"; return; }
	fio --name=probe --ioengine=null --rw=read --size=4k --output=/dev/null >"$TMP/probe.log" 2>&1 ||
		FIO_SKIP="fio does not start: $(head -n 1 "$TMP/probe.log")"
}

# fio_run JSON JOB-ARGS...: runs one fio invocation on the device (O_DIRECT, JSON into
# JSON, 120 s limit); shows the command line and fio's stderr as diagnostics; returns fio's
# exit status. Jobs are serialized with --stonewall where it matters: fio starts slowly under
# TCG (it links 64 libraries), so a test runs its jobs in one invocation.
fio_run() {
	local json=$1 rc start=$SECONDS
	shift
	echo "fio --filename=$DEV --direct=1 --verify_state_save=0 $*"
	timeout 120 fio --filename="$DEV" --direct=1 --verify_state_save=0 --output-format=json \
		--output="$json" "$@" >"$TMP/fio.err" 2>&1
	rc=$?
	[ "$rc" = 124 ] && echo "fio did not finish within 120 s"
	sed -n '1,5p' "$TMP/fio.err"
	echo "fio exit status $rc after $((SECONDS - start)) s"
	return $rc
}

# fio_job JSON N: sets err total_err first_err r_bytes w_bytes r_ios w_ios from job N (from
# 1) of fio's JSON output (total_err/first_err are 0 unless continue_on_error is active).
# fio pretty-prints one key per line; awk follows the nesting.
fio_job() {
	local vars
	vars=$(awk -v want="job$2" '
		/^[ \t]*"[^"]*"[ \t]*:[ \t]*[[{][ \t]*$/ { match($0, /"[^"]*"/); st[++d] = substr($0, RSTART + 1, RLENGTH - 2); next }
		/^[ \t]*[[{][ \t]*$/ { st[d + 1] = (d > 0 && st[d] == "jobs") ? "job" (++jn) : "[]"; d++; next }
		/^[ \t]*[]}],?[ \t]*$/ { d--; next }
		/^[ \t]*"[^"]*"[ \t]*:/ {
			match($0, /"[^"]*"/); k = substr($0, RSTART + 1, RLENGTH - 2)
			v = $0; sub(/^[^:]*:[ \t]*/, "", v); sub(/,[ \t]*$/, "", v)
			p = ""; for (i = 1; i <= d; i++) p = p st[i] "/"
			if (!((p k) in val)) val[p k] = v
		}
		END {
			j = "[]/jobs/" want "/"
			if (!((j "error") in val)) exit 1
			printf "name=%s err=%d total_err=%d first_err=%d r_bytes=%d w_bytes=%d r_ios=%d w_ios=%d\n",
				val[j "jobname"], val[j "error"], val[j "total_err"], val[j "first_error"],
				val[j "read/io_bytes"], val[j "write/io_bytes"],
				val[j "read/total_ios"], val[j "write/total_ios"]
		}' "$1") || { echo "cannot find job $2 in fio output $1"; return 1; }
	eval "$vars"
	echo "fio job $2: $vars"
}

need_fio() {
	if [ -n "$FIO_SKIP" ]; then
		echo "$FIO_SKIP" >"$TMP/skip"
		return 4
	fi
}

# prefill OFF LEN: write the range with blocking direct I/O (dd), so its backing pages exist.
prefill() {
	pattern "$TMP/fill" "$2" 245 # 0xa5
	check "prefill $2 bytes at $1 (dd oflag=direct)" dd if="$TMP/fill" of="$DEV" bs=1M \
		seek=$(($1 / MiB)) oflag=direct conv=notrunc status=none
}

AGAIN_COUNTERS="again_alloc again_budget again_congested again_injected"
again_sum() { local c s=0; for c in $AGAIN_COUNTERS; do s=$((s + $(cnt $c))); done; echo $s; }
qd() { [ "$1" = pvsync2 ] || [ "$1" = psync ] || echo "--iodepth=$2"; }

# ---- tests ---------------------------------------------------------------------------------

# fio randwrite with random block sizes and crc32c verify through one ioengine, on
# never-written space: fio succeeds, reads back everything it wrote, and the device carried
# at least those bytes.
fio_verify() { # ENGINE OFFSET
	local engine=$1 off=$2 size=$((8 * MiB)) wb rb again
	need_fio || return
	check "discard the region" discard "$off" "$size" || return 1
	wb=$(cnt write_bytes) rb=$(cnt read_bytes) again=$(cnt again_alloc)
	fio_run "$TMP/v.json" --name="verify-$engine" --ioengine="$engine" $(qd "$engine" 16) \
		--rw=randwrite --bsrange=4k-64k --offset="$off" --size="$size" --verify=crc32c \
		--verify_fatal=1
	check "fio exit status 0" [ $? = 0 ] || return 1
	fio_job "$TMP/v.json" 1 || return 1
	check "fio reports no error" [ "$err" = 0 ] || return 1
	check "fio wrote the whole region" [ "$w_bytes" = "$size" ] || return 1
	check "the verify phase read back all it wrote" [ "$r_bytes" = "$w_bytes" ] || return 1
	check "device write_bytes rose by >= $w_bytes" [ $(($(cnt write_bytes) - wb)) -ge "$w_bytes" ] || return 1
	check "device read_bytes rose by >= $r_bytes" [ $(($(cnt read_bytes) - rb)) -ge "$r_bytes" ] || return 1
	again=$(($(cnt again_alloc) - again))
	if [ "$engine" = io_uring ]; then
		# io_uring issues nowait first and retries blocking: fio never sees the EAGAIN.
		echo "again_alloc rose by $again: io_uring's nowait attempts, retried blocking"
	else
		check "a blocking client never gets AGAIN (again_alloc rose by $again)" [ "$again" = 0 ]
	fi
}
t_fio_verify_io_uring() { fio_verify io_uring $((64 * MiB)); }
t_fio_verify_libaio() { fio_verify libaio $((96 * MiB)); }
t_fio_verify_psync() { fio_verify psync $((128 * MiB)); }
t_fio_verify_pvsync2() { fio_verify pvsync2 $((160 * MiB)); }

# io_uring with hipri (IORING_SETUP_IOPOLL) on the poll queue: verified writes and reads
# succeed, and every one of them was completed by polling.
t_fio_hipri_io_uring_polled() {
	local off=$((192 * MiB)) size=$((2 * MiB)) polled
	need_fio || return
	check "discard the region" discard "$off" "$size" || return 1
	polled=$(cnt polled)
	fio_run "$TMP/hp.json" --name=hipri --ioengine=io_uring --hipri=1 --iodepth=8 \
		--rw=randwrite --bs=4k --offset="$off" --size="$size" --verify=crc32c --verify_fatal=1
	check "fio exit status 0" [ $? = 0 ] || return 1
	fio_job "$TMP/hp.json" 1 || return 1
	check "fio reports no error" [ "$err" = 0 ] || return 1
	check "fio wrote and verified the region" eval '[ "$w_bytes" = "$size" ] && [ "$r_bytes" = "$size" ]' || return 1
	polled=$(($(cnt polled) - polled))
	echo "polled completions: $polled for $((r_ios + w_ios)) I/Os"
	check "the device's polled counter rose by >= $((r_ios + w_ios))" [ "$polled" -ge $((r_ios + w_ios)) ]
}

# On written space of an idle device, fio --nowait=1 (RWF_NOWAIT) reads and overwrites
# through pvsync2, io_uring and libaio all succeed: no error, no AGAIN of any cause, and the
# device saw them as nowait requests.
t_fio_nowait_succeeds_when_nothing_blocks() {
	local off=$((256 * MiB)) size=$((2 * MiB)) e n ios=0 again nowait
	need_fio || return
	prefill "$off" "$size" || return 1
	again=$(again_sum) nowait=$(cnt nowait_requests)
	fio_run "$TMP/nw.json" $(for e in pvsync2 io_uring libaio; do
		echo --name="nowait-$e" --ioengine="$e" $(qd $e 8) --nowait=1 --rw=randrw --bs=4k \
			--offset="$off" --size="$size" --stonewall
	done)
	check "fio exit status 0" [ $? = 0 ] || return 1
	for n in 1 2 3; do
		fio_job "$TMP/nw.json" $n || return 1
		check "$name: no error" [ "$err" = 0 ] || return 1
		check "$name: did the whole region" [ $((r_bytes + w_bytes)) = "$size" ] || return 1
		ios=$((ios + r_ios + w_ios))
	done
	check "no AGAIN of any cause" [ "$(again_sum)" = "$again" ] || return 1
	check "the device saw >= $ios nowait requests" [ $(($(cnt nowait_requests) - nowait)) -ge $ios ]
}

# congested=1: every fio --nowait=1 read and write (pvsync2, io_uring, libaio) fails with
# EAGAIN, which fio reports (ignore_error=EAGAIN,EAGAIN: fio carries on and counts), each
# one an again_congested; blocking fio I/O (psync) is served meanwhile, by the worker.
# congested=0: the same nowait I/O succeeds.
t_fio_nowait_congested_gets_eagain() {
	local off=$((264 * MiB)) size=$MiB e n errs=0 again punted
	need_fio || return
	prefill "$off" "$size" || return 1
	check "set congested=1" knob congested 1 || return 1
	again=$(cnt again_congested) punted=$(cnt punted)
	fio_run "$TMP/c.json" $(for e in pvsync2 io_uring libaio; do
		echo --name="congested-$e" --ioengine="$e" $(qd $e 8) --nowait=1 \
			--ignore_error=EAGAIN,EAGAIN --rw=randrw --bs=4k --offset="$off" --size="$size" \
			--stonewall
	done) --name=congested-blocking --ioengine=psync --rw=randrw --bs=4k --offset="$off" \
		--size="$size" --stonewall
	check "fio exit status 0 (EAGAIN ignored)" [ $? = 0 ] || return 1
	for n in 1 2 3; do
		fio_job "$TMP/c.json" $n || return 1
		check "$name: fio's error is EAGAIN (11)" eval '[ "$err" = 11 ] && [ "$first_err" = 11 ]' || return 1
		check "$name: all 256 I/Os failed" [ "$total_err" = 256 ] || return 1
		check "$name: no byte was transferred" eval '[ "$r_bytes" = 0 ] && [ "$w_bytes" = 0 ]' || return 1
		errs=$((errs + total_err))
	done
	again=$(($(cnt again_congested) - again))
	check "again_congested rose by $again, fio saw $errs EAGAIN" [ "$again" = "$errs" ] || return 1
	fio_job "$TMP/c.json" 4 || return 1
	check "$name: no error, all done" eval '[ "$err" = 0 ] && [ $((r_bytes + w_bytes)) = "$size" ]' || return 1
	check "blocking I/O was punted to the worker" [ $(($(cnt punted) - punted)) -ge $((r_ios + w_ios)) ] || return 1

	check "set congested=0" knob congested 0 || return 1
	again=$(again_sum)
	fio_run "$TMP/c.json" --name=uncongested --ioengine=pvsync2 --nowait=1 --rw=randrw --bs=4k \
		--offset="$off" --size="$size"
	check "fio exit status 0" [ $? = 0 ] || return 1
	fio_job "$TMP/c.json" 1 || return 1
	check "$name: no error, all done" eval '[ "$err" = 0 ] && [ $((r_bytes + w_bytes)) = "$size" ]' || return 1
	check "no AGAIN" [ "$(again_sum)" = "$again" ]
}

# fio --nowait=1 writes to never-written space need backing pages: every one fails with
# EAGAIN (again_alloc), nothing is allocated; after blocking writes of the range the same
# nowait writes succeed without AGAIN.
t_fio_nowait_write_to_unwritten_space() {
	local off=$((272 * MiB)) size=$MiB e n errs=0 again pages
	need_fio || return
	check "discard the region" discard "$off" "$size" || return 1
	again=$(cnt again_alloc) pages=$(cnt pages)
	fio_run "$TMP/u.json" $(for e in pvsync2 io_uring; do
		echo --name="unwritten-$e" --ioengine="$e" $(qd $e 8) --nowait=1 \
			--ignore_error=EAGAIN,EAGAIN --rw=write --bs=4k --offset="$off" --size="$size" \
			--stonewall
	done)
	check "fio exit status 0 (EAGAIN ignored)" [ $? = 0 ] || return 1
	for n in 1 2; do
		fio_job "$TMP/u.json" $n || return 1
		check "$name: every write failed with EAGAIN" \
			eval '[ "$err" = 11 ] && [ "$total_err" = 256 ] && [ "$w_bytes" = 0 ]' || return 1
		errs=$((errs + total_err))
	done
	again=$(($(cnt again_alloc) - again))
	check "again_alloc rose by $again, fio saw $errs EAGAIN" [ "$again" = "$errs" ] || return 1
	check "no backing page was allocated" [ "$(cnt pages)" = "$pages" ] || return 1

	prefill "$off" "$size" || return 1
	again=$(cnt again_alloc)
	fio_run "$TMP/u.json" --name=written --ioengine=pvsync2 --nowait=1 --rw=write --bs=4k \
		--offset="$off" --size="$size"
	check "fio exit status 0" [ $? = 0 ] || return 1
	fio_job "$TMP/u.json" 1 || return 1
	check "$name: no error, all written" eval '[ "$err" = 0 ] && [ "$w_bytes" = "$size" ]' || return 1
	check "no again_alloc" [ "$(cnt again_alloc)" = "$again" ]
}

# again_every=2: exactly every second nowait request gets EAGAIN (128 of fio's 256 nowait
# reads fail, again_injected agrees); blocking reads are never touched.
t_fio_again_every_hits_nowait_only() {
	local off=$((280 * MiB)) size=$MiB again
	need_fio || return
	prefill "$off" "$size" || return 1
	check "set again_every=2" knob again_every 2 || return 1
	again=$(cnt again_injected)
	fio_run "$TMP/a.json" --name=again-every-nowait --ioengine=pvsync2 --nowait=1 \
		--ignore_error=EAGAIN,EAGAIN --rw=randread --bs=4k --offset="$off" --size="$size" \
		--name=again-every-blocking --ioengine=psync --rw=randread --bs=4k --offset="$off" \
		--size="$size" --stonewall
	check "fio exit status 0 (EAGAIN ignored)" [ $? = 0 ] || return 1
	again=$(($(cnt again_injected) - again))
	fio_job "$TMP/a.json" 1 || return 1
	check "$name: half of the 256 reads failed with EAGAIN" eval '[ "$err" = 11 ] && [ "$total_err" = 128 ]' || return 1
	check "$name: the other half read data" [ "$r_bytes" = $((128 * 4096)) ] || return 1
	check "again_injected rose by $again, as many as fio's nowait EAGAINs" [ "$again" = "$total_err" ] || return 1
	fio_job "$TMP/a.json" 2 || return 1
	check "$name: no error, all read" eval '[ "$err" = 0 ] && [ "$r_bytes" = "$size" ]'
}

# In-flight budget: timer completions (2 ms) and max_inflight=2. Blocking libaio at QD 16
# waits for room and verifies (budget_waits rises); nowait io_uring at QD 16 gets EAGAIN
# for what does not fit, each one an again_budget, and data for the rest.
t_fio_inflight_budget() {
	local off=$((288 * MiB)) size=$MiB waits again
	need_fio || return
	check "timer mode, 2 ms, max_inflight=2" \
		eval 'knob irqmode 2 && knob completion_nsec 2000000 && knob max_inflight 2' || return 1
	waits=$(cnt budget_waits) again=$(cnt again_budget)
	fio_run "$TMP/q.json" --name=budget-blocking --ioengine=libaio --iodepth=16 \
		--rw=randwrite --bs=4k --offset="$off" --size="$size" --verify=crc32c --verify_fatal=1 \
		--name=budget-nowait --ioengine=io_uring --iodepth=16 --nowait=1 \
		--ignore_error=EAGAIN,EAGAIN --rw=randread --bs=4k --offset="$off" --size="$size" \
		--stonewall
	check "fio exit status 0 (EAGAIN ignored)" [ $? = 0 ] || return 1
	waits=$(($(cnt budget_waits) - waits)) again=$(($(cnt again_budget) - again))
	fio_job "$TMP/q.json" 1 || return 1
	check "$name: no error, written and verified" \
		eval '[ "$err" = 0 ] && [ "$w_bytes" = "$size" ] && [ "$r_bytes" = "$size" ]' || return 1
	check "blocking requests waited for budget ($waits times)" [ "$waits" -gt 0 ] || return 1
	fio_job "$TMP/q.json" 2 || return 1
	check "$name: some reads got EAGAIN, some data" \
		eval '[ "$err" = 11 ] && [ "$total_err" -gt 0 ] && [ "$r_bytes" -gt 0 ]' || return 1
	check "$name: EAGAINs and reads add up to 256" [ $((total_err + r_bytes / 4096)) = 256 ] || return 1
	check "again_budget rose by $again, fio saw $total_err EAGAIN" [ "$again" = "$total_err" ] || return 1
	check "nothing left in flight" [ "$(cnt inflight)" = 0 ]
}

# xfs_io pwrite -N (RWF_NOWAIT, pwritev2 via -V 1) with O_DIRECT on an emptied device:
# EAGAIN, again_alloc +1, nothing written; after a blocking pwrite the same nowait pwrite
# succeeds, and the data read back (dd iflag=direct, xfs_io pread -v) is the nowait write's.
t_xfs_io_nowait_pwrite_needs_allocation() {
	local off=$((600 * MiB)) len=8192 again nowait out rc
	command -v xfs_io >/dev/null || { echo "xfs_io not installed" >"$TMP/skip"; return 4; }
	check "blkdiscard the whole device" blkdiscard "$DEV" || return 1
	check "no backing pages after discard" [ "$(cnt pages)" = 0 ] || return 1
	again=$(cnt again_alloc)
	out=$(xfs_io -d -c "pwrite -N -V 1 -S 0x5a $off $len" "$DEV" 2>&1)
	rc=$?
	echo "xfs_io -d -c 'pwrite -N -V 1 -S 0x5a $off $len' (unwritten): rc $rc: $out"
	check "nowait pwrite failed with EAGAIN" eval '[ "$rc" != 0 ] && grep -q "Resource temporarily unavailable" <<<"$out"' || return 1
	check "again_alloc rose by 1" [ "$(cnt again_alloc)" = $((again + 1)) ] || return 1
	check "nothing was allocated" [ "$(cnt pages)" = 0 ] || return 1
	read_direct "$off" "$len" "$TMP/got"
	check "the range still reads as zeros" cmp -s -n "$len" "$TMP/got" /dev/zero || return 1

	out=$(xfs_io -d -c "pwrite -S 0xab $off $len" "$DEV" 2>&1)
	rc=$?
	echo "xfs_io -d -c 'pwrite -S 0xab $off $len': rc $rc: $(head -n 1 <<<"$out")"
	check "blocking pwrite succeeded" eval '[ "$rc" = 0 ] && grep -q "wrote $len/$len bytes" <<<"$out"' || return 1
	check "it allocated 2 pages" [ "$(cnt pages)" = 2 ] || return 1

	again=$(cnt again_alloc) nowait=$(cnt nowait_requests)
	out=$(xfs_io -d -c "pwrite -N -V 1 -S 0x5a $off $len" "$DEV" 2>&1)
	rc=$?
	echo "xfs_io -d -c 'pwrite -N -V 1 -S 0x5a $off $len' (written): rc $rc: $(head -n 1 <<<"$out")"
	check "nowait pwrite succeeded" eval '[ "$rc" = 0 ] && grep -q "wrote $len/$len bytes" <<<"$out"' || return 1
	check "as a nowait request" [ "$(cnt nowait_requests)" -gt "$nowait" ] || return 1
	check "without AGAIN" [ "$(cnt again_alloc)" = "$again" ] || return 1
	pattern "$TMP/want" "$len" 132 # 0x5a
	read_direct "$off" "$len" "$TMP/got"
	check "dd iflag=direct reads back the nowait write's 0x5a" cmp -s "$TMP/got" "$TMP/want" || return 1
	out=$(xfs_io -d -c "pread -v $off 512" "$DEV" 2>&1)
	echo "xfs_io -d -c 'pread -v $off 512': $(head -n 1 <<<"$out")"
	check "xfs_io pread -v agrees" grep -q ':  5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a' <<<"$out"
}

# congested=1: xfs_io's nowait pwrite to written space fails with EAGAIN (again_congested)
# and changes nothing; a blocking pwrite is served (punted); congested=0 and nowait works.
t_xfs_io_nowait_pwrite_congested() {
	local off=$((608 * MiB)) len=4096 again punted out rc
	command -v xfs_io >/dev/null || { echo "xfs_io not installed" >"$TMP/skip"; return 4; }
	check "blocking pwrite 0x11" xfs_io -d -c "pwrite -q -S 0x11 $off $len" "$DEV" || return 1
	check "set congested=1" knob congested 1 || return 1
	again=$(cnt again_congested)
	out=$(xfs_io -d -c "pwrite -N -V 1 -S 0x22 $off $len" "$DEV" 2>&1)
	rc=$?
	echo "xfs_io -d -c 'pwrite -N -V 1 -S 0x22 $off $len' (congested): rc $rc: $out"
	check "nowait pwrite failed with EAGAIN" eval '[ "$rc" != 0 ] && grep -q "Resource temporarily unavailable" <<<"$out"' || return 1
	check "again_congested rose by 1" [ "$(cnt again_congested)" = $((again + 1)) ] || return 1
	pattern "$TMP/want" "$len" 021 # 0x11
	read_direct "$off" "$len" "$TMP/got"
	check "the data is unchanged (0x11)" cmp -s "$TMP/got" "$TMP/want" || return 1
	punted=$(cnt punted)
	check "blocking pwrite 0x33 while congested" xfs_io -d -c "pwrite -q -S 0x33 $off $len" "$DEV" || return 1
	check "it was punted to the worker" [ "$(cnt punted)" -gt "$punted" ] || return 1
	check "set congested=0" knob congested 0 || return 1
	check "nowait pwrite 0x44 after congested=0" xfs_io -d -c "pwrite -q -N -V 1 -S 0x44 $off $len" "$DEV" || return 1
	pattern "$TMP/want" "$len" 104 # 0x44
	read_direct "$off" "$len" "$TMP/got"
	check "the data is the last write's (0x44)" cmp -s "$TMP/got" "$TMP/want"
}

# fail_every=1: a direct read and a direct write by dd fail with EIO (eio_injected rises),
# in bounded time; with fail_every=0 the device reads again, data as before the failed write.
t_dd_fail_every_eio() {
	local off=$((616 * MiB)) eio out rc
	pattern "$TMP/want" 4096 145 # 0x65
	check "blocking write of the pattern" dd if="$TMP/want" of="$DEV" bs=4096 seek=$((off / 4096)) \
		oflag=direct conv=notrunc status=none || return 1
	check "set fail_every=1" knob fail_every 1 || return 1
	eio=$(cnt eio_injected)
	out=$(timeout 30 dd if="$DEV" of=/dev/null bs=4096 skip=$((off / 4096)) count=1 iflag=direct 2>&1)
	rc=$?
	echo "dd read: rc $rc: $(head -n 1 <<<"$out")"
	check "dd read did not hang" eval '[ "$rc" != 124 ] && [ "$rc" != 137 ]' || return 1
	check "dd read failed with EIO" eval '[ "$rc" != 0 ] && grep -q "Input/output error" <<<"$out"' || return 1
	check "eio_injected rose" [ "$(cnt eio_injected)" -gt "$eio" ] || return 1
	eio=$(cnt eio_injected)
	pattern "$TMP/other" 4096 146 # 0x66
	out=$(timeout 30 dd if="$TMP/other" of="$DEV" bs=4096 seek=$((off / 4096)) oflag=direct conv=notrunc 2>&1)
	rc=$?
	echo "dd write: rc $rc: $(head -n 1 <<<"$out")"
	check "dd write did not hang" eval '[ "$rc" != 124 ] && [ "$rc" != 137 ]' || return 1
	check "dd write failed with EIO" eval '[ "$rc" != 0 ] && grep -q "Input/output error" <<<"$out"' || return 1
	check "eio_injected rose" [ "$(cnt eio_injected)" -gt "$eio" ] || return 1
	check "set fail_every=0" knob fail_every 0 || return 1
	read_direct "$off" 4096 "$TMP/got"
	check "the device reads again, data unchanged by the failed write" cmp -s "$TMP/got" "$TMP/want"
}

# fail_every=3 under fio --continue_on_error=all: a third of 256 reads fail with EIO, fio
# counts exactly what the device injected, returns data for the rest and finishes.
t_fio_fail_every_counts_eio() {
	local off=$((624 * MiB)) size=$MiB eio rc
	need_fio || return
	prefill "$off" "$size" || return 1
	check "set fail_every=3" knob fail_every 3 || return 1
	eio=$(cnt eio_injected)
	fio_run "$TMP/e.json" --name=fail-every --ioengine=psync --continue_on_error=all \
		--rw=randread --bs=4k --offset="$off" --size="$size"
	rc=$?
	check "fio finished" eval '[ "$rc" != 124 ] && [ "$rc" != 137 ]' || return 1
	eio=$(($(cnt eio_injected) - eio))
	fio_job "$TMP/e.json" 1 || return 1
	check "fio's error is EIO (5)" eval '[ "$err" = 5 ] && [ "$first_err" = 5 ]' || return 1
	check "85 or 86 of 256 reads failed: $total_err" eval '[ "$total_err" -ge 85 ] && [ "$total_err" -le 86 ]' || return 1
	check "eio_injected rose by $eio, fio saw $total_err EIO" [ "$eio" = "$total_err" ] || return 1
	check "the other reads returned data" [ "$r_bytes" = $(((256 - total_err) * 4096)) ]
}

TESTS=(
	fio_verify_io_uring
	fio_verify_libaio
	fio_verify_psync
	fio_verify_pvsync2
	fio_hipri_io_uring_polled
	fio_nowait_succeeds_when_nothing_blocks
	fio_nowait_congested_gets_eagain
	fio_nowait_write_to_unwritten_space
	fio_again_every_hits_nowait_only
	fio_inflight_budget
	xfs_io_nowait_pwrite_needs_allocation
	xfs_io_nowait_pwrite_congested
	dd_fail_every_eio
	fio_fail_every_counts_eio
)

echo "TAP version 13"
echo "1..${#TESTS[@]}"

if [ ! -b "$DEV" ] || [ ! -r "$DBG/counters" ]; then
	echo "# $DEV or $DBG missing: is rnwblk loaded and debugfs mounted?"
	for i in "${!TESTS[@]}"; do echo "not ok $((i + 1)) ${TESTS[$i]}"; done
	exit 1
fi

start=$SECONDS
fio_setup
[ -n "$FIO_SKIP" ] && echo "# fio: $FIO_SKIP"

status=0
for i in "${!TESTS[@]}"; do
	n=$((i + 1)) name=${TESTS[$i]}
	if [ -n "${RNW_CLIENTS_FILTER:-}" ] && ! [[ $name =~ $RNW_CLIENTS_FILTER ]]; then
		echo "ok $n $name # SKIP not selected by RNW_CLIENTS_FILTER"
		continue
	fi
	rm -f "$TMP/skip"
	reset_knobs >"$TMP/log" 2>&1
	start=$SECONDS
	("t_$name") >>"$TMP/log" 2>&1
	rc=$?
	reset_knobs >>"$TMP/log" 2>&1 || rc=1
	sed 's/^/# /' "$TMP/log"
	echo "# ($((SECONDS - start)) s)"
	if [ "$rc" = 4 ] && [ -f "$TMP/skip" ]; then
		echo "ok $n $name # SKIP $(cat "$TMP/skip")"
	elif [ "$rc" = 0 ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		status=1
	fi
done
exit $status
