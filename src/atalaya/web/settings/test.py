"""Test settings: fast password hashing; DATABASE_URL still chooses SQLite or PostgreSQL."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS

# A model with encrypted fields, for the raw-database checks of atalaya.core (tests only, no migrations).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.securityapp"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATA_DIR = Path(tempfile.mkdtemp(prefix="atalaya-test-"))
REPORTS_DIR = DATA_DIR / "reports"
UPLOADS_DIR = DATA_DIR / "uploads"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir()
WHITENOISE_USE_FINDERS = True
# Tasks run inside the request that enqueues them; tests/datasets/test_worker.py runs the real queue and worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
