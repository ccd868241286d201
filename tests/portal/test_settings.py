"""Settings come from the environment with strict readers; production refuses an insecure secret."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import cache_from_url, check_secret_key, email_from_url, env_bool

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The deployment check sees a production environment, not the test run's (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright).
    test_only = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in test_only}
    clean["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_an_insecure_secret():
    result = _manage("check", DEBUG="false", SECRET_KEY="django-insecure-abc", ALLOWED_HOSTS="portal.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is insecure" in result.stderr


def test_production_refuses_a_missing_secret():
    result = _manage("check", DEBUG="false", ALLOWED_HOSTS="portal.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_passes_in_the_production_posture():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode == 0, result.stderr


def test_a_bad_boolean_is_an_error_not_false(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG")
    monkeypatch.setenv("SOME_FLAG", "off")
    assert env_bool("SOME_FLAG", True) is False


def test_secret_key_rules():
    with pytest.raises(ImproperlyConfigured):
        check_secret_key("short")
    with pytest.raises(ImproperlyConfigured):
        check_secret_key("a" * 60)
    good = secrets.token_urlsafe(64)
    assert check_secret_key(good) == good


def test_cache_and_email_urls():
    assert cache_from_url("redis://127.0.0.1:6379/1")["BACKEND"].endswith("RedisCache")
    with pytest.raises(ImproperlyConfigured):
        cache_from_url("memcached://x")
    smtp = email_from_url("smtp://user:p%40ss@mail.example.org:2525")
    assert smtp["EMAIL_HOST"] == "mail.example.org"
    assert smtp["EMAIL_PORT"] == 2525
    assert smtp["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert smtp["EMAIL_USE_TLS"] is True
    with pytest.raises(ImproperlyConfigured):
        email_from_url("pigeon://coop")


def test_json_logs_are_one_object_per_line():
    import json
    import logging

    from portal.logs import JsonFormatter

    record = logging.LogRecord("portal.test", logging.WARNING, __file__, 1, "import of %s rejected", ("x.csv",), None)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "WARNING" and entry["logger"] == "portal.test"
    assert entry["message"] == "import of x.csv rejected"


def test_an_unknown_log_format_is_an_error():
    result = _manage("check", DEBUG="true", LOG_FORMAT="xml")
    assert result.returncode != 0 and "LOG_FORMAT='xml' is not one of plain, json" in result.stderr


def _site_url(env_file: Path, **env: str) -> str:
    code = "from django.conf import settings; print(settings.SITE_URL, settings.DEBUG)"
    result = _manage("shell", "-v", "0", "-c", code, ENV_FILE=str(env_file), **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=true\nSITE_URL=http://demo.example:8123\n")
    assert _site_url(env_file) == "http://demo.example:8123 True"
    assert _site_url(env_file, SITE_URL="https://portal.example.org") == "https://portal.example.org True"


def test_make_run_derives_site_url_from_host_and_keeps_a_file_of_ones_own(tmp_path):
    (tmp_path / "Makefile").write_bytes((ROOT / "Makefile").read_bytes())

    def make_env(*args: str) -> str:
        clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST"}}
        subprocess.run(["make", "-s", ".env", *args], cwd=tmp_path, env=clean, check=True, timeout=60)
        return (tmp_path / ".env").read_text()

    written = make_env("HOST=10.1.2.3:8080")
    assert "SITE_URL=http://10.1.2.3:8080\n" in written
    assert "ALLOWED_HOSTS=10.1.2.3,127.0.0.1,localhost\n" in written
    assert "DEBUG=true\n" in written
    assert "SITE_URL=http://127.0.0.1:8000\n" in make_env()  # a later plain `make run` follows HOST again
    assert "SITE_URL=https://demo.example\n" in make_env("SITE_URL=https://demo.example")
    (tmp_path / ".env").write_text("DEBUG=true\nSITE_URL=http://mine.example\n")
    assert make_env("HOST=10.9.9.9:80") == "DEBUG=true\nSITE_URL=http://mine.example\n"
