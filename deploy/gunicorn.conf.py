"""gunicorn settings for `make serve` and deploy/directory-web.service.

Workers: WEB_CONCURRENCY, else 2 x cores + 1, each with GUNICORN_THREADS (2)
threads. The master loads the app once and forks the workers; it starts a new
worker when one dies (killed, out of memory, stuck past the timeout) and keeps
serving with the others meanwhile. Every worker is replaced after about 2,000
requests. Logs are JSON lines on stderr (python-json-logger) unless
DJANGO_LOG_FORMAT=text.
"""

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# The app (Django and the search's dictionaries, config/wsgi.py, then gc.freeze) is
# loaded once, in the master, and each worker forked from it: a worker replaced
# after max_requests (every minute or so per worker at 150 req/s) starts at once
# instead of spending a second or two of CPU, taken from the requests, loading it
# again. Nothing in the import opens a database connection or starts a thread.
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
