#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Issue 15's lints, enforced: the kernel-side Rust builds clean under the kernel's
# `make CLIPPY=1` with every `unsafe` block documented (undocumented_unsafe_blocks) and no
# safe function dereferencing a raw pointer it is given (not_unsafe_ptr_arg_deref), every
# other warning an error too; kernel-side Rust is formatted with the kernel's rustfmt
# settings; the userspace workspace passes `cargo fmt --check` and `cargo clippy`. KTAP on
# stdout. Needs the built test kernel (scripts/build-kernel.sh prints it) and the toolchain.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/../lib/ktap.sh"
. "$root/scripts/kernel-env.sh"

# The kernel-side Rust files: the modules and the layer, not bindgen's output.
kernel_rust_files() {
	(cd "$root" && git ls-files 'rust/*.rs') | grep -v '_generated\.rs$'
}

# clippy runs as the compiler, so the modules are built again, in a copy of the tracked
# sources: the tree's own objects stay as they are.
kernel_clippy_clean() {
	local kdir scratch rc
	kdir=$("$root/scripts/build-kernel.sh" 2>/dev/null) || { echo "no test kernel"; return 1; }
	scratch=$(mktemp -d /tmp/rnw-clippy.XXXXXX)
	(cd "$root" && git ls-files -z Kbuild rust include | xargs -0 tar -cf - | tar -xf - -C "$scratch")
	make -s -C "$kdir" M="$scratch" LLVM=-19 -j"$(nproc)" CLIPPY=1 \
		KRUSTFLAGS="-Dwarnings -Dclippy::undocumented_unsafe_blocks -Dclippy::not_unsafe_ptr_arg_deref" \
		modules >"$scratch.log" 2>&1
	rc=$?
	# Each finding and its place, one line each (the scratch copy's paths shown as the tree's).
	grep -E '^(error|warning)|^ *--> ' "$scratch.log" | sed "s|$scratch/||; s|^ *--> |    at |" | head -n 80
	[ "$rc" = 0 ] || echo "($(grep -c "^error" "$scratch.log") errors before the build stopped)"
	rm -rf "$scratch" "$scratch.log"
	return $rc
}

kernel_rustfmt_clean() {
	local kdir
	kdir=$("$root/scripts/build-kernel.sh" 2>/dev/null) || { echo "no test kernel"; return 1; }
	local unformatted
	# -l: the files rustfmt would change, one per line (rustfmt prints a file once per crate
	# root that reaches it).
	unformatted=$(cd "$root" && kernel_rust_files | xargs rustfmt --check -l --color never \
		--edition 2021 --config-path "$kdir/.rustfmt.toml" 2>&1 | grep -v '^Diff in\|^ \|^[-+]' | sort -u)
	[ -z "$unformatted" ] && return 0
	echo "not formatted as the kernel's rustfmt settings say (fix: rustfmt --edition 2021 --config-path $kdir/.rustfmt.toml FILE):"
	echo "$unformatted"
	return 1
}

tools_fmt_clean() {
	(cd "$root" && cargo fmt --check -- -l --color never) | grep -v '^Diff in\|^ \|^[-+]' | sort -u | head -n 80
	return "${PIPESTATUS[0]}"
}

tools_clippy_clean() {
	(cd "$root" && cargo clippy --workspace --all-targets --quiet -- -Dwarnings) 2>&1 | head -n 80
	return "${PIPESTATUS[0]}"
}

ktap_plan 4
if ! (cd "$root" && git rev-parse --is-inside-work-tree >/dev/null 2>&1); then
	for t in kernel_clippy_clean kernel_rustfmt_clean tools_fmt_clean tools_clippy_clean; do
		ktap_skip "$t" "not a git checkout (the file list comes from git)"
	done
else
	ktap_result kernel_clippy_clean kernel_clippy_clean
	ktap_result kernel_rustfmt_clean kernel_rustfmt_clean
	ktap_result tools_fmt_clean tools_fmt_clean
	ktap_result tools_clippy_clean tools_clippy_clean
fi
ktap_exit
