"""No page meant for people shows a command line, JSON or an internal gate code (issue 14.8): every page type of
`tests.demo_pages`, for every person, in both languages. A code may follow in small print; a hash, a key or a
snippet to copy may stand in <code>; raw event data only for supervisors, folded away in the timeline."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.demo_pages import STATUS, build_pages
from tests.scoring.rating.test_scorecard_words import COMMAND_LINE, JSON_LIKE, internal_codes

pytestmark = pytest.mark.django_db


class _Reader(HTMLParser):
    """The words of <main>: all of them, and those outside small print, code and scripts."""

    QUIET = ("small", "code", "pre", "script", "style")

    def __init__(self) -> None:
        super().__init__()
        self.main = 0
        self.quiet = 0
        self.all_words: list[str] = []
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.main += tag == "main"
        self.quiet += tag in self.QUIET

    def handle_endtag(self, tag: str) -> None:
        self.main -= tag == "main" and self.main > 0
        self.quiet -= tag in self.QUIET and self.quiet > 0

    def handle_data(self, data: str) -> None:
        if self.main:
            self.all_words.append(data)
            if not self.quiet:
                self.words.append(data)


def problems_of(html: str, codes: set[str]) -> list[str]:
    reader = _Reader()
    reader.feed(html)
    everything, words = " ".join(reader.all_words), " ".join(reader.words)
    found = []
    if match := COMMAND_LINE.search(everything):
        found.append(f"a command line: {match.group()!r}")
    if match := JSON_LIKE.search(words):
        found.append(f"JSON: {words[max(0, match.start() - 40) : match.end() + 40]!r}")
    leaked = sorted(code for code in codes if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", words))
    if leaked:
        found.append(f"codes outside small print: {leaked}")
    return found


@pytest.mark.parametrize("language", ["en", "nl"])
def test_no_page_for_people_shows_commands_json_or_gate_codes(language):
    codes = internal_codes()
    clients: dict = {}
    problems = {}
    for name, user, path in build_pages():
        if user not in clients:
            clients[user] = Client(HTTP_ACCEPT_LANGUAGE=language)
            clients[user].cookies["django_language"] = language
            if user is not None:
                clients[user].force_login(user)
        response = clients[user].get(path)
        if response.status_code != STATUS.get(name, 200):
            problems[name] = f"{path} answered {response.status_code}"
        elif found := problems_of(response.content.decode(), codes):
            problems[name] = found
    assert problems == {}


def test_the_reader_finds_each_leak():
    """The test above can fail: each kind of leak is found, and what is allowed passes."""
    codes = {"terms-forbid-csam", "MEA-1"}
    assert problems_of("<main><pre>python manage.py verify_audit_log</pre></main>", codes)
    assert problems_of('<main><p>{"score": 90}</p></main>', codes)
    assert problems_of("<main><p>Gate terms-forbid-csam failed</p></main>", codes)
    allowed = '<main><p>The terms <small>terms-forbid-csam</small></p><code>0 {"a": 1}</code></main>'
    assert problems_of(allowed, codes) == []
