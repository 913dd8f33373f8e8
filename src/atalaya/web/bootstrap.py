"""Things every installation needs before the first import: data folders and the two supported countries."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def ensure_data_dirs() -> None:
    # STATIC_ROOT too: empty on one machine (static files come from the apps), but whitenoise warns without it.
    for directory in (
        settings.DATA_DIR,
        settings.REPORTS_DIR,
        settings.UPLOADS_DIR,
        settings.ATTACHMENTS_DIR,
        settings.STATIC_ROOT,
    ):
        Path(directory).mkdir(parents=True, exist_ok=True)


def load_builtin_catalogues() -> dict[str, int]:
    """Countries, the crime taxonomy, the indicator catalogue and the screening instruments shipped with Atalaya
    (idempotent).

    Returns how many rows of each kind were added.
    """
    from atalaya.cases.services import load_builtin_instruments
    from atalaya.geo.models import Country
    from atalaya.indicators.services import sync_builtin_indicators
    from atalaya.taxonomy.services import sync_builtin_taxonomy

    for code, name in (("MX", "México"), ("CL", "Chile")):
        Country.objects.get_or_create(code=code, defaults={"name": name})
    created = sync_builtin_taxonomy()
    created["indicators"] = sync_builtin_indicators()
    created["instrumentos"] = load_builtin_instruments()
    return created
