# Sourced by run.sh and serve.sh. `keep_running NAME COMMAND...` runs COMMAND in the
# background and starts it again a second later whenever it exits (a crash, a
# kill -9), until the loop itself gets SIGTERM, which it passes on to COMMAND. The
# loop's pid is appended to the caller's `pids` array.
keep_running() {
    local name=$1
    shift
    (
        child=""
        trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi; exit 0' TERM
        while :; do
            "$@" &
            child=$!
            status=0
            wait "$child" || status=$?
            child=""
            echo "$name stopped (exit status $status); starting it again" >&2
            sleep 1
        done
    ) &
    pids+=($!)
}
