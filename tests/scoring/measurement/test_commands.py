"""The commands import_notices and import_hosters: output, exit status, nothing stored on error."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from portal.models import Hoster
from scoring.measurement.models import Attribution, ImportBatch, Notice
from tests.scoring.measurement.helpers import csv_bytes

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, rows, header=None) -> str:
    path = tmp_path / "file.csv"
    path.write_bytes(csv_bytes(rows, header) if header else csv_bytes(rows))
    return str(path)


def test_import_notices_prints_the_counts(hoster_a, tmp_path):
    path = write(tmp_path, [("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "")])
    out = io.StringIO()
    call_command("import_notices", path, "--source", "meldpunt", stdout=out)
    assert out.getvalue().strip() == "created=1 updated=0 unchanged=0 unattributed=0 rejected=0"
    call_command("import_notices", path, "--source", "meldpunt", stdout=(out := io.StringIO()))
    assert out.getvalue().strip() == "created=0 updated=0 unchanged=1 unattributed=0 rejected=0"
    assert ImportBatch.objects.filter(source="meldpunt").count() == 2


def test_import_notices_with_timezone_and_dry_run(hoster_a, tmp_path):
    path = write(tmp_path, [("n1", "2024-03-01T10:00:00", "", "192.0.2.1", "", "", "")])
    out = io.StringIO()
    call_command("import_notices", path, "--timezone", "Europe/Amsterdam", "--dry-run", stdout=out)
    assert "created=1" in out.getvalue() and "nothing stored" in out.getvalue()
    assert not Notice.objects.exists()


def test_bad_file_is_rejected_with_every_line_named(hoster_a, tmp_path):
    path = write(
        tmp_path,
        [
            ("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
            ("n2", "2024-03-01T10:00:00Z", "", "not-an-ip", "", "", ""),
            ("n3", "2024-03-01T10:00:00", "", "192.0.2.1", "", "", ""),
        ],
    )
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_notices", path, stderr=err)
    assert caught.value.returncode == 1  # manage.py exits with this status
    lines = err.getvalue().splitlines()
    assert lines[0] == "line 3: ip: “not-an-ip” is not an IPv4 or IPv6 address."
    assert lines[1].startswith("line 4: reported_at: ")
    assert not Notice.objects.exists() and not ImportBatch.objects.exists()


HOSTERS_HEADER = "slug,name,website,asns,prefixes"


def test_import_hosters_creates_updates_and_reattributes(hoster_a, tmp_path):
    from tests.scoring.measurement.helpers import run_import

    run_import([("n1", "2024-03-01T10:00:00Z", "", "2001:db8:5::1", "", "", "")])
    assert Notice.objects.get().hoster is None
    path = tmp_path / "hosters.csv"
    path.write_text(
        f"{HOSTERS_HEADER}\n"
        "hoster-a,Hoster A,https://a.example,AS64500 64510,192.0.2.0/24\n"
        'newhost,New Host,,AS65001,"2001:db8:5::/48 10.9.0.0/16"\n'
    )
    out = io.StringIO()
    call_command("import_hosters", str(path), stdout=out)
    assert out.getvalue().startswith("created=1 updated=1 unchanged=0")
    new = Hoster.objects.get(slug="newhost")
    assert new.asns == [65001] and new.prefixes == ["10.9.0.0/16", "2001:db8:5::/48"]
    assert Hoster.objects.get(slug="hoster-a").asns == [64500, 64510]
    notice = Notice.objects.get()
    assert (notice.hoster, notice.attribution) == (new, Attribution.PREFIX)
    call_command("import_hosters", str(path), stdout=(out := io.StringIO()))
    assert out.getvalue().startswith("created=0 updated=0 unchanged=2")


def test_import_hosters_rejects_a_bad_file_whole(tmp_path):
    path = tmp_path / "hosters.csv"
    path.write_text(
        f"{HOSTERS_HEADER}\n"
        "good,Good,,AS65001,\n"
        "bad slug,Bad,,AS65002,\n"
        "bad-asn,Bad,,ASfoo,\n"
        "bad-prefix,Bad,,,192.0.2.1/24\n"
        "good,Twice,,,\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_hosters", str(path), stderr=err)
    assert [line.split(":")[0] + ":" + line.split(":")[1] for line in err.getvalue().splitlines()] == [
        "line 3: slug",
        "line 4: asns",
        "line 5: prefixes",
        "line 6: slug",
    ]
    assert not Hoster.objects.exists()


@pytest.mark.parametrize("column", ["slug", "name", "website", "asns", "prefixes"])
def test_import_hosters_refuses_a_nul_in_any_column(tmp_path, column):
    values = {"slug": "good", "name": "Good", "website": "https://good.example/", "asns": "AS65001", "prefixes": ""}
    values[column] += "\x00"
    path = tmp_path / "hosters.csv"
    path.write_text(f"{HOSTERS_HEADER}\n" + ",".join(values[name] for name in HOSTERS_HEADER.split(",")) + "\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_hosters", str(path), stderr=err)
    assert err.getvalue().splitlines() == [f"line 2: {column}: A NUL character is not allowed here."]
    assert not Hoster.objects.exists()


def test_import_hosters_refuses_a_name_of_several_lines(db, tmp_path):
    path = tmp_path / "hosters.csv"
    path.write_text(f'{HOSTERS_HEADER}\nevil,"Evil Corp\nDear supervisor, click here",https://evil.example,,\n')
    with pytest.raises(CommandError):
        call_command("import_hosters", str(path), stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert ": name: The name must be one line of text" in err.getvalue()
    assert not Hoster.objects.filter(slug="evil").exists()
