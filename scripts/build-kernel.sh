#!/usr/bin/env bash
# Build (or find) the Rust-enabled 6.12 test kernel and print its tree's path on stdout.
#   KDIR=/path   use that build tree instead (checked for CONFIG_RUST, not built)
# The cached tree lives in $RNW_CACHE/linux-<debian version>-<config hash>; a finished build
# is marked by .rnw-built, so an interrupted one is redone from scratch.
set -euo pipefail
. "$(dirname "$0")/kernel-env.sh"

log() { printf '[kernel] %s\n' "$*" >&2; }

if [ -n "${KDIR:-}" ]; then
	[ -f "$KDIR/.config" ] && grep -q '^CONFIG_RUST=y' "$KDIR/.config" ||
		{ log "KDIR=$KDIR is not a configured kernel tree with CONFIG_RUST=y"; exit 1; }
	[ -f "$KDIR/arch/x86/boot/bzImage" ] || { log "KDIR=$KDIR has no bzImage: build it first"; exit 1; }
	echo "$KDIR"
	exit 0
fi

kdir=$(rnw_cached_kdir)
if [ -f "$kdir/.rnw-built" ]; then
	echo "$kdir"
	exit 0
fi
# One build at a time: a second caller (say, a module build started meanwhile) waits for the
# first instead of deleting its tree, then finds the finished kernel.
mkdir -p "$RNW_CACHE"
exec 9>"$RNW_CACHE/.build.lock"
if ! flock -n 9; then
	log "another build of the test kernel is running: waiting for it"
	flock 9
fi
if [ -f "$kdir/.rnw-built" ]; then
	echo "$kdir"
	exit 0
fi

ver=$(rnw_kernel_pkg_version)
log "building $RNW_KERNEL_PKG $ver into $kdir"
start=$SECONDS
work="$kdir.tmp"
rm -rf "$work" "$kdir"
mkdir -p "$work/deb"
# The cache is under root's 0700 home: download as root rather than apt's sandbox user.
(cd "$work/deb" && apt-get download -q -o APT::Sandbox::User=root "$RNW_KERNEL_PKG=$ver" >&2 &&
	dpkg -x ./*.deb x)
tar -xf "$work/deb/x/usr/src/$RNW_KERNEL_PKG.tar.xz" -C "$work"
rm -rf "$work/deb"
mv "$work/$RNW_KERNEL_PKG" "$kdir"
rmdir "$work"
log "source ready in $((SECONDS - start)) s"

cd "$kdir"
make -s LLVM=-19 allnoconfig >&2
scripts/kconfig/merge_config.sh -m .config "${RNW_KCONFIG_FRAGMENTS[@]}" >/dev/null
make -s LLVM=-19 olddefconfig >&2
# merge_config drops symbols whose dependencies are unmet without failing: refuse that.
# A later fragment may override an earlier one ("# CONFIG_X is not set" included): what
# must survive is each symbol's last setting.
dropped=0
declare -A want=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want[${line%%=*}]=$line ;;
	"# CONFIG_"*" is not set") sym=${line#\# }; want[${sym%% *}]=$line ;;
	esac
done < <(cat "${RNW_KCONFIG_FRAGMENTS[@]}")
for sym in "${!want[@]}"; do
	line=${want[$sym]}
	case "$line" in
	"# "*) ! grep -q "^$sym=" .config ;;
	*) grep -qxF "$line" .config ;;
	esac || { log "config: $line did not survive olddefconfig"; dropped=1; }
done
[ "$dropped" = 0 ] || exit 1

make -s LLVM=-19 rustavailable >&2
cstart=$SECONDS
make -s -j"$(nproc)" LLVM=-19 >&2
log "built in $((SECONDS - cstart)) s (total $((SECONDS - start)) s)"
touch .rnw-built
echo "$kdir"
