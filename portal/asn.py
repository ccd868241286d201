"""AS numbers: the one way they are read, for hosters' declarations and notices alike (pure Python, no Django)."""

from __future__ import annotations

ASN_MIN, ASN_MAX = 1, 4_294_967_295  # 32-bit AS numbers (RFC 6793); 0 is reserved
AS_PREFIXES = ("AS", "as", "As", "aS")  # the optional prefix, in any case


def read_asn(text: str) -> int | None:
    """The number `AS1234`, `as1234` or `1234` stands for (ASCII digits, nothing around them), or None.

    Whether that number is an AS number at all is `is_asn`.
    """
    digits = text[2:] if text[:2] in AS_PREFIXES else text
    return int(digits) if digits.isdigit() and digits.isascii() else None


def is_asn(number: int) -> bool:
    return ASN_MIN <= number <= ASN_MAX


def asn_number(text: str) -> int | None:
    """The AS number `text` names (`read_asn`, then `is_asn`), or None when it names none."""
    number = read_asn(text)
    return number if number is not None and is_asn(number) else None
