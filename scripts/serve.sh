#!/usr/bin/env bash
# `make serve`: the production stack on this machine. gunicorn (deploy/gunicorn.conf.py:
# workers from the cores, DEBUG off, static files collected and served compressed by
# whitenoise), SERVE_TASK_WORKERS task workers (1), and the embedded PostgreSQL in
# var/pg unless DATABASE_URL is set. gunicorn and each task worker are started again
# when they die (scripts/supervise.sh); gunicorn restarts its own workers.
# Ctrl-C (or SIGTERM) stops all of it, the embedded database included.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/supervise.sh
PY=.venv/bin/python

# The two settings production cannot guess: from the environment or .env.
setting() {
    local name=$1
    if [ -n "${!name:-}" ]; then return 0; fi
    [ -f .env ] && grep -Eq "^${name}=.+" .env
}
missing=()
setting DJANGO_SECRET_KEY || missing+=(DJANGO_SECRET_KEY)
setting DJANGO_ALLOWED_HOSTS || missing+=(DJANGO_ALLOWED_HOSTS)
if [ ${#missing[@]} -gt 0 ]; then
    cat >&2 <<MSG
make serve: ${missing[*]} not set. The production server needs a secret key and the
host names it answers to, in the environment (or in .env), for example:

    export DJANGO_SECRET_KEY="\$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
    export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
    make serve

deploy/production.env.example lists every production setting (copy it, fill it in,
then: set -a; . ./production.env; set +a; make serve). docs/deploy.md explains them.
MSG
    exit 2
fi
export DJANGO_DEBUG=0  # wins over a development .env (read without overwriting)

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export GUNICORN_BIND=${GUNICORN_BIND:-$HOST:$PORT}

pids=()
mkdir -p var
echo $$ > var/serve.pid
export SUPERVISE_STOP="var/serve.stopping.$$"
rm -f "$SUPERVISE_STOP"
stop_all() {
    local status=$?
    trap - INT TERM EXIT
    echo "Stopping..." >&2
    touch "$SUPERVISE_STOP"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -z "${DATABASE_URL:-}" ]; then $PY -m core.db stop || true; fi
    rm -f var/serve.pid "$SUPERVISE_STOP"
    # Exit here: a trap that returned would let the script go on starting things.
    exit "$status"
}
trap stop_all INT TERM EXIT

if [ -z "${DATABASE_URL:-}" ]; then
    echo "Starting the embedded PostgreSQL (${EMBEDDED_PG_DIR:-var/pg})..." >&2
    $PY -m core.db start >/dev/null
fi
$PY manage.py migrate --noinput -v 0
# The shared cache's table (the migration makes it too; a database migrated under
# other cache settings, e.g. a test's, may lack it).
$PY manage.py createcachetable
if [ "${SERVE_DEMO:-0}" = 1 ]; then
    $PY manage.py seed_demo --if-empty --enterprises "${DEMO_ENTERPRISES:-10000}"
fi
$PY manage.py collectstatic --noinput -v 0

for i in $(seq 1 "${SERVE_TASK_WORKERS:-1}"); do
    keep_running "Task worker $i" $PY manage.py task_worker --queue-name default \
        --no-reload --worker-id "$(hostname)-$$-$i"
done
keep_running "gunicorn" .venv/bin/gunicorn -c deploy/gunicorn.conf.py

wait_for_http "http://${GUNICORN_BIND%%,*}/healthz"
echo "Serving on http://$GUNICORN_BIND/ (DEBUG off). Ctrl-C stops it." >&2
wait
