"""Versioned definitions (questionnaires, scoring models) are published once and never change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

V = TypeVar("V", bound="PublishedDefinition")


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)


def checksum(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


class PublishedDefinition(models.Model):
    """One published version of a definition (`code`, `version`); it never changes and is never deleted."""

    code = models.SlugField(_("code"), max_length=80)
    version = models.PositiveIntegerField(_("version"))
    title = models.JSONField(_("title"), default=dict)
    definition = models.JSONField(_("definition"))
    checksum = models.CharField(_("SHA-256 of the definition"), max_length=64)
    source = models.CharField(_("source file"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["code", "-version"]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = type(self)._default_manager.filter(pk=self.pk).values_list("checksum", flat=True).first()
            if stored is not None and (stored != self.checksum or checksum(self.definition) != stored):
                raise TypeError(f"A published {self._meta.verbose_name} is immutable; publish a new version instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"A published {self._meta.verbose_name} cannot be deleted.")


@dataclass(frozen=True)
class Published(Generic[V]):
    version: V
    created: bool


def publish_once(
    model: type[V], *, code: str, version: int, checksum: str, refusal: Callable[[V], Exception], **fields: Any
) -> Published[V]:
    """The stored `code` `version`, created on first sight; the same version with another checksum raises `refusal`."""
    existing = model._default_manager.filter(code=code, version=version).first()
    if existing is not None:
        if existing.checksum != checksum:
            raise refusal(existing)
        return Published(existing, created=False)
    stored = model._default_manager.create(code=code, version=version, checksum=checksum, **fields)
    return Published(stored, created=True)
