"""API keys for machine clients: creation, revocation and the DRF authentication class."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import authentication, exceptions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request

from portal.audit import log_action
from portal.models import ApiKey, Hoster, User

KEYWORD = "Api-Key"


@transaction.atomic
def create_api_key(user: User, name: str, scope: ApiKey.Scope, hoster: Hoster | None = None) -> tuple[ApiKey, str]:
    """A new key and its secret token; the token is shown once and only its hash is stored."""
    prefix = secrets.token_hex(4)
    token = f"gh_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name, scope=scope, hoster=hoster, created_by=user, prefix=prefix, key_hash=ApiKey.hash_secret(token)
    )
    log_action(user, "portal.api_key.created", key, {"scope": scope, "hoster": hoster.slug if hoster else None})
    return key, token


@transaction.atomic
def revoke_api_key(user: User, key: ApiKey) -> None:
    if key.revoked_at is None:
        ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
        log_action(user, "portal.api_key.revoked", key)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key gh_<prefix>_<secret>`; `request.auth` is the ApiKey."""

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(f"{KEYWORD} "):
            return None
        token = header[len(KEYWORD) + 1 :].strip()
        parts = token.split("_")
        if len(parts) < 3 or parts[0] != "gh":
            raise exceptions.AuthenticationFailed("Malformed API key.")
        key = ApiKey.objects.active().select_related("created_by", "hoster").filter(prefix=parts[1]).first()
        if key is None or not secrets.compare_digest(key.key_hash, ApiKey.hash_secret(token)):
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        if not key.created_by.is_active:
            raise exceptions.AuthenticationFailed("The key's owner is no longer active.")
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        return key.created_by, key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key gh_…`: a hoster key (created by a hoster owner) or a supervisor key.",
        }


def contains_nul(data: Any) -> bool:
    """Whether a NUL character hides anywhere in parsed JSON (PostgreSQL cannot store one in a text field)."""
    if isinstance(data, str):
        return "\x00" in data
    if isinstance(data, dict):
        return any(contains_nul(key) or contains_nul(value) for key, value in data.items())
    if isinstance(data, list):
        return any(contains_nul(item) for item in data)
    return False


class StrictJSONParser(JSONParser):
    """JSON bodies only, and no NUL character in any text of them."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if contains_nul(data):
            raise exceptions.ParseError("Text may not contain NUL characters (\\u0000).")
        return data


class ErrorSerializer(serializers.Serializer):
    """The body of DRF's own errors: authentication, permission, not found, throttling, unparsable bodies."""

    detail = serializers.CharField()


# The refusals every authenticated operation may answer with, for the OpenAPI schema.
AUTH_RESPONSES = {
    401: OpenApiResponse(ErrorSerializer, description="No credentials, or an unknown, revoked or malformed API key."),
    403: OpenApiResponse(ErrorSerializer, description="Credentials that may not use this operation."),
}
NOT_FOUND_RESPONSE = OpenApiResponse(ErrorSerializer, description="No such object (or not yours).")


@csrf_exempt
@login_not_required
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any other path under /api/: a JSON 404 like the API's own, not the site's HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)
