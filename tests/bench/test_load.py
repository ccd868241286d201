"""Load test: locust (tests/bench/locustfile.py) against gunicorn on 127.0.0.1 in the production posture, on a
PostgreSQL database of its own with the demo data. Run on demand only: `BENCH=1 pytest tests/bench/test_load.py -s`
(or `make bench`).

- The database is `LOAD_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/goodhoster_load`): dropped,
  created, migrated and seeded with `seed_demo`; dropped again at the end. Never the pytest test database.
- gunicorn runs `portal.settings` with DEBUG off, a random SECRET_KEY, SECURE_SSL_REDIRECT off (plain HTTP on
  loopback), ALLOWED_HOSTS=127.0.0.1, static files collected for WhiteNoise. The API's anonymous throttle is raised
  (`API_ANON_RATE=1000000/min`): all simulated visitors share one IP address, which a real proxy would not.
- locust: `LOAD_USERS` users (default 20, spawned 5 a second) for `LOAD_SECONDS` (default 60), headless, CSV out.
  Prints requests/s, p50/p95/p99 and errors per group; the test fails on any error.
gunicorn is stopped and the database dropped whatever happens.
"""

from __future__ import annotations

import csv
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.conf import settings

LOAD_DATABASE_URL = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/goodhoster_load")
USERS = int(os.environ.get("LOAD_USERS", "20"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("LOAD_WORKERS", str(max(2, os.cpu_count() or 2))))
BIN = Path(sys.executable).parent
GROUPS = [
    "public: registry page",
    "public: verification page",
    "public: badge",
    "API: registry",
    "API: certificate",
    "hoster: sign in",
    "hoster: pages",
    "hoster: answer autosave",
    "hoster: score preview",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def recreate_database(url: str, *, drop_only: bool = False) -> None:
    config = dj_database_url.parse(url)
    name = config["NAME"]
    assert name and not name.startswith("test"), f"refusing to use {name!r}: the load test needs a database of its own"
    admin = {"host": config["HOST"] or "127.0.0.1", "port": config["PORT"] or 5432, "user": config["USER"]}
    if config["PASSWORD"]:
        admin["password"] = config["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=LOAD_DATABASE_URL,
        DATABASE_CONN_MAX_AGE="600",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1",
        API_ANON_RATE="1000000/min",
        API_USER_RATE="1000000/min",
        MEDIA_ROOT=str(tmp_path / "media"),
        EMAIL_URL="locmem://",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [str(BIN / "python"), "manage.py", *args], cwd=settings.BASE_DIR, env=env, check=True, capture_output=True
    )


def wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before it answered")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /health/ within 30 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def report(stats_csv: Path) -> list[dict[str, str]]:
    rows = list(csv.DictReader(stats_csv.open()))
    print(f"\nLoad: {USERS} users (spawn rate 5/s), {SECONDS} s, gunicorn --workers {WORKERS}, PostgreSQL")
    print(f"{'group':<33} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for row in rows:
        name = f"{row['Type']} {row['Name']}" if row["Type"] else "all"
        print(
            f"{name:<33} {row['Request Count']:>8} {row['Failure Count']:>6} {float(row['Requests/s']):>7.1f} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
    return rows


@pytest.mark.bench
def test_load_public_pages_and_hoster_answers(tmp_path):
    env = production_env(tmp_path)
    port = free_port()
    gunicorn = None
    recreate_database(LOAD_DATABASE_URL)
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        manage(env, "collectstatic", "--noinput")
        address = f"127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "portal.wsgi:application", "--workers", str(WORKERS), "--bind", address],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "gunicorn.log").open("w"),
        )
        wait_for(port, gunicorn)
        locust = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "--users",
                str(USERS),
                "--spawn-rate",
                "5",
                "--run-time",
                f"{SECONDS}s",
                "--stop-timeout",
                "5",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(tmp_path / "load"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))},
            capture_output=True,
            text=True,
            timeout=SECONDS + 120,
            check=False,
        )
        rows = report(tmp_path / "load_stats.csv")
        failures = (tmp_path / "load_failures.csv").read_text()
        assert locust.returncode == 0, locust.stderr[-3000:] + failures
        by_name = {row["Name"]: row for row in rows if row["Type"]}
        assert set(GROUPS) <= set(by_name), f"groups without requests: {set(GROUPS) - set(by_name)}"
        assert all(row["Failure Count"] == "0" for row in rows), failures
    finally:
        if gunicorn is not None:
            stop(gunicorn)
        recreate_database(LOAD_DATABASE_URL, drop_only=True)
