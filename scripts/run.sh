#!/usr/bin/env bash
# `make run`: database, migrations, demo data on first run, task worker, web server.
# Ctrl-C stops everything this script started, the embedded database included.
# A task worker that dies is started again (scripts/supervise.sh); the web goes on.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/supervise.sh
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

pids=()
mkdir -p var
echo $$ > var/run.pid  # `make test` leaves the database running while this runs
export SUPERVISE_STOP="var/run.stopping.$$"
rm -f "$SUPERVISE_STOP"
stop_all() {
    local status=$?
    trap - INT TERM EXIT
    rm -f var/run.pid
    touch "$SUPERVISE_STOP"
    echo
    echo "Stopping..."
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -z "${DATABASE_URL:-}" ]; then $PY -m core.db stop || true; fi
    rm -f "$SUPERVISE_STOP"
    # Exit here: a trap that returned would let the script go on starting things.
    exit "$status"
}
trap stop_all INT TERM EXIT

if [ -z "${DATABASE_URL:-}" ]; then
    echo "Starting the embedded PostgreSQL (var/pg)..."
    $PY -m core.db start >/dev/null
fi
$PY manage.py migrate --noinput -v 0
$PY manage.py seed_demo --if-empty --enterprises "${DEMO_ENTERPRISES:-10000}"

keep_running "The task worker" $PY manage.py task_worker --queue-name default --no-reload
$PY manage.py runserver --noreload "$HOST:$PORT" &
web=$!
pids+=($web)

wait_for_http "http://$HOST:$PORT/healthz"
cat <<MSG

  Liaoning Textile Directory is running on http://$HOST:$PORT/
  Demo logins (password liaoning-demo-2026):
    demo-staff       staff: everything, admin at http://$HOST:$PORT/admin/
    demo-enterprise  owner of one demo enterprise
  Press Ctrl-C to stop the server, the task worker and the database.

MSG
wait "$web"  # the worker is restarted when it dies; the web server is not
