"""Sign-ins, failed sign-ins and sign-ups go into the audit log."""

from __future__ import annotations

from allauth.account.signals import user_signed_up
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.translation import get_language

from portal.audit import log_action


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs) -> None:
    log_action(user, "portal.user.logged_in", user, {"ip": _ip(request)})


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        log_action(user, "portal.user.logged_out", user, {"ip": _ip(request)})


@receiver(user_login_failed)
def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    identifier = credentials.get("email") or credentials.get("username") or ""
    log_action(None, "portal.user.login_failed", None, {"identifier": identifier[:254], "ip": _ip(request)})


@receiver(user_signed_up)
def remember_language(sender, request, user, **kwargs) -> None:
    language = (get_language() or "nl")[:2]
    if language in {"nl", "en"} and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    log_action(user, "portal.user.signed_up", user, {"language": user.language})
