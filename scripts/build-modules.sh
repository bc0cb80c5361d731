#!/usr/bin/env bash
# Build the kernel modules (and the guest-side test programs) against the test kernel.
#   build-modules.sh          build
#   build-modules.sh clean    remove what it built
set -euo pipefail
here=$(dirname "$0")
. "$here/kernel-env.sh"
if [ "${1:-}" = clean ]; then
	# Never build a kernel just to clean: without one, remove what kbuild would.
	if kdir=$(KDIR=${KDIR:-$(rnw_cached_kdir)} "$here/build-kernel.sh" 2>/dev/null); then
		make -s -C "$kdir" M="$RNW_ROOT" LLVM=-19 clean
		make -s -C "$kdir" M="$RNW_ROOT/selftests/kmod" LLVM=-19 clean
	else
		find "$RNW_ROOT/rust" "$RNW_ROOT/selftests/kmod" "$RNW_ROOT" -maxdepth 3 \
			\( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
			-o -name '*_generated.rs' -o -name Module.symvers -o -name modules.order \) -delete
	fi
	rm -rf "$RNW_ROOT/selftests/build"
	exit 0
fi
kdir=$("$here/build-kernel.sh")
# Objects built against another kernel (another variant, RNW_KCONFIG) would not load in
# this one, and kbuild does not notice the change of tree: start over.
stamp=$RNW_ROOT/.rnw-kdir
if [ -f "$stamp" ] && [ "$(cat "$stamp")" != "$kdir" ]; then
	make -s -C "$kdir" M="$RNW_ROOT" LLVM=-19 clean
	make -s -C "$kdir" M="$RNW_ROOT/selftests/kmod" LLVM=-19 clean
fi
echo "$kdir" >"$stamp"
make -s -C "$kdir" M="$RNW_ROOT" LLVM=-19 -j"$(nproc)" modules
make -s -C "$kdir" M="$RNW_ROOT/selftests/kmod" LLVM=-19 modules
make -s -C "$RNW_ROOT/selftests" KDIR="$kdir" -j"$(nproc)"
