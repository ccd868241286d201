"""Aliases, checked: no empty one, none that matches nothing, none that is already another hoster's name or alias.

Two hosters sharing a name key would make a notice's named owner ambiguous, so every way of changing aliases
(the supervisor's form, an owner's request, `import_hosters`) checks them here against every other hoster.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.hoster_names import canonical_name, name_keys
from portal.models import Hoster, validate_hoster_name

MAX_ALIASES = 50


@dataclass(frozen=True)
class NameEntry:
    """One hoster's names as matching sees them: all its keys, and those that come from its aliases."""

    slug: str
    label: str
    keys: frozenset[str]
    alias_keys: frozenset[str]

    @classmethod
    def of(cls, slug: str, name: str, legal_name: str, aliases: Iterable[str]) -> NameEntry:
        aliases = list(aliases)
        alias_keys = frozenset(key for key in map(canonical_name, aliases) if key)
        return cls(slug, name, frozenset(name_keys(slug, name, legal_name, aliases)), alias_keys)


class NameIndex:
    """Which hosters each name key belongs to, to tell whether a name or alias is already another hoster's."""

    def __init__(self, entries: Iterable[NameEntry]) -> None:
        self.holders: dict[str, list[NameEntry]] = defaultdict(list)
        self.alias_holders: dict[str, list[NameEntry]] = defaultdict(list)
        for entry in entries:
            for key in entry.keys:
                self.holders[key].append(entry)
            for key in entry.alias_keys:
                self.alias_holders[key].append(entry)

    @classmethod
    def from_database(cls, replaced: Iterable[NameEntry] = ()) -> NameIndex:
        """Every hoster as stored, except those `replaced` by the entries given (a file's new state)."""
        entries = {entry.slug: entry for entry in replaced}
        stored = Hoster.objects.exclude(slug__in=list(entries)).values_list("slug", "name", "legal_name", "aliases")
        return cls([*entries.values(), *(NameEntry.of(s, n, lg, a or []) for s, n, lg, a in stored)])

    def alias_holder(self, key: str, slug: str | None) -> str | None:
        """The other hoster whose slug, name, legal name or alias has this key, by name; None when none has."""
        return next((entry.label for entry in self.holders.get(key, []) if entry.slug != slug), None)

    def name_holder(self, key: str, slug: str | None) -> str | None:
        """The other hoster with this key among its aliases (a name may equal another's name, never its alias)."""
        return next((entry.label for entry in self.alias_holders.get(key, []) if entry.slug != slug), None)


def clean_aliases(texts: Iterable[str], slug: str | None, index: NameIndex | None = None) -> list[str]:
    """The aliases of the hoster `slug` (None for a new one), stripped, in their order, each key once.

    ValidationError with every problem: an empty alias, one without letters or digits, one too long or on several
    lines, one that is another hoster's name or alias, too many.
    """
    index = index if index is not None else NameIndex.from_database()
    aliases: list[str] = []
    seen: set[str] = set()
    errors: list[str] = []
    for text in texts:
        alias = text.strip()
        if not alias:
            errors.append(_("An alias may not be empty."))
            continue
        try:
            validate_hoster_name(alias)
        except ValidationError as exc:
            errors.extend(f"“{alias[:40]}”: {message}" for message in exc.messages)
            continue
        key = canonical_name(alias)
        holder = index.alias_holder(key, slug) if key else None
        if not key:
            errors.append(_("“%(alias)s” has no letters or digits to match a name by.") % {"alias": alias})
        elif holder is not None:
            errors.append(
                _("“%(alias)s” is already a name or alias of %(hoster)s.") % {"alias": alias, "hoster": holder}
            )
        elif key not in seen:
            seen.add(key)
            aliases.append(alias)
    if len(aliases) > MAX_ALIASES:
        errors.append(_("A hoster has at most %(max)d aliases.") % {"max": MAX_ALIASES})
    if errors:
        raise ValidationError(errors)
    return aliases


def check_name(name: str, slug: str | None, index: NameIndex | None = None) -> None:
    """ValidationError when this name (or legal name) is another hoster's alias: notices naming it would be both's."""
    key = canonical_name(name)
    index = index if index is not None else NameIndex.from_database()
    holder = index.name_holder(key, slug) if key else None
    if holder is not None:
        raise ValidationError(
            _("“%(name)s” is an alias of %(hoster)s; ask the supervisor if it is yours.")
            % {"name": name, "hoster": holder}
        )


def aliases_from_lines(text: str) -> list[str]:
    """A form's aliases: one per line; blank lines are layout, not aliases."""
    return [line for line in text.splitlines() if line.strip()]
