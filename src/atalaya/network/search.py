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
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS network_practice_search ON network_practice "
                "USING gin (to_tsvector('spanish', search_document))"
            )


def drop_index(schema_editor=None) -> None:
    conn = schema_editor.connection if schema_editor else connection
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        elif conn.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS network_practice_search")


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
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [practice.pk])
            cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, stems) VALUES (%s, %s)", [practice.pk, stemmed])


def forget(practice_id: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [practice_id])


def search(queryset, query: str, limit: int = 200) -> list:
    """Practices of ``queryset`` that contain every word of ``query`` (stemmed, accents ignored), best first."""
    if not terms(query):
        return []
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("search_document", config="spanish")
        wanted = SearchQuery(" ".join(terms(query)), config="spanish", search_type="plain")
        matches = queryset.annotate(vector=vector).filter(vector=wanted)  # to_tsvector(…) @@ plainto_tsquery(…)
        return list(matches.annotate(rank=SearchRank(vector, wanted)).order_by("-rank", "pk")[:limit])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY bm25({FTS_TABLE}), rowid",
            [fts5_query(query)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    found = {p.pk: p for p in queryset.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found][:limit]
