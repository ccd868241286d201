"""Geometry of the embeddable badge: box widths from the texts, the colour from the status (no Django)."""

from __future__ import annotations

from dataclasses import dataclass

LABEL_COLOUR = "#0b2545"
STATUS_COLOURS = {"valid": "#1d7a46", "suspended": "#8a4b00"}
"""By the certificate's public status; any other (or none) is grey. White text on each keeps a contrast of 4.5:1."""
OTHER_COLOUR = "#6c757d"


def text_width(text: str) -> int:
    # Verdana 11px averages about 7 px a character; a little slack keeps the text inside its box.
    return 7 * len(text) + 12


@dataclass(frozen=True)
class Badge:
    """Two boxes side by side, each with its text centred: the label, then the value in the status colour."""

    label: str
    value: str
    colour: str
    label_w: int
    value_w: int
    label_colour: str = LABEL_COLOUR

    @property
    def width(self) -> int:
        return self.label_w + self.value_w

    @property
    def label_x(self) -> float:
        return self.label_w / 2

    @property
    def value_x(self) -> float:
        return self.label_w + self.value_w / 2


def badge(label: str, value: str, status: str | None) -> Badge:
    """The badge showing `label` and `value` for a certificate in `status` (None: no certificate)."""
    colour = STATUS_COLOURS.get(status or "", OTHER_COLOUR)
    return Badge(label=label, value=value, colour=colour, label_w=text_width(label), value_w=text_width(value))
