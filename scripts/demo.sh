#!/usr/bin/env bash
# The main job (`make run`): install what is missing, build the kernel and the modules, boot
# the test kernel and show the modules at work (scripts/guest-demo.sh runs in the guest).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/setup-toolchain.sh"
"$here/build-modules.sh"
"$here/build-tools.sh"
exec "$here/vm-run.sh" --timeout 900 -- scripts/guest-demo.sh
