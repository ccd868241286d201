"""The badge's geometry alone: boxes as wide as their texts, side by side, the colour from the status."""

from __future__ import annotations

import pytest

from scoring.publication.badges import OTHER_COLOUR, STATUS_COLOURS, badge, text_width


def test_each_box_is_as_wide_as_its_text_and_the_boxes_sit_side_by_side():
    shown = badge("good hoster", "grade A", "valid")
    assert (shown.label_w, shown.value_w) == (text_width("good hoster"), text_width("grade A"))
    assert shown.width == shown.label_w + shown.value_w
    assert shown.label_x == shown.label_w / 2  # each text centred in its own box
    assert shown.label_w < shown.value_x < shown.width
    assert shown.value_x == shown.label_w + shown.value_w / 2


def test_a_longer_text_makes_a_wider_box():
    assert text_width("not certified") > text_width("grade A") > text_width("")
    assert badge("good hoster", "not certified", None).width > badge("good hoster", "grade A", "valid").width


@pytest.mark.parametrize(
    ("status", "colour"),
    [
        ("valid", STATUS_COLOURS["valid"]),
        ("suspended", STATUS_COLOURS["suspended"]),
        ("revoked", OTHER_COLOUR),
        ("expired", OTHER_COLOUR),
        (None, OTHER_COLOUR),
    ],
)
def test_the_colour_follows_the_status(status, colour):
    assert badge("good hoster", "x", status).colour == colour


def test_valid_and_suspended_look_different_from_each_other_and_from_the_rest():
    assert len({STATUS_COLOURS["valid"], STATUS_COLOURS["suspended"], OTHER_COLOUR}) == 3
    assert badge("a", "b", "valid").label_colour != badge("a", "b", "valid").colour


def test_the_texts_are_kept_as_given():
    shown = badge("goede hoster", "cijfer A", "valid")
    assert (shown.label, shown.value) == ("goede hoster", "cijfer A")
