#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/crafted-rnwfs.sh (run by scripts/vm-run.sh): loads rnwblk and
# rnwfs, runs target/release/rnwfs-crafted with this script's arguments, results in
# $RNW_OUT (crafted-SEED.tsv, the seed image, a kernel log and the image of any image that
# made the kernel report a bug), unloads, keeps the kernel log.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${RNW_OUT:?RNW_OUT is set by scripts/vm-run.sh}
export RNW_ROOT=$PWD
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
insmod rnwblk.ko || exit 2
insmod rnwfs.ko || exit 2
target/release/rnwfs-crafted --out "$out" "$@"
rc=$?
rmmod rnwfs rnwblk || rc=2
dmesg >"$out/dmesg-guest.txt"
exit $rc
