"""A :class:`~.content.Document` as HTML (a page and a standalone file), PDF (WeasyPrint) and DOCX (python-docx).

The PDF is the HTML page printed by WeasyPrint with the same stylesheet the portal links to
(``publication/document.css``), so what a subscriber reads in the browser and in the PDF is the same text. Charts
and maps are PNG inside the HTML (data URIs: nothing is fetched) and inside the Word file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .content import Document

STYLESHEET = "publication/document.css"


@dataclass(frozen=True)
class Rendered:
    html: str  # the standalone HTML file (stylesheet inside)
    body: str  # the document's body, for a page of the site that links the stylesheet
    pdf: bytes
    pages: int


def stylesheet_path() -> Path:
    found = finders.find(STYLESHEET)
    if not found:  # pragma: no cover - the file ships with the app
        raise FileNotFoundError(STYLESHEET)
    return Path(found)


def body_html(document: Document) -> str:
    return render_to_string("publication/document_body.html", {"document": document})


def standalone_html(document: Document, body: str | None = None) -> str:
    return render_to_string(
        "publication/document.html",
        {
            "document": document,
            "body": body if body is not None else body_html(document),
            "css": stylesheet_path().read_text(encoding="utf-8"),
        },
    )


def render(document: Document) -> Rendered:
    """HTML and PDF of ``document``, and the PDF's number of pages."""
    from weasyprint import HTML

    body = body_html(document)
    html = standalone_html(document, body)
    printed = HTML(string=html, base_url=str(stylesheet_path().parent)).render()
    return Rendered(html=html, body=body, pdf=printed.write_pdf(), pages=len(printed.pages))


def docx(document: Document) -> bytes:
    """The document as a Word file (opens in LibreOffice too): headings, paragraphs, tables and PNG figures."""
    from docx import Document as WordDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    word = WordDocument()
    word.core_properties.title = document.title
    word.core_properties.subject = document.subtitle
    word.core_properties.author = _("Observatorio de %(name)s") % {"name": document.municipality.name}
    word.core_properties.language = "es"
    style = word.styles["Normal"]
    style.font.name = "DejaVu Sans"
    style.font.size = Pt(10)
    section = word.sections[0]
    section.left_margin = section.right_margin = Cm(2)
    footer = section.footer.paragraphs[0]
    footer.text = f"{document.title} · {document.subtitle} · {document.notice}"
    footer.style.font.size = Pt(7)

    word.add_heading(document.title, level=0)
    word.add_paragraph(document.subtitle).runs[0].italic = True
    generated = _("Generado el %(date)s por Atalaya.") % {"date": f"{document.generated_at:%d-%m-%Y %H:%M}"}
    word.add_paragraph(generated).runs[0].font.size = Pt(8)
    for part in document.sections:
        if part.empty:
            continue
        word.add_heading(part.title, level=1)
        for text in part.paragraphs:
            word.add_paragraph(text)
        for table in part.tables:
            grid = word.add_table(rows=1, cols=len(table.columns))
            grid.style = "Light Grid Accent 1"
            for cell, text in zip(grid.rows[0].cells, table.columns, strict=True):
                cell.text = text
            for row in table.rows:
                cells = grid.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
            if table.caption:
                word.add_paragraph(table.caption).runs[0].font.size = Pt(8)
        for figure in part.figures:
            word.add_paragraph(figure.title).runs[0].bold = True
            word.add_picture(io.BytesIO(figure.png), width=Cm(16))
            word.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            word.add_paragraph(figure.caption).runs[0].font.size = Pt(8)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
