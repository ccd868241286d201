"""What changed between two submitted rounds: fields, evidence added and removed, and how evidence is named."""

from __future__ import annotations

import pytest

from assessments import review_rounds
from assessments.review_rounds import evidence_label

pytestmark = pytest.mark.django_db


def test_the_first_round_has_no_diff(in_review_a):
    assert review_rounds.changes_since_last_round(in_review_a) is None


def test_snapshot_diff_names_changed_fields_and_evidence():
    before = {"answers": {"A": {"value": "yes", "evidence": [{"kind": "url", "url": "https://a.example"}]}}}
    after = {"answers": {"A": {"value": "no", "evidence": []}, "B": {"value": "x", "evidence": []}}}
    diff = review_rounds.snapshot_diff(before, after)
    assert diff["A"].fields == [("value", "yes", "no")]
    assert diff["A"].evidence_removed == [{"kind": "url", "url": "https://a.example"}]
    assert diff["B"].fields == [("value", "", "x")]
    assert review_rounds.snapshot_diff(after, after) == {}


def test_a_document_is_named_by_its_file_and_a_link_by_its_address():
    """A snapshot's file record has no URL and a link record no name; naming either must not fail (it once did)."""
    document = {"kind": "file", "name": "policy-v2.pdf", "type": "pdf", "size": 10, "sha256": "ab" * 32}
    link = {"kind": "url", "url": "https://example.org/terms"}
    assert evidence_label(document) == "policy-v2.pdf"
    assert evidence_label(link) == "https://example.org/terms"
    assert evidence_label({}) == ""
    added = review_rounds.snapshot_diff(
        {"answers": {"KYC-1": {"value": "yes", "evidence": [link]}}},
        {"answers": {"KYC-1": {"value": "yes", "evidence": [link, document]}}},
    )
    assert [evidence_label(item) for item in added["KYC-1"].evidence_added] == ["policy-v2.pdf"]
