#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Issue 15's ratchet: `unsafe` and C belong in the abstraction layer (rust/rnwk/). What is
# still outside it is listed, per file, in layer-baseline.txt; this test fails when a file
# outside the layer gains an `unsafe` (or a first one), or a C file appears outside the
# layer, and reports files that have shrunk so their baseline can be lowered. It also
# checks the import graph: the layer imports no module code, and no module joins an
# import cycle (those still in one are in the baseline). A count is
# the word `unsafe` anywhere in the file (code or comment: the comments are SAFETY notes
# on the same blocks), bindgen's generated files excluded. KTAP on stdout.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/../lib/ktap.sh"
baseline=$here/layer-baseline.txt

# Lines "unsafe COUNT PATH" and "c PATH" for the tree as it is.
current() {
	local f n
	(cd "$root" && git ls-files 'rust/*.rs') | grep -v '^rust/rnwk/' | grep -v '_generated\.rs$' |
		while read -r f; do
			n=$(grep -ow unsafe "$root/$f" | wc -l)
			[ "$n" -gt 0 ] && echo "unsafe $n $f"
		done
	(cd "$root" && git ls-files 'rust/*.c' 'rust/*.h') | grep -v '^rust/rnwk/' | sed 's/^/c /'
	return 0
}

no_new_unsafe_outside_layer() {
	local kind n f allowed ok=0
	while read -r kind n f; do
		[ "$kind" = unsafe ] || continue
		allowed=$(awk -v f="$f" '$1 == "unsafe" && $3 == f { print $2 }' "$baseline")
		if [ -z "$allowed" ]; then
			echo "$f: $n unsafe, outside rust/rnwk/ and not in the baseline"
			ok=1
		elif [ "$n" -gt "$allowed" ]; then
			echo "$f: $n unsafe, baseline $allowed"
			ok=1
		elif [ "$n" -lt "$allowed" ]; then
			echo "$f: $n unsafe, baseline $allowed: lower the baseline"
		fi
	done < <(current)
	echo "outside the layer: $(current | awk '$1 == "unsafe" { s += $2 } END { print s + 0 }') unsafe (baseline $(awk '$1 == "unsafe" { s += $2 } END { print s + 0 }' "$baseline"))"
	return $ok
}

no_new_c_outside_layer() {
	local kind f ok=0
	while read -r kind f; do
		[ "$kind" = c ] || continue
		grep -qxF "c $f" "$baseline" || { echo "$f: C outside rust/rnwk/, not in the baseline"; ok=1; }
	done < <(current)
	return $ok
}

# The layer is below the modules: it names nothing of theirs (its own paths are
# crate::rnwk::..., since each module compiles it in as `mod rnwk`).
layer_imports_no_policy() {
	local found
	found=$(cd "$root" && grep -rn --include='*.rs' -E 'crate::' rust/rnwk | grep -v '_generated\.rs:' |
		grep -vE 'crate::rnwk(::|\b)')
	[ -z "$found" ] && return 0
	echo "rust/rnwk/ names module code:"
	echo "$found"
	return 1
}

# The modules' own code names no bindgen item of the kernel (`bindings::...`, the
# kernel crate's or the layer's): the layer wraps what they need (errors 6.12's
# kernel::error::code lacks are in rnwk::errno). Their `mod rnwk` lines, which compile the
# layer's private `bindings` module in, are the layer's; rnwfs' `ffi` (its own uapi
# header's constants and struct) is not the kernel's.
no_kernel_bindings_in_policy() {
	local found
	found=$(cd "$root" && grep -rnw --include='*.rs' bindings rust/rnwblk rust/rnwfs |
		grep -v '_generated\.rs:' | grep -vE '^[^:]+_main\.rs:[0-9]+: *mod bindings;$')
	[ -z "$found" ] && return 0
	echo "module code names kernel bindings:"
	echo "$found"
	return 1
}

# Within a crate the modules' import graph reads top-down. The modules still in a cycle
# are listed in the baseline ("cycle CRATE MODULE"); none may join them.
no_new_import_cycles() {
	local crate m ok=0 cycles
	for crate in rust/rnwblk rust/rnwfs; do
		cycles=$(python3 "$here/modgraph.py" "$root/$crate" | sed -n 's/^cycles: *//p')
		for m in $cycles; do
			grep -qxF "cycle $crate $m" "$baseline" ||
				{ echo "$crate: module $m is in an import cycle (selftests/host/modgraph.py $crate)"; ok=1; }
		done
		echo "$crate: modules in import cycles: ${cycles:-none}"
	done
	return $ok
}

ktap_plan 5
if ! (cd "$root" && git rev-parse --is-inside-work-tree >/dev/null 2>&1); then
	ktap_skip no_new_unsafe_outside_layer "not a git checkout (the file list comes from git)"
	ktap_skip no_new_c_outside_layer "not a git checkout (the file list comes from git)"
else
	ktap_result no_new_unsafe_outside_layer no_new_unsafe_outside_layer
	ktap_result no_new_c_outside_layer no_new_c_outside_layer
fi
ktap_result layer_imports_no_policy layer_imports_no_policy
ktap_result no_kernel_bindings_in_policy no_kernel_bindings_in_policy
ktap_result no_new_import_cycles no_new_import_cycles
ktap_exit
