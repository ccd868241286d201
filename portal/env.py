"""Small strict readers for configuration taken from the environment."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean variable; anything but a known spelling is an error, never False."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


def env_choice(name: str, choices: list[str], default: str) -> str:
    raw = os.environ.get(name, default).strip().lower()
    if raw not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of {', '.join(choices)}.")
    return raw


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; empty items are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def cache_from_url(url: str) -> dict[str, str]:
    """`locmem://`, `redis://host:port/db` or `rediss://…` to a CACHES entry."""
    scheme = urlsplit(url).scheme
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ImproperlyConfigured(f"Cache URL scheme {scheme!r} is not supported: use locmem:// or redis://.")


def email_from_url(url: str) -> dict[str, object]:
    """`console://`, `locmem://`, `file:///dir` or `smtp[s]://user:pass@host:port` to e-mail settings."""
    parts = urlsplit(url)
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parts.scheme not in backends:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {parts.scheme!r} is not supported: use one of {', '.join(sorted(backends))}."
        )
    config: dict[str, object] = {"EMAIL_BACKEND": backends[parts.scheme]}
    if parts.scheme == "file":
        config["EMAIL_FILE_PATH"] = unquote(parts.path)
    if parts.scheme.startswith("smtp"):
        query = parse_qs(parts.query)
        config.update(
            EMAIL_HOST=parts.hostname or "localhost",
            EMAIL_PORT=parts.port or (465 if parts.scheme == "smtps" else 587),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_SSL=parts.scheme == "smtps",
            EMAIL_USE_TLS=parts.scheme == "smtp" and query.get("tls", ["true"])[0] in _TRUE,
        )
    return config


def check_secret_key(key: str) -> str:
    """Refuse a missing, short or well-known secret outside DEBUG."""
    if not key:
        raise ImproperlyConfigured("SECRET_KEY is not set. Set a random value of at least 50 characters.")
    if key.startswith("django-insecure") or len(key) < 50 or len(set(key)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY is insecure: use a random value of at least 50 characters, for example from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
        )
    return key
