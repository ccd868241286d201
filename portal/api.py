"""API keys for machine clients: creation, revocation and the DRF authentication class."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import authentication, exceptions, permissions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request

from portal.access import require_supervisor
from portal.audit import log_action
from portal.models import ApiKey, Hoster, User

if TYPE_CHECKING:  # importing DRF's views here would import this module again, through the API settings
    from drf_spectacular.openapi import AutoSchema
    from rest_framework.views import APIView

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


class IsSupervisor(permissions.BasePermission):
    """A supervisor's session, or an API key with supervisor scope (a hoster key of a supervisor is not enough)."""

    message = "Only supervisors may use this operation."

    def has_permission(self, request: Request, view: APIView) -> bool:
        try:
            require_supervisor(request.user)  # the rule of every supervision page
        except PermissionDenied:
            return False
        key = request.auth
        return not isinstance(key, ApiKey) or key.scope == ApiKey.Scope.SUPERVISOR


def user_of(request: Request) -> User:
    """The user behind an API request that the authentication and permission classes let through."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated
    return user


# drf-spectacular registers extensions in an untyped __init_subclass__.
class ApiKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "portal.api.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key gh_…`: a hoster key (created by a hoster owner) or a supervisor key.",
        }


JSON_DEPTH_MAX = 32  # deeper than any body the API takes, far below Python's recursion limit


def json_problem(data: Any) -> str | None:
    """What makes parsed JSON unacceptable, or None: nesting deeper than JSON_DEPTH_MAX, or a NUL character in a
    text (PostgreSQL cannot store one). Walked without recursion, so any depth is safe to look at."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return "Text may not contain NUL characters (\\u0000)."
        elif isinstance(value, dict | list):
            if depth > JSON_DEPTH_MAX:
                return f"JSON may be nested at most {JSON_DEPTH_MAX} levels deep."
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
    return None


class StrictJSONParser(JSONParser):
    """JSON bodies only, nested at most JSON_DEPTH_MAX deep, and no NUL character in any text of them.

    (DRF reads a JSON body through Django's `request.body`, which enforces DATA_UPLOAD_MAX_MEMORY_SIZE.)
    """

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # Python's JSON reader gives up at its recursion limit
            raise exceptions.ParseError(f"JSON may be nested at most {JSON_DEPTH_MAX} levels deep.")
        problem = json_problem(data)
        if problem is not None:
            raise exceptions.ParseError(problem)
        return data


class ErrorSerializer(serializers.Serializer[Any]):
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
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under /api/: a JSON 404 like the API's own, not the site's HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)
