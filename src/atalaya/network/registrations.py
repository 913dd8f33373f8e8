"""An activity's registration and attendance list as a webinar platform or a sign-in sheet exports it (CSV or
XLSX): one row per person with their municipality's official code. The whole list is checked before anything is
written; the first problem is reported with its row, column, value and reason in Spanish."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from atalaya.analysis.problems import FileRejected
from atalaya.analysis.tabular import read_table, resolve_columns, with_row_numbers
from atalaya.geo.official import lookup

from .choices import Attendance
from .models import Activity, Registration

COLUMNS = {
    "nombre": ("nombre", "name", "nombre completo", "participante"),
    "correo": ("correo", "email", "correo electronico", "e-mail"),
    "codigo_municipio": ("codigo_municipio", "codigo municipio", "cve_mun", "cut", "municipality_code"),
    "pais": ("pais", "country"),
    "modalidad": ("modalidad", "mode"),
    "asistio": ("asistio", "asistencia", "attended"),
}
YES = {"si", "sí", "s", "x", "1", "true", "yes", "asistio", "asistió"}
NO = {"no", "n", "0", "false", ""}
MODES = {
    "presencial": Attendance.IN_PERSON,
    "en_linea": Attendance.ONLINE,
    "en linea": Attendance.ONLINE,
    "en línea": Attendance.ONLINE,
    "online": Attendance.ONLINE,
    "virtual": Attendance.ONLINE,
}
MAX_ROWS = 20_000


def read_registrations(path: str | Path) -> list[Registration]:
    """The list's rows as unsaved registrations (no activity yet), or :class:`FileRejected`."""
    frame, _facts = read_table(path)
    frame = with_row_numbers(resolve_columns(frame, COLUMNS, {"nombre", "codigo_municipio", "pais", "modalidad"}))
    if frame.is_empty():
        raise FileRejected("La lista no tiene filas.")
    if frame.height > MAX_ROWS:
        raise FileRejected(f"La lista tiene {frame.height} filas; el máximo es {MAX_ROWS}.")
    made = []
    for row in frame.iter_rows(named=True):

        def refuse(column: str, reason: str, row: dict = row) -> FileRejected:
            value = str(row.get(column) or "")
            return FileRejected(
                f"Fila {row['_row']}, columna «{column}», valor «{value[:60]}»: {reason}",
                row=row["_row"],
                column=column,
                value=value,
            )

        name = (row.get("nombre") or "").strip()
        if not name:
            raise refuse("nombre", "falta el nombre.")
        if len(name) > 200:
            raise refuse("nombre", "el nombre tiene más de 200 caracteres.")
        country = (row.get("pais") or "").strip().upper()
        if country not in ("MX", "CL"):
            raise refuse("pais", "el país debe ser MX o CL.")
        official = lookup((row.get("codigo_municipio") or "").strip(), country)
        if official is None:
            raise refuse("codigo_municipio", f"no es un código oficial de municipio de {country} (INEGI o CUT).")
        mode = MODES.get((row.get("modalidad") or "").strip().lower())
        if mode is None:
            raise refuse("modalidad", "debe ser «presencial» o «en_linea».")
        attended = (row.get("asistio") or "").strip().lower()
        if attended not in YES | NO:
            raise refuse("asistio", "debe ser «sí» o «no».")
        email = (row.get("correo") or "").strip()
        if email and ("@" not in email or len(email) > 254):
            raise refuse("correo", "no es una dirección de correo.")
        made.append(
            Registration(
                name=name,
                email=email,
                municipality_code=official.code,
                municipality_name=official.name,
                country=country,
                mode=mode,
                attended=attended in YES,
            )
        )
    return made


def load_registrations(activity: Activity, path: str | Path, *, replace: bool) -> int:
    """Check the whole list, then add it (or replace the activity's list) in one transaction."""
    rows = read_registrations(path)
    with transaction.atomic():
        if replace:
            activity.registrations.all().delete()
        for registration in rows:
            registration.activity = activity
        Registration.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
