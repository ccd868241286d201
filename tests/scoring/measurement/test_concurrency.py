"""Two imports of one source at once: the second waits for the first and sees its notices, or is refused with a
clear message when the wait runs out; never a crash on the unique key, never half an import."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, connections
from django.test import Client

from portal.api import create_api_key
from portal.models import ApiKey
from scoring.measurement import imports
from scoring.measurement.imports import ImportBusy
from scoring.measurement.models import ImportBatch, Notice
from tests.scoring.measurement.helpers import csv_bytes, run_import

ROWS = [(f"n{i}", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "") for i in range(5)]
BUSY = "Another import of source “same” is running; try again when it has finished."

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two imports at once need two connections to one database: PostgreSQL (SQLite's test database is in memory)",
)


class _HeldImport:
    """The first import, in a thread of its own, held inside its transaction (after its merge) until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, rows: list[tuple[str, ...]]) -> None:
        self.inside, self.release = threading.Event(), threading.Event()
        self.result: imports.ImportResult | None = None
        original: Callable[..., None] = imports._count

        def held(*args, **kwargs) -> None:
            original(*args, **kwargs)
            if threading.current_thread() is self.thread:
                self.inside.set()
                self.release.wait(30)

        monkeypatch.setattr(imports, "_count", held)
        self.thread = threading.Thread(target=self._run, args=(rows,))
        self.thread.start()
        assert self.inside.wait(30), "the first import never reached its transaction"

    def _run(self, rows: list[tuple[str, ...]]) -> None:
        try:
            self.result = run_import(rows, source="same")
        finally:
            connections.close_all()

    def finish(self) -> imports.ImportResult:
        self.release.set()
        self.thread.join(30)
        assert self.result is not None
        return self.result


@pytest.fixture
def other_source(hoster_a) -> None:
    """A notice of another source: a new source's small first file then loads without rebuilding the notices'
    indexes, which would lock the whole table (and every reader) until it commits."""
    assert run_import(ROWS[:1], source="other").ok


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_file", [True, False], ids=["source-new", "source-known"])
def test_the_second_import_waits_and_finds_the_first_ones_notices(other_source, monkeypatch, first_file):
    if not first_file:  # then both imports stage their rows and merge them
        assert run_import(ROWS[:1], source="same").ok
    first = _HeldImport(monkeypatch, ROWS[:4])
    timer = threading.Timer(0.5, first.release.set)
    timer.start()
    second = run_import(ROWS, source="same")  # blocks until the first commits
    timer.join()
    assert first.finish().ok and second.ok
    assert (second.created, second.updated, second.unchanged) == (1, 0, 4)
    assert sorted(Notice.objects.filter(source="same").values_list("notice_id", flat=True)) == [r[0] for r in ROWS]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_import_that_waits_in_vain_is_refused_and_stores_nothing(other_source, monkeypatch, settings):
    settings.NOTICE_IMPORT_LOCK_WAIT = 0.3
    first = _HeldImport(monkeypatch, ROWS[:2])
    try:
        with pytest.raises(ImportBusy) as refused:
            run_import(ROWS, source="same")
    finally:
        result = first.finish()
    assert str(refused.value) == BUSY
    assert result.created == 2 and Notice.objects.filter(source="same").count() == 2
    assert ImportBatch.objects.filter(source="same").count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_imports_of_other_sources_do_not_wait(other_source, monkeypatch, settings):
    settings.NOTICE_IMPORT_LOCK_WAIT = 0.3
    first = _HeldImport(monkeypatch, ROWS[:2])
    try:
        assert run_import(ROWS, source="third").created == 5
    finally:
        assert first.finish().ok


# --- the refusal where the database gives up waiting (SQLite's lock, PostgreSQL's lock_timeout) --------------------


class _LockNotAvailable(Exception):
    sqlstate = "55P03"  # what psycopg's LockNotAvailable carries


def _given_up(*args, **kwargs) -> None:
    """What the database raises when a lock wait runs out."""
    if connection.vendor == "sqlite":
        raise OperationalError("database is locked")
    raise OperationalError("canceling statement due to lock timeout") from _LockNotAvailable()


@pytest.mark.django_db
def test_a_lock_wait_running_out_is_the_same_refusal_on_every_database(hoster_a, monkeypatch):
    assert run_import(ROWS[:1], source="same").ok
    monkeypatch.setattr(imports._Staging, "merge", _given_up)
    with pytest.raises(ImportBusy, match="Another import of source “same” is running"):
        run_import(ROWS, source="same")
    assert Notice.objects.count() == 1 and ImportBatch.objects.count() == 1


@pytest.mark.django_db
def test_other_database_errors_stay_errors(hoster_a, monkeypatch):
    def broken(*args, **kwargs) -> None:
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(imports._Staging, "merge", broken)
    with pytest.raises(OperationalError):
        run_import(ROWS, source="same")


@pytest.mark.django_db
def test_the_command_and_the_api_report_a_busy_source(hoster_a, supervisor, monkeypatch, tmp_path: Path):
    monkeypatch.setattr(imports._Staging, "merge", _given_up)
    path = tmp_path / "file.csv"
    path.write_bytes(csv_bytes(ROWS))
    with pytest.raises(CommandError) as caught:
        call_command("import_notices", str(path), "--source", "same", "--no-progress", stdout=io.StringIO())
    assert caught.value.returncode == 1 and str(caught.value) == f"{BUSY} Nothing was stored."
    _key, token = create_api_key(supervisor, "hotline", ApiKey.Scope.SUPERVISOR)
    body = [{"notice_id": "n1", "reported_at": "2024-03-01T10:00:00Z", "ip": "192.0.2.1"}]
    response = Client(HTTP_AUTHORIZATION=f"Api-Key {token}").post(
        "/api/v1/notices/?source=same", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 409 and response.json() == {"rejected": 0, "errors": [BUSY]}
    assert not Notice.objects.exists()
