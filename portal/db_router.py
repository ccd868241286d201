"""The read replica: public pages read from it, everything else (every write, every user's own page) the primary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

REPLICA = "replica"
READ_METHODS = {"GET", "HEAD"}

# While a public read is under way: how many atomic blocks the primary had open when it began. A transaction opened
# since then (a page that writes, or locks rows to) reads the primary, which the replica may lag behind.
_public_read_depth: ContextVar[int | None] = ContextVar("public_read_depth", default=None)


@contextmanager
def reads_from_replica() -> Iterator[None]:
    token = _public_read_depth.set(len(connections[DEFAULT_DB_ALIAS].atomic_blocks))
    try:
        yield
    finally:
        _public_read_depth.reset(token)


class ReplicaRouter:
    """Installed only with DATABASE_REPLICA_URL. Reads go to the replica inside `reads_from_replica` and outside any
    transaction opened there; writes always go to the primary, and only the primary is migrated."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        depth = _public_read_depth.get()
        if depth is None or len(connections[DEFAULT_DB_ALIAS].atomic_blocks) > depth:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # The replica holds the primary's rows: an object read from either may point at one read from the other.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def is_public_read(request: HttpRequest) -> bool:
    """A GET or HEAD of a URL named in REPLICA_READ_URL_NAMES."""
    if request.method not in READ_METHODS:
        return False
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return match.view_name in settings.REPLICA_READ_URL_NAMES


class PublicReadMiddleware:
    """Last in MIDDLEWARE, so the session and the signed-in user are already read from the primary; only the view's
    own reads of a public page go to the replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_public_read(request):
            return self.get_response(request)
        with reads_from_replica():
            return self.get_response(request)
