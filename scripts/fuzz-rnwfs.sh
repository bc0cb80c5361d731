#!/usr/bin/env bash
# The short fuzz run of `make check`: tools/rnwfs-fuzz for SECONDS (default 60), mutated
# rnwfs metadata through the format's decoders, the kernel module's load path and fsck,
# built with overflow checks (the `fuzz` profile). Reported as one KTAP result; a panic
# fails it and leaves the input under target/rnwfs-fuzz-crashes (the output says how to
# replay it). The seed is the clock's unless RNW_FUZZ_SEED is set; it is printed.
#   fuzz-rnwfs.sh [SECONDS]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
cd "$root"
secs=${1:-60}
seed=${RNW_FUZZ_SEED:-$(date +%s)}
echo "KTAP version 1"
echo "1..1"
out=$(cargo build --profile fuzz --locked -q -p rnwfs-fuzz 2>&1 &&
	target/fuzz/rnwfs-fuzz --seed "$seed" --time "$secs" -q --crashes "$root/target/rnwfs-fuzz-crashes" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
if [ "$rc" = 0 ]; then
	echo "ok 1 rnwfs_fuzz_short_run"
else
	echo "not ok 1 rnwfs_fuzz_short_run"
fi
exit "$rc"
