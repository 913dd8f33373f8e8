"""Things every installation needs before the first import: data folders and the two supported countries."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def ensure_data_dirs() -> None:
    for directory in (settings.DATA_DIR, settings.REPORTS_DIR, settings.UPLOADS_DIR):
        Path(directory).mkdir(parents=True, exist_ok=True)


def ensure_reference_data() -> None:
    from atalaya.geo.models import Country

    for code, name in (("MX", "México"), ("CL", "Chile")):
        Country.objects.get_or_create(code=code, defaults={"name": name})
