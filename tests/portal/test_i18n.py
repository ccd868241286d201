"""Dutch and English are both complete: every string is translated and the compiled catalog is current."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCES = ["portal", "assessments", "scoring", "templates", "locale", "manage.py"]


def test_every_dutch_entry_is_translated_and_not_fuzzy():
    catalog = polib.pofile(str(PO))
    missing = [entry.msgid for entry in catalog if not entry.translated() and not entry.obsolete]
    assert missing == [], f"untranslated: {missing[:20]}"
    assert catalog.fuzzy_entries() == []


def test_compiled_catalog_matches_the_source():
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.pofile(str(PO)) if not e.obsolete}
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(MO))}
    compiled.pop((None, ""), None)
    assert compiled == source


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_no_string_in_the_code_is_missing_from_the_catalog(tmp_path):
    for name in SOURCES:
        source = ROOT / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("static", "__pycache__"))
        else:
            shutil.copy(source, target)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nl", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "true", "PATH": "/usr/bin:/bin"},
    )
    fresh = polib.pofile(str(tmp_path / "locale" / "nl" / "LC_MESSAGES" / "django.po"))
    missing = sorted(entry.msgid for entry in fresh if not entry.translated())
    assert missing == [], f"strings without a Dutch translation (run `make messages`): {missing[:20]}"


@pytest.mark.django_db
def test_pages_speak_the_chosen_language(owner_a):
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    client.force_login(owner_a)
    dutch = client.get("/dashboard/").content.decode()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(owner_a)
    english = client.get("/dashboard/").content.decode()
    assert '<html lang="nl">' in dutch and "Overzicht" in dutch
    assert '<html lang="en">' in english and "Dashboard" in english
