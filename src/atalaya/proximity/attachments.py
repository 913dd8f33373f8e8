"""Photos and documents of a problem, treated as hostile: size and count limits, the type read from the content
(never from the name or the browser's word), images decoded and **re-encoded** (which drops EXIF — the
reporter's location and camera — and anything appended to the file, as in a JPEG + ZIP polyglot), PDFs only from
staff, everything stored outside the web root under a random name and served with a fixed type."""

from __future__ import annotations

import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

#: Decoded images larger than this are refused (a 50 KB file can expand to gigabytes: a decompression bomb).
MAX_PIXELS = 40_000_000
#: The longest side of a stored photo: enough to see the problem, small enough to serve.
MAX_SIDE = 2048
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    extension: str
    original_name: str


def attachments_dir() -> Path:
    directory = Path(settings.ATTACHMENTS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def clean_upload(upload, *, allow_pdf: bool) -> CleanFile:
    """The upload made safe to store, or a Spanish ``ValidationError`` saying why not."""
    limit = int(settings.ATALAYA_PROBLEM_MAX_ATTACHMENT_MB * 1024 * 1024)
    name = _safe_name(getattr(upload, "name", "") or "archivo")
    if upload.size > limit:
        raise ValidationError(
            _("«%(name)s» pesa %(size).1f MB; el máximo es %(limit)s MB.")
            % {"name": name, "size": upload.size / 1024 / 1024, "limit": settings.ATALAYA_PROBLEM_MAX_ATTACHMENT_MB}
        )
    data = upload.read(limit + 1)
    if data.startswith(b"%PDF-"):
        if not allow_pdf:
            raise ValidationError(_("«%(name)s»: solo se aceptan fotos (JPEG, PNG o WebP).") % {"name": name})
        return CleanFile(data, "application/pdf", "pdf", name)
    return CleanFile(_reencoded_image(data, name), "image/jpeg", "jpg", name)


def _reencoded_image(data: bytes, name: str) -> bytes:
    refused = ValidationError(
        _("«%(name)s» no es una imagen válida (se aceptan fotos JPEG, PNG o WebP).") % {"name": name}
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in IMAGE_FORMATS:
                raise refused
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("«%(name)s» es una imagen demasiado grande.") % {"name": name})
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise refused from exc
    except Image.DecompressionBombWarning as exc:
        raise ValidationError(_("«%(name)s» es una imagen demasiado grande.") % {"name": name}) from exc
    image = ImageOps.exif_transpose(image)  # keep the photo upright once its orientation tag is gone
    image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)  # no exif=…: nothing of the original metadata
    return out.getvalue()


def _safe_name(name: str) -> str:
    """The name as shown: no path, no control characters, at most 120 characters (it is never used on disk)."""
    name = Path(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "archivo"
    return name[:120]


def store(clean: CleanFile) -> tuple[str, str]:
    """Write the file under a random name; returns ``(stored_name, sha256)``."""
    stored_name = f"{secrets.token_hex(16)}.{clean.extension}"
    (attachments_dir() / stored_name).write_bytes(clean.content)
    return stored_name, hashlib.sha256(clean.content).hexdigest()


def keep(model, clean: CleanFile, *, user, **fields):
    """Store the file and record it as a ``model`` (a ``StoredFile``) with ``fields``; every check ran before,
    so only a database failure leaves a file without its row."""
    stored_name, sha = store(clean)
    return model.objects.create(
        stored_name=stored_name,
        original_name=clean.original_name,
        content_type=clean.content_type,
        size=len(clean.content),
        sha256=sha,
        created_by=user if user is not None and user.is_authenticated else None,
        **fields,
    )


def path_of(stored_name: str) -> Path:
    """The file of an attachment; the name comes from the database, and is checked again not to leave the folder."""
    directory = attachments_dir().resolve()
    path = (directory / stored_name).resolve()
    if path.parent != directory:
        raise ValueError("nombre de adjunto inválido")
    return path


def file_response(stored_name: str, content_type: str, download_name: str):
    """A stored file for staff: images inline, anything else downloaded, always with its fixed type and a
    sandboxing CSP (a PDF's scripts never run in the site's origin)."""
    from django.http import FileResponse

    response = FileResponse(path_of(stored_name).open("rb"), content_type=content_type)
    disposition = "inline" if content_type.startswith("image/") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{download_name}"'
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def serve(stored, prefix: str):
    """A kept file (a ``StoredFile``) as :func:`file_response`, downloaded as ``<prefix>-<id>.<extension>``: the
    visitor's original name is shown on pages, never sent back as a file name."""
    extension = stored.stored_name.rsplit(".", 1)[-1]
    return file_response(stored.stored_name, stored.content_type, f"{prefix}-{stored.pk}.{extension}")
