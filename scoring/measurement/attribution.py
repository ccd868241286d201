"""Attribution of notices to hosters (DESIGN §4.2): explicit hoster → declared ASN → longest declared prefix."""

from __future__ import annotations

import ipaddress
import socket
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from portal.audit import log_action
from portal.models import Hoster, User
from scoring.measurement.models import Attribution, Notice

_FAMILIES = {4: socket.AF_INET, 6: socket.AF_INET6}
# Plain strings, not enum members: they go straight into SQL parameters and COPY rows.
EXPLICIT, BY_ASN, BY_PREFIX, NONE = (
    Attribution.EXPLICIT.value,
    Attribution.ASN.value,
    Attribution.PREFIX.value,
    Attribution.NONE.value,
)


class Attributor:
    """The hosters' declared ASNs and prefixes, loaded once, answering "whose notice is this?".

    When two hosters declare the same ASN or the same prefix, the one registered first (lowest id) wins,
    so the outcome never depends on the order rows come back from the database.
    """

    def __init__(self, declarations: Iterable[tuple[int, Iterable[int] | None, Iterable[str] | None]]) -> None:
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
        return cls(Hoster.objects.values_list("id", "asns", "prefixes"))

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

    def attribute(self, declared_hoster_id: int | None, asn: int | None, ip: str | None) -> tuple[int | None, str]:
        """The hoster id and how it was found; `(None, "none")` when nobody declared this notice's network."""
        if declared_hoster_id is not None:
            return declared_hoster_id, EXPLICIT
        if asn is not None:
            hoster_id = self.by_asn.get(asn)
            if hoster_id is not None:
                return hoster_id, BY_ASN
        if ip:
            hoster_id = self.by_ip(ip)
            if hoster_id is not None:
                return hoster_id, BY_PREFIX
        return None, NONE


_CHUNK = 5000


def reattribute_all(actor: User | None = None) -> int:
    """Re-run attribution over every notice not fixed by its file or by a dispute; returns how many changed."""
    attributor = Attributor.from_database()
    changes: dict[tuple[int | None, str], list[int]] = defaultdict(list)
    rows = (
        Notice.objects.exclude(attribution__in=[Attribution.EXPLICIT, Attribution.DISPUTE])
        .values_list("id", "asn", "ip", "hoster_id", "attribution")
        .order_by()
        .iterator(chunk_size=_CHUNK)
    )
    for notice_id, asn, ip, hoster_id, attribution in rows:
        new = attributor.attribute(None, asn, ip)
        if new != (hoster_id, attribution):
            changes[new].append(notice_id)
    changed = 0
    with transaction.atomic():
        for (new_hoster_id, new_attribution), ids in changes.items():
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                changed += Notice.objects.filter(id__in=chunk).update(
                    hoster_id=new_hoster_id, attribution=new_attribution
                )
        if changed:
            log_action(actor, "scoring.notices.reattributed", None, {"changed": changed})
    return changed


def reattribute_for_hoster_change(hoster: Hoster | None = None, actor: User | None = None, **kwargs: Any) -> int:
    """Call after a hoster's ASNs or prefixes changed (also a receiver of `hoster_network_changed`).

    A change to one hoster's declarations can move notices to or from any other hoster (a longer prefix
    elsewhere, a shared ASN), so every notice attributed by network is looked at again.
    """
    return reattribute_all(actor)
