"""Settings for running Castellan: everything comes from the environment (or the local .env).

Secrets have no default here. `make run` writes a git-ignored `.env` with fresh random values on
first start; `manage.py` and the WSGI server read the same file.
"""

import sys
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _required(name: str, hint: str) -> str:
    value = env.str(name, default="")
    if not value:
        sys.stderr.write(f"Castellan cannot start: {name} is not set. {hint}\n")
        raise SystemExit(1)
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY", "Run `make run` once to create .env, or export it.")
DEBUG = env.bool("DJANGO_DEBUG", default=False)

HOST = env.str("HOST", default="127.0.0.1")
PORT = env.int("PORT", default=8000)
# Base of every ORG_URL issuer: https://id.example.com gives https://id.example.com/oauth2/default.
CASTELLAN_BASE_URL = env.str("CASTELLAN_BASE_URL", default=f"http://{HOST}:{PORT}").rstrip("/")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", HOST])

# Fernet key(s), comma-separated, newest first: encrypt signing keys and client secrets at rest.
CASTELLAN_KEY_ENCRYPTION_KEY = _required(
    "CASTELLAN_KEY_ENCRYPTION_KEY",
    "It encrypts every private key and client secret; restore it from your backup of .env.",
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "accounts",
    "clients",
    "authservers",
    "policies",
]

MIDDLEWARE = [
    "config.middleware.OktaRequestIdMiddleware",
    "authservers.cors.CorsMiddleware",
    "authservers.middleware.OAuthRequestGuardMiddleware",
    "authservers.ratelimit.RateLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database_url() -> str:
    url = env.str("DATABASE_URL", default="")
    if url:
        return url
    from config.embedded_postgres import database_url

    return database_url(BASE_DIR)


DATABASES = {"default": env.db_url_config(_database_url())}
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
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

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Redis when REDIS_URL is set; otherwise a broker and cache that need no server.
REDIS_URL = env.str("REDIS_URL", default="")
BROKER_DIR = BASE_DIR / ".castellan" / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

def _duration(name: str, default: str):
    """A duration setting (`90d`, `2h`, `5m`, `60s`); a malformed value stops the start with a plain message."""
    from authservers.durations import DurationError, parse_duration

    try:
        return parse_duration(env.str(name, default=default))
    except DurationError as exc:
        sys.stderr.write(f"Castellan cannot start: {name}: {exc}\n")
        raise SystemExit(1) from None


# AUTO key rotation: how long a signing key signs before the NEXT key takes over (Okta: 90 days).
CASTELLAN_KEY_ROTATION_PERIOD = _duration("CASTELLAN_KEY_ROTATION_PERIOD", "90d")
# How often beat looks for due key work (rotation, new NEXT keys, removing old EXPIRED keys).
CASTELLAN_KEY_ROTATION_CHECK_INTERVAL = _duration("CASTELLAN_KEY_ROTATION_CHECK_INTERVAL", "60s")
# How long System Log events are kept before housekeeping deletes them.
CASTELLAN_SYSTEM_LOG_RETENTION = _duration("CASTELLAN_SYSTEM_LOG_RETENTION", "90d")
# How often housekeeping deletes expired codes, tokens, denylist rows and old System Log events.
CASTELLAN_HOUSEKEEPING_INTERVAL = _duration("CASTELLAN_HOUSEKEEPING_INTERVAL", "15m")

CELERY_BEAT_SCHEDULE = {
    # Every CASTELLAN_KEY_ROTATION_CHECK_INTERVAL (60 s): rotate due AUTO servers, publish missing
    # NEXT keys, remove EXPIRED keys whose tokens have all expired. Idempotent; locks per server.
    "signing-keys-maintain": {"task": "authservers.signing_keys_maintain",
                              "schedule": CASTELLAN_KEY_ROTATION_CHECK_INTERVAL.total_seconds()},
    # Every CASTELLAN_HOUSEKEEPING_INTERVAL (15 min): batched deletes of expired codes, tokens,
    # denylist entries and System Log events past CASTELLAN_SYSTEM_LOG_RETENTION.
    "housekeeping": {"task": "authservers.housekeeping",
                     "schedule": CASTELLAN_HOUSEKEEPING_INTERVAL.total_seconds()},
}

# django-oauth-toolkit: swapped models bound to the authorization server that issued them.
OAUTH2_PROVIDER_APPLICATION_MODEL = "clients.Client"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "authservers.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "authservers.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "authservers.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "authservers.Grant"
OAUTH2_PROVIDER_DEVICE_GRANT_MODEL = "authservers.DeviceGrant"
OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "authservers.oauth.validator.CastellanValidator",
    "OAUTH2_SERVER_CLASS": "authservers.oauth.server.CastellanServer",
    "OAUTH2_BACKEND_CLASS": "authservers.oauth.backend.CastellanOAuthLibCore",
    "PKCE_REQUIRED": True,
    # RFC 9700 hardening. Password and implicit stay possible per client (issue 5), off by default.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
}
# http redirect URIs stay allowed for native apps' loopback callbacks (RFC 8252 §7.3).
SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W008"]

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "config.api.okta_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # `Authorization: SSWS <token>` (accounts/api/authentication.py), or the admin session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api.authentication.IsStaff"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The OpenAPI document of /api/v1 (config/openapi.py), generated from the views' annotations.
SPECTACULAR_SETTINGS = {
    "TITLE": "Castellan management API",
    "DESCRIPTION": "Okta-compatible management API: authorization servers, scopes, claims, access policies "
                   "and rules, signing keys, OIDC apps and their credentials, users, groups, the System Log "
                   "(docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "PREPROCESSING_HOOKS": ["config.openapi.only_management_api"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "config.openapi.okta_path_parameter_names",
                             "config.openapi.okta_auth_errors_everywhere"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"LifecycleStatus": "policies.models.Status",
                            "JsonWebKeyStatus": ["ACTIVE", "NEXT", "EXPIRED"]},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Request bodies on the OAuth endpoints larger than this get 413 (bytes).
CASTELLAN_MAX_REQUEST_BYTES = env.int("CASTELLAN_MAX_REQUEST_BYTES", default=64 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# How long an unknown server or client id is remembered as unknown (seconds).
CASTELLAN_NEGATIVE_CACHE_SECONDS = env.float("CASTELLAN_NEGATIVE_CACHE_SECONDS", default=5.0)
# Cache-Control max-age of v1/keys (seconds).
CASTELLAN_JWKS_MAX_AGE = env.int("CASTELLAN_JWKS_MAX_AGE", default=300)
# Default access-token lifetime when no policy rule says otherwise (seconds).
CASTELLAN_ACCESS_TOKEN_LIFETIME = env.int("CASTELLAN_ACCESS_TOKEN_LIFETIME", default=3600)
# How often queued System Log events are flushed to the database (seconds).
CASTELLAN_SYSTEM_LOG_FLUSH_SECONDS = env.float("CASTELLAN_SYSTEM_LOG_FLUSH_SECONDS", default=0.5)

# Sign-in pages (accounts): where @login_required sends people, and sign-in throttling. Failures
# are counted per login and per client IP in the cache. After FREE_FAILURES failures each attempt
# waits DELAY_SECONDS, doubling per failure up to MAX_DELAY_SECONDS, after the last failure;
# LOCKOUT_FAILURES failures within WINDOW_SECONDS lock the login (or IP) for LOCKOUT_SECONDS.
LOGIN_URL = "/login/"
CASTELLAN_SIGNIN_FREE_FAILURES = env.int("CASTELLAN_SIGNIN_FREE_FAILURES", default=3)
CASTELLAN_SIGNIN_DELAY_SECONDS = env.float("CASTELLAN_SIGNIN_DELAY_SECONDS", default=1.0)
CASTELLAN_SIGNIN_MAX_DELAY_SECONDS = env.float("CASTELLAN_SIGNIN_MAX_DELAY_SECONDS", default=60.0)
CASTELLAN_SIGNIN_LOCKOUT_FAILURES = env.int("CASTELLAN_SIGNIN_LOCKOUT_FAILURES", default=10)
CASTELLAN_SIGNIN_WINDOW_SECONDS = env.int("CASTELLAN_SIGNIN_WINDOW_SECONDS", default=900)
CASTELLAN_SIGNIN_LOCKOUT_SECONDS = env.int("CASTELLAN_SIGNIN_LOCKOUT_SECONDS", default=900)
# The same per client IP, with higher thresholds: many people may share one address.
CASTELLAN_SIGNIN_IP_FREE_FAILURES = env.int("CASTELLAN_SIGNIN_IP_FREE_FAILURES", default=10)
CASTELLAN_SIGNIN_IP_LOCKOUT_FAILURES = env.int("CASTELLAN_SIGNIN_IP_LOCKOUT_FAILURES", default=50)

# Behind a TLS-terminating proxy: HTTPS-only cookies, HSTS, trust X-Forwarded-Proto.
CASTELLAN_SECURE = env.bool("CASTELLAN_SECURE", default=False)
SESSION_COOKIE_HTTPONLY = True
# Lax: the cookie comes back on top-level GET navigations from other sites (a client's redirect to
# the sign-in page) but not on their cross-site POSTs.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if CASTELLAN_SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[CASTELLAN_BASE_URL])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("CASTELLAN_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.security.DisallowedHost": {"level": "ERROR"},
        "embedded_postgres": {"level": "WARNING"},
    },
}
# "batched": System Log events are written by a background thread (off the request path);
# "inline": written at once in the caller's transaction.
CASTELLAN_SYSTEM_LOG_WRITER = env.str("CASTELLAN_SYSTEM_LOG_WRITER", default="batched")
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

# Clients that authenticate with private_key_jwt through a jwks_uri (docs/client-credentials.md):
# how long a fetched JWKS is kept, how soon an unknown kid may trigger a refetch, and the fetch timeout.
CASTELLAN_CLIENT_JWKS_CACHE_SECONDS = env.int("CASTELLAN_CLIENT_JWKS_CACHE_SECONDS", default=300)
CASTELLAN_CLIENT_JWKS_REFETCH_SECONDS = env.int("CASTELLAN_CLIENT_JWKS_REFETCH_SECONDS", default=30)
CASTELLAN_CLIENT_JWKS_TIMEOUT_SECONDS = env.float("CASTELLAN_CLIENT_JWKS_TIMEOUT_SECONDS", default=3.0)

# Rate limits (docs/settings.md): requests per minute per client IP for each endpoint family, with
# Okta's X-Rate-Limit-* headers and 429 past them; 0 leaves a family unlimited. `off` disables them
# all (benchmarks). Counted in Redis when REDIS_URL is set, else in this process's cache.
CASTELLAN_RATE_LIMITS = env.str("CASTELLAN_RATE_LIMITS", default="on")
CASTELLAN_RATE_LIMIT_TOKEN = env.int("CASTELLAN_RATE_LIMIT_TOKEN", default=1200)
CASTELLAN_RATE_LIMIT_AUTHORIZE = env.int("CASTELLAN_RATE_LIMIT_AUTHORIZE", default=600)
CASTELLAN_RATE_LIMIT_INTROSPECT = env.int("CASTELLAN_RATE_LIMIT_INTROSPECT", default=1200)
CASTELLAN_RATE_LIMIT_REVOKE = env.int("CASTELLAN_RATE_LIMIT_REVOKE", default=600)
CASTELLAN_RATE_LIMIT_USERINFO = env.int("CASTELLAN_RATE_LIMIT_USERINFO", default=1200)
CASTELLAN_RATE_LIMIT_KEYS = env.int("CASTELLAN_RATE_LIMIT_KEYS", default=3000)  # v1/keys and discovery
CASTELLAN_RATE_LIMIT_OAUTH = env.int("CASTELLAN_RATE_LIMIT_OAUTH", default=600)  # other /oauth2 endpoints
CASTELLAN_RATE_LIMIT_LOGS = env.int("CASTELLAN_RATE_LIMIT_LOGS", default=120)  # /api/v1/logs
CASTELLAN_RATE_LIMIT_API = env.int("CASTELLAN_RATE_LIMIT_API", default=600)  # the rest of /api/v1
# Failed client authentications per minute for one client_id from one IP before that IP gets 429
# for that client (elsewhere the client goes on working).
CASTELLAN_RATE_LIMIT_CLIENT_AUTH_FAILURES = env.int("CASTELLAN_RATE_LIMIT_CLIENT_AUTH_FAILURES", default=20)
# Behind a proxy that sets the client's address in a header (e.g. X-Real-IP), name it here; else
# REMOTE_ADDR is used and every client behind the proxy shares one bucket.
CASTELLAN_RATE_LIMIT_CLIENT_IP_HEADER = env.str("CASTELLAN_RATE_LIMIT_CLIENT_IP_HEADER", default="")
