"""Uploaded files land here before an importer reads them: under a random name (never the visitor's), outside
the web root, written in chunks so a large file never sits whole in memory."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.utils.text import get_valid_filename


def checked_size(upload, limit: int | None = None):
    """An uploaded file that is neither empty nor over ``limit`` bytes (the installation's upload limit by default),
    or the Spanish ``ValidationError`` a form shows beside its field."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if upload.size == 0:
        raise ValidationError(_("El archivo está vacío (0 bytes)."))
    if upload.size > (limit or settings.ATALAYA_MAX_UPLOAD_BYTES):
        raise ValidationError(_("El archivo supera el tamaño máximo permitido."))
    return upload


def store_upload(upload, directory: str | Path | None = None) -> Path:
    """Write an uploaded file to ``directory`` (the uploads folder by default); returns its path."""
    folder = Path(directory or settings.UPLOADS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}-{get_valid_filename(upload.name)[:100]}"
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return target
