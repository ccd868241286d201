"""Hoster names as others write them: "NFORCE ENTERTAINMENT BV", "nforce entertainment b.v." and the slug
`nforce-entertainment` are one hoster (DESIGN §4.2). Matching ignores case, punctuation and legal forms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Legal forms as written after punctuation has become spaces: "B.V." → "b v", "S.A." → "s a".
_LEGAL_FORMS = {"b v", "bv", "n v", "nv", "ltd", "limited", "inc", "gmbh", "llc", "s a", "sa"}
_NOT_WORD = re.compile(r"[\W_]+")
_LEGAL_TAIL = re.compile(
    r"(?:\s+(?:" + "|".join(sorted((re.escape(f) for f in _LEGAL_FORMS), key=len, reverse=True)) + r"))+$"
)


def canonical_name(text: str) -> str:
    """The key a name is matched by: lower case, accents and punctuation gone, legal forms after the first word dropped.

    >>> canonical_name("NFORCE ENTERTAINMENT B.V.") == canonical_name("nforce-entertainment")
    True
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()
    first, _, rest = _NOT_WORD.sub(" ", folded).strip().partition(" ")
    # The first word stays, legal form or not: "S.A. B.V." is "sa", as "S.A." is.
    return first + _LEGAL_TAIL.sub("", " " + rest).replace(" ", "")


def name_keys(slug: str, name: str, legal_name: str, aliases: Iterable[str]) -> set[str]:
    """Every key under which a hoster is found: its slug, name, legal name and aliases, canonical."""
    return {key for key in map(canonical_name, (slug, name, legal_name, *aliases)) if key}
