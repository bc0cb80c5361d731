# SPDX-License-Identifier: GPL-2.0
# run_bounded SECONDS OUT CMD...: CMD with its output in OUT; its exit status, or 124
# if it is still running after SECONDS. A task stuck in the kernel (a lock a filesystem
# bug never releases) cannot be killed: then its kernel stack is shown and it is left
# behind, so the test fails in bounded time instead of hanging the guest. Call it with
# 2>/dev/null: bash reports a killed job on its stderr.
run_bounded() {
	local limit=$1 out=$2 pid waited=0
	shift 2
	"$@" >"$out" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$waited" -ge "$limit" ]; then
			kill -9 "$pid" 2>/dev/null
			sleep 2
			if kill -0 "$pid" 2>/dev/null; then
				echo "FAIL: $1 (pid $pid) is stuck after $limit s; its kernel stack:"
				sed 's/^/    /' "/proc/$pid/stack" 2>/dev/null
				return 124
			fi
			wait "$pid" 2>/dev/null
			return 124
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$pid"
}
