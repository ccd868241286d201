"""Settings of the Good Hoster portal, read from the environment (see the README's table)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

from portal.env import (
    cache_from_url,
    check_secret_key,
    email_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
)
from portal.object_storage import storage_from_environment, uses_object_storage

BASE_DIR = Path(__file__).resolve().parent.parent

# Local settings (`make run` writes `.env` for the demo); the real environment always wins over the file.
ENV_FILE = env_str("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    load_dotenv(ENV_FILE, override=False)

DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "django-insecure-local-demo-key-never-use-in-production"  # noqa: S105 - DEBUG only
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_SECRET if DEBUG else "")
if not DEBUG:
    check_secret_key(SECRET_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Reverse proxies (IPs or CIDR prefixes) whose X-Forwarded-For is believed; nobody by default (portal.proxies).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

INSTALLED_APPS = [
    "portal",
    "assessments",
    "scoring",
    "portal.admin_site.AuditedAdminConfig",  # django.contrib.admin with a site that audits every change
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "portal.proxies.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.csp.SecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.RequireMFAMiddleware",
    "portal.middleware.CurrentHosterMiddleware",
]

# The dashboard is made of panels: each module listed has `panels(request) -> list[Panel]` (portal.dashboard),
# so the core shows what the other apps contribute without importing them.
DASHBOARD_PANELS = [
    "portal.panels",
    "assessments.panels",
    "scoring.measurement.panels",
    "scoring.certification.panels",
    "scoring.publication.figures_panels",
    "scoring.publication.review_panels",
]
# The company page likewise: each module listed has `hoster_panels(request, hoster) -> list[Panel]`.
HOSTER_PAGE_PANELS = ["assessments.company_panels", "scoring.certification.panels", "scoring.publication.review_panels"]
# `manage.py seed_demo` extends the core demo with each module's `seed(stdout)`, in this order: notices first, so
# the assessments reviewed in the demo are scored on measured data, then certificates and the published monitor.
DEMO_SEEDERS = ["scoring.measurement.demo", "assessments.demo", "scoring.publication.demo"]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
# A streaming replica of the primary: the reads of the public pages and the public API (REPLICA_READ_URL_NAMES) go
# there, everything else stays on the primary (portal.db_router). Without it nothing is routed.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0)),
        "TEST": {"MIRROR": "default"},  # a test run has no replica of its own: it reads the test database
    }
    DATABASE_ROUTERS = ["portal.db_router.ReplicaRouter"]
    MIDDLEWARE.append("portal.db_router.PublicReadMiddleware")
# The GET and HEAD requests whose reads may come from the replica, by URL name: pages anyone may see (the registry,
# verification, certificates, badges, the monitor, open data, the audit heads) and the public API. Never a page of
# the user's own: a change just made must show on the next page.
REPLICA_READ_URL_NAMES = [
    "registry",
    "registry_hoster",
    "open_data_json",
    "open_data_csv",
    "verify",
    "certificate_pdf",
    "badge",
    "monitor",
    "monitor_period",
    "monitor_period_pdf",
    "monitor_period_json",
    "monitor_period_csv",
    "audit_heads",
    "api:public_registry",
    "api:public_hoster",
    "api:public_certificate",
    "api:public_monitor_periods",
    "api:public_monitor_period",
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_cache_url = env_str("CACHE_URL") or env_str("REDIS_URL") or "locmem://"
CACHES = {"default": cache_from_url(_cache_url)}

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# django-allauth: e-mail login, verified addresses, its own rate limits.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Good Hoster] "
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Good Hoster portal"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["portal.formats"]  # dates as each language writes them: "1 december 2026 14:05"
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Private files (evidence, dispute evidence, notice files awaiting the worker): the local store under MEDIA_ROOT, or
# a private S3-compatible bucket named by EVIDENCE_STORAGE_URL or the usual AWS_* variables (portal.object_storage).
STORAGES = {
    "default": storage_from_environment(os.environ),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
# Notice files: the largest upload (streamed to disk, stopped at the limit; keep nginx's limit in step), how long an
# import may go without progress before the next run fails it as stale, and how long an import waits for another
# import of the same source to finish.
NOTICE_UPLOAD_MAX_BYTES = env_int("NOTICE_UPLOAD_MAX_BYTES", 512 * 1024 * 1024)
NOTICE_IMPORT_STALE_AFTER = env_int("NOTICE_IMPORT_STALE_AFTER", 3600)
NOTICE_IMPORT_LOCK_WAIT = env_int("NOTICE_IMPORT_LOCK_WAIT", 15)
# With nginx in front: an `internal` location aliasing MEDIA_ROOT, e.g. /protected-evidence/ (docs/deployment.md).
EVIDENCE_ACCEL_REDIRECT = env_str("EVIDENCE_ACCEL_REDIRECT")
if EVIDENCE_ACCEL_REDIRECT and uses_object_storage(STORAGES["default"]):
    raise ImproperlyConfigured(
        "EVIDENCE_ACCEL_REDIRECT hands nginx a file under MEDIA_ROOT, but evidence is in a bucket: leave it empty "
        "(the portal then streams each download from the bucket after the access check)."
    )
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

globals().update(email_from_url(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Good Hoster portal <noreply@goodhoster.example>")
# Where people write about their data and the site's accessibility (the privacy and accessibility statements).
CONTACT_EMAIL = env_str("CONTACT_EMAIL", "privacy@goodhoster.example")
# The controller under the GDPR that the privacy statement names, with its address ("Name, street, town").
CONTROLLER = env_str("CONTROLLER", "")
# The scoring model in force (`scoring.rating.models.default_model_code`): publishing a model does not adopt it.
SCORING_MODEL = env_str("SCORING_MODEL", "good-hoster-2020")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    # Throttle by REMOTE_ADDR, which portal.proxies resolved; DRF's own reading of X-Forwarded-For trusts anyone.
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_ANON_RATE", "120/min"),
        "user": env_str("API_USER_RATE", "600/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Good Hoster portal API",
    "DESCRIPTION": "Certified good hosters, certificates and self-assessment answers.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOG_FORMAT = env_choice("LOG_FORMAT", ["plain", "json"], "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "portal.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Secure posture whenever DEBUG is off; a reverse proxy terminates TLS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
