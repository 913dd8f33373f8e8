"""PDF documents are drawn with fpdf2's core fonts (the same on every machine, no font files): they cover Latin-1,
which Spanish needs; the few typographic characters outside it are replaced."""

from __future__ import annotations

#: Characters outside Latin-1 that reports use, for the PDF's core fonts.
_LATIN1 = str.maketrans(
    {"–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "≤": "<=", "≥": ">=", "·": "-", "→": "->"}
)


def pdf_text(text: str) -> str:
    """``text`` as the core fonts can draw it."""
    return str(text).translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")
