"""`import_hosters` with the optional aliases column: stored, checked against every hoster, re-attributing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.models import AuditEvent, Hoster
from scoring.measurement.changes import AttributionChange
from scoring.measurement.hosters import import_hosters
from scoring.measurement.models import Attribution
from tests.scoring.measurement.aliases_helpers import attribution_of, import_owned

pytestmark = pytest.mark.django_db

HEADER = "slug,name,website,asns,prefixes,aliases"


def run(*lines: str, header: str = HEADER):
    return import_hosters(io.BytesIO(("\n".join([header, *lines]) + "\n").encode()))


def errors(result) -> list[str]:
    return [str(error) for error in result.errors]


def test_aliases_are_stored_and_reimporting_changes_nothing(db):
    result = run("nforce,NFOrce,,AS43350,,NFORCE ENTERTAINMENT BV| NFOrce B.V. ", "quiet,Quiet Hosting,,,,")
    assert not result.errors and result.created == 2
    assert Hoster.objects.get(slug="nforce").aliases == ["NFORCE ENTERTAINMENT BV", "NFOrce B.V."]
    assert Hoster.objects.get(slug="quiet").aliases == []
    again = run("nforce,NFOrce,,AS43350,,NFORCE ENTERTAINMENT BV|NFOrce B.V.", "quiet,Quiet Hosting,,,,")
    assert (again.created, again.updated, again.unchanged, again.reattributed) == (0, 0, 2, 0)


def test_a_file_without_the_column_leaves_aliases_as_they_are(hoster_a):
    Hoster.objects.filter(pk=hoster_a.pk).update(aliases=["ALPHA BV"])
    result = run("hoster-a,Hoster A,,AS64500,192.0.2.0/24", header="slug,name,website,asns,prefixes")
    assert not result.errors and result.unchanged == 1
    assert Hoster.objects.get(pk=hoster_a.pk).aliases == ["ALPHA BV"]


def test_an_empty_column_removes_the_aliases(hoster_a):
    Hoster.objects.filter(pk=hoster_a.pk).update(aliases=["ALPHA BV"])
    result = run("hoster-a,Hoster A,,AS64500,192.0.2.0/24,")
    assert not result.errors and result.updated == 1
    assert Hoster.objects.get(pk=hoster_a.pk).aliases == []


def test_an_alias_in_the_file_reattributes_the_notices_naming_it(hoster_a, hoster_b):
    import_owned([("named", "100.64.0.1", "", "NFORCE ENTERTAINMENT B.V."), ("plain", "100.64.0.2", "", "")])
    result = run("hoster-b,Hoster B,,AS64501,198.51.100.0/24,nforce entertainment")
    assert not result.errors and result.reattributed == 1
    assert attribution_of("named") == ("hoster-b", Attribution.EXPLICIT)
    assert attribution_of("plain") == (None, Attribution.NONE)
    assert AttributionChange.objects.get().reason == "hosters imported"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("new,New,,,,Good|", ["line 2: aliases: An alias may not be empty."]),
        ("new,New,,,,|Good", ["line 2: aliases: An alias may not be empty."]),
        ("new,New,,,,—", ["line 2: aliases: “—” has no letters or digits to match a name by."]),
        ("new,New,,,,...", ["line 2: aliases: “...” has no letters or digits to match a name by."]),
        ("new,New,,,,HOSTER A B.V.", ["line 2: aliases: “HOSTER A B.V.” is already a name or alias of Hoster A."]),
        ("new,New,,,,Hoster-A", ["line 2: aliases: “Hoster-A” is already a name or alias of Hoster A."]),
        ("new,New,,,,Alpha Ltd", ["line 2: aliases: “Alpha Ltd” is already a name or alias of Hoster A."]),
        (
            "new,Alpha GmbH,,,,",
            ["line 2: name: “Alpha GmbH” is an alias of Hoster A; ask the supervisor if it is yours."],
        ),
    ],
)
def test_a_bad_alias_rejects_the_file_naming_its_line_and_stores_nothing(hoster_a, line, expected):
    Hoster.objects.filter(pk=hoster_a.pk).update(aliases=["ALPHA BV"])
    result = run("fine,Fine Hosting,,,,FINE BV", line)
    assert errors(result) == [message.replace("line 2", "line 3") for message in expected]
    assert not Hoster.objects.filter(slug__in=["fine", "new"]).exists()
    assert not AuditEvent.objects.filter(action="scoring.hosters.imported").exists()


def test_two_rows_of_one_file_may_not_share_an_alias(db):
    result = run("one,One,,,,Shared Hosting", "two,Two,,,,SHARED HOSTING B.V.")
    assert errors(result) == [
        "line 2: aliases: “Shared Hosting” is already a name or alias of Two.",
        "line 3: aliases: “SHARED HOSTING B.V.” is already a name or alias of One.",
    ]
    assert not Hoster.objects.exists()


def test_an_alias_may_move_between_hosters_within_one_file(hoster_a, hoster_b):
    Hoster.objects.filter(pk=hoster_a.pk).update(aliases=["MOVING BV"])
    import_owned([("named", "100.64.0.1", "", "Moving B.V.")])
    assert attribution_of("named") == ("hoster-a", Attribution.EXPLICIT)
    result = run("hoster-a,Hoster A,,AS64500,192.0.2.0/24,", "hoster-b,Hoster B,,AS64501,198.51.100.0/24,Moving")
    assert not result.errors
    assert attribution_of("named") == ("hoster-b", Attribution.EXPLICIT)
    change = AttributionChange.objects.get()
    assert (change.old_hoster, change.new_hoster) == (hoster_a, hoster_b)


def test_an_alias_of_the_hosters_own_name_is_allowed(hoster_a):
    result = run("hoster-a,Hoster A,,AS64500,192.0.2.0/24,HOSTER A B.V.")
    assert not result.errors
    assert Hoster.objects.get(pk=hoster_a.pk).aliases == ["HOSTER A B.V."]


def test_the_command_reports_alias_errors_and_exits_1(tmp_path, hoster_a):
    path = tmp_path / "hosters.csv"
    path.write_text(f"{HEADER}\nnew,New,,,,Hoster A\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_hosters", str(path), stderr=err)
    assert raised.value.returncode == 1
    assert err.getvalue().strip() == "line 2: aliases: “Hoster A” is already a name or alias of Hoster A."
    path.write_text(f"{HEADER}\nnew,New,,,,NEW HOSTING BV|New Hosting Ltd\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_hosters", str(path), stdout=out)
    assert out.getvalue().strip() == "created=1 updated=0 unchanged=0 reattributed=0 rejected=0"
    assert Hoster.objects.get(slug="new").aliases == ["NEW HOSTING BV"]  # one key, kept once
