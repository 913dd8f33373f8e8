"""Text for full-text search in Spanish and English, the same on SQLite and PostgreSQL.

A document is **normalised** (accents stripped, case folded: :func:`atalaya.analysis.text.normalise`), so that
"mediación" finds "mediacion" and the other way round, and **stemmed** with the Snowball Spanish stemmer, the
algorithm PostgreSQL's ``spanish`` text-search configuration uses: "jóvenes" and "joven" meet, as do "escuelas"
and "escuela". SQLite's FTS5 indexes the stems this module writes; PostgreSQL indexes the normalised text with
``to_tsvector('spanish', …)``. A few Spanish function words are dropped from queries (they would only narrow an
AND search); PostgreSQL drops its own, longer list, so a query made of rarer function words can match a little more
there — the guide says so.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .text import normalise

#: Function words dropped from queries and documents before stemming (after normalisation: no accents).
STOPWORDS = frozenset(
    """a al ante bajo con contra de del desde durante e el en entre hacia hasta la las le les lo los mas me mi
    mis muy no ni o os para pero por que se segun sin sobre su sus tambien te tu un una uno unas unos y ya es son
    fue ser esta este esto estos estas ese esa esos esas como cuando donde quien cual the of and or to in for on
    with by an is are""".split()
)
_TOKEN = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("spanish")


def terms(text: str) -> list[str]:
    """The normalised words of ``text`` without function words."""
    return [t for t in _TOKEN.findall(normalise(text or "")) if t not in STOPWORDS]


def stems(text: str) -> list[str]:
    """Snowball Spanish stems of :func:`terms`: what SQLite's index holds and what a query looks for.

    >>> stems("Los jóvenes y la mediación escolar")
    ['joven', 'mediacion', 'escol']
    """
    return _stemmer().stemWords(terms(text))


def document(*parts: str) -> str:
    """One searchable text from a record's fields (normalised; stems are taken from it)."""
    return normalise(" ".join(p for p in parts if p))


def fts5_query(text: str) -> str:
    """An FTS5 query that requires every stem of ``text`` (each quoted: no operator can be injected)."""
    return " AND ".join(f'"{s}"' for s in dict.fromkeys(stems(text)))
