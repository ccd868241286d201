"""E-mail on state changes, rendered in each recipient's own language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from portal.models import User


def send_templated(to: str, language: str, template: str, context: dict[str, Any]) -> None:
    """Send `templates/<template>_subject.txt` and `<template>_body.txt` to one address in `language`."""
    with translation.override(language):
        full_context = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"{template}_subject.txt", full_context).split())
        body = render_to_string(f"{template}_body.txt", full_context)
    send_mail(subject, body, None, [to])


def notify(users: Iterable[User | None], template: str, context: dict[str, Any]) -> int:
    """Mail each active user with an address once, in their language; returns how many were sent."""
    sent, seen = 0, set()
    for user in users:
        if user is None or user.pk in seen or not (user.is_active and user.email):
            continue
        seen.add(user.pk)
        send_templated(user.email, user.language, template, {"recipient": user, **context})
        sent += 1
    return sent


def notify_on_commit(users: Iterable[User | None], template: str, context: dict[str, Any]) -> None:
    """`notify` once the change is stored, so a refused or rolled-back change sends nothing."""
    recipients = list(users)
    if recipients:
        transaction.on_commit(lambda: notify(recipients, template, context))
