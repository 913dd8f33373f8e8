"""Photos and documents are hostile until re-encoded: type from the content, size and pixel limits, no EXIF, no
appended payload, no PDFs from the public, names only shown, files outside the web root."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from atalaya.proximity import attachments, services
from atalaya.proximity.choices import Source
from atalaya.proximity.models import Attachment, Problem

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Teléfono de la vecina"  # Make
    exif.get_ifd(GPS_IFD).update({1: "S", 2: (33.0, 29.0, 12.5), 3: "W", 4: (70.0, 32.0, 1.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(content: bytes, name: str = "foto.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def attachments_here(settings, tmp_path):
    settings.ATTACHMENTS_DIR = tmp_path / "adjuntos"


def stored(attachment: Attachment) -> bytes:
    return attachments.path_of(attachment.stored_name).read_bytes()


def test_the_photo_is_reencoded_without_its_location(report):
    original = jpeg_with_location()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the upload does carry a location
    problem = report(uploads=(upload(original),))
    attachment = problem.attachments.get()
    data = stored(attachment)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif() and b"Exif" not in data[:200]
    assert attachment.content_type == "image/jpeg" and attachment.is_public
    assert problem.public.photo == attachment


def test_a_polyglot_loses_its_payload(report):
    polyglot = jpeg_with_location() + b"PK\x03\x04" + b"<script>alert(1)</script>" * 10
    problem = report(uploads=(upload(polyglot, "foto.jpg"),))
    data = stored(problem.attachments.get())
    assert b"PK\x03\x04" not in data and b"<script>" not in data


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"<html><script>alert(1)</script></html>", "foto.jpg", "no es una imagen"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "dibujo.svg", "no es una imagen"),
        (b"MZ\x90\x00" + b"\x00" * 100, "programa.exe", "no es una imagen"),
        (b"%PDF-1.7\n/JavaScript (app.alert(1))", "doc.pdf", "solo se aceptan fotos"),
        (b"", "vacia.jpg", "no es una imagen"),
        (jpeg_with_location()[:200], "cortada.jpg", "no es una imagen"),
    ],
)
def test_what_is_not_a_photo_is_refused_and_nothing_is_kept(report, content, name, message):
    with pytest.raises(ValidationError, match=message):
        report(uploads=(upload(content, name),))
    assert not Problem.objects.exists() and not Attachment.objects.exists()
    assert not list(attachments.attachments_dir().iterdir())


def test_size_count_and_pixel_limits(report, settings):
    settings.ATALAYA_PROBLEM_MAX_ATTACHMENT_MB = 0.0001
    with pytest.raises(ValidationError, match="pesa"):
        report(uploads=(upload(jpeg_with_location()),))
    settings.ATALAYA_PROBLEM_MAX_ATTACHMENT_MB = 5
    with pytest.raises(ValidationError, match="hasta 3 archivos"):
        report(uploads=tuple(upload(jpeg_with_location()) for _ in range(4)))
    bomb = io.BytesIO()
    Image.new("1", (9000, 5000)).save(bomb, format="PNG")  # 45 megapixels in a few kilobytes
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(ValidationError, match="demasiado grande"):
        report(uploads=(upload(bomb.getvalue(), "bomba.png", "image/png"),))


def test_staff_may_attach_pdfs_served_as_downloads(report, admin_user, client):
    problem = report(source=Source.POLICE)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    attachment = services.attach(
        problem, upload(pdf, "../../etc/acta <img src=x onerror=alert(1)>.pdf", "application/pdf"), user=admin_user
    )
    assert attachment.original_name == "acta <img src=x onerror=alert(1)>.pdf"  # no path; shown escaped, not on disk
    assert attachment.stored_name.endswith(".pdf") and "/" not in attachment.stored_name
    assert attachments.path_of(attachment.stored_name).parent == attachments.attachments_dir().resolve()
    from atalaya.core.testing import verify_second_factor

    verify_second_factor(client, admin_user)
    response = client.get(f"/proximidad/adjuntos/{attachment.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    page = client.get(f"/proximidad/problemas/{problem.pk}/").content.decode()
    assert "acta &lt;img src=x onerror=alert(1)&gt;.pdf" in page and "<img src=x" not in page


def test_a_stored_name_cannot_leave_the_folder():
    with pytest.raises(ValueError):
        attachments.path_of("../../etc/passwd")
