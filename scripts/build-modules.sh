#!/usr/bin/env bash
# Build the kernel modules (and the guest-side test programs) against the test kernel.
#   build-modules.sh          build
#   build-modules.sh clean    remove what it built
set -euo pipefail
here=$(dirname "$0")
. "$here/kernel-env.sh"
kdir=$("$here/build-kernel.sh")
if [ "${1:-}" = clean ]; then
	make -s -C "$kdir" M="$RNW_ROOT" LLVM=-19 clean
	make -s -C "$kdir" M="$RNW_ROOT/selftests/kmod" LLVM=-19 clean
	make -s -C "$RNW_ROOT/selftests" KDIR="$kdir" clean
	exit 0
fi
make -s -C "$kdir" M="$RNW_ROOT" LLVM=-19 -j"$(nproc)" modules
make -s -C "$kdir" M="$RNW_ROOT/selftests/kmod" LLVM=-19 modules
make -s -C "$RNW_ROOT/selftests" KDIR="$kdir" -j"$(nproc)"
