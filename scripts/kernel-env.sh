# Sourced by the scripts: where the test kernel lives and what keys its cache.
# RNW_CACHE   cache root (default ~/.cache/rnw)
# KDIR        use this kernel build tree instead of the cached test kernel
RNW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RNW_CACHE=${RNW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rnw}
# RNW_KCONFIG  a kernel variant: empty (the test kernel), kasan (rnw-kasan.config on top) or
#              bench (rnw-bench.config on top: the production config the benchmarks boot);
#              each variant is cached apart
RNW_KCONFIG_FRAGMENTS=("$RNW_ROOT/scripts/config/rnw-guest.config")
# RNW_KERNEL_APPEND   kernel parameters the variant needs at boot (vm-run.sh adds them)
RNW_KERNEL_APPEND=
case ${RNW_KCONFIG:-} in
"") ;;
kasan)
	RNW_KCONFIG_FRAGMENTS+=("$RNW_ROOT/scripts/config/rnw-$RNW_KCONFIG.config")
	# TCG's -cpu max offers LA57, but identify_cpu() clears the capability after the early
	# boot code chose 5-level paging: KASAN then checks shadow for the wrong layout and
	# reports a wild-memory-access in the idle task at 0.6 s (before any rnw code runs).
	# 4-level paging is what the variant needs; nothing rnw does depends on it.
	RNW_KERNEL_APPEND=no5lvl
	;;
bench) RNW_KCONFIG_FRAGMENTS+=("$RNW_ROOT/scripts/config/rnw-$RNW_KCONFIG.config") ;;
*) echo "rnw: RNW_KCONFIG=$RNW_KCONFIG: not a kernel variant (kasan, bench)" >&2; exit 2 ;;
esac
RNW_KERNEL_PKG=linux-source-6.12
# Bump when scripts/build-kernel.sh changes what it builds (not for cosmetic edits).
RNW_KBUILD_RECIPE=1
export PATH="$HOME/.cargo/bin:$PATH"

# The archive's current patch level of the kernel source package (needs `apt-get update`).
rnw_kernel_pkg_version() {
	apt-cache show "$RNW_KERNEL_PKG" 2>/dev/null |
		awk '/^Version:/ {print $2}' | sort -V | tail -n 1
}

# The cached tree: keyed by package version, config fragment and build recipe version.
rnw_cached_kdir() {
	local ver hash
	ver=$(rnw_kernel_pkg_version)
	[ -n "$ver" ] || { echo "rnw: cannot find $RNW_KERNEL_PKG in apt (run apt-get update)" >&2; return 1; }
	hash=$({ cat "${RNW_KCONFIG_FRAGMENTS[@]}"; echo "recipe=$RNW_KBUILD_RECIPE"; } | sha256sum | cut -c1-12)
	echo "$RNW_CACHE/linux-$ver-$hash"
}
