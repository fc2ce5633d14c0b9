"""Django settings for OpenProbation.

Twelve-factor: everything that differs between a laptop, CI and production comes from the
environment (``DATABASE_URL``, ``SECRET_KEY``, ``DEBUG``...). With nothing set, the service runs on
an embedded SQLite file under ``var/`` so that a newcomer needs no database server.
No secret has a production default: with ``DJANGO_ENV=production``, ``SECRET_KEY`` must be set.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

SRC_DIR = Path(__file__).resolve().parents[2]
BASE_DIR = SRC_DIR.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

# DJANGO_ENV=production demands a real SECRET_KEY and turns DEBUG off; anything else is a
# development or test machine, where a fixed development key is acceptable.
PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"
DEBUG = env.bool("DEBUG", default=False) and not PRODUCTION
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: refuse to start without one
else:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-not-for-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "probation.core",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    # Background work (docs/adr/0018): the tasks framework and its database backend, whose
    # table is the queue: no broker to run, on SQLite and PostgreSQL alike.
    "django_tasks",
    "django_tasks_db",
    "probation.contracts",
    "probation.workforce",
    "probation.people",
    "probation.courts",
    "probation.risk",
    "probation.allocation",
    "probation.supervision",
    "probation.enforcement",
    "probation.performance",
    "probation.monitoring",
    "probation.casework",
    "probation.api",
]
# The demo world (synthetic people, staff sharing one printed password) is for development and
# test machines only: in production the app is not installed and `probation demo` refuses.
if not PRODUCTION:
    INSTALLED_APPS.append("probation.demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "probation.core.actor.CurrentActorMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "probation.core.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "probation.core.middleware.SessionLimitsMiddleware",
    "probation.core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in protection (probation/core/signin.py): after SIGN_IN_FAILURE_LIMIT failures a username,
# and separately an address, is locked for SIGN_IN_LOCKOUT_MINUTES; a success resets the count.
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("SIGN_IN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout are refused without being counted or audited one by one.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "probation.core.signin.locked_out_response"
AXES_VERBOSE = False
# A second factor (TOTP) after the password: required for these roles, open to everyone
# (probation/core/second_factor.py).
SECOND_FACTOR_REQUIRED_ROLES = env.list(
    "SECOND_FACTOR_REQUIRED_ROLES", default=["administrator", "auditor"]
)
OTP_TOTP_ISSUER = "OpenProbation"
# Anonymous requests for case pages are refused and audited, up to this many a minute from one
# address; past it, 429 and nothing written (probation/people/access.py).
ANONYMOUS_REFUSALS_PER_MINUTE = env.int("ANONYMOUS_REFUSALS_PER_MINUTE", default=60)

ROOT_URLCONF = "probation.config.urls"
WSGI_APPLICATION = "probation.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "probation.casework.context_processors.navigation",
            ],
        },
    },
]

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'probation.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Least privilege (probation/core/database.py): migrations run as the owner of the tables
# (MIGRATION_DATABASE_URL), and after each the application's role (DATABASE_APP_ROLE, the user
# of DATABASE_URL) is granted only what it needs, on the audit table SELECT and INSERT.
MIGRATION_DATABASE_URL = env.str("MIGRATION_DATABASE_URL", default="")
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the demo builder writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# The cache holds the counters that protect the service (rate limits, throttles, API idempotency
# keys, lockout audits): with several processes they must share one, so production sets
# CACHE_URL=redis://host:6379/0. Without it each process keeps its own (fine for one process).
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# 64-bit keys everywhere: an EM vendor's alerting once stopped when a 32-bit key ran out.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "workforce.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:sign-in"
LOGIN_REDIRECT_URL = "casework:home"
LOGOUT_REDIRECT_URL = "core:sign-in"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("govuk", NODE_MODULES / "govuk-frontend" / "dist" / "govuk"),
    ("moj", NODE_MODULES / "@ministryofjustice" / "frontend" / "moj"),
    # Leaflet draws the alert page's map (probation/monitoring/static/monitoring/alert-map.js).
    ("leaflet", NODE_MODULES / "leaflet" / "dist"),
]
# GOV.UK Frontend's CSS refers to its fonts and images as /assets/...: serve them from the root.
WHITENOISE_ROOT = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Sessions end after 30 idle minutes or 10 hours, whichever is first (core/middleware.py).
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_MAX_HOURS", default=10) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Production is served over TLS: secure cookies, HSTS and a redirect to https by default. Behind
# a proxy that terminates TLS, set TLS_TERMINATED_BY_PROXY=true (it must set X-Forwarded-Proto);
# each default can be switched off on its own.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
if env.bool("TLS_TERMINATED_BY_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain http
# A refused form (e.g. signing in from a second tab) gets a GOV.UK page in plain words, audited.
CSRF_FAILURE_VIEW = "probation.core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): scripts and styles from this origin
# only, inline scripts only with the page's nonce; no framing, no plugins, forms post here only.
# The interactive API docs relax styles for Swagger UI on that one page (probation/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Hostile input: keep request bodies bounded.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# API tokens expire this many days after they are made (probation/core/authentication.py).
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "probation.core.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "probation.api.problems.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Every refused request is audited: bound how fast an anonymous client can write refusals.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("API_ANON_RATE", default="120/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenProbation API",
    "DESCRIPTION": "Read persons and cases, scoped to the signed-in user's organisation and role. "
    "Errors are RFC 7807 problem JSON.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from the drf-spectacular-sidecar package, served by WhiteNoise:
    # the service's machines reach no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Background work: tasks are rows in the database (django-tasks-db), run by `probation worker`,
# which also queues appointment reminders every minute (probation/ops/worker.py).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Email: EMAIL_URL, e.g. smtp+tls://user:password@smtp.example:587 (django-environ). Production
# sends through SMTP (localhost:25 unless EMAIL_URL says otherwise); elsewhere email is printed
# on the console, so a newcomer sees reminders go out without a mail server.
_EMAIL = env.email_url(
    "EMAIL_URL", default="smtp://localhost:25" if PRODUCTION else "consolemail://"
)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=_EMAIL["EMAIL_BACKEND"])
EMAIL_HOST = env.str("EMAIL_HOST", default=_EMAIL.get("EMAIL_HOST") or "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=_EMAIL.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER = _EMAIL.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _EMAIL.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_EMAIL.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_EMAIL.get("EMAIL_USE_SSL"))
del _EMAIL  # not a setting: its parts are
# A mail server that does not answer must not hold the worker: give up after this many seconds
# (the message is then recorded as failed, with the error).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="OpenProbation <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Appointment reminders (probation/supervision/reminder_services.py): sent this many hours before
# an appointment starts; text messages through SMS_BACKEND (a dotted path to a class with
# send(to, body); the console backend prints them).
REMINDER_LEAD_HOURS = env.int("REMINDER_LEAD_HOURS", default=24)
SMS_BACKEND = env.str("SMS_BACKEND", default="probation.supervision.reminders.ConsoleSmsBackend")

# Electronic monitoring telemetry (probation/monitoring/, docs/how-to/publish-telemetry.md): the
# MQTT broker the tags' gateways publish to and `probation em ingest` reads from
# (mqtt://host:port, or mqtts:// for TLS; user:password@ in the URL when the broker asks).
MQTT_URL = env.str("MQTT_URL", default="mqtt://127.0.0.1:1883")
# Policy: a fitted device silent for longer than this raises a "no signal" alert.
EM_NO_SIGNAL_MINUTES = env.int("EM_NO_SIGNAL_MINUTES", default=30)
# Detection remembers each rule's observations this long, so that a late upload is judged in
# its place; an upload later still is judged as if new (probation/monitoring/detection.py).
EM_STATE_HORIZON_MINUTES = env.int("EM_STATE_HORIZON_MINUTES", default=60)
# Telemetry (fixes and device events) is kept this many days; `probation em partitions` drops
# older days whole. Uploads recorded before it are refused (dead letters).
EM_TELEMETRY_RETAIN_DAYS = env.int("EM_TELEMETRY_RETAIN_DAYS", default=90)
# Target: a new alert is acknowledged by the monitoring centre within this many minutes; the
# queue shows an alert still new after it as overdue (docs/domain/electronic-monitoring.md).
EM_ALERT_ACKNOWLEDGE_MINUTES = env.int("EM_ALERT_ACKNOWLEDGE_MINUTES", default=15)
