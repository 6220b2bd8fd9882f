"""Settings for the Liaoning Textile Directory, read from the environment.

``DJANGO_DEBUG`` (default off), ``DJANGO_SECRET_KEY`` (required unless debugging),
``DATABASE_URL`` (without it an embedded PostgreSQL runs in ``var/pg``),
``DJANGO_ALLOWED_HOSTS``. A ``.env`` file is read in development only.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off."
        )
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks_db",
    "core",
    "accounts",
    "enterprises",
    "clusters",
    "colleges",
    "markets",
    "programmes",
    "moderation",
    "inquiries",
    "imports",
    "surveys",
    "dashboard",
    "demo",
    # Last: the site's own registration/ templates (accounts) come before the
    # admin's ("Django 站点管理员" on the password pages otherwise).
    "django.contrib.admin",
]

MIDDLEWARE = [
    # First: the client address and scheme as the trusted proxy saw them.
    "core.proxies.TrustedProxyMiddleware",
    "core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A NUL character anywhere in the input is a 400 before any view runs.
    "core.middleware.RejectNulMiddleware",
    # DEBUG on: the site's 404 page for everyone but staff (no URL list).
    "core.middleware.BrandedNotFoundMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                # After csrf (built in) and csp: placeholders in cached pages.
                "core.pagecache.placeholders",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.permissions",
                "core.context_processors.site",
                "demo.context_processors.site",
                "moderation.context_processors.review",
            ],
        },
    },
]

# Database ---------------------------------------------------------------------
# DATABASE_URL (the primary), or the embedded PostgreSQL of this checkout.
# DATABASE_REPLICA_URLS: streaming replicas of that primary, comma-separated; safe
# requests read from them (core/replicas.py, docs/deploy-many.md). Without them
# everything runs on "default", as before.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    # Started on the first connection (core/embedded), not on importing settings.
    from core.db import DB_NAME

    DATABASES = {
        "default": {
            "ENGINE": "core.embedded",
            "NAME": DB_NAME,
            "USER": "postgres",
        }
    }
_replica_urls = env.list("DATABASE_REPLICA_URLS", default=[])
if _replica_urls and not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_URLS needs DATABASE_URL: replicas are replicas of a "
        "PostgreSQL server, not of the embedded one."
    )
for _number, _url in enumerate(_replica_urls, start=1):
    DATABASES[f"replica{_number}"] = {
        **environ.Env.db_url_config(_url),
        # Tests run on the primary's test database, never on a copy of their own.
        "TEST": {"MIRROR": "default"},
    }
if _replica_urls:
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
    # Before every middleware that reads the database (sessions, authentication).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "core.replicas.ReadYourWritesMiddleware",
    )
# A replica lagging more than this (seconds) is not read from; its state is checked
# at most every REPLICA_CHECK_SECONDS per process. A client that wrote (a
# successful POST, PUT, PATCH or DELETE) reads from the primary for
# READ_YOUR_WRITES_SECONDS, which must exceed the two together.
REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG", default=5.0)
REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=2.0)
READ_YOUR_WRITES_SECONDS = env.float("DATABASE_READ_YOUR_WRITES_SECONDS", default=10.0)
# DATABASE_POOL_MAX_SIZE > 0: a psycopg connection pool per process and database
# (Django's "pool" option, the psycopg-pool package) instead of one persistent
# connection; useful with threaded workers. Between many machines and
# PostgreSQL's max_connections, PgBouncer (transaction mode) is the tool.
_pool_max = env.int("DATABASE_POOL_MAX_SIZE", default=0)
# DATABASE_PGBOUNCER: the URLs lead to PgBouncer in transaction mode. A server-side
# cursor would outlive its transaction, and PgBouncer refuses the startup "options"
# (set work_mem on the role instead: ALTER ROLE … SET work_mem).
_pgbouncer = env.bool("DATABASE_PGBOUNCER", default=False)
if _pgbouncer and _pool_max:
    raise ImproperlyConfigured(
        "DATABASE_PGBOUNCER and DATABASE_POOL_MAX_SIZE: pool in one place only."
    )
# Broad searches build large bitmaps: 4 MB (PostgreSQL's default) makes them lossy.
_work_mem = "" if _pgbouncer else env.str("DB_WORK_MEM", default="32MB")
for _alias, _database in DATABASES.items():
    if _pgbouncer:
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
    if _work_mem:
        _database.setdefault("OPTIONS", {}).setdefault(
            "options", "-c work_mem=" + _work_mem
        )
    if not _pgbouncer:
        # Statements of cursors that bind on the server (only the change feed's:
        # Django's bind in the text) are prepared once per connection and reused.
        # PgBouncer's transaction pooling would hand them to other connections.
        _database.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 0)
    if _alias != "default":
        # A replica that does not answer is skipped, not waited for.
        _database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    if _pool_max:
        _database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
            "max_size": _pool_max,
            # Seconds a request waits for a free connection: short on replicas,
            # whose requests can fall back to the primary.
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0)
            if _alias == "default"
            else 3.0,
        }
        _database["CONN_MAX_AGE"] = 0
    _database.setdefault("CONN_MAX_AGE", 60)
    _database.setdefault("CONN_HEALTH_CHECKS", True)
DATABASES["default"].setdefault("TEST", {"NAME": env.str("TEST_DB_NAME", default="")})
if not DATABASES["default"]["TEST"]["NAME"]:
    del DATABASES["default"]["TEST"]["NAME"]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The e-mail address or the username, in any case (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailOrUsernameBackend"]
LOGIN_URL = "login"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
LOGIN_REDIRECT_URL = "me"
LOGOUT_REDIRECT_URL = "home"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "core" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
# The Chinese UI groups a figure's digits as the English one does ("10,344"; Django's
# zh_Hans format has no separator): core/formats/zh_Hans/formats.py. Figures are
# grouped where shown (core.formats.number, the `number` filter), not every integer
# a template prints (USE_THOUSAND_SEPARATOR stays off: years, IDs, codes, pages).
FORMAT_MODULE_PATH = ["core.formats"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Uploads (core/storage.py): "default" holds public media (logos, photos), "private"
# what only staff may read (claim proofs, import files). With MEDIA_S3_BUCKET both
# go to S3-compatible storage through django-storages (pip install -e ".[s3]"),
# public media under the site's own origin through the reverse proxy.
STORAGES["private"] = {"BACKEND": "core.storage.PrivateFileSystemStorage"}
if env.str("MEDIA_S3_BUCKET", default=""):
    _s3 = {
        "bucket_name": env.str("MEDIA_S3_BUCKET"),
        "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("MEDIA_S3_REGION", default="") or None,
        "access_key": env.str("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
        "file_overwrite": False,
    }
    _s3_public: dict = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "location": "media",
            # Media URLs on the site's host (/media/…, proxied to the bucket):
            # pages load nothing from another origin (CSP img-src 'self').
            "custom_domain": env.str("MEDIA_S3_PUBLIC_HOST", default="") or None,
            "querystring_auth": False,
        },
    }
    _s3_private: dict = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "bucket_name": env.str("MEDIA_S3_PRIVATE_BUCKET", default="")
            or _s3["bucket_name"],
            "location": "private",
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
    STORAGES["default"], STORAGES["private"] = _s3_public, _s3_private
# ECharts and the Liaoning map come from npm (package.json), see staticfinders.py.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfinders.NpmFinder",
]

# Content-Security-Policy: everything from this origin, scripts with a nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# ---- Security from the environment (production: deploy/production.env.example) ----
# Cookies are Secure unless debugging. HTTPS redirect and HSTS are set where TLS is
# (deploy/production.env.example turns them on); `make serve` on loopback is plain HTTP.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_SAMESITE = env.str("DJANGO_SESSION_COOKIE_SAMESITE", default="Lax")
CSRF_COOKIE_SAMESITE = env.str("DJANGO_CSRF_COOKIE_SAMESITE", default="Lax")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
# The load balancer's health checks come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Behind a TLS-terminating proxy: X-Forwarded-Proto and X-Forwarded-For count only
# when the direct peer is one of these addresses or networks (CIDRs); the
# middleware core.proxies.TrustedProxyMiddleware removes them otherwise, so the
# header below is only ever seen from a trusted proxy.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /metrics: staff, or these client addresses or networks (a Prometheus server).
METRICS_ALLOWED_ADDRESSES = env.list("DJANGO_METRICS_ALLOWED_ADDRESSES", default=[])
# Checks of `check --deploy` that cannot apply, each with its reason:
SILENCED_SYSTEM_CHECKS = env.list("DJANGO_SILENCED_SYSTEM_CHECKS", default=[])
if SECURE_HSTS_SECONDS and not SECURE_HSTS_PRELOAD:
    # security.W021 (no HSTS preload): the preload list takes only a registrable
    # domain on its apex, submitted by the domain's owner as a one-way commitment
    # for all its hosts; the directory runs on one host of someone's domain.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
# ---- end of the security block ----

# Visitors' (not signed-in) pages and API reads of the views decorated with
# core.pagecache.visitor_cache come whole from the "pages" cache, keyed by the
# database's generation (every committed write of a table visitors see moves it
# on), so an edit shows on the very next request; entries live at most this many
# seconds (a bound on memory, not on freshness). 0 turns it off (the tests do).
PAGE_CACHE_SECONDS = env.int("DJANGO_PAGE_CACHE_SECONDS", default=600)

# "default" is per process; "shared" is seen by every web process and the task
# worker (e.g. the dashboard's figures, computed by the worker); "pages" holds the
# visitors' pages (core/pagecache.py), zlib-compressed, for every web process.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "directory_cache",
    },
    "pages": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "directory_pagecache",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
    # This process's recent copies of "pages" (the same keys, so as exact). The
    # load bench's mix has ~1,400 addresses; a copy is ~4 KB compressed, so 5,000
    # are ~20 MB a process, and a hit rarely needs the shared table.
    "pages_local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# `manage.py task_worker` (core): what its reaper calls, and how often (seconds).
TASK_WORKER_REAPERS = [
    "imports.jobs.import_jobs_reap",
    "core.management.commands.task_worker.dead_task_results_reap",
]
TASK_REAP_SECONDS = env.float("TASK_REAP_SECONDS", default=15)

MAILERS = {
    "default": {
        "BACKEND": env.str(
            "DJANGO_EMAIL_BACKEND",
            default="django.core.mail.backends.console.EmailBackend",
        )
    }
}
if MAILERS["default"]["BACKEND"].endswith(".smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env.str("DJANGO_EMAIL_HOST", default="localhost"),
        "port": env.int("DJANGO_EMAIL_PORT", default=587),
        "username": env.str("DJANGO_EMAIL_USER", default=""),
        "password": env.str("DJANGO_EMAIL_PASSWORD", default=""),
        "use_tls": env.bool("DJANGO_EMAIL_USE_TLS", default=True),
    }
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="noreply@localhost")
# The contact address of the about page, and the ICP filing number (备案号) the
# footer shows when set (a site served in mainland China must show it).
SITE_CONTACT_EMAIL = env.str("DJANGO_SITE_CONTACT_EMAIL", default="info@localhost")
ICP_FILING_NUMBER = env.str("DJANGO_ICP_FILING_NUMBER", default="")
# The site's address for links in e-mail sent outside a request (the reminders).
SITE_URL = env.str("DJANGO_SITE_URL", default="http://localhost:8000")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # API (config/api.py): tokens or the browser session (with CSRF), one error
    # format, page-number or cursor pagination, rate limits per client.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.DirectoryPagination",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.throttling.AnonThrottle",
        "accounts.throttling.TokenThrottle",
        "accounts.throttling.SessionUserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_RATE_ANON", default="60/min"),
        "token": env.str("API_RATE_TOKEN", default="600/min"),
        "user": env.str("API_RATE_USER", default="600/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Liaoning Textile Directory API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DesignationKindEnum": "clusters.models.Designation.Kind",
        "CollegeKindEnum": "colleges.models.College.Kind",
        "PartnershipKindEnum": "colleges.models.Partnership.Kind",
        "ProgrammeKindEnum": "programmes.models.Programme.Kind",
        "EventKindEnum": "programmes.models.Event.Kind",
        "RegionLevelEnum": "core.models.Region.Level",
        "StudyProgrammeLevelEnum": "colleges.models.CollegeProgramme.Level",
    },
}

# Logs: one JSON object per line on stderr (python-json-logger) unless debugging;
# DJANGO_LOG_FORMAT=text|json chooses, DJANGO_LOG_LEVEL the root level.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
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
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}
    },
    "root": {
        "handlers": ["console"],
        "level": env.str("DJANGO_LOG_LEVEL", default="WARNING"),
    },
    "loggers": {
        # Task starts, ends and failures (django.tasks, the worker) and the
        # worker's reaper of jobs whose worker died.
        "django.tasks": {"level": "INFO"},
        "django_tasks_db": {"level": "INFO"},
        "core.worker": {"level": "INFO"},
    },
}

# Demo data is flagged on every page while the database holds it.
DEMO_PASSWORD = "liaoning-demo-2026"  # noqa: S105 - documented demo logins
