# SPDX-License-Identifier: GPL-2.0
# rnw: build the modules against the test kernel, run them in a guest, test them.
#   make            the modules, against KDIR (default: the cached test kernel, built if missing),
#                   and the userspace tools (mkfs.rnwfs, fsck.rnwfs in target/bin)
#   make check      everything: toolchain, kernel, modules, host tests, guest selftests
#   make run        the main job: boot the test kernel, load the modules, show them working
#                   (the benchmarks are separate scripts, e.g. scripts/bench-pool.sh: rnw-pool-bench,
#                   a nowait-first thread-pool server on rnwfs, xfs and ext4; see README.md)
#   make vm         an interactive shell in the guest, modules built
#   make kernel     only the test kernel (prints its tree)
#   make toolchain  only the toolchain install
#   make clean      remove build products (the cached kernel stays: `make distclean`)
# KDIR=/path/to/linux overrides the test kernel (a Rust-enabled, built tree).
# (kbuild itself reads ./Kbuild, not this file.)

.PHONY: all modules tools check run vm kernel toolchain clean distclean

all: modules tools

modules:
	scripts/build-modules.sh

tools:
	scripts/build-tools.sh

check:
	scripts/check.sh

run:
	scripts/demo.sh

vm: modules tools
	scripts/vm-run.sh --interactive

kernel:
	scripts/build-kernel.sh

toolchain:
	scripts/setup-toolchain.sh

clean:
	scripts/build-modules.sh clean
	rm -rf target

distclean: clean
	rm -rf "$${RNW_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/rnw}"
