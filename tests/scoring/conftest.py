"""Fixtures of the certification tests: certified hosters A and B, and the time frozen where it matters."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from scoring.certification.models import Certificate
from tests.scoring.certification.helpers import GRADE_B_ANSWERS, certify


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The registry caches pages in the (per-process) cache; each test starts without them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def certificate_a(owner_a, hoster_a, supervisor) -> Certificate:
    return certify(owner_a, hoster_a, supervisor)


@pytest.fixture
def certificate_b(owner_b, hoster_b, supervisor) -> Certificate:
    return certify(owner_b, hoster_b, supervisor, answers=GRADE_B_ANSWERS)
