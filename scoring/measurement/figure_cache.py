"""Figures kept under the notices' data version, which every change to the notices moves (a database trigger).

Whatever writes notices (an import, a re-attribution, a dispute's decision, a change of a hoster's network, the
ORM or plain SQL) passes the trigger of migration 0014: before the statement it sets `NoticeDataVersion` to a
new value, in the writing transaction, so the version a reader sees moves exactly when the changed notices
become visible to it. A figure computed after reading a version is at least as new as that version: a cached
figure is never older than the data it is found under. On PostgreSQL the values come from a sequence and are
never handed out twice, also after a rollback; SQLite draws them at random.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.utils.functional import cached_property

T = TypeVar("T")
# A figure of an old version is never asked for again; it leaves the cache after this many seconds.
TIMEOUT = 24 * 3600
_MISSING = object()
_TABLES = re.compile(r'(?:FROM|JOIN) "(\w+)"')  # the tables a query's SQL reads


def data_version() -> int | None:
    """The notices' data version (None: no notice was written since the database was made)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM scoring_noticedataversion WHERE id = 1")
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def cache_key(name: str, params: tuple[Any, ...]) -> str:
    """The cache key of a figure named `name` with `params` (which name the version it was computed under)."""
    identity = repr((name, params, connection.settings_dict["NAME"]))
    return f"figures:{hashlib.sha256(identity.encode()).hexdigest()}"


def cached(name: str, params: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave for the same `name` and `params` under the current data version."""
    key = cache_key(name, (*params, data_version()))
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value  # type: ignore[no-any-return]


class NoticePaginator(Paginator):  # type: ignore[type-arg]
    """Pages of a queryset of notices whose count is kept under the data version when it reads the notices alone
    (a count that also reads disputes, say, is made each time): counting a large hoster's notices is most of the
    time its notice list takes."""

    @cached_property
    def count(self) -> int:
        notices: QuerySet[Any] = self.object_list  # type: ignore[assignment]
        try:  # what is counted: the selection, without the annotations each page view makes anew
            query = str(notices.values("pk").query)
        except EmptyResultSet:
            return 0
        if set(_TABLES.findall(query)) != {"scoring_notice"}:
            return notices.count()
        return cached("count", (query,), notices.count)
