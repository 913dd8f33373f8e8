"""Full-text search of the practices: SQLite's FTS5 on the embedded default, PostgreSQL's full text with the
Spanish configuration on the server; both accent-insensitive, both with Snowball Spanish stems
(:mod:`atalaya.analysis.search`), so the same query finds the same practices on either (the tests check it).
Results come best first (BM25 on SQLite, ``ts_rank`` on PostgreSQL)."""

from __future__ import annotations

from django.db import connection

from atalaya.analysis.search import document, fts5_query, stems, terms

FTS_TABLE = "network_practice_fts"


def create_index(schema_editor=None) -> None:
    """The index the backend needs (called by the migration)."""
    conn = schema_editor.connection if schema_editor else connection
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(stems, tokenize='unicode61')")
        elif conn.vendor == "postgresql":
            # a stored tsvector (kept by reindex): ranking reads it instead of parsing every matching document
            cursor.execute("ALTER TABLE network_practice ADD COLUMN IF NOT EXISTS search_vector tsvector")
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS network_practice_search ON network_practice USING gin (search_vector)"
            )


def drop_index(schema_editor=None) -> None:
    conn = schema_editor.connection if schema_editor else connection
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        elif conn.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS network_practice_search")
            cursor.execute("ALTER TABLE network_practice DROP COLUMN IF EXISTS search_vector")


def searchable_text(practice) -> str:
    outcomes = " ".join(o.outcome for o in practice.outcomes.all())
    return document(
        practice.title,
        practice.summary,
        practice.problem,
        practice.target_group,
        practice.mechanism,
        practice.context,
        practice.implementation,
        practice.moderators,
        outcomes,
    )


def reindex(practice) -> None:
    """Refresh a practice's search text (after every change that touches its text or outcomes)."""
    text = searchable_text(practice)
    stemmed = " ".join(stems(text))
    type(practice).objects.filter(pk=practice.pk).update(search_document=text, search_stems=stemmed)
    practice.search_document, practice.search_stems = text, stemmed  # a later save() keeps them
    refresh_vectors([practice.pk])


def refresh_vectors(ids) -> None:
    """Bring the backend's index up to date for these practices (their ``search_document``/``search_stems`` set)."""
    ids = list(ids)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 5000):  # SQLite caps the parameters of one statement
            batch = ids[start : start + 5000]
            if connection.vendor == "sqlite":
                placeholders = ", ".join(["%s"] * len(batch))
                cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({placeholders})", batch)
                cursor.execute(
                    f"INSERT INTO {FTS_TABLE} (rowid, stems) SELECT id, search_stems FROM network_practice "
                    f"WHERE id IN ({placeholders})",
                    batch,
                )
            elif connection.vendor == "postgresql":
                cursor.execute(
                    "UPDATE network_practice SET search_vector = to_tsvector('spanish', search_document) "
                    "WHERE id = ANY(%s)",
                    [batch],
                )


def forget(practice_id: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [practice_id])


def search(queryset, query: str, limit: int = 200) -> list:
    """Practices of ``queryset`` that contain every word of ``query`` (stemmed, accents ignored), best first."""
    if not terms(query):
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM network_practice WHERE search_vector @@ plainto_tsquery('spanish', %s) "
                "ORDER BY ts_rank(search_vector, plainto_tsquery('spanish', %s)) DESC, id LIMIT %s",
                [" ".join(terms(query))] * 2 + [limit * 5],
            )
            ids = [row[0] for row in cursor.fetchall()]
        found = {p.pk: p for p in queryset.filter(pk__in=ids)}
        return [found[i] for i in ids if i in found][:limit]
    # FTS5 answers "ORDER BY rank LIMIT n" without ranking every match; candidates beyond what the user may see
    # are filtered after, so more are asked for than shown
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY rank LIMIT %s",
            [fts5_query(query), limit * 5],
        )
        ids = [row[0] for row in cursor.fetchall()]
    found = {p.pk: p for p in queryset.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found][:limit]
