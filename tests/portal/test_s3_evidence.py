"""Evidence in an S3-compatible bucket (moto's server on loopback): upload, access-checked download, the SHA-256
re-check and removal, and the settings that switch it on."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer

from assessments import review, services
from assessments.models import Assessment, Evidence
from assessments.review import ReviewRefused
from portal.object_storage import S3_BACKEND, storage_from_environment
from scoring.measurement.models import Dispute, ImportBatch, Notice
from scoring.measurement.uploads import UPLOAD_DIR, fail_stale_batches
from tests.assessments.helpers import answer_everything, make_pdf
from tests.scoring.measurement.helpers import csv_bytes, run_import

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
PREFIX = "portal"


@dataclass(frozen=True)
class Bucket:
    name: str
    client: Any

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto in server mode) on a free loopback port."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch) -> Bucket:
    """A new private bucket, made the portal's storage the way EVIDENCE_STORAGE_URL would."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id="portal-key",
        aws_secret_access_key="portal-secret",
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    url = f"s3://portal-key:portal-secret@{name}/{PREFIX}?endpoint_url={s3_endpoint}&region_name={REGION}"
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_environment({"EVIDENCE_STORAGE_URL": url})}
    return Bucket(name, client)


@pytest.fixture
def draft_a(owner_a, hoster_a) -> Assessment:
    return services.start_assessment(owner_a, hoster_a, date(2025, 1, 1), date(2025, 12, 31))


def upload(client: Client, assessment: Assessment, code: str, name: str, content: bytes):
    url = f"/assessments/{assessment.pk}/answers/{code}/evidence/"
    return client.post(url, {"file": SimpleUploadedFile(name, content, content_type="application/pdf")}, follow=True)


def download(client: Client, evidence: Evidence):
    return client.get(f"/assessments/{evidence.answer.assessment_id}/evidence/{evidence.pk}/")


def local_files() -> list[Path]:
    return [path for path in Path(django_settings.MEDIA_ROOT).rglob("*") if path.is_file()]


# The bucket in use --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_upload_lands_in_the_private_bucket_and_not_on_disk(client_for, editor_a, draft_a, bucket, s3_endpoint):
    content = make_pdf("Know-your-customer policy of Hoster A")
    response = upload(client_for(editor_a), draft_a, "KYC-1", "KYC policy.pdf", content)
    assert [item.get("evidence_done") for item in response.context["items"] if item.get("evidence_done")] == [
        "KYC-1: document KYC policy.pdf added."
    ]
    evidence = Evidence.objects.get()
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    [key] = bucket.keys()
    assert key == f"{PREFIX}/{evidence.file.name}"
    assert key.startswith(f"{PREFIX}/evidence/{draft_a.pk}/") and key.endswith(".pdf") and "KYC" not in key
    assert bucket.read(key) == content
    assert local_files() == []
    stored = bucket.client.head_object(Bucket=bucket.name, Key=key)
    assert stored["ContentDisposition"] == "attachment"
    # Private: the object itself is refused to anyone without the portal's credentials.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_endpoint}/{bucket.name}/{key}", timeout=10)  # noqa: S310 - loopback test server
    assert refused.value.code == 403


@pytest.mark.django_db
def test_downloads_stream_from_the_bucket_after_the_access_check(
    client_for, owner_a, viewer_a, owner_b, supervisor, draft_a, bucket
):
    content = make_pdf("Our abuse procedure")
    upload(client_for(owner_a), draft_a, "KYC-1", "procedure.pdf", content)
    evidence = Evidence.objects.get()
    for user in (owner_a, viewer_a, supervisor):
        response = download(client_for(user), evidence)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == content
        assert response["Content-Disposition"] == 'attachment; filename="procedure.pdf"'
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert "X-Accel-Redirect" not in response and "Location" not in response
    assert download(client_for(owner_b), evidence).status_code == 404
    anonymous = download(Client(), evidence)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_tampered_object_fails_the_sha256_recheck(client_for, owner_a, draft_a, supervisor, auditor, bucket):
    answer_everything(owner_a, draft_a)
    services.submit_assessment(owner_a, draft_a, send_mail=False)
    review.assign_auditor(supervisor, draft_a, auditor, send_mail=False)
    evidence = Evidence.objects.get(answer__assessment=draft_a, answer__criterion_code="KYC-1")
    inline = f"/assessments/{draft_a.pk}/evidence/{evidence.pk}/inline/"
    assert review.check_evidence(evidence).ok
    assert client_for(auditor).get(inline).status_code == 200

    key = f"{PREFIX}/{evidence.file.name}"
    bucket.client.put_object(Bucket=bucket.name, Key=key, Body=make_pdf("A different policy"))
    evidence.refresh_from_db()
    check = review.check_evidence(evidence)
    assert check.problem == "The stored file no longer matches the SHA-256 taken at upload."
    assert check.actual_sha256 == hashlib.sha256(bucket.read(key)).hexdigest() != evidence.sha256
    assert client_for(auditor).get(inline).status_code == 403
    with pytest.raises(ReviewRefused, match=r"KYC-1 cannot be accepted: KYC-1\.pdf failed the SHA-256 check"):
        review.review_answer(auditor, draft_a, "KYC-1", "accepted", "Looks fine.")

    bucket.client.delete_object(Bucket=bucket.name, Key=key)
    evidence.refresh_from_db()
    assert review.check_evidence(evidence).problem == "The stored file is missing."


@pytest.mark.django_db
def test_removed_evidence_leaves_the_bucket(client_for, editor_a, draft_a, bucket, django_capture_on_commit_callbacks):
    client = client_for(editor_a)
    upload(client, draft_a, "KYC-1", "keep.pdf", make_pdf("kept"))
    upload(client, draft_a, "KYC-1", "remove.pdf", make_pdf("removed"))
    kept, removed = Evidence.objects.order_by("pk")
    removed_key = f"{PREFIX}/{removed.file.name}"
    assert len(bucket.keys()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/assessments/{draft_a.pk}/evidence/{removed.pk}/remove/")
    assert response.status_code == 302
    assert list(Evidence.objects.all()) == [kept]
    assert bucket.keys() == [f"{PREFIX}/{kept.file.name}"]
    with pytest.raises(ClientError) as gone:
        bucket.client.head_object(Bucket=bucket.name, Key=removed_key)
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.django_db
def test_a_refused_upload_leaves_nothing_in_the_bucket(client_for, editor_a, draft_a, bucket):
    response = upload(client_for(editor_a), draft_a, "KYC-1", "photo.pdf", b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\0" * 64)
    [shown] = [item["evidence_error"] for item in response.context["items"] if item.get("evidence_error")]
    assert "no image content may enter" in shown
    assert not Evidence.objects.exists()
    assert bucket.keys() == []


@pytest.mark.django_db
def test_dispute_evidence_uses_the_same_bucket(client_for, editor_a, owner_b, hoster_b, bucket):
    run_import([("a1", "2024-03-04T10:00:00+00:00", "2024-03-06T10:00:00+00:00", "192.0.2.1", "", "", "")])
    notice = Notice.objects.get(notice_id="a1")
    content = make_pdf("Ticket 4711: account suspended 12:00")
    response = client_for(editor_a).post(
        reverse("scoring:dispute_removal_time", args=["hoster-a", notice.pk]),
        {
            "claimed_removed_at": "2024-03-04T13:00",
            "reason": "Ticket 4711 shows the suspension.",
            "evidence_file": SimpleUploadedFile("ticket.pdf", content, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert bucket.keys() == [f"{PREFIX}/{dispute.evidence_file.name}"]
    assert local_files() == []
    url = reverse("scoring:dispute_evidence", args=["hoster-a", dispute.pk])
    response = client_for(editor_a).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert response["Content-Disposition"] == 'attachment; filename="ticket.pdf"'
    assert client_for(owner_b).get(url).status_code == 404


@pytest.mark.django_db
def test_a_notice_file_waits_in_the_bucket_and_goes_once_imported(client_for, supervisor, hoster_a, bucket):
    """Workers on other machines read the uploaded notice file from the bucket; nothing is left behind."""
    row = ("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "")
    file = SimpleUploadedFile("notices.csv", csv_bytes([row]), content_type="text/csv")
    response = client_for(supervisor).post(reverse("scoring:imports"), {"file": file, "source": "meldpunt"})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.upload_path) == (ImportBatch.Status.SUCCEEDED, "")
    assert Notice.objects.get().notice_id == "n1"
    assert bucket.keys() == [] and local_files() == []


@pytest.mark.django_db
def test_a_notice_file_no_import_waits_for_is_removed_from_the_bucket(bucket):
    orphan = default_storage.save(f"{UPLOAD_DIR}/orphan.csv", ContentFile(b"notice_id\n"))
    assert bucket.keys() == [f"{PREFIX}/{orphan}"]
    fail_stale_batches(timezone.now() + timedelta(hours=2))
    assert bucket.keys() == []


# Configuration ------------------------------------------------------------------------------------------------------


def test_without_a_bucket_evidence_stays_on_the_local_disk():
    assert storage_from_environment({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_the_storage_url_names_bucket_prefix_endpoint_and_credentials():
    storage = storage_from_environment(
        {
            "EVIDENCE_STORAGE_URL": "s3://key%2Fid:se%40cret@Portal-Evidence/a/b/?endpoint_url=https://s3.example.net"
            "&addressing_style=path",
            "AWS_S3_REGION_NAME": "nl-ams",
            "AWS_S3_ENDPOINT_URL": "https://ignored.example.net",
        }
    )
    assert storage["BACKEND"] == S3_BACKEND
    options = storage["OPTIONS"]
    assert (options["bucket_name"], options["location"]) == ("Portal-Evidence", "a/b")
    assert (options["access_key"], options["secret_key"]) == ("key/id", "se@cret")
    assert options["endpoint_url"] == "https://s3.example.net"  # the URL wins over the variable
    assert (options["region_name"], options["addressing_style"]) == ("nl-ams", "path")
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["file_overwrite"] is False


def test_the_usual_aws_variables_are_enough():
    options = storage_from_environment(
        {"AWS_STORAGE_BUCKET_NAME": "evidence", "AWS_LOCATION": "/portal/", "AWS_S3_ENDPOINT_URL": "http://minio:9000"}
    )["OPTIONS"]
    assert (options["bucket_name"], options["location"], options["endpoint_url"]) == (
        "evidence",
        "portal",
        "http://minio:9000",
    )
    assert "access_key" not in options  # left to django-storages and boto3: AWS_ACCESS_KEY_ID, a profile, a role
    beside_the_url = {"EVIDENCE_STORAGE_URL": "s3://evidence", "AWS_LOCATION": "portal"}
    assert storage_from_environment(beside_the_url)["OPTIONS"]["location"] == "portal"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://s3.example.net/evidence", "use s3://BUCKET"),
        ("s3:///no-bucket", "use s3://BUCKET"),
        ("s3://evidence?region=eu", "unknown option region"),
        ("s3://evidence?addressing_style=sideways", "addressing_style='sideways'"),
        ("s3://evidence?endpoint_url=minio:9000", "not an http:// or https:// address"),
    ],
)
def test_a_bad_storage_url_is_an_error(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        storage_from_environment({"EVIDENCE_STORAGE_URL": url})


def test_a_bad_storage_url_does_not_repeat_the_secret():
    with pytest.raises(ImproperlyConfigured) as error:
        storage_from_environment({"EVIDENCE_STORAGE_URL": "gs://key:very-secret@bucket"})
    assert "very-secret" not in str(error.value)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    test_only = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in test_only}
    clean.update(DJANGO_SETTINGS_MODULE="portal.settings", DEBUG="true", ENV_FILE="")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_environment_switches_the_default_storage_to_the_bucket():
    script = (
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.bucket_name)"
    )
    result = _manage("shell", "--no-imports", "-c", script, EVIDENCE_STORAGE_URL="s3://portal-evidence/prod")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "portal-evidence"]


def test_x_accel_redirect_is_refused_with_a_bucket():
    result = _manage(
        "check", EVIDENCE_STORAGE_URL="s3://portal-evidence", EVIDENCE_ACCEL_REDIRECT="/protected-evidence/"
    )
    assert result.returncode != 0
    assert "EVIDENCE_ACCEL_REDIRECT hands nginx a file under MEDIA_ROOT" in result.stderr
