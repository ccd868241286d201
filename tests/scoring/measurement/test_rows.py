"""One AS-number rule (`portal.asn`) wherever AS numbers are read: hoster declarations, notice rows, the fast path."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from portal.asn import ASN_MAX, asn_number, read_asn
from portal.models import parse_asn
from scoring.measurement.attribution import Attributor
from scoring.measurement.rows import RowValidator

EXAMPLES = ["AS64500", "as1", "aS0", "AS", "64500", " 64500 ", "AS4294967295", "4294967296", "AS0064500", "AS-1"]
TEXTS = st.one_of(st.sampled_from(EXAMPLES), st.text(alphabet="ASas 0123456789+-_.\u0663\u00b2", max_size=14))


def declared(text: str) -> int | None:
    try:
        return parse_asn(text)
    except ValidationError:
        return None


def in_a_notice(text: str) -> int | None:
    row = RowValidator(None, {}, Attributor([])).validate(2, "n1", "2024-03-01T10:00:00Z", "", "", text, "", "")
    return None if row is None else row[4]


@given(text=TEXTS)
def test_a_hoster_declares_and_a_notice_carries_the_same_as_numbers(text):
    assume(text.strip())  # a notice without any network is refused for another reason
    assert declared(text) == in_a_notice(text) == asn_number(text.strip())


@pytest.mark.parametrize(
    ("text", "number"),
    [("AS64500", 64500), ("as1", 1), ("4294967295", ASN_MAX), ("AS0", None), ("4294967296", None), ("\u0663", None)],
)
def test_as_numbers_are_one_to_the_32_bit_maximum_in_ascii_digits(text, number):
    assert asn_number(text) == number == declared(text)


@given(text=TEXTS)
def test_the_fast_paths_plain_form_is_part_of_the_rule(text):
    columnar = pytest.importorskip("scoring.measurement.columnar")
    if re.fullmatch(columnar._ASN, text):  # then the column's arithmetic checks the range, as `is_asn` does
        assert read_asn(text) is not None
