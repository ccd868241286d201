"""The read replica: public pages and the public API read from it; writes and a user's own pages use the primary.

A second PostgreSQL database stands in for the replica (a copy of the migrated test database, not a test mirror), so
a row that only the replica holds shows where each page read from."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test import RequestFactory

from portal.db_router import REPLICA, ReplicaRouter, is_public_read, reads_from_replica
from portal.models import Hoster, User
from scoring.certification.models import Certificate
from tests.scoring.certification.helpers import certify

ROOT = Path(__file__).resolve().parents[2]
REPLICA_NAME = "Hoster A as the replica has it"
MIDDLEWARE = "portal.db_router.PublicReadMiddleware"


# Which requests are public reads (no replica needed) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "public"),
    [
        ("GET", "/registry/", True),
        ("HEAD", "/registry/", True),
        ("GET", "/registry/hoster-a/", True),
        ("GET", "/registry/open-data.csv", True),
        ("GET", "/verify/GH-2026-000001/", True),
        ("GET", "/certificates/GH-2026-000001.pdf", True),
        ("GET", "/badge/hoster-a.svg", True),
        ("GET", "/monitor/", True),
        ("GET", "/monitor/2025-h1/", True),
        ("GET", "/monitor/2025-h1.json", True),
        ("GET", "/api/v1/registry/", True),
        ("GET", "/api/v1/hosters/hoster-a/", True),
        ("GET", "/api/v1/certificates/GH-2026-000001/", True),
        ("GET", "/api/v1/monitor-periods/", True),
        ("GET", "/api/v1/monitor-periods/2025-h1/", True),
        ("POST", "/registry/", False),
        ("POST", "/api/v1/notices/", False),
        ("GET", "/api/v1/assessments/1/answers/", False),  # a hoster's own answers, maybe just written
        ("GET", "/api/v1/assessments/1/score/", False),
        ("GET", "/dashboard/", False),
        ("GET", "/hosters/hoster-a/", False),
        ("GET", "/hoster/hoster-a/metrics/", False),
        ("GET", "/hoster/hoster-a/monitor/2025-h1/", False),  # the hoster's own draft figures
        ("GET", "/supervision/monitor/", False),
        ("GET", "/accounts/login/", False),
        ("GET", "/no-such-page/", False),
    ],
)
def test_public_reads_are_named_by_url(method, path, public):
    assert is_public_read(RequestFactory().generic(method, path)) is public


def test_the_router_reads_the_replica_only_inside_a_public_read():
    replica_router = ReplicaRouter()
    assert replica_router.db_for_read(Hoster) == DEFAULT_DB_ALIAS
    with reads_from_replica():
        assert replica_router.db_for_read(Hoster) == REPLICA
        assert replica_router.db_for_write(Hoster) == DEFAULT_DB_ALIAS
    assert replica_router.db_for_read(Hoster) == DEFAULT_DB_ALIAS


@pytest.mark.django_db
def test_a_transaction_opened_during_a_public_read_reads_the_primary():
    replica_router = ReplicaRouter()
    with reads_from_replica():
        with transaction.atomic():
            assert replica_router.db_for_read(Hoster) == DEFAULT_DB_ALIAS
        assert replica_router.db_for_read(Hoster) == REPLICA


def test_only_the_primary_is_migrated():
    replica_router = ReplicaRouter()
    assert replica_router.allow_migrate(DEFAULT_DB_ALIAS, "portal") is True
    assert replica_router.allow_migrate(REPLICA, "portal") is False


def _settings_with(**env: str) -> list[str]:
    test_only = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DATABASE_REPLICA_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in test_only}
    clean.update(DJANGO_SETTINGS_MODULE="portal.settings", DEBUG="true", ENV_FILE="")
    script = (
        "from django.conf import settings as s; print(sorted(s.DATABASES), s.DATABASE_ROUTERS,"
        " s.MIDDLEWARE[-1], s.DATABASES.get('replica', {}).get('HOST'))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


def test_the_replica_is_configured_by_database_replica_url_and_only_then():
    [with_replica] = _settings_with(
        DATABASE_URL="postgres://portal@db-primary:5432/portal",
        DATABASE_REPLICA_URL="postgres://portal@db-replica:5432/portal",
    )
    assert with_replica == (
        "['default', 'replica'] ['portal.db_router.ReplicaRouter'] portal.db_router.PublicReadMiddleware db-replica"
    )
    [without] = _settings_with()
    assert without == "['default'] [] portal.middleware.CurrentHosterMiddleware None"


# With a real second database standing in for the replica (PostgreSQL only) -------------------------------------------


@pytest.fixture(scope="module")
def replica_database(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A copy of the migrated test database under the alias `replica`, dropped after the module."""
    primary = connections[DEFAULT_DB_ALIAS]
    if primary.vendor != "postgresql":
        pytest.skip("the read-replica tests need PostgreSQL (run the suite with DATABASE_URL=postgres://…)")
    source = primary.settings_dict["NAME"]
    name = f"{source}_replica"
    with django_db_blocker.unblock():
        connections.close_all()  # CREATE DATABASE … TEMPLATE needs the source without sessions
        with primary._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    test = {**primary.settings_dict["TEST"], "NAME": name, "MIRROR": None}
    connections.settings[REPLICA] = {**primary.settings_dict, "NAME": name, "TEST": test}
    yield name
    with django_db_blocker.unblock():
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        with primary._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def routed(replica_database, settings) -> None:
    """The settings DATABASE_REPLICA_URL brings: the router, and the middleware last."""
    settings.DATABASE_ROUTERS = ["portal.db_router.ReplicaRouter"]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    cache.clear()


def _copy_to_replica(*objects) -> None:
    for obj in objects:
        type(obj).objects.using(REPLICA).bulk_create([obj])


@pytest.fixture
def certificate_a(owner_a, hoster_a) -> Certificate:
    """Hoster A certified on the primary; the replica holds the same rows except for the hoster's name."""
    certificate = certify(owner_a, hoster_a)
    renamed = Hoster.objects.get(pk=hoster_a.pk)
    renamed.name = REPLICA_NAME
    owner = User.objects.get(pk=owner_a.pk)
    _copy_to_replica(renamed, owner, certificate.assessment, certificate.rating, certificate)
    return certificate


replica_db = pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])


@replica_db
def test_public_pages_and_the_public_api_read_the_replica(routed, client, certificate_a):
    serial = certificate_a.serial
    assert Hoster.objects.get(slug="hoster-a").name == "Hoster A"  # the primary
    for path in ("/registry/", "/registry/hoster-a/", f"/verify/{serial}/", "/badge/hoster-a.svg"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert REPLICA_NAME in body and "Hoster A<" not in body, path
    api = client.get(f"/api/v1/certificates/{serial}/").json()
    assert api["hoster"]["name"] == REPLICA_NAME
    assert client.get("/api/v1/registry/").json()["results"][0]["name"] == REPLICA_NAME
    assert client.get("/api/v1/hosters/hoster-a/").json()["name"] == REPLICA_NAME
    assert REPLICA_NAME in client.get("/registry/open-data.json").content.decode()


@replica_db
def test_a_row_only_the_replica_holds_shows_on_public_pages_only(routed, client, client_for, supervisor):
    Hoster.objects.using(REPLICA).create(slug="only-in-replica", name="Only in the replica")
    badge = client.get("/badge/only-in-replica.svg")
    assert badge.status_code == 200 and "Only in the replica" in badge.content.decode()
    supervising = client_for(supervisor)
    assert supervising.get("/hosters/only-in-replica/").status_code == 404  # a supervisor's page: the primary
    Hoster.objects.create(slug="only-in-primary", name="Only in the primary")
    assert supervising.get("/hosters/only-in-primary/").status_code == 200
    assert client.get("/badge/only-in-primary.svg").status_code == 404
    assert not Hoster.objects.filter(slug="only-in-replica").exists()


@replica_db
def test_a_users_own_pages_and_writes_use_the_primary(routed, client_for, owner_a, certificate_a):
    owner = client_for(owner_a)
    page = owner.get("/hosters/hoster-a/")
    assert page.status_code == 200
    assert "Hoster A" in page.content.decode() and REPLICA_NAME not in page.content.decode()
    # The same signed-in user on a public page: the session and user came from the primary, the page from the replica.
    public = owner.get("/registry/hoster-a/")
    assert public.status_code == 200 and REPLICA_NAME in public.content.decode()
    assert public.context["user"] == owner_a
    # A write during a public read goes to the primary, and the replica is left alone.
    with reads_from_replica():
        assert router.db_for_read(Hoster) == REPLICA
        Hoster.objects.filter(pk=certificate_a.hoster_id).update(website="https://written.example")
    assert Hoster.objects.get(pk=certificate_a.hoster_id).website == "https://written.example"
    assert Hoster.objects.using(REPLICA).get(pk=certificate_a.hoster_id).website != "https://written.example"
