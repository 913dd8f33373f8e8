"""Uploaded files land here before an importer reads them: under a random name (never the visitor's), outside
the web root, written in chunks so a large file never sits whole in memory."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.utils.text import get_valid_filename


def store_upload(upload, directory: str | Path | None = None) -> Path:
    """Write an uploaded file to ``directory`` (the uploads folder by default); returns its path."""
    folder = Path(directory or settings.UPLOADS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}-{get_valid_filename(upload.name)[:100]}"
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return target
