"""gunicorn settings for `make serve` and deploy/directory-web.service.

Workers: WEB_CONCURRENCY, else 2 x cores + 1, each answering one request at a time
(gunicorn's sync worker); GUNICORN_THREADS above 1 gives each that many threads
(gunicorn's gthread worker, for a machine whose requests mostly wait). The master
loads the app once and forks the workers; it starts a new worker when one dies
(killed, out of memory, stuck past the timeout) and keeps serving with the others
meanwhile. Logs are JSON lines on stderr (python-json-logger) unless
DJANGO_LOG_FORMAT=text.

Why sync workers (bench/load.py, 50 clients on two cores): an idle sync worker takes
the next connection from the one queue of the listening socket, first come first
served, so a request waits for the requests before it and no longer. A gthread
worker accepts every connection it can (up to worker_connections, 1,000) whether
or not a thread is free, and a kept-alive connection stays with the worker that
took it: requests queue behind a slow one (a search built afresh: 40-150 ms where
a cached page costs 4) in one worker while another idles. With gthread workers the
last quiet run's p99 was 7.6 times its median (1,541 against 202 ms); paired runs
on a busy machine, sync then gthread: 1.9 and 2.0 against 7.0 and 3.6 times. The
sync worker answers with ``Connection: close``; nginx in front (deploy/nginx.conf)
keeps the clients' connections and buffers slow ones, which the sync worker needs.
"""

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after about 20,000 requests (a bound on what a leak could
# hold; every ten minutes or so per worker at 150 req/s over five workers): the
# new one starts with an empty cache of recent pages and a new connection.
max_requests = 20000
max_requests_jitter = 2000
# The app (Django, the search's dictionaries, the compiled templates and the
# translation catalogues: config/wsgi.py, core/preload.py, then gc.freeze) is
# loaded once, in the master, and each worker forked from it: a new worker starts
# at once and its first requests cost what later ones do (a fresh process's
# first search page cost 264 ms of CPU against 40 for the next). Nothing in the
# import opens a database connection or starts a thread.
preload_app = True
chdir = str(ROOT)
wsgi_app = "config.wsgi:application"
# No control socket: its default path ($HOME/.gunicorn/gunicorn.ctl) would be shared
# by every gunicorn of the user (tests, a second checkout); signals do the job.
control_socket_disable = True
# X-Forwarded-Proto and -For are judged once, by core.proxies (the trusted proxy
# list, DJANGO_TRUSTED_PROXIES): gunicorn's own handling is off.
secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = ""
# Access log lines (the logger below); GUNICORN_ACCESS_LOG=0 leaves them to nginx.
_access = os.environ.get("GUNICORN_ACCESS_LOG", "1") == "1"
accesslog = "-" if _access else None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

_json = os.environ.get("DJANGO_LOG_FORMAT", "json") == "json"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,  # ISO 8601, UTC
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json" if _json else "text",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {
            "handlers": ["stderr"],
            "level": "INFO" if _access else "WARNING",
            "propagate": False,
        },
    },
}

# Prometheus multiprocess mode: every worker writes its samples under this folder,
# /metrics adds them up. Emptied when the master starts.
_metrics_dir = Path(
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(ROOT / "var" / "prometheus"))
)


def on_starting(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
