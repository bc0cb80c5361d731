#!/usr/bin/env bash
# Install everything the build, the guest runner and the tests need. Idempotent: each step
# checks first, so a warm machine passes through in a second or two.
set -euo pipefail

log() { printf '[setup] %s\n' "$*"; }

APT_PACKAGES=(
	# kernel build (LLVM=-19; Rust needs libclang for bindgen)
	clang-19 lld-19 llvm-19 libclang-19-dev flex bison bc libelf-dev libssl-dev cpio kmod
	make xz-utils python3-pip
	# guest runner: virtme-ng needs qemu and the host's udevd
	qemu-system-x86 busybox-static udev
	# test clients and their headers
	fio xfsprogs e2fsprogs liburing-dev libaio-dev stress-ng gcc
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	log "apt: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v rustup >/dev/null; then
	log "rustup is missing: this project needs a rustup-managed Rust toolchain" >&2
	exit 1
fi
# rust-src for the kernel's core; clippy and rustfmt for selftests/host/lint_test.sh.
for component in rust-src clippy rustfmt; do
	if ! rustup component list --installed | grep -q "^$component"; then
		log "rustup: adding $component"
		rustup component add "$component"
	fi
done
if ! command -v bindgen >/dev/null; then
	log "cargo: installing bindgen-cli (about 3 minutes on 2 cores)"
	cargo install bindgen-cli --locked --quiet
fi
if ! command -v vng >/dev/null; then
	log "pip: installing virtme-ng"
	pip install --quiet virtme-ng 2>/dev/null || pip install --quiet --break-system-packages virtme-ng
fi
log "toolchain ready: $(clang-19 --version | head -1); $(rustc --version); $(bindgen --version); vng $(vng --version 2>&1 | tail -1)"
