"""PDF stream filters, decoded within limits: Flate and the ASCII encodings here, rare ones by pypdf's decoders."""

from __future__ import annotations

import zlib
from collections.abc import Callable

from pypdf import apply_configuration
from pypdf.errors import LimitReachedError, PyPdfError
from pypdf.filters import FlateDecode, LZWDecode, RunLengthDecode
from pypdf.generic import DictionaryObject, IndirectObject, NameObject, NumberObject

from assessments.evidence.outcomes import EvidenceRefused, pdf_refusal, too_complex_refusal, too_large_refusal

MAX_STREAM_BYTES = 32 * 1024 * 1024
MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
MAX_SLOW_BYTES = 4 * 1024 * 1024  # LZW, run-length and predictors are decoded in Python, byte by byte
MAX_FILTERS = 8

IMAGE_FILTERS = {"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"}
_A85_IGNORED = b"\x00\t\n\x0c\r "
_A85_VALUES = bytes((byte - 0x21) & 0xFF for byte in range(256))
_A85_DIGITS = bytes(range(0x21, 0x76))
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_A85_BLOCK = 5 * 1024 * 1024  # digits decoded at a time, a whole number of groups


class DecodingBudget:
    """How many decoded bytes one PDF may still produce, in all and in the slow decoders."""

    def __init__(self) -> None:
        self.left = MAX_DOCUMENT_BYTES
        self.slow_left = MAX_SLOW_BYTES

    def spend(self, produced: int) -> None:
        self.left -= produced
        if self.left < 0:
            raise too_large_refusal(MAX_DOCUMENT_BYTES)

    def spend_slow(self, produced: int) -> None:
        self.slow_left -= produced
        if self.slow_left < 0:
            raise too_complex_refusal()


def decode(stream: dict[str, object], data: bytes, budget: DecodingBudget) -> bytes:
    """The stream's data with its filters undone; image filters mean an image, whatever the stream claims to be."""
    filters = _as_list(stream.get("/Filter"))
    parameters = _as_list(stream.get("/DecodeParms", stream.get("/DP")))
    if len(filters) > MAX_FILTERS:
        raise pdf_refusal("damaged")
    for index, name in enumerate(filters):
        parameter = parameters[index] if index < len(parameters) else None
        data = _undo(name, data, parameter if isinstance(parameter, dict) else {}, budget)
    return data


def _undo(name: object, data: bytes, parameters: dict[str, object], budget: DecodingBudget) -> bytes:
    if name in IMAGE_FILTERS:
        raise pdf_refusal("image")
    if name in ("/FlateDecode", "/Fl"):
        decoded = _inflate(data, min(MAX_STREAM_BYTES, budget.left))
        budget.spend(len(decoded))
        if _resolve(parameters.get("/Predictor", 1)) in (1, None):
            return decoded
        budget.spend_slow(len(decoded))  # before the slow work, not after
        return _with_pypdf(lambda: FlateDecode.decode(data, _pypdf_parameters(parameters)), budget)
    if name in ("/ASCIIHexDecode", "/AHx"):
        decoded = _ascii_hex(data)
    elif name in ("/ASCII85Decode", "/A85"):
        decoded = _ascii85(data, min(MAX_STREAM_BYTES, budget.left))
    elif name in ("/LZWDecode", "/LZW"):
        decoded = _with_pypdf(lambda: LZWDecode.decode(data, _pypdf_parameters(parameters)), budget)
        budget.spend_slow(len(decoded))
    elif name in ("/RunLengthDecode", "/RL"):
        decoded = _with_pypdf(lambda: RunLengthDecode.decode(data), budget)
        budget.spend_slow(len(decoded))
    elif name == "/Crypt":
        raise pdf_refusal("encrypted")
    else:
        raise pdf_refusal("damaged")
    budget.spend(len(decoded))
    return decoded


def _resolve(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _as_list(value: object) -> list[object]:
    value = _resolve(value)
    if value is None:
        return []
    return [_resolve(item) for item in value] if isinstance(value, list) else [value]


def _inflate(data: bytes, limit: int) -> bytes:
    """Flate, stopped one byte past `limit`; bytes after the end of the compressed data are ignored, as viewers do."""
    try:
        decoded = zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(data, limit + 1)
    except zlib.error:
        raise pdf_refusal("damaged") from None
    if len(decoded) > limit:
        raise _too_large(limit)
    return decoded


def _too_large(limit: int) -> EvidenceRefused:
    """The refusal for a stream past `limit`: the limit of one stream, or what the document had left."""
    return too_large_refusal(MAX_STREAM_BYTES if limit == MAX_STREAM_BYTES else MAX_DOCUMENT_BYTES)


def _with_pypdf(decoder: Callable[[], bytes], budget: DecodingBudget) -> bytes:
    """Run one of pypdf's decoders with its output limits set to what this document may still produce."""
    limit = max(1, min(budget.slow_left, budget.left))
    try:
        with apply_configuration(
            lzw_maximum_output_length=limit, run_length_maximum_output_length=limit, jbig2dec_binary=None
        ):
            decoded = decoder()
    except LimitReachedError:
        raise too_complex_refusal() from None
    except (PyPdfError, ValueError, IndexError, KeyError, TypeError, ZeroDivisionError, zlib.error):
        raise pdf_refusal("damaged") from None
    return bytes(decoded)


def _pypdf_parameters(parameters: dict[str, object]) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject(key): NumberObject(value)
            for key, value in ((key, _resolve(value)) for key, value in parameters.items())
            if isinstance(value, int)
        }
    )


def _ascii_hex(data: bytes) -> bytes:
    digits = data.split(b">", 1)[0].translate(None, _A85_IGNORED)
    if digits.translate(None, _HEX_DIGITS):
        raise pdf_refusal("damaged")
    return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))


def _ascii85(data: bytes, limit: int) -> bytes:
    """ASCII85, refused beyond `limit` before any work (each "z" stands for four bytes)."""
    data = data.translate(None, _A85_IGNORED).removeprefix(b"<~").split(b"~", 1)[0]
    if (len(data) + 4 * data.count(b"z")) * 4 // 5 > limit:
        raise _too_large(limit)
    data = data.replace(b"z", b"!!!!!")
    padding = -len(data) % 5
    if data.translate(None, _A85_DIGITS) or padding == 4:
        raise pdf_refusal("damaged")
    digits = (data + b"u" * padding).translate(_A85_VALUES)
    decoded = b"".join(
        _ascii85_groups(digits[start : start + _A85_BLOCK]) for start in range(0, len(digits), _A85_BLOCK)
    )
    return decoded[: len(decoded) - padding]


def _ascii85_groups(digits: bytes) -> bytes:
    """Whole groups of five base-85 digits, with big-integer arithmetic: one pass per digit place adds the digits
    of every group at once, about ten times faster than decoding group by group in Python."""
    groups = len(digits) // 5
    value = 0
    for place in range(5):
        spread = bytearray(groups * 5)  # each group's digit in the low byte of its own 40-bit field
        spread[4::5] = digits[place::5]
        value = value * 85 + int.from_bytes(spread, "big")
    fields = value.to_bytes(groups * 5, "big")
    if fields[0::5].strip(b"\x00"):
        raise pdf_refusal("damaged")  # a group above 2**32
    decoded = bytearray(groups * 4)
    for place in range(4):
        decoded[place::4] = fields[place + 1 :: 5]
    return bytes(decoded)
