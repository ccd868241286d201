"""Test settings: the local posture of portal.settings plus fast hashing and in-memory mail."""

import os

os.environ["ENV_FILE"] = ""  # the suite never reads a developer's `.env`
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("EMAIL_URL", "locmem://")
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
