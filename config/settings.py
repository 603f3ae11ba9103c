"""Ortak settings, read from the environment through :mod:`config.env`.

See CONTRACT.md-style table in docs/deploy.md for every variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    validate_redis_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DEVELOPMENT_SECRET_KEY = "ortak-development-key-not-for-production"  # noqa: S105

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
ORTAK_ALLOW_EMBEDDED = env_bool("ORTAK_ALLOW_EMBEDDED", False)
ORTAK_ALLOW_FIXTURES = env_bool("ORTAK_ALLOW_FIXTURES", False)
ORTAK_HTTPS = env_bool("ORTAK_HTTPS", False)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "config.apps.OrtakConfig",
    "assembly",
    "proposals",
    "voting",
    "followup",
    "realtime",
    "audit",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.errors.RefuseNulBytes",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "assembly.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "assembly.middleware.ReaderPreferencesMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "assembly.context_processors.reader_preferences",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------
DATABASE = parse_database_url(env_str("DATABASE_URL", "sqlite:///var/ortak.sqlite3"), str(BASE_DIR))
DATABASES = {"default": DATABASE.as_django()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer and cache -----------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    validate_redis_url(REDIS_URL)
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        "max_connections": 1000,
                    }
                ],
                "prefix": env_str("ORTAK_CHANNEL_PREFIX", "ortak"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("ORTAK_CACHE_PREFIX", "ortak"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- People ---------------------------------------------------------------
AUTH_USER_MODEL = "assembly.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before the password is checked, then leaves the
    # check to ModelBackend. AxesBackend (not AxesStandaloneBackend) because sessions may
    # name the first backend, which must then be able to load the user (get_user).
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

# --- Languages, time ------------------------------------------------------
LANGUAGE_CODE = "tr"
LANGUAGES = [("tr", _("Turkish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Istanbul"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "frontend_templates" / "static"]
# One Daphne process serves the whole site, static files included, straight from
# the source folders (no collectstatic step); nginx may take them over in production.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SERVESTATIC_USE_FINDERS = True
SERVESTATIC_AUTOREFRESH = DEBUG

# --- REST API -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ortak API",
    "DESCRIPTION": "Live assemblies, proposals and the public decision register.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {"CommitmentStatusEnum": "followup.models.Status"},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Realtime limits --------------------------------------------------------
ORTAK_WS_MAX_FRAME = 64 * 1024
ORTAK_WS_RATE_PER_SECOND = env_int("ORTAK_WS_RATE_PER_SECOND", 10, minimum=1)
ORTAK_WS_RATE_BURST = env_int("ORTAK_WS_RATE_BURST", 30, minimum=1)
ORTAK_WS_MEMBER_RATE_PER_SECOND = env_int("ORTAK_WS_MEMBER_RATE_PER_SECOND", 20, minimum=1)
ORTAK_COALESCE_SECONDS = 0.1
#: presence.changed lists everyone present: at most one per session per this many seconds
#: (a lone check-in still goes at once).
ORTAK_PRESENCE_SECONDS = 1.0
#: Database threads per process for live sockets' joins and commands (SQLite: 1).
ORTAK_DB_THREADS = env_int("ORTAK_DB_THREADS", 4, minimum=1)
#: Joins a process works on at once; more wait their turn, first come first served.
ORTAK_JOINS_AT_ONCE = env_int("ORTAK_JOINS_AT_ONCE", 64, minimum=1)
#: HTTP requests a process runs at once; more wait their turn. Each running request
#: holds a thread and a database connection: with ORTAK_DB_THREADS and the deadline
#: watcher, a process holds at most this + ORTAK_DB_THREADS + 1 connections (keep the
#: sum over all processes under PostgreSQL's max_connections, 100 by default).
ORTAK_HTTP_AT_ONCE = env_int("ORTAK_HTTP_AT_ONCE", 16, minimum=1)
#: A session's shared snapshot is rebuilt at least this often, even with no frame.
ORTAK_SNAPSHOT_MAX_AGE = 2.0
#: How often each server process checks its link to the others (Redis) with a beat.
ORTAK_HUB_BEAT_SECONDS = 1.0
#: Each server process closes rounds at their deadline (voting/scheduler.py).
ORTAK_SCHEDULER = env_bool("ORTAK_SCHEDULER", True)

# --- Security ---------------------------------------------------------------
# Login throttling (django-axes). A whole assembly may share one address, so a lockout
# is per (username, address): a stranger guessing one member's password from the hall's
# network locks out only that pair. Behind a proxy, Daphne must run with --proxy-headers
# so that the address is the client's, not the proxy's.
AXES_ENABLED = env_bool("ORTAK_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = env_int("ORTAK_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ORTAK_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_VERBOSE = False

# Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere. Pages load
# their scripts and styles from this site only; sockets go back to this site. The video
# meeting, embedded only when someone asks, may come from any HTTPS address.
_SOCKET_SCHEMES = ("wss",) if ORTAK_HTTPS else ("ws", "wss")
# Any port: 'self' covers the page's own port only, and not ws: in every browser.
# ALLOWED_HOSTS' ".example.org" (the domain and its subdomains) becomes "*.example.org".
_socket_sources = [
    f"{scheme}://{'*' + host if host.startswith('.') else host}:*"
    for host in ALLOWED_HOSTS
    if host != "*"
    for scheme in _SOCKET_SCHEMES
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, *_socket_sources],
        "frame-src": ["https:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [
    f"{scheme}://{host}" for host in ALLOWED_HOSTS for scheme in ("http", "https") if host != "*"
]
if ORTAK_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("ORTAK_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
