"""Versioned definitions (questionnaires, scoring models) are published once and never change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models

V = TypeVar("V", bound=models.Model)


@dataclass(frozen=True)
class Published(Generic[V]):
    version: V
    created: bool


def publish_once(
    model: type[V], *, code: str, version: int, checksum: str, refusal: Callable[[V], Exception], **fields: Any
) -> Published[V]:
    """The stored `code` `version`, created on first sight; the same version with another checksum raises `refusal`."""
    existing = model.objects.filter(code=code, version=version).first()
    if existing is not None:
        if existing.checksum != checksum:
            raise refusal(existing)
        return Published(existing, created=False)
    return Published(model.objects.create(code=code, version=version, checksum=checksum, **fields), created=True)
