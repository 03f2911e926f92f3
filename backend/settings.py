"""Django settings, read from the environment in this one place (12-factor).

Every value a deployment may change is an environment variable; the table in
README.md lists them. Values are validated at start-up by the system checks in
``accounts/checks.py`` rather than by crashing at import time, so a
misconfigured deployment gets a readable error.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

# Without DEBUG a real key is required; the system check ``backend.E001`` also
# refuses a short one. The dev key is only ever used with DEBUG on.
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    # Before graphene_django so that our `graphql_schema` command (trailing newline) wins.
    "schema",
    "graphene_django",
    # Before graphql-jwt's app so that our `cleartokens` command wins.
    "accounts",
    # graphql-jwt's refresh-token app: its abstract model and signals. Our
    # concrete model is accounts.RefreshToken.
    "graphql_jwt.refresh_token",
    "kakao_standin",
]

MIDDLEWARE = [
    # django-cors-headers' middleware, without its header map for requests with no Origin.
    "backend.middleware.CorsMiddleware",
    "backend.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Sessions, Django's authentication and messages serve the admin only (the API uses
    # JWTs): other paths skip them.
    "backend.middleware.AdminOnlySessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "backend.middleware.AdminOnlyAuthenticationMiddleware",
    "backend.middleware.AdminOnlyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "schema.middleware.APIHeadersMiddleware",
    # Last, so that it sees the views' exceptions first.
    "backend.outages.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "backend.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Our templates first: schema/templates overrides graphene-django's GraphiQL page.
        "DIRS": [BASE_DIR / "schema" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "backend.wsgi.application"

# SQLite is the embedded default; DATABASE_URL=postgres://… is the production path
# (psycopg 3). PostgreSQL connections persist across requests (CONN_MAX_AGE) and are
# health-checked before reuse.
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://", "pgsql://"))
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# A request that cannot reach the database answers 503 SERVICE_UNAVAILABLE within this.
DATABASE_CONNECT_TIMEOUT_SECONDS = env_int("DATABASE_CONNECT_TIMEOUT_SECONDS", 3)
# What a 503 tells clients to wait before retrying (Retry-After).
DATABASE_RETRY_AFTER_SECONDS = env_int("DATABASE_RETRY_AFTER_SECONDS", 1)
# A kept connection is health-checked (a round trip) only after sitting idle this long
# (backend/dbhealth.py); 0 checks before every request, as Django does.
DATABASE_HEALTH_CHECK_IDLE_SECONDS = env_int("DATABASE_HEALTH_CHECK_IDLE_SECONDS", 5)
if _POSTGRES:
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = (
        DATABASE_CONNECT_TIMEOUT_SECONDS
    )
    # Parameters travel apart from the SQL (server-side binding) instead of being quoted
    # into new SQL text by psycopg for every statement: measurably less CPU per request.
    # Statements are not prepared (Django's default, which keeps poolers working); turn
    # this off only for a pooler or proxy that cannot take the extended query protocol.
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = env_bool(
        "DATABASE_SERVER_SIDE_BINDING", True
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default, made to hold up under a threaded server on one machine:
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock when
    # a transaction begins (no deadlocked lock upgrades between two transactions);
    # writers queue for up to the busy timeout instead of failing "database is locked".
    # synchronous=NORMAL is WAL's usual pairing: durable across crashes of the app,
    # may lose the last commits on power loss.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_float("SQLITE_BUSY_TIMEOUT_SECONDS", 10.0),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# Rate-limit counters, used OAuth states and Kakao's keys must be shared by every
# process: REDIS_URL=redis://… for several instances; without it, a table in the
# database (backend/dbcache.py, created by migrate), shared by make serve's workers.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    _REDIS_TIMEOUT = env_float("REDIS_TIMEOUT_SECONDS", 0.5)
    if not 0 < _REDIS_TIMEOUT <= 30:
        raise ImproperlyConfigured("REDIS_TIMEOUT_SECONDS must be greater than 0 and at most 30.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kakao-login",
            # Fail fast rather than hang a request when Redis is unreachable or
            # frozen: the cache may degrade (accounts/cache.py), so a short
            # timeout, paid once per process before a back-off, is all it costs.
            "OPTIONS": {
                "socket_connect_timeout": _REDIS_TIMEOUT,
                "socket_timeout": _REDIS_TIMEOUT,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "backend.dbcache.SharedDatabaseCache",
            "LOCATION": "kakao_cache",
            # Past this many rows a write first sweeps the expired ones (never live ones).
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

AUTH_USER_MODEL = "accounts.User"
# The GraphQL view authenticates JWTs itself (schema/auth.py); the model
# backend is for the admin.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves the collected static files (admin, GraphiQL) without a separate server.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- CORS (django-cors-headers) -------------------------------------------
# In DEBUG both spellings of the usual dev servers' origins (CRA/Next on 3000, Vite on
# 5173): a browser treats localhost and 127.0.0.1 as different origins.
CORS_ALLOWED_ORIGINS = env_list(
    "CORS_ALLOWED_ORIGINS",
    "http://localhost:3000,http://127.0.0.1:3000,http://localhost:5173,http://127.0.0.1:5173"
    if DEBUG
    else "",
)
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/graphql/?$"
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "x-requested-with",
    # A native or hybrid app's own name and version, shown in the person's device list.
    "x-client-name",
    "x-client-version",
)
# A 503's Retry-After must be readable by a browser app on another origin.
CORS_EXPOSE_HEADERS = ("retry-after",)

# --- Kakao ------------------------------------------------------------------
KAKAO_REST_API_KEY = env_str("KAKAO_REST_API_KEY")
KAKAO_CLIENT_SECRET = env_str("KAKAO_CLIENT_SECRET")
KAKAO_REDIRECT_URIS = env_list("KAKAO_REDIRECT_URIS", "http://localhost:3000/oauth/kakao/callback")
KAKAO_AUTH_URL = env_str("KAKAO_AUTH_URL", "https://kauth.kakao.com").rstrip("/")
KAKAO_API_URL = env_str("KAKAO_API_URL", "https://kapi.kakao.com").rstrip("/")
KAKAO_TIMEOUT_SECONDS = env_float("KAKAO_TIMEOUT_SECONDS", 5.0)
KAKAO_LINK_VERIFIED_EMAIL = env_bool("KAKAO_LINK_VERIFIED_EMAIL", False)
# An HTTP(S) proxy for the calls to Kakao, when egress must go through one. The
# usual HTTPS_PROXY/NO_PROXY environment variables are deliberately not used.
KAKAO_PROXY_URL = env_str("KAKAO_PROXY_URL")
# Login CSRF protection: kakaoLogin needs the state issued by kakaoAuthorizeUrl to
# this browser. Native apps that cannot hold the cookie switch it off.
KAKAO_REQUIRE_STATE = env_bool("KAKAO_REQUIRE_STATE", True)
# OpenID Connect: ask for the openid scope and verify Kakao's id_token locally.
KAKAO_OIDC = env_bool("KAKAO_OIDC", False)
# PKCE on the code flow (S256): kakaoAuthorize sends a challenge, the exchange sends
# the verifier derived from this browser's state, so a code intercepted from another
# browser's flow cannot be redeemed with the attacker's own state.
KAKAO_PKCE = env_bool("KAKAO_PKCE", True)
# The app's numeric id (Kakao console, app summary): SDK tokens must have been issued
# to it (access_token_info's app_id), and Kakao's unlink notices must name it.
KAKAO_APP_ID = env_str("KAKAO_APP_ID")
# Audiences accepted on an id_token an SDK obtained: the app keys its SDKs use
# (native app key, JavaScript key). Empty: the REST API key.
KAKAO_ID_TOKEN_AUDIENCES = env_list("KAKAO_ID_TOKEN_AUDIENCES")
# The admin key: unlinks a person at Kakao by id, and authenticates Kakao's unlink
# notices. Server-side only; never logged, never sent anywhere but Kakao.
KAKAO_ADMIN_KEY = env_str("KAKAO_ADMIN_KEY")
# Benchmarks and fault tests run the production settings (DEBUG off) against the local
# stand-in: this lets KAKAO_AUTH_URL/KAKAO_API_URL point at a loopback address, over
# http too, and logs a warning at start. Nothing else is relaxed; never in production.
KAKAO_ALLOW_LOCAL_URLS = env_bool("KAKAO_ALLOW_LOCAL_URLS", False)

# --- Consent and re-authentication ------------------------------------------------------
# Kakao Sync service-terms tags (Kakao console) every person must have agreed to before a
# sign-in starts a session, read with the admin key; empty: none required.
KAKAO_REQUIRED_SERVICE_TERMS = env_list("KAKAO_REQUIRED_SERVICE_TERMS")
# How old the stored record of a person's consent may be before `me.kakao` asks Kakao again.
KAKAO_CONSENT_MAX_AGE_SECONDS = env_int("KAKAO_CONSENT_MAX_AGE_SECONDS", 3600)
# deleteAccount and unlinkKakao need this session's sign-in, or its last re-authentication
# with Kakao, to be at most this old.
REAUTHENTICATION_MAX_AGE_SECONDS = env_int("REAUTHENTICATION_MAX_AGE_SECONDS", 600)
# Where Kakao may send the browser after logging out of the Kakao account too (registered
# in the Kakao console as Logout Redirect URIs); the first is logout(kakao: true)'s default.
KAKAO_LOGOUT_REDIRECT_URIS = env_list("KAKAO_LOGOUT_REDIRECT_URIS")

# --- The account's life ---------------------------------------------------------------
# What leaving does to the user row: "anonymize" (deactivate and clear it; rows that
# point at it survive) or "delete".
ACCOUNT_DELETE_MODE = env_str("ACCOUNT_DELETE_MODE", "anonymize").lower()

# --- Security events and metrics ------------------------------------------------------
# How long a person's security events are kept; `manage.py cleartokens` deletes older ones.
SECURITY_EVENTS_RETENTION_DAYS = env_int("SECURITY_EVENTS_RETENTION_DAYS", 365)
# GET /metrics (Prometheus text format): off unless enabled, then only with
# `Authorization: Bearer <METRICS_TOKEN>` or from METRICS_ALLOWED_IPS (addresses or
# networks, as the rate limiter sees the client, i.e. honouring TRUSTED_PROXY_COUNT).
METRICS_ENABLED = env_bool("METRICS_ENABLED", False)
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS")
# Where each gunicorn worker writes its counts so that /metrics adds them all up;
# gunicorn.conf.py makes a fresh directory when metrics are on and this is unset.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR")

# --- Abuse limits -------------------------------------------------------------
# "count/seconds", counted in the Django cache (shared by all instances with Redis);
# "off" disables one.
RATE_LIMIT_LOGIN_PER_IP = env_str("RATE_LIMIT_LOGIN_PER_IP", "20/60")
RATE_LIMIT_LOGIN_PER_KAKAO_USER = env_str("RATE_LIMIT_LOGIN_PER_KAKAO_USER", "10/60")
RATE_LIMIT_REFRESH_PER_IP = env_str("RATE_LIMIT_REFRESH_PER_IP", "60/60")
# How many reverse proxies of ours stand in front of the app. 0: X-Forwarded-For
# is ignored (anyone can write it); N: its N-th entry from the right is the client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# The admin's password form: after this many failed logins from one address (the one
# the rate limits see) or for one username within the window, /admin/login/ answers 429
# until the window has passed (backend/admin_lockout.py).
ADMIN_LOGIN_MAX_FAILURES = env_int("ADMIN_LOGIN_MAX_FAILURES", 10)
ADMIN_LOGIN_WINDOW_SECONDS = env_int("ADMIN_LOGIN_WINDOW_SECONDS", 15 * 60)

# --- JWT (django-graphql-jwt) ----------------------------------------------
JWT_ACCESS_TTL_SECONDS = env_int("JWT_ACCESS_TTL_SECONDS", 300)
JWT_REFRESH_TTL_SECONDS = env_int("JWT_REFRESH_TTL_SECONDS", 14 * 24 * 3600)
# A refresh token presented again within this many seconds of its rotation (a second
# tab, a retry after a lost answer) gets the same successor instead of revoking the
# session; later it is a replay and the session is revoked.
JWT_REFRESH_REUSE_SECONDS = env_int("JWT_REFRESH_REUSE_SECONDS", 10)
JWT_COOKIE_SAMESITE = env_str("JWT_COOKIE_SAMESITE", "Lax")
JWT_COOKIE_SECURE = env_bool("JWT_COOKIE_SECURE", not DEBUG)
JWT_COOKIE_DOMAIN = env_str("JWT_COOKIE_DOMAIN") or None

GRAPHQL_JWT = {
    "JWT_VERIFY_EXPIRATION": True,
    "JWT_EXPIRATION_DELTA": timedelta(seconds=JWT_ACCESS_TTL_SECONDS),
    "JWT_REFRESH_EXPIRATION_DELTA": timedelta(seconds=JWT_REFRESH_TTL_SECONDS),
    "JWT_LONG_RUNNING_REFRESH_TOKEN": True,
    "JWT_REFRESH_TOKEN_MODEL": "accounts.RefreshToken",
    "JWT_REFRESH_TOKEN_N_BYTES": 32,
    "JWT_GET_REFRESH_TOKEN_HANDLER": "accounts.services.sessions.get_refresh_token_by_value",
    # graphql-jwt's claims plus `sid`, the session the token belongs to.
    "JWT_PAYLOAD_HANDLER": "accounts.services.sessions.jwt_payload",
    "JWT_AUTH_HEADER_PREFIX": "Bearer",
    "JWT_COOKIE_SAMESITE": JWT_COOKIE_SAMESITE,
    "JWT_COOKIE_SECURE": JWT_COOKIE_SECURE,
    "JWT_COOKIE_DOMAIN": JWT_COOKIE_DOMAIN,
    "JWT_COOKIE_PATH": "/",
    "JWT_ALGORITHM": "HS256",
}

GRAPHENE = {
    "SCHEMA": "schema.schema.schema",
    "SCHEMA_OUTPUT": "schema.graphql",
    "SCHEMA_INDENT": 2,
}

# GraphiQL is a development tool: on with DEBUG unless switched off. With DEBUG off
# it also needs GRAPHIQL_IN_PRODUCTION=1, or the system checks refuse to start.
GRAPHIQL_ENABLED = env_bool("GRAPHIQL_ENABLED", DEBUG)
GRAPHIQL_IN_PRODUCTION = env_bool("GRAPHIQL_IN_PRODUCTION", False)

# --- Security ---------------------------------------------------------------------
# Query limits: introspection is for development (the committed schema.graphql is
# what tools use in production); size, tokens, depth, aliases, directives and cost
# (GraphQL Armor's defaults and cost model, schema/limits.py) bound the work a single
# request can ask for, whoever sends it.
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", DEBUG)
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10)
GRAPHQL_MAX_QUERY_BYTES = env_int("GRAPHQL_MAX_QUERY_BYTES", 10_000)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 1_000)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 15)
GRAPHQL_MAX_DIRECTIVES = env_int("GRAPHQL_MAX_DIRECTIVES", 50)
GRAPHQL_MAX_COST = env_int("GRAPHQL_MAX_COST", 5_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The admin's session and CSRF cookies follow the token cookies' Secure setting.
SESSION_COOKIE_SECURE = JWT_COOKIE_SECURE
CSRF_COOKIE_SECURE = JWT_COOKIE_SECURE
# HSTS: a year with DEBUG off, 0 turns it off. Django sends it only on requests it sees
# as secure: behind a TLS-terminating proxy that needs BEHIND_TLS_PROXY=1 (below).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Behind a TLS-terminating proxy of ours, trust its X-Forwarded-Proto (never otherwise).
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging: one line per event, never a secret ----------------------------
# JSON lines (with the request id) by default in production, plain text in DEBUG.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
# One line per request from the app itself (backend.access): `make serve` (granian) turns it
# on; gunicorn and the development server write their own.
ACCESS_LOG = env_bool("ACCESS_LOG", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "backend.logs.RequestIdFilter"},
        "path_only": {"()": "backend.logs.PathOnlyFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "backend.logs.JsonFormatter"},
        # Django's own format for runserver's request lines.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        },
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs the full request on a 4xx/5xx; request bodies carry codes.
        "django.request": {"level": "ERROR"},
        # ACCESS_LOG is the access log's switch, whatever LOG_LEVEL says.
        "backend.access": {"level": "INFO"},
        # The development server's request lines, without their query strings.
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["path_only"],
        },
    },
}
