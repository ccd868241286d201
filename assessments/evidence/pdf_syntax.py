"""Just enough PDF syntax for the evidence checks, fast and within limits: every object in the file, and its streams.

pypdf reads a document the way a viewer shows it; this reads every object the file contains, including ones no
page refers to and old versions left by incremental updates, so that nothing can hide from the checks.
Values come out as plain Python (dict, list, int, float, bytes, bool, None) with pypdf's NameObject for names
and IndirectObject for references, the same vocabulary pypdf's own objects use.
"""

from __future__ import annotations

import bisect
import re

from pypdf.generic import IndirectObject, NameObject

MAX_OBJECTS = 50_000
MAX_TOKENS = 500_000
MAX_DEPTH = 64

_WHITESPACE = b"\x00\t\n\x0c\r "
_TOKEN = re.compile(
    rb"(?>[\x00\t\n\x0c\r ]+|%[^\r\n]*)*+"  # whitespace and comments before the token, never backtracked
    rb"(?:(?P<name>/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)"
    rb"|(?P<number>[+-]?(?:\d{1,32}(?:\.\d{0,32})?|\.\d{1,32}))"
    rb"|(?P<open><<|\[)|(?P<close>>>|\])"
    rb"|(?P<hex><[^<>]*>)"
    rb"|(?P<literal>\()"
    rb"|(?P<keyword>[^\x00\t\n\x0c\r ()<>\[\]{}/%]{1,64})"
    rb"|(?P<stray>.))",
    re.DOTALL,
)
_OBJECT_KEYWORD = re.compile(rb"obj(?=[\x00\t\n\x0c\r ()<>\[\]{}/%]|\Z)(?<=[\x00\t\n\x0c\r ]obj)")
_HEADER_BEFORE = re.compile(rb"(?<![0-9])(\d{1,10})[\x00\t\n\x0c\r ]+(\d{1,5})[\x00\t\n\x0c\r ]+\Z")
_TRAILER = re.compile(rb"trailer(?=[\x00\t\n\x0c\r <])")
_STRING_SPECIAL = re.compile(rb"[()\\]")
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(\r\n|\r|\n)|(.))", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_ENDSTREAM = re.compile(rb"[\x00\t\n\x0c\r ]*endstream")


class PdfSyntaxError(ValueError):
    """The file is not PDF syntax where it claims to be."""


class PdfTooComplex(ValueError):
    """The file holds more objects or tokens than a document needs; checking it all would take too long."""


class PdfStream(dict[str, object]):
    """A stream object: its dictionary, and where its still encoded data lies in the file."""

    def __init__(self, entries: dict[str, object], start: int, end: int) -> None:
        super().__init__(entries)
        self.start = start
        self.end = end


def stream_spans(content: bytes) -> list[tuple[int, int]]:
    """Where stream data lies, by its keywords alone (no parsing): what a byte scan of dictionaries must skip."""
    spans, position, keywords = [], 0, 0
    while (keyword := content.find(b"stream", position)) >= 0:
        position, keywords = keyword + 6, keywords + 1
        if keywords > 2 * MAX_OBJECTS:
            raise PdfTooComplex
        if content[keyword - 3 : keyword] == b"end":
            continue
        start = (
            position + 2
            if content.startswith(b"\r\n", position)
            else position + (content[position : position + 1] in (b"\n", b"\r"))
        )
        end = content.find(b"endstream", start)
        spans.append((start, len(content) if end < 0 else end))
        if end < 0:
            break
        position = end + 9
    return spans


class PdfSyntax:
    """Every object of one PDF file, parsed from its `N G obj` headers; references resolve to the last definition.

    Each body is parsed only up to the next header, so no object can make the parser read the whole file again.
    """

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.objects: dict[tuple[int, int], object] = {}
        self.values: list[object] = []  # every object parsed (old versions too) and every trailer
        self.streams: list[PdfStream] = []
        self._bodies: dict[tuple[int, int], tuple[int, int]] = {}
        self._resolving: set[tuple[int, int]] = set()
        self._spans: list[tuple[int, int]] = []
        self._parsed: dict[int, object] = {}  # by where the body starts: a /Length may have parsed one early
        self._endstreams: list[int] | None = None
        self.tokens_left = MAX_TOKENS

    def read(self) -> None:
        """Parse every object and trailer; a broken one outside stream data makes the file damaged."""
        bodies = []
        for count, match in enumerate(_OBJECT_KEYWORD.finditer(self.content)):
            header = _HEADER_BEFORE.search(self.content, max(0, match.start() - 32), match.start())
            if header is not None:
                bodies.append((int(header[1]), int(header[2]), header.start(), match.end()))
            if len(bodies) > MAX_OBJECTS or count > 2 * MAX_OBJECTS:
                raise PdfTooComplex
        starts = [header_start for _number, _generation, header_start, _body in bodies]
        ends = [*starts[1:], len(self.content)] if starts else []
        for (number, generation, _header_start, body), end in zip(bodies, ends, strict=True):
            self._bodies[number, generation] = (body, end)
        for (number, generation, _header_start, body), end in zip(bodies, ends, strict=True):
            try:
                value = self._object_at(body, end)
            except PdfSyntaxError:
                if self._in_stream_data(body):
                    continue  # "N G obj" inside another object's stream data
                raise
            self.objects[number, generation] = value
            self.values.append(value)
        self._read_trailers()

    def _read_trailers(self) -> None:
        starts = sorted(start for start, _end in self._bodies.values())
        for match in _TRAILER.finditer(self.content):
            following = bisect.bisect_right(starts, match.end())
            end = starts[following] if following < len(starts) else len(self.content)
            try:
                values, _keyword, _end = _parse(self.content, match.end(), end, self)
                self.values.extend(values[:1])
            except PdfSyntaxError:
                if not self._in_stream_data(match.start()):
                    raise

    def get_object(self, reference: IndirectObject) -> object:
        """What a reference points to (IndirectObject.get_object calls this); None for an undefined object."""
        key = (reference.idnum, reference.generation)
        if key not in self.objects and key in self._bodies and key not in self._resolving:
            self._resolving.add(key)  # a /Length that refers back to its own stream is not followed
            try:
                self.objects[key] = self._object_at(*self._bodies[key])
            except PdfSyntaxError:
                self.objects[key] = None
        return self.objects.get(key)

    def read_object_stream(self, stream: PdfStream, decoded: bytes) -> None:
        """Add the objects packed in a decoded object stream (/Type /ObjStm)."""
        first, count = stream.get("/First"), stream.get("/N")
        if not isinstance(first, int) or not isinstance(count, int) or not 0 <= first <= len(decoded):
            raise PdfSyntaxError
        values, keyword, _end = _parse(decoded, 0, first, self)
        numbers = [value for value in values if isinstance(value, int) and not isinstance(value, bool)]
        if keyword is not None or len(numbers) != len(values) or len(numbers) != 2 * count:
            raise PdfSyntaxError
        offsets = [first + offset for offset in numbers[1::2]]
        bounds = [*sorted(set(offsets)), len(decoded)]
        for number, start in zip(numbers[::2], offsets, strict=True):
            members, _keyword, _end = _parse(decoded, start, bounds[bisect.bisect_right(bounds, start)], self)
            member = members[0] if members else None
            self.objects.setdefault((number, 0), member)
            self.values.append(member)

    def spend_token(self) -> None:
        self.tokens_left -= 1
        if self.tokens_left < 0:
            raise PdfTooComplex

    def _in_stream_data(self, position: int) -> bool:
        index = bisect.bisect_right(self._spans, (position, len(self.content)))
        return index > 0 and self._spans[index - 1][0] <= position < self._spans[index - 1][1]

    def _object_at(self, body: int, end: int) -> object:
        """The object whose body starts at `body`; a dictionary followed by `stream` becomes a PdfStream."""
        if body not in self._parsed:
            self._parsed[body] = self._parse_object(body, end)
        return self._parsed[body]

    def _parse_object(self, body: int, end: int) -> object:
        values, keyword, position = _parse(self.content, body, end, self)
        value = values[0] if values else None
        if keyword != b"stream" or not isinstance(value, dict):
            return value
        if self.content.startswith(b"\r\n", position):
            position += 2
        elif self.content[position : position + 1] in (b"\n", b"\r"):
            position += 1
        length = value.get("/Length")
        if isinstance(length, IndirectObject):
            length = self.get_object(length)
        data_end = position + length if isinstance(length, int) and length >= 0 else -1
        if data_end < 0 or not _ENDSTREAM.match(self.content, data_end):
            data_end = self._next_endstream(position)  # a wrong /Length: read to the keyword, as viewers do
        stream = PdfStream(value, position, data_end)
        bisect.insort(self._spans, (position, data_end))
        self.streams.append(stream)
        return stream

    def _next_endstream(self, position: int) -> int:
        if self._endstreams is None:
            self._endstreams = [match.start() for match in re.finditer(rb"endstream", self.content)]
            if len(self._endstreams) > 2 * MAX_OBJECTS:
                raise PdfTooComplex
        following = bisect.bisect_left(self._endstreams, position)
        if following == len(self._endstreams):
            raise PdfSyntaxError
        return self._endstreams[following]


def _parse(data: bytes, position: int, end: int, document: PdfSyntax) -> tuple[list[object], bytes | None, int]:
    """The values from `position` up to a keyword that is not a value (endobj, stream, ...) or up to `end`:
    (values, that keyword or None, where parsing stopped)."""
    stack: list[list[object]] = [[]]
    items, openers = stack[0], list[bytes]()
    tokens = _TOKEN.finditer(data, position, end)
    while (match := next(tokens, None)) is not None:
        document.tokens_left -= 1
        if document.tokens_left < 0:
            raise PdfTooComplex
        kind = match.lastgroup
        if kind == "name":
            token = match["name"]
            items.append(NameObject(token.decode("latin-1")) if b"#" not in token else _name(token))
        elif kind == "number":
            token = match["number"]
            items.append(float(token) if b"." in token else int(token))
        elif kind == "open":
            if len(openers) >= MAX_DEPTH:
                raise PdfTooComplex
            openers.append(match["open"])
            items = []
            stack.append(items)
        elif kind == "close" and openers:
            opener, values = openers.pop(), stack.pop()
            items = stack[-1]
            items.append(_dictionary(values) if opener == b"<<" else values)
        elif kind == "hex":
            items.append(_hex_string(match["hex"]))
        elif kind == "literal":
            string, after = _literal_string(data, match.end(), end, document)
            items.append(string)
            tokens = _TOKEN.finditer(data, after, end)
        elif kind != "keyword" or not _keyword(match["keyword"], items, document):
            if openers or kind != "keyword":
                raise PdfSyntaxError
            return stack[0], match["keyword"], match.end()
    if openers:
        raise PdfSyntaxError
    return stack[0], None, end


def _keyword(token: bytes, items: list[object], document: PdfSyntax) -> bool:
    """Take a keyword that is a value (true, false, null, or the R of a reference); False for any other."""
    if token == b"R" and len(items) >= 2:
        number, generation = items[-2], items[-1]
        if type(number) is int and type(generation) is int:
            del items[-2:]
            items.append(IndirectObject(number, generation, document))
            return True
        return False
    elif token in (b"true", b"false"):
        items.append(token == b"true")
    elif token == b"null":
        items.append(None)
    else:
        return False
    return True


def _name(token: bytes) -> NameObject:
    if b"#" in token:
        token = _NAME_ESCAPE.sub(lambda match: bytes([int(match[1], 16)]), token)
    return NameObject(token.decode("latin-1"))


def _dictionary(values: list[object]) -> dict[str, object] | list[object]:
    keys = values[::2]
    if len(values) % 2 or any(type(key) is not NameObject for key in keys):
        return values  # not a dictionary after all: its names and values are still checked
    return dict(zip(keys, values[1::2], strict=True))  # type: ignore[arg-type]


def _hex_string(token: bytes) -> bytes:
    digits = token[1:-1].translate(None, _WHITESPACE)
    try:
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
    except ValueError:
        raise PdfSyntaxError from None


def _literal_string(data: bytes, position: int, end: int, document: PdfSyntax) -> tuple[bytes, int]:
    """A (string) with balanced parentheses and escapes, from just after its opening parenthesis."""
    start, depth = position, 1
    while (special := _STRING_SPECIAL.search(data, position, end)) is not None:
        document.spend_token()
        position = special.end()
        if special[0] == b"\\":
            position += 1
            continue
        depth += 1 if special[0] == b"(" else -1
        if not depth:
            return _unescape(data[start : special.start()]), position
    raise PdfSyntaxError


def _unescape(raw: bytes) -> bytes:
    if b"\\" not in raw:
        return raw

    def replace(match: re.Match[bytes]) -> bytes:
        if match[1]:
            return bytes([int(match[1], 8) & 0xFF])
        return b"" if match[2] else _ESCAPES.get(match[3], match[3])

    return _ESCAPE.sub(replace, raw)
