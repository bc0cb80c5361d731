#!/usr/bin/env bash
# Build the userspace tools (Cargo workspace) and install them under target/bin with the
# names fsck(8) and mount helpers expect: mkfs.rnwfs, fsck.rnwfs; and rnwfsctl, rnw-fsx,
# rnw-pool-bench.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
cd "$root"
cargo build --release --locked -q
# Test helper for the guest tests (not installed as a tool).
cargo build --release --locked -q -p rnwfs-format --features std --examples
mkdir -p target/bin
for t in mkfs fsck; do
	ln -sfn "../release/$t-rnwfs" "target/bin/$t.rnwfs"
done
ln -sfn ../release/rnwfsctl target/bin/rnwfsctl
ln -sfn ../release/rnw-fsx target/bin/rnw-fsx
ln -sfn ../release/rnw-pool-bench target/bin/rnw-pool-bench
