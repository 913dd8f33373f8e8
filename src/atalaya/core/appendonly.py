"""Append-only tables, enforced by the database: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).

The guard is against the application itself — a bug, a compromised view, an ORM call that "tidies up" — not
against a database administrator. A retention purge, or the test suite's flush, runs inside
:func:`maintenance`: a row in ``atalaya_log_maintenance`` that exists only inside that transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

FLAG_TABLE = "atalaya_log_maintenance"
MESSAGE = "registro de solo anexado: no se modifica ni se borra"


def create_sql(vendor: str) -> list[str]:
    """The flag table (and, on PostgreSQL, the trigger function), once per database."""
    statements = [f"CREATE TABLE IF NOT EXISTS {FLAG_TABLE} (enabled INTEGER NOT NULL)"]
    if vendor == "postgresql":
        statements.append(
            "CREATE OR REPLACE FUNCTION atalaya_append_only() RETURNS trigger AS $$ BEGIN "
            f"IF EXISTS (SELECT 1 FROM {FLAG_TABLE}) THEN "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END IF; "
            f"RAISE EXCEPTION '{MESSAGE} (% en %)', TG_OP, TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
        )
    return statements


def protect_sql(vendor: str, table: str) -> list[str]:
    """Triggers that make ``table`` append-only."""
    if vendor == "postgresql":
        return [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION atalaya_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION atalaya_append_only()",
        ]
    guard = f"WHEN NOT EXISTS (SELECT 1 FROM {FLAG_TABLE}) BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} {guard}",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {guard}",
    ]


def unprotect_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


def protect(schema_editor, table: str) -> None:
    """For a migration's RunPython: create the flag table if needed and the triggers of ``table``."""
    vendor = schema_editor.connection.vendor
    for sql in [*create_sql(vendor), *protect_sql(vendor, table)]:
        schema_editor.execute(sql, None)  # no parameters: the % of plpgsql stay as they are


def unprotect(schema_editor, table: str) -> None:
    for sql in unprotect_sql(schema_editor.connection.vendor, table):
        schema_editor.execute(sql, None)  # no parameters: the % of plpgsql stay as they are


def operation(table: str):
    """The migration operation that makes ``table`` append-only (and undoes it when migrating back)."""
    from django.db import migrations

    return migrations.RunPython(
        lambda apps, schema_editor: protect(schema_editor, table),
        lambda apps, schema_editor: unprotect(schema_editor, table),
    )


@contextmanager
def maintenance() -> Iterator[None]:
    """Allow UPDATE and DELETE of the append-only tables inside this transaction only (retention, test flush)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FLAG_TABLE} (enabled) VALUES (1)")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {FLAG_TABLE}")
