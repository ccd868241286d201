"""Hoster names as the hotline writes them match the portal's hoster without case, punctuation or legal form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.hoster_names import canonical_name, name_keys

NFORCE = canonical_name("NForce Entertainment")


@pytest.mark.parametrize(
    "written",
    [
        "NFORCE ENTERTAINMENT BV",
        "nforce entertainment b.v.",
        "NForce Entertainment B.V",
        "nforce-entertainment",
        "N-Force Entertainment, B.V.",
        "NFORCE ENTERTAINMENT N.V.",
        "Nforce Entertainment Ltd.",
        "NFORCE ENTERTAINMENT LIMITED",
        "NForce Entertainment, Inc.",
        "NForce Entertainment GmbH",
        "NForce Entertainment LLC",
        "NForce Entertainment S.A.",
        "NForce Entertainment SA",
        "  nforce\tentertainment  ",
    ],
)
def test_case_punctuation_and_legal_forms_do_not_matter(written):
    assert canonical_name(written) == NFORCE


def test_words_and_accents_still_matter():
    assert canonical_name("NForce Hosting BV") != NFORCE
    assert canonical_name("Café Host") == canonical_name("CAFE HOST B.V.")
    assert canonical_name("O'Brien Hosting Ltd") == canonical_name("OBrien Hosting")
    # A name that is nothing but a legal form keeps it rather than matching every other such name with "".
    assert canonical_name("B.V.") == "bv"
    assert canonical_name("SA B.V.") == canonical_name("S.A.") == "sa"  # found by Hypothesis
    assert canonical_name("") == "" and canonical_name("...") == ""


def test_a_hoster_is_found_by_slug_name_legal_name_and_aliases():
    keys = name_keys("nforce", "NForce", "NForce Entertainment B.V.", ["NFOrce Ent.", ""])
    assert keys == {"nforce", "nforceentertainment", "nforceent"}


@given(st.text(max_size=40))
def test_canonical_names_are_plain_lower_case_ascii(text):
    key = canonical_name(text)
    assert key == key.lower() and key.isascii() and " " not in key
    assert canonical_name(text.upper() + " B.V.") == canonical_name(text.upper()) or not key
