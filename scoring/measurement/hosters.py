"""The hoster landscape from CSV: hosters created or updated all or nothing, then the notices re-attributed."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.audit import log_action
from portal.hoster_aliases import NameEntry, NameIndex, check_name, clean_aliases
from portal.hoster_names import name_keys
from portal.models import Hoster, User, normalize_prefix, parse_asn, validate_hoster_name
from scoring.measurement.attribution import reattribute_network, reattribute_owners, stored_reason
from scoring.measurement.rows import RowError

HOSTER_COLUMNS = ("slug", "name", "website", "asns", "prefixes")
OPTIONAL_COLUMNS = ("aliases",)  # names as the hotline writes them, separated by |


@dataclass
class HosterImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reattributed: int = 0
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"created={self.created} updated={self.updated} unchanged={self.unchanged} "
            f"reattributed={self.reattributed} rejected={len({e.line for e in self.errors})}"
        )


def import_hosters(stream: IO[bytes], user: User | None = None) -> HosterImportResult:
    """Create or update hosters from CSV `slug,name,website,asns,prefixes[,aliases]`; all or nothing, then
    re-attribute the notices whose network or named owner changed hands."""
    result = HosterImportResult()
    parsed = _read_hosters(stream, result.errors)
    if not result.errors:
        _check_names(parsed, result.errors)
    if result.errors:
        return result
    with transaction.atomic():
        network_changed, changed_keys = _store_hosters(parsed, result)
        reason = stored_reason(gettext_noop("hosters imported"))
        if changed_keys:
            result.reattributed += reattribute_owners(user, changed_keys, reason)
        if network_changed:
            result.reattributed += reattribute_network(user, reason)
        log_action(
            user,
            "scoring.hosters.imported",
            None,
            {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
    return result


def _read_hosters(stream: IO[bytes], errors: list[RowError]) -> list[dict[str, Any]]:
    """The file's hosters, each row checked; every problem goes to `errors`."""
    parsed: list[dict[str, Any]] = []
    try:
        reader = csv.DictReader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
        header = [name.strip().lower() for name in reader.fieldnames or []]
        reader.fieldnames = header
        missing = [name for name in HOSTER_COLUMNS if name not in header]
        if missing:
            errors.append(RowError(1, "header", _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}))
            return parsed
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            if None in row or None in row.values():
                errors.append(RowError(line, "row", _("Expected %(width)d fields.") % {"width": len(header)}))
                continue
            values = _parse_hoster_row(line, row, errors)
            if values is None:
                continue
            if values["slug"] in seen:
                errors.append(RowError(line, "slug", _("This slug appears more than once in this file.")))
                continue
            seen.add(values["slug"])
            parsed.append({**values, "line": line})
    except UnicodeDecodeError:
        errors.append(RowError(1, "file", _("The file is not UTF-8 text.")))
    except csv.Error as exc:
        errors.append(RowError(1, "file", _("The file is not valid CSV: %(error)s") % {"error": exc}))
    return parsed


def _parse_hoster_row(line: int, row: dict[str, str], errors: list[RowError]) -> dict[str, Any] | None:
    nul = [column for column, value in row.items() if "\x00" in value]
    if nul:  # PostgreSQL keeps no NUL in text
        errors.extend(RowError(line, column, _("A NUL character is not allowed here.")) for column in nul)
        return None
    count = len(errors)
    slug = row["slug"].strip()
    try:
        validate_slug(slug)
    except ValidationError:
        errors.append(
            RowError(line, "slug", _("“%(value)s” is not a slug (letters, digits, - and _).") % {"value": slug})
        )
    name = row["name"].strip()
    if not name:
        errors.append(RowError(line, "name", _("A name is required.")))
    else:
        try:
            validate_hoster_name(name)  # one line of limited length, as the profile form asks
        except ValidationError as error:
            errors.append(RowError(line, "name", " ".join(error.messages)))
    website = row["website"].strip()
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            errors.append(RowError(line, "website", _("“%(value)s” is not a web address.") % {"value": website}))
    asns: set[int] = set()
    for value in row["asns"].split():
        try:
            asns.add(parse_asn(value))
        except ValidationError as exc:
            errors.append(RowError(line, "asns", " ".join(exc.messages)))
    prefixes: set[str] = set()
    for value in row["prefixes"].split():
        try:
            prefixes.add(normalize_prefix(value))
        except ValidationError as exc:
            errors.append(RowError(line, "prefixes", " ".join(exc.messages)))
    if len(errors) != count:
        return None
    values: dict[str, Any] = {
        "slug": slug,
        "name": name,
        "website": website,
        "asns": sorted(asns),
        "prefixes": sorted(prefixes, key=lambda p: (":" in p, p)),
    }
    if "aliases" in row:  # optional: a file without the column leaves the hosters' aliases as they are
        text = row["aliases"].strip()
        values["aliases"] = [alias.strip() for alias in text.split("|")] if text else []
    return values


def _check_names(parsed: list[dict[str, Any]], errors: list[RowError]) -> None:
    """Every alias checked (`portal.hoster_aliases`) against every other hoster as it will be after the import;
    a new name must not be another hoster's alias. Problems go to `errors`, on the row's line."""
    stored = {
        slug: (name, legal_name, list(aliases or []))
        for slug, name, legal_name, aliases in Hoster.objects.filter(
            slug__in=[values["slug"] for values in parsed]
        ).values_list("slug", "name", "legal_name", "aliases")
    }
    entries = []
    for values in parsed:
        _name, legal_name, aliases = stored.get(values["slug"], ("", "", []))
        entries.append(NameEntry.of(values["slug"], values["name"], legal_name, values.get("aliases", aliases)))
    index = NameIndex.from_database(replaced=entries)
    for values in parsed:
        line, slug = values["line"], values["slug"]
        if "aliases" in values:
            try:
                values["aliases"] = clean_aliases(values["aliases"], slug, index)
            except ValidationError as exc:
                errors.extend(RowError(line, "aliases", message) for message in exc.messages)
        if slug not in stored or values["name"] != stored[slug][0]:
            try:
                check_name(values["name"], slug, index)
            except ValidationError as exc:
                errors.extend(RowError(line, "name", message) for message in exc.messages)


def _store_hosters(parsed: list[dict[str, Any]], result: HosterImportResult) -> tuple[bool, set[str]]:
    """Create the new hosters and update the changed ones, counting; whether any declared network changed, and
    the name keys that were added or dropped (the notices naming them may change hands)."""
    network_changed, changed_keys = False, set()
    existing = {h.slug: h for h in Hoster.objects.filter(slug__in=[v["slug"] for v in parsed])}
    for values in parsed:
        values = {key: value for key, value in values.items() if key != "line"}
        hoster = existing.get(values["slug"])
        if hoster is None:
            hoster = Hoster.objects.create(**values)
            result.created += 1
            network_changed = network_changed or bool(values["asns"] or values["prefixes"])
            changed_keys |= _keys(hoster)
            continue
        changed = {k: v for k, v in values.items() if getattr(hoster, k) != v}
        if not changed:
            result.unchanged += 1
            continue
        network_changed = network_changed or "asns" in changed or "prefixes" in changed
        old_keys = _keys(hoster)
        for key, value in changed.items():
            setattr(hoster, key, value)
        hoster.save(update_fields=list(changed))
        changed_keys |= old_keys ^ _keys(hoster)
        result.updated += 1
    return network_changed, changed_keys


def _keys(hoster: Hoster) -> set[str]:
    return name_keys(hoster.slug, hoster.name, hoster.legal_name, hoster.aliases or [])
