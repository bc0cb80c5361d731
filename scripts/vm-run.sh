#!/usr/bin/env bash
# Boot the test kernel under QEMU (virtme-ng, host root over 9p, this repo as the working
# directory), run CMD in the guest, then scan the guest's kernel log.
#   vm-run.sh [--timeout SEC] [--out DIR] [--interactive] -- CMD [ARG...]
# The guest sees $RNW_OUT: a host directory it may write (results, dmesg). The run fails if
# CMD fails, if the guest does not power off within --timeout (hung or panicked guest), or if
# the kernel log shows a lockdep report, BUG, WARNING, Oops, atomic sleep or a call trace.
# RNW_KVM=1 uses KVM (off by default: nested KVM does not boot Linux on our machines).
# RNW_QEMU_OPTS adds QEMU arguments; RNW_GUEST_APPEND adds kernel parameters (after the
# variant's own, RNW_KERNEL_APPEND from kernel-env.sh).
set -euo pipefail
here=$(dirname "$0")
. "$here/kernel-env.sh"

timeout_s=900
out=
interactive=0
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout_s=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--) shift; break ;;
	*) echo "vm-run: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || [ "$interactive" = 1 ] || { echo "vm-run: no guest command" >&2; exit 2; }

kdir=$("$here/build-kernel.sh")
[ -n "$out" ] || out=$(mktemp -d /tmp/rnw-vm.XXXXXX)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# A panic (oops=panic) reboots at once, and QEMU exits on reboot: a crashed guest fails
# fast instead of waiting for the timeout.
kparams="oops=panic panic=-1 loglevel=7 $RNW_KERNEL_APPEND ${RNW_GUEST_APPEND:-}"
accel=(--disable-kvm)
[ "${RNW_KVM:-0}" = 1 ] && accel=()
vng_args=(
	--run "$kdir" "${accel[@]}" --force-9p --disable-microvm
	--cpus 2 --memory 2G --cwd "$RNW_ROOT" --rwdir "$out"
	--append "$kparams"
)
# RNW_QEMU_OPTS: extra QEMU arguments (scripts/bench-rnwblk.sh passes -icount).
[ -n "${RNW_QEMU_OPTS:-}" ] && vng_args+=(--qemu-opts="$RNW_QEMU_OPTS")

if [ "$interactive" = 1 ]; then
	exec vng "${vng_args[@]}"
fi

# CMD runs with RNW_OUT set; its output goes to $out/guest.log (the console log has the
# kernel's messages interleaved), shown below once the guest is done.
# The end marker tells a command that ran to its end from a guest that died under it.
guest_cmd="export RNW_OUT=$out; $(printf '%q ' "$@") >$out/guest.log 2>&1; rc=\$?; echo \$rc >$out/guest-exit; exit \$rc"
echo "vm-run: booting $(basename "$kdir") (timeout ${timeout_s}s, output in $out)"
echo "vm-run: kernel parameters: $kparams"
set +e
timeout --kill-after=15 "$timeout_s" \
	vng "${vng_args[@]}" --verbose --exec "$guest_cmd" </dev/null >"$out/console.log" 2>&1
rc=$?
set -e
cat "$out/guest.log" 2>/dev/null || true

status=0
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "vm-run: FAIL: guest did not finish within ${timeout_s}s (hung or crashed)"
	status=1
elif [ "$rc" != 0 ]; then
	echo "vm-run: FAIL: guest command exited with $rc"
	status=1
elif [ ! -s "$out/guest-exit" ]; then
	echo "vm-run: FAIL: the guest command never reached its end (no end marker)"
	status=1
fi
logs=("$out/console.log")
shopt -s nullglob
logs+=("$out"/dmesg*.txt)
shopt -u nullglob
if ! "$here/scan-kernel-log.sh" "${logs[@]}"; then
	echo "vm-run: FAIL: kernel log shows a problem (full log: $out/console.log)"
	status=1
fi
exit $status
