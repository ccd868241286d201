"""Sign-ins, failed sign-ins and sign-ups go into the audit log."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_signed_up
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import get_language

from portal.audit import log_action
from portal.models import User


def _ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def log_login(sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    log_action(user, "portal.user.logged_in", user, {"ip": _ip(request)})


@receiver(user_logged_out)
def log_logout(sender: type[User], request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        log_action(user, "portal.user.logged_out", user, {"ip": _ip(request)})


@receiver(user_login_failed)
def log_login_failed(
    sender: str, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    identifier = credentials.get("email") or credentials.get("username") or ""
    log_action(None, "portal.user.login_failed", None, {"identifier": identifier[:254], "ip": _ip(request)})


@receiver(user_signed_up)
def remember_language(sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    language = (get_language() or "nl")[:2]
    if language in {"nl", "en"} and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    log_action(user, "portal.user.signed_up", user, {"language": user.language})
