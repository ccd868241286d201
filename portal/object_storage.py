"""Where private files (evidence, notice files awaiting import) are kept: the local disk, or an S3-compatible bucket."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

LOCAL_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
S3_BACKEND = "storages.backends.s3.S3Storage"

# django-storages options the URL's query may set, and the usual AWS_* variables that fill in what it leaves out.
URL_OPTIONS = {
    "endpoint_url": "AWS_S3_ENDPOINT_URL",
    "region_name": "AWS_S3_REGION_NAME",
    "addressing_style": "AWS_S3_ADDRESSING_STYLE",
}
ADDRESSING_STYLES = {"auto", "path", "virtual"}

# Fixed for every bucket: objects are private and kept, never overwritten (names are random, and evidence is never
# changed in place), and every read goes through the portal's access check, which streams the object.
S3_POSTURE: dict[str, Any] = {
    "default_acl": None,  # no ACL header: the bucket's own (private) policy decides, as S3 recommends
    "querystring_auth": True,  # a URL from the storage, if anything ever asks for one, is signed ...
    "querystring_expire": 60,  # ... and short-lived; the portal itself never hands one out
    "file_overwrite": False,
    "object_parameters": {"ContentDisposition": "attachment"},  # never rendered by a browser from the bucket
    "max_memory_size": 5 * 1024 * 1024,  # a larger object being read spills to a temporary file, not memory
}


def storage_from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The `default` entry of STORAGES: an S3 bucket when EVIDENCE_STORAGE_URL or AWS_STORAGE_BUCKET_NAME names
    one, else the local file store under MEDIA_ROOT."""
    url = environ.get("EVIDENCE_STORAGE_URL", "").strip()
    if url:
        return _s3_from_url(url, environ)
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if bucket:
        return _s3_storage(bucket, environ.get("AWS_LOCATION", "").strip("/"), {}, environ)
    return dict(LOCAL_STORAGE)


def uses_object_storage(storage: Mapping[str, Any]) -> bool:
    return storage.get("BACKEND") == S3_BACKEND


def _s3_from_url(url: str, environ: Mapping[str, str]) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured(
            f"EVIDENCE_STORAGE_URL={_without_secret(url)!r} is not supported: use s3://BUCKET[/PREFIX] "
            f"(optionally ?endpoint_url=https://…&region_name=…&addressing_style=path)."
        )
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - set(URL_OPTIONS))
    if unknown:
        raise ImproperlyConfigured(
            f"EVIDENCE_STORAGE_URL: unknown option {', '.join(unknown)}; use {', '.join(sorted(URL_OPTIONS))}."
        )
    options: dict[str, Any] = {name: values[-1] for name, values in query.items()}
    if parts.username or parts.password:
        options["access_key"] = unquote(parts.username or "")
        options["secret_key"] = unquote(parts.password or "")
    # The host part keeps the bucket's own spelling (urlsplit's hostname would lower-case it).
    bucket = parts.netloc.rsplit("@", 1)[-1]
    prefix = parts.path.strip("/") or environ.get("AWS_LOCATION", "").strip("/")
    return _s3_storage(bucket, prefix, options, environ)


def _s3_storage(bucket: str, prefix: str, options: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    for option, variable in URL_OPTIONS.items():
        if not options.get(option) and environ.get(variable, "").strip():
            options[option] = environ[variable].strip()
    style = options.get("addressing_style")
    if style and style not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(f"addressing_style={style!r} is not one of {', '.join(sorted(ADDRESSING_STYLES))}.")
    endpoint = options.get("endpoint_url")
    if endpoint and urlsplit(endpoint).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(f"endpoint_url={endpoint!r} is not an http:// or https:// address.")
    # Without credentials here, django-storages and boto3 find them as usual: AWS_ACCESS_KEY_ID and
    # AWS_SECRET_ACCESS_KEY, a profile, or the machine's role.
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {**S3_POSTURE, "bucket_name": bucket, "location": prefix, **options},
    }


def _without_secret(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)
