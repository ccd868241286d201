"""Attribution of notices to hosters (DESIGN §4.2): named hoster (slug, name or alias) → declared ASN → longest
declared prefix; and re-attribution, set-based, when declarations change.
"""

from __future__ import annotations

import ipaddress
import socket
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.audit import log_action
from portal.hoster_names import canonical_name, name_keys
from portal.models import Hoster, User
from scoring.measurement import reattribution
from scoring.measurement.changes import REASON_MAX
from scoring.measurement.models import Attribution

_FAMILIES = {4: socket.AF_INET, 6: socket.AF_INET6}
# Plain strings, not enum members: they go straight into SQL parameters and COPY rows.
EXPLICIT, BY_ASN, BY_PREFIX, NONE = (
    Attribution.EXPLICIT.value,
    Attribution.ASN.value,
    Attribution.PREFIX.value,
    Attribution.NONE.value,
)


class Attributor:
    """The hosters' names, declared ASNs and prefixes, loaded once, answering "whose notice is this?".

    When two hosters declare the same ASN or the same prefix, or their names or aliases share a key, the one
    registered first (lowest id) wins, so the outcome never depends on the order rows come back from the database.
    """

    def __init__(
        self,
        declarations: Iterable[tuple[int, Iterable[int] | None, Iterable[str] | None]],
        names: Iterable[tuple[int, Iterable[str]]] = (),
    ) -> None:
        # Canonical name key (`portal.hoster_names`) → hoster id: slugs, names, legal names and aliases.
        self.by_name: dict[str, int] = {}
        for hoster_id, keys in sorted(names, key=lambda n: n[0]):
            for name_key in keys:
                self.by_name.setdefault(name_key, hoster_id)
        self._owners: dict[str, int | None] = {}
        self.by_asn: dict[int, int] = {}
        # (IP version, prefix length) → {network as int: hoster id}; lengths are tried longest first.
        self.by_prefix: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
        for hoster_id, asns, prefixes in sorted(declarations, key=lambda d: d[0]):
            for asn in asns or []:
                self.by_asn.setdefault(int(asn), hoster_id)
            for prefix in prefixes or []:
                network = ipaddress.ip_network(prefix, strict=False)
                key = (network.version, network.prefixlen)
                self.by_prefix[key].setdefault(int(network.network_address), hoster_id)
        self.lengths = {
            version: sorted((length for v, length in self.by_prefix if v == version), reverse=True)
            for version in (4, 6)
        }

    @classmethod
    def from_database(cls) -> Attributor:
        rows = list(Hoster.objects.values_list("id", "asns", "prefixes", "slug", "name", "legal_name", "aliases"))
        return cls(
            [(hoster_id, asns, prefixes) for hoster_id, asns, prefixes, *_names in rows],
            [(row[0], name_keys(row[3], row[4], row[5], row[6] or [])) for row in rows],
        )

    def owner_hoster(self, owner: str) -> int | None:
        """The hoster whose slug, name, legal name or alias is `owner` as a hotline wrote it, or None."""
        if owner not in self._owners:  # a file names few owners, each many times
            self._owners[owner] = self.by_name.get(canonical_name(owner)) if owner else None
        return self._owners[owner]

    def prefix_declarations(self) -> list[tuple[int, int, str, int]]:
        """Every declared prefix (one per network: the first hoster's) as (IP version, length, text, hoster id)."""
        kinds = {4: ipaddress.IPv4Network, 6: ipaddress.IPv6Network}
        return [
            (version, length, str(kinds[version]((network, length))), hoster_id)
            for (version, length), networks in self.by_prefix.items()
            for network, hoster_id in networks.items()
        ]

    def by_ip(self, ip: str) -> int | None:
        version = 6 if ":" in ip else 4
        lengths = self.lengths[version]
        if not lengths:
            return None
        value = int.from_bytes(socket.inet_pton(_FAMILIES[version], ip), "big")
        bits = 32 if version == 4 else 128
        for length in lengths:
            network = value >> (bits - length) << (bits - length)
            hoster_id = self.by_prefix[(version, length)].get(network)
            if hoster_id is not None:
                return hoster_id
        return None

    def attribute(
        self, declared_hoster_id: int | None, asn: int | None, ip: str | None, owner: str = ""
    ) -> tuple[int | None, str]:
        """The hoster id and how it was found; `(None, "none")` when nobody declared this notice's network.

        `owner` is the hoster as the hotline named it; it counts when it is a hoster's slug, name or alias.
        """
        if declared_hoster_id is not None:
            return declared_hoster_id, EXPLICIT
        if owner and (named := self.owner_hoster(owner)) is not None:
            return named, EXPLICIT
        if asn is not None:
            hoster_id = self.by_asn.get(asn)
            if hoster_id is not None:
                return hoster_id, BY_ASN
        if ip:
            hoster_id = self.by_ip(ip)
            if hoster_id is not None:
                return hoster_id, BY_PREFIX
        return None, NONE


def stored_reason(text: str, **values: Any) -> str:
    """A history line (`AttributionChange.reason`) from a `gettext_noop` text, written once in the portal's
    language whoever acts."""
    with translation.override(settings.LANGUAGE_CODE):
        return (_(text) % values)[:REASON_MAX]


def _audited(actor: User | None, changed: int, reason: str, obj: Hoster | None = None) -> int:
    if changed:
        log_action(actor, "scoring.notices.reattributed", obj, {"changed": changed, "reason": reason})
    return changed


@transaction.atomic
def reattribute_network(
    actor: User | None, reason: str, scope: str = "1 = 1", params: list[Any] | None = None, obj: Hoster | None = None
) -> int:
    """Attribute again, by declared ASN and prefix, the notices in `scope` (a condition on `n`, the notice) that
    neither their file nor a dispute fixed; returns how many changed, each one recorded in its history."""
    with reattribution.declarations(Attributor.from_database()) as declared:
        select = reattribution.by_network(declared, scope)
        changed = reattribution.apply(select, params or [], actor_id=_actor_id(actor), reason=reason)
    return _audited(actor, changed, reason, obj)


@transaction.atomic
def reattribute_owners(actor: User | None, keys: Iterable[str], reason: str, obj: Hoster | None = None) -> int:
    """Attribute again the notices whose named owner has one of these keys: to the hoster whose name or alias
    it now is, or else by their network. Call after names or aliases changed, with the old and new keys."""
    keys = {key for key in keys if key}
    if not keys:
        return 0
    with reattribution.declarations(Attributor.from_database(), owner_keys=keys) as declared:
        select = reattribution.by_owner(declared)
        changed = reattribution.apply(select, [], actor_id=_actor_id(actor), reason=reason)
    return _audited(actor, changed, reason, obj)


def reattribute_all(actor: User | None = None, reason: str = "") -> int:
    """Re-run attribution by network over every notice not fixed by its file or by a dispute; how many changed."""
    return reattribute_network(actor, reason or stored_reason(gettext_noop("hosters' declared networks changed")))


def _actor_id(actor: User | None) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None


def reattribute_for_hoster_change(
    hoster: Hoster | None = None,
    actor: User | None = None,
    old_name_keys: Iterable[str] | None = None,
    reason: str = "",
    **kwargs: Any,
) -> int:
    """Receiver of `hoster_network_changed`: a hoster's ASNs or prefixes changed, or (with `old_name_keys`) its
    names or aliases.

    A change to one hoster's network can move notices to or from any other hoster (a longer prefix elsewhere, a
    shared ASN), so every notice attributed by network is looked at again; a change of names only the notices
    whose named owner had or has one of its keys.
    """
    if old_name_keys is not None and hoster is not None:
        # Only a key the hoster gained or lost can change hands; its other keys still name it.
        keys = set(old_name_keys) ^ name_keys(hoster.slug, hoster.name, hoster.legal_name, hoster.aliases or [])
        reason = reason or stored_reason(gettext_noop("names of %(hoster)s changed"), hoster=hoster.name)
        return reattribute_owners(actor, keys, reason, hoster)
    if not reason:
        reason = (
            stored_reason(gettext_noop("network of %(hoster)s changed"), hoster=hoster.name)
            if hoster is not None
            else stored_reason(gettext_noop("hosters' declared networks changed"))
        )
    return reattribute_network(actor, reason, obj=hoster)
