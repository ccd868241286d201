"""Benchmark: `/registry/` and `GET /api/v1/registry/` with 2,000 certified hosters, 20 concurrent clients against
gunicorn on 127.0.0.1 (PostgreSQL only: gunicorn needs to see the committed test database); run with `make bench`."""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.scoring.certification.helpers import bulk_certificates

HOSTERS = 2000
CLIENTS = 20
REQUESTS_PER_ENDPOINT = int(os.environ.get("BENCH_REQUESTS", "2000"))
TIME_LIMIT_SECONDS = 120
TARGET_P95_MS = 100
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
PATHS = {
    "/registry/": [
        "/registry/",
        "/registry/?sort=score",
        "/registry/?grade=B&page=3",
        "/registry/?page=40",
        "/registry/?q=Hoster+01&sort=grade",
    ],
    "/api/v1/registry/": [
        "/api/v1/registry/",
        "/api/v1/registry/?sort=score&page=5",
        "/api/v1/registry/?grade=A&page=12",
        "/api/v1/registry/?page=40",
    ],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    db = connection.settings_dict
    host, port_number = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port_number}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url,
        "DATABASE_CONN_MAX_AGE": "600",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_ANON_RATE": "1000000/min",
        "LOG_LEVEL": "WARNING",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if get(port, "/health/")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}")


def get(port: int, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Accept-Language": "en"})
        response = conn.getresponse()
        response.read()
        return response.status, (time.perf_counter() - started) * 1000
    finally:
        conn.close()


def hammer(port: int, paths: list[str]) -> tuple[list[float], list[int]]:
    """CLIENTS threads share REQUESTS_PER_ENDPOINT requests (bounded in count and in time)."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    budget = iter(range(REQUESTS_PER_ENDPOINT))
    deadline = time.monotonic() + TIME_LIMIT_SECONDS

    def client(number: int) -> None:
        while time.monotonic() < deadline:
            with lock:
                index = next(budget, None)
            if index is None:
                return
            status, ms = get(port, paths[(index + number) % len(paths)])
            with lock:
                latencies.append(ms)
                if status != 200:
                    failures.append(status)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(q * len(ordered)) - 1)]


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_registry_under_twenty_concurrent_clients() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…): gunicorn must share the test database")
    bulk_certificates(HOSTERS)
    port = free_port()
    process = start_gunicorn(port)
    try:
        for paths in PATHS.values():  # warm every worker and its cache
            warm_up = [get(port, path) for path in paths for _ in range(2 * WORKERS)]
            assert all(status == 200 for status, _ in warm_up)
        print(f"\n[bench registry] {HOSTERS} certified hosters, {CLIENTS} clients, gunicorn {WORKERS} sync workers")
        results = {}
        for name, paths in PATHS.items():
            started = time.perf_counter()
            latencies, failures = hammer(port, paths)
            elapsed = time.perf_counter() - started
            p50, p95, p99 = (percentile(latencies, q) for q in (0.5, 0.95, 0.99))
            results[name] = p95
            print(
                f"  {name:<20} {len(latencies)} requests in {elapsed:.1f} s = {len(latencies) / elapsed:.0f} req/s;"
                f" p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, mean {statistics.mean(latencies):.1f} ms,"
                f" max {max(latencies):.1f} ms; non-200: {len(failures)}"
            )
            assert not failures
        for name, p95 in results.items():
            verdict = "ok" if p95 <= TARGET_P95_MS else "MISSED"
            print(f"  {name}: p95 {p95:.1f} ms (target ≤ {TARGET_P95_MS} ms) {verdict}")
    finally:
        process.terminate()
        process.wait(timeout=10)
