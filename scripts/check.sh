#!/usr/bin/env bash
# The test command (README, .ci/run): install what is missing, build the kernel and the
# modules, run the host tests and the guest selftests, and end with the line
#   N passed, N failed, N skipped
# RNW_CHECK_QUICK=1 skips the runner's own guest tests (three extra boots).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

stage() { printf '\n=== %s (%s)\n' "$1" "$(date +%T)"; }
die() { echo "check: $*" >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

start=$SECONDS
stage toolchain
"$here/setup-toolchain.sh" || die "toolchain setup failed"
stage "test kernel"
kdir=$("$here/build-kernel.sh") || die "test kernel build failed"
echo "kernel tree: $kdir"
stage modules
"$here/build-modules.sh" || die "module build failed"
stage "userspace tools"
"$here/build-tools.sh" || die "tool build failed"

results=$(mktemp -d /tmp/rnw-check.XXXXXX)
stage "host tests"
"$here/cargo-ktap.sh" | tee "$results/ktap-cargo.txt"
"$here/fuzz-rnwfs.sh" 60 | tee "$results/ktap-fuzz.txt"
runner_args=()
[ "${RNW_CHECK_QUICK:-0}" = 1 ] && runner_args=(--no-guest)
selftests/host/runner_test.sh "${runner_args[@]}" | tee "$results/ktap-runner.txt"
selftests/host/layer_test.sh | tee "$results/ktap-layer.txt"
selftests/host/lint_test.sh | tee "$results/ktap-lint.txt"

stage "guest selftests"
vm_status="ok 1 guest_run_exit_status_and_kernel_log_clean"
if ! "$here/vm-run.sh" --timeout 3600 --out "$results/guest" -- selftests/run-guest.sh; then
	vm_status="not ok 1 guest_run_exit_status_and_kernel_log_clean"
fi
{ echo "KTAP version 1"; echo "1..1"; echo "$vm_status"; } | tee "$results/ktap-vm.txt"

stage "summary ($((SECONDS - start)) s, results in $results)"
"$here/ktap-summary.sh" "$results/ktap-cargo.txt" "$results/ktap-fuzz.txt" "$results/ktap-runner.txt" "$results/ktap-layer.txt" \
	"$results/ktap-lint.txt" "$results/guest/ktap-guest.txt" "$results/ktap-vm.txt"
