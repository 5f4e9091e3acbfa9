"""Settings shared by every deployment. Everything that differs between machines comes from
the environment (see config/env.py and docs/operations.md)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("GWC_VAR_DIR", str(BASE_DIR / "var")))

# An embedded default so `make demo` runs without configuration; production refuses it.
INSECURE_DEV_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105 — refused by production settings
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "gongwucang.core",
    "gongwucang.org",
    "gongwucang.assets",
    "gongwucang.workflow",
    "gongwucang.warehouse",
    "gongwucang.accounting",
    "gongwucang.spreadsheets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gongwucang.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "gongwucang.core.middleware.RefuseNulCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gongwucang.core.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongwucang.core.context_processors.frame",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gongwucang.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the task worker read while the other writes;
    # IMMEDIATE makes a writing transaction take the lock at BEGIN, so two writers queue
    # instead of failing half-way ("database is locked").
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the SQL text (server-side binding): psycopg need not quote them
    # into the statement. DB_PREPARE_THRESHOLD=N also keeps a statement a connection has run N times
    # prepared, so PostgreSQL skips planning it again — off by default: PostgreSQL then may run it
    # with a generic plan, and at 1,000,000 cards the list of a large unit filtered by category and
    # sorted by value took 200–250 ms that way instead of 110–150 ms (bench/pages.py, p95 over its
    # 150 ms target). What it saves is in docs/operations.md.
    _threshold = env_str("DB_PREPARE_THRESHOLD", "off").strip().lower()
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": True,
            "prepare_threshold": None if _threshold in ("off", "none", "") else int(_threshold),
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and sessions. With REDIS_URL (e.g. redis://127.0.0.1:6379/0) the cache is Redis, shared
# by every gunicorn worker, and sessions are "cached_db": read from Redis, written through to the
# database (a Redis restart logs nobody out). Without it (the embedded mode) the cache is each
# process's memory and sessions stay database-only: a per-process cache would let one worker
# serve a session another worker has since changed (role switch, logout).
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "gongwucang.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "gwc"),
            "TIMEOUT": 300,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "org.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock a username (from any address) after 5 failed logins, for one hour.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads attached to asset cards: limits are settings so a region can change them.
ATTACHMENT_MAX_PHOTO_BYTES = env_int("ATTACHMENT_MAX_PHOTO_BYTES", 8 * 1024 * 1024)
ATTACHMENT_MAX_DOCUMENT_BYTES = env_int("ATTACHMENT_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Excel/CSV import and export (issue 5; docs/operations.md): limits on what an upload may hold.
# 512 MiB: a 1,000,000-row, 30-column CSV ledger is about 260 MB (its .xlsx about 160 MB).
SPREADSHEET_IMPORT_MAX_BYTES = env_int("SPREADSHEET_IMPORT_MAX_BYTES", 512 * 1024 * 1024)
SPREADSHEET_IMPORT_MAX_ROWS = env_int("SPREADSHEET_IMPORT_MAX_ROWS", 1_000_000)
SPREADSHEET_IMPORT_MAX_COLUMNS = env_int("SPREADSHEET_IMPORT_MAX_COLUMNS", 200)
SPREADSHEET_IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("SPREADSHEET_IMPORT_MAX_UNCOMPRESSED_BYTES", 4 * 1024**3)
SPREADSHEET_IMPORT_MAX_COMPRESSION_RATIO = env_int("SPREADSHEET_IMPORT_MAX_COMPRESSION_RATIO", 200)
SPREADSHEET_IMPORT_MAX_ERRORS_KEPT = env_int("SPREADSHEET_IMPORT_MAX_ERRORS_KEPT", 10_000)
SPREADSHEET_IMPORT_STALE_MINUTES = env_int("SPREADSHEET_IMPORT_STALE_MINUTES", 10)
SPREADSHEET_EXPORT_MAX_ROWS = env_int("SPREADSHEET_EXPORT_MAX_ROWS", 1_048_575)

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "gongwucang@localhost")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag; kept default
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Everything is served by the platform itself: no CDN, no inline script from elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

# Asset list: rows per page (the user may choose 20/50/100).
ASSET_LIST_PAGE_SIZES = [20, 50, 100]

# The 公物仓 (warehouse app): the address in e-mailed links; loan reminders this many days before
# the due date (then daily while overdue); the longest loan.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
LOAN_REMIND_DAYS_BEFORE = env_int("LOAN_REMIND_DAYS_BEFORE", 3)
LOAN_MAX_DAYS = env_int("LOAN_MAX_DAYS", 366)
# Intake tagged "idle": the card must have been idle this many months (DOMAIN.md §3), counted
# from its ledger (when it last became idle).
INTAKE_IDLE_MIN_MONTHS = env_int("INTAKE_IDLE_MIN_MONTHS", 6)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

ADMIN_SITE_TITLE = _("公物仓管理平台")

SILENCED_SYSTEM_CHECKS = [
    # Lockout is per user name on purpose: offices sit behind one NAT address, so locking by
    # address would lock out a whole unit after five typos by different people.
    "axes.W006",
]
