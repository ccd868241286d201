"""Set-based re-attribution: the new attribution of many notices computed by one SELECT, then recorded and applied.

A million notices never pass through Python. The hosters' declarations (AS numbers, IP prefixes and the owner
names their names and aliases match) go into connection-local tables; a SELECT computes each notice's new
attribution in the order of DESIGN §4.2 (named owner → declared ASN → longest declared prefix → none); the
notices it changes are written to the history (`AttributionChange`) and updated, in the caller's transaction.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone

from scoring.measurement import notice_days
from scoring.measurement.changes import REASON_MAX
from scoring.measurement.models import Attribution

if TYPE_CHECKING:
    from scoring.measurement.attribution import Attributor

EXPLICIT, BY_ASN, BY_PREFIX, DISPUTE, NONE = (
    Attribution.EXPLICIT.value,
    Attribution.ASN.value,
    Attribution.PREFIX.value,
    Attribution.DISPUTE.value,
    Attribution.NONE.value,
)
# Where a notice's owner, as its file named it, is kept (`changes.NoticeOwner`): the one place that reads it.
OWNER_JOIN = "JOIN scoring_noticeowner o ON o.notice_id = n.id"
_TARGET = "gh_reattribution"
_TABLES = ("gh_decl_asn", "gh_decl_prefix", "gh_decl_name", _TARGET)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _distinct() -> str:
    return "IS DISTINCT FROM" if _postgres() else "IS NOT"


class Declared:
    """The declarations loaded for a statement: which (IP version, prefix length) pairs hosters declare."""

    def __init__(self, attributor: Attributor) -> None:
        self.lengths = sorted(attributor.by_prefix, key=lambda key: (-key[1], key[0]))


@contextmanager
def declarations(attributor: Attributor, owner_keys: Iterable[str] = ()) -> Iterator[Declared]:
    """The attributor's declarations as tables for one statement or a few; `owner_keys` limits the names loaded
    (the keys whose hoster may have changed: notices with any other owner are left alone)."""
    postgres = _postgres()
    with connection.cursor() as cursor:
        for table in _TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute("CREATE TEMP TABLE gh_decl_asn (asn BIGINT PRIMARY KEY, hoster_id BIGINT NOT NULL)")
        cursor.executemany("INSERT INTO gh_decl_asn VALUES (%s, %s)", sorted(attributor.by_asn.items()))
        cursor.execute("CREATE TEMP TABLE gh_decl_name (owner_key TEXT PRIMARY KEY, hoster_id BIGINT)")
        names = sorted({key: attributor.by_name.get(key) for key in owner_keys}.items())
        cursor.executemany("INSERT INTO gh_decl_name VALUES (%s, %s)", names)
        if postgres:
            cursor.execute(
                "CREATE TEMP TABLE gh_decl_prefix (version INT NOT NULL, masklen INT NOT NULL, prefix CIDR NOT NULL,"
                " hoster_id BIGINT NOT NULL)"
            )
            cursor.executemany("INSERT INTO gh_decl_prefix VALUES (%s, %s, %s, %s)", attributor.prefix_declarations())
            cursor.execute("ANALYZE gh_decl_asn, gh_decl_prefix, gh_decl_name")
        else:  # SQLite knows no addresses: its function asks the attributor (SQLite serves development and tests)
            by_ip = attributor.by_ip
            connection.connection.create_function(
                "gh_prefix_hoster", 1, lambda ip: by_ip(ip) if ip else None, deterministic=True
            )
    try:
        yield Declared(attributor)
    finally:
        with connection.cursor() as cursor:
            for table in _TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _in_prefix(ip: str | None, prefix: str) -> bool:
    return ip is not None and ipaddress.ip_address(ip) in ipaddress.ip_network(prefix)


def within_prefix() -> str:
    """The condition on `n` that its IP address lies in the prefix given as the one parameter."""
    if _postgres():
        return "n.ip <<= %s::inet"
    connection.ensure_connection()
    connection.connection.create_function("gh_in_prefix", 2, _in_prefix, deterministic=True)
    return "gh_in_prefix(n.ip, %s)"


def _network(declared: Declared) -> tuple[str, str]:
    """The joins that find a notice's longest declared prefix, and the expression of that prefix's hoster.

    On PostgreSQL one hash join per declared (version, length), tried longest first, as `Attributor.by_ip` does:
    a few joins of a million rows against a few prefixes each, rather than a prefix search per notice.
    """
    if not _postgres():
        return "", "gh_prefix_hoster(n.ip)"
    if not declared.lengths:
        return "", "CAST(NULL AS BIGINT)"
    joins = "".join(
        f" LEFT JOIN gh_decl_prefix p{i} ON p{i}.version = {version} AND p{i}.masklen = {length}"
        f" AND p{i}.prefix = CASE WHEN family(n.ip) = {version} THEN network(set_masklen(n.ip, {length})) END"
        for i, (version, length) in enumerate(declared.lengths)
    )
    hosters = ", ".join(f"p{i}.hoster_id" for i in range(len(declared.lengths)))
    return joins, f"COALESCE({hosters})"


def by_network(declared: Declared, scope: str) -> str:
    """The new attribution of the notices in `scope` (a condition on `n`) that their file or a dispute did not fix."""
    join, prefix_hoster = _network(declared)
    return (
        "SELECT n.id AS id, n.declared_hoster_id AS declared,"  # noqa: S608 - built from constants
        f" COALESCE(a.hoster_id, {prefix_hoster}) AS hoster,"
        f" CASE WHEN a.hoster_id IS NOT NULL THEN '{BY_ASN}' WHEN {prefix_hoster} IS NOT NULL THEN '{BY_PREFIX}'"
        f" ELSE '{NONE}' END AS attribution,"
        " n.declared_hoster_id AS old_declared, n.hoster_id AS old_hoster, n.attribution AS old_attribution"
        f" FROM scoring_notice n LEFT JOIN gh_decl_asn a ON a.asn = n.asn{join}"
        f" WHERE n.attribution NOT IN ('{EXPLICIT}', '{DISPUTE}') AND ({scope})"
    )


def by_owner(declared: Declared) -> str:
    """The new attribution of the notices whose owner key is loaded (`declarations(owner_keys=…)`): the hoster that
    name now belongs to, or else their network's; a dispute's decision stands."""
    join, prefix_hoster = _network(declared)
    return (
        "SELECT n.id AS id, m.hoster_id AS declared,"  # noqa: S608 - built from constants
        f" COALESCE(m.hoster_id, a.hoster_id, {prefix_hoster}) AS hoster,"
        f" CASE WHEN m.hoster_id IS NOT NULL THEN '{EXPLICIT}' WHEN a.hoster_id IS NOT NULL THEN '{BY_ASN}'"
        f" WHEN {prefix_hoster} IS NOT NULL THEN '{BY_PREFIX}' ELSE '{NONE}' END AS attribution,"
        " n.declared_hoster_id AS old_declared, n.hoster_id AS old_hoster, n.attribution AS old_attribution"
        f" FROM scoring_notice n {OWNER_JOIN} JOIN gh_decl_name m ON m.owner_key = o.owner_key"
        f" LEFT JOIN gh_decl_asn a ON a.asn = n.asn{join}"
        f" WHERE n.attribution <> '{DISPUTE}'"
    )


def to_hoster(scope: str, hoster_id: int) -> tuple[str, list[Any]]:
    """The notices in `scope` given to one hoster by the supervisor, as a dispute's decision would: no later
    declaration or re-import moves them."""
    sql = (
        "SELECT n.id AS id, n.declared_hoster_id AS declared, %s AS hoster,"  # noqa: S608 - built from constants
        f" '{DISPUTE}' AS attribution,"
        " n.declared_hoster_id AS old_declared, n.hoster_id AS old_hoster, n.attribution AS old_attribution"
        f" FROM scoring_notice n WHERE ({scope})"
    )
    return sql, [hoster_id]


def apply(select: str, params: list[Any], *, actor_id: int | None, reason: str) -> int:
    """Record and apply the attribution `select` computes (columns as `by_network`); returns how many notices
    changed hoster or attribution. Run inside the caller's transaction, with `declarations` loaded."""
    d = _distinct()
    changed = f"t.hoster {d} t.old_hoster OR t.attribution <> t.old_attribution"
    with connection.cursor() as cursor:
        if _postgres():  # a million-row hash join in memory, not in batches on disk
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(f"DROP TABLE IF EXISTS {_TARGET}")
        cursor.execute(
            f"CREATE TEMP TABLE {_TARGET} (id BIGINT PRIMARY KEY, declared BIGINT, hoster BIGINT,"
            " attribution VARCHAR(10), old_hoster BIGINT, old_attribution VARCHAR(10))"
        )
        cursor.execute(
            f"INSERT INTO {_TARGET} SELECT t.id, t.declared, t.hoster, t.attribution, t.old_hoster,"  # noqa: S608 - built from constants
            f" t.old_attribution FROM ({select}) t WHERE t.declared {d} t.old_declared OR {changed}",
            params,
        )
        if _postgres():  # without statistics the planner may hash a million notices against an empty table
            cursor.execute(f"ANALYZE {_TARGET}")
        cursor.execute(
            "INSERT INTO scoring_attributionchange"  # noqa: S608 - built from constants
            " (notice_id, at, actor_id, old_hoster_id, new_hoster_id, attribution, reason)"
            f" SELECT t.id, %s, %s, t.old_hoster, t.hoster, t.attribution, %s FROM {_TARGET} t WHERE {changed}",
            [connection.ops.adapt_datetimefield_value(timezone.now()), actor_id, reason[:REASON_MAX]],
        )
        recorded = cursor.rowcount
        cursor.execute(
            "UPDATE scoring_notice AS n SET declared_hoster_id = t.declared, hoster_id = t.hoster,"  # noqa: S608 - built from constants
            f" attribution = t.attribution FROM {_TARGET} t WHERE n.id = t.id"
        )
        cursor.execute(f"DROP TABLE {_TARGET}")
    notice_days.settle()
    return int(recorded)
