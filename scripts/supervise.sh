# Sourced by run.sh and serve.sh. `keep_running NAME COMMAND...` runs COMMAND in the
# background and starts it again a second later whenever it exits (a crash, a
# kill -9), until the loop gets SIGTERM, which it passes on to COMMAND, or the file
# $SUPERVISE_STOP exists. COMMAND runs in a session of its own, so a Ctrl-C reaches
# only the calling script, whose trap stops the loops. The loop's pid is appended
# to the caller's `pids` array.
keep_running() {
    local name=$1
    shift
    (
        child=""
        trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi; exit 0' TERM
        while [ ! -e "${SUPERVISE_STOP:-/nonexistent}" ]; do
            setsid "$@" &
            child=$!
            status=0
            wait "$child" || status=$?
            child=""
            [ -e "${SUPERVISE_STOP:-/nonexistent}" ] && break
            echo "$name stopped (exit status $status); starting it again" >&2
            sleep 1
        done
    ) &
    pids+=($!)
}

# `wait_for_http URL [SECONDS]`: until URL answers 200 (in the background, so that
# the caller's traps run at once).
wait_for_http() {
    "${PY:-python3}" - "$1" "${2:-120}" <<'PYEOF' &
import sys, time, urllib.request
deadline = time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=10)
        sys.exit(0)
    except Exception:
        time.sleep(0.3)
sys.exit(1)
PYEOF
    wait $! || echo "No answer from $1 yet; still starting." >&2
}
