"""Refusals: a user asked for what the rules do not allow. Services raise them; views show them in one way."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest


class Refusal(ValueError):
    """A rule said no; the message tells the user why and is already in their language."""

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(message, *args)
        self.message = str(message)

    def __str__(self) -> str:
        return self.message


def show_refusal(
    request: HttpRequest, refusal: Refusal, form: forms.Form | None = None, *, about: object = None
) -> None:
    """Where every view turns a refusal into what the user sees: on the form when there is one, else a message.

    `about` names what the refusal concerns (a hoster, a criterion) on a page that lists many, as `about: reason`.
    """
    text = str(refusal) if about is None else f"{about}: {refusal}"
    if form is not None:
        form.add_error(None, text)
    else:
        messages.error(request, text)
