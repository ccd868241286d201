"""The unattributed queue: notices no hoster claims, grouped by named owner, network (/24, /48) and AS number, and
what the supervisor does with a group — give it to a hoster by adding the owner as an alias, the AS number or a
prefix to the hoster's declarations (then every matching notice follows), or just these notices.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, CharField, Count, F, Func, Max, Min, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.asn import asn_number
from portal.audit import log_action
from portal.identity import update_hoster_aliases
from portal.models import Hoster, User
from portal.services import PortalRefused
from scoring.measurement.attribution import reattribute_network, stored_reason
from scoring.measurement.models import Notice
from scoring.measurement.reattribution import apply, to_hoster, within_prefix
from scoring.measurement.signals import notices_attributed

# How the queue groups: by all three at once, or by one of them.
DIMENSIONS = {"all": ("owner", "network", "asn"), "owner": ("owner",), "network": ("network",), "asn": ("asn",)}
_COLUMNS = {"owner": "owner_key", "network": "network", "asn": "asn"}
IPV4_GROUP, IPV6_GROUP = 24, 48


def network_of(ip: str | None) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) an address lies in, as CIDR text."""
    if not ip:
        return None
    address = ipaddress.ip_address(ip)
    length = IPV4_GROUP if address.version == 4 else IPV6_GROUP
    return str(ipaddress.ip_network((address, length), strict=False))


class Network(Func):
    """`network_of` in SQL: PostgreSQL computes it on `inet`; SQLite (development, tests) asks Python."""

    output_field = CharField()

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, Any]:
        sql, params = compiler.compile(self.source_expressions[0])
        masklen = f"CASE WHEN family({sql}) = 4 THEN {IPV4_GROUP} ELSE {IPV6_GROUP} END"
        return f"network(set_masklen({sql}, {masklen}))::text", [*params, *params, *params]

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, Any]:
        connection.ensure_connection()
        connection.connection.create_function("gh_network", 1, network_of, deterministic=True)
        sql, params = compiler.compile(self.source_expressions[0])
        return f"gh_network({sql})", params


class InPrefix(Func):
    """Whether an address lies in a prefix (the second expression, CIDR text); SQLite asks Python."""

    output_field = BooleanField()

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, Any]:
        ip, ip_params = compiler.compile(self.source_expressions[0])
        prefix, prefix_params = compiler.compile(self.source_expressions[1])
        return f"({ip} <<= ({prefix})::inet)", [*ip_params, *prefix_params]

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, Any]:
        within_prefix()  # registers the function
        ip, ip_params = compiler.compile(self.source_expressions[0])
        prefix, prefix_params = compiler.compile(self.source_expressions[1])
        return f"gh_in_prefix({ip}, {prefix})", [*ip_params, *prefix_params]


def unattributed(query: str = "") -> QuerySet[Notice]:
    """The counted notices without a hoster, those matching the search when there is one."""
    notices = Notice.objects.unattributed().annotate(owner_key=F("abuse_owner__owner_key"), network=Network("ip"))
    if query:
        condition = Q(notice_id__icontains=query) | Q(url_host__icontains=query) | Q(abuse_owner__name__icontains=query)
        if (asn := asn_number(query)) is not None:
            condition |= Q(asn=asn)
        if _is_ip(query):
            condition |= Q(ip=query)
        notices = notices.filter(condition)
    return notices


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return "%" not in text  # a zone index is no address the notices hold


def groups(notices: QuerySet[Notice], by: str) -> QuerySet[Any]:
    """One row per group: its owner key and name, network and AS number (those grouped by), how many notices,
    the first and last reported, and one notice ID to look at; the largest groups first."""
    columns = [_COLUMNS[dimension] for dimension in DIMENSIONS[by]]
    rows: QuerySet[Any] = (
        notices.order_by()
        .values(*columns)
        .annotate(
            notices=Count("id"),
            owner_name=Min("abuse_owner__name"),
            first_reported=Min("reported_at"),
            last_reported=Max("reported_at"),
            example=Min("notice_id"),
        )
        .order_by("-notices", *columns)
    )
    return rows


@contextmanager
def grouping_in_memory() -> Iterator[None]:
    """A transaction in which PostgreSQL may group a million notices in memory rather than sort them on disk."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


@dataclass(frozen=True)
class Group:
    """A group of the queue: the dimensions it is grouped by and their values ("" for none: no owner named, no
    IP address, no AS number)."""

    by: str
    owner_key: str = ""
    network: str = ""
    asn: int | None = None

    @property
    def dimensions(self) -> tuple[str, ...]:
        return DIMENSIONS[self.by]

    def notices(self, query: str = "") -> QuerySet[Notice]:
        notices = unattributed(query)
        if "owner" in self.dimensions:
            owner = Q(abuse_owner__owner_key=self.owner_key) if self.owner_key else Q(abuse_owner__isnull=True)
            notices = notices.filter(owner)
        if "network" in self.dimensions:
            notices = notices.filter(Q(network=self.network)) if self.network else notices.filter(ip=None)
        if "asn" in self.dimensions:
            notices = notices.filter(asn=self.asn) if self.asn is not None else notices.filter(asn=None)
        return notices

    def params(self) -> dict[str, str]:
        """The group as query parameters (`queue_forms.GroupForm` reads them back)."""
        values = {"owner": self.owner_key, "network": self.network, "asn": "" if self.asn is None else str(self.asn)}
        return {"by": self.by, **{dimension: values[dimension] for dimension in self.dimensions}}

    def as_data(self) -> dict[str, Any]:
        return {"by": self.by, "owner": self.owner_key, "network": self.network, "asn": self.asn}


@dataclass(frozen=True)
class Outcome:
    """What an action did: what it added to whose declarations, and how many notices it attributed."""

    hoster: Hoster
    method: str
    value: str
    changed: int


METHODS = ("alias", "asn", "prefix", "notices")


@transaction.atomic
def attribute_group(user: User, group: Group, query: str, hoster: Hoster, method: str, value: str) -> Outcome:
    """Give a group to a hoster: by adding the owner name (`alias`), the AS number (`asn`) or a prefix (`prefix`)
    to its declarations, which re-attributes every matching notice, or (`notices`) by attributing just the group's
    notices. `value` is the alias, AS number or prefix, already checked by the form. PortalRefused when the
    declaration is another hoster's, or already this one's."""
    hoster = Hoster.objects.select_for_update().get(pk=hoster.pk)
    if method == "alias":
        changed = _add_alias(user, hoster, value)
    elif method == "asn":
        changed = _add_asn(user, hoster, int(value))
    elif method == "prefix":
        changed = _add_prefix(user, hoster, value)
    else:
        changed = _attribute_notices(user, group, query, hoster)
    log_action(
        user,
        "scoring.unattributed.attributed",
        hoster,
        {"group": group.as_data(), "search": query, "method": method, "value": value, "changed": changed},
    )
    if changed:
        notices_attributed.send(sender=Notice, hoster=hoster, actor=user)
    return Outcome(hoster, method, value, changed)


def _add_alias(user: User, hoster: Hoster, alias: str) -> int:
    before = _attributed_to(hoster)
    try:
        added = update_hoster_aliases(user, hoster, [*(hoster.aliases or []), alias])
    except ValidationError as exc:
        raise PortalRefused(" ".join(exc.messages)) from exc
    if not added:
        raise PortalRefused(_("“%(alias)s” already is an alias of %(hoster)s.") % {"alias": alias, "hoster": hoster})
    return _attributed_to(hoster) - before


def _attributed_to(hoster: Hoster) -> int:
    return Notice.objects.filter(hoster=hoster).count()


def _add_asn(user: User, hoster: Hoster, asn: int) -> int:
    holder = next((h for h in Hoster.objects.order_by("pk") if asn in h.asns), None)
    if holder is not None:
        raise PortalRefused(_("AS%(asn)s is already declared by %(hoster)s.") % {"asn": asn, "hoster": holder})
    _declare(user, hoster, asns=[*hoster.asns, asn])
    reason = stored_reason(gettext_noop("AS%(asn)s added to the network of %(hoster)s"), asn=asn, hoster=hoster.name)
    return reattribute_network(user, reason, "n.asn = %s", [asn], obj=hoster)


def _add_prefix(user: User, hoster: Hoster, prefix: str) -> int:
    holder = next((h for h in Hoster.objects.order_by("pk") if prefix in h.prefixes), None)
    if holder is not None:
        raise PortalRefused(_("%(prefix)s is already declared by %(hoster)s.") % {"prefix": prefix, "hoster": holder})
    _declare(user, hoster, prefixes=[*hoster.prefixes, prefix])
    reason = stored_reason(
        gettext_noop("%(prefix)s added to the network of %(hoster)s"), prefix=prefix, hoster=hoster.name
    )
    return reattribute_network(user, reason, within_prefix(), [prefix], obj=hoster)


def _declare(user: User, hoster: Hoster, **network: list[Any]) -> None:
    """Add to the hoster's declared network, audited as every change to it is (the notices follow apart)."""
    old = {"asns": list(hoster.asns), "prefixes": list(hoster.prefixes)}
    for name, value in network.items():
        setattr(hoster, name, value)
    hoster.full_clean()
    hoster.save(update_fields=list(network))
    new = {"asns": hoster.asns, "prefixes": hoster.prefixes}
    log_action(user, "portal.hoster.network_changed", hoster, {"old": old, "new": new, "via": "unattributed queue"})


def _attribute_notices(user: User, group: Group, query: str, hoster: Hoster) -> int:
    ids, params = group.notices(query).values("id").query.sql_with_params()
    select, select_params = to_hoster(f"n.id IN ({ids})", hoster.pk)
    reason = stored_reason(gettext_noop("attributed to %(hoster)s from the unattributed queue"), hoster=hoster.name)
    changed = apply(select, [*select_params, *params], actor_id=user.pk, reason=reason)
    if changed:
        log_action(user, "scoring.notices.reattributed", hoster, {"changed": changed, "reason": reason})
    return changed
