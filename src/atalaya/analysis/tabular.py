"""Reading the bytes of a data file into a frame of strings, with clear Spanish errors.

Every reader starts here so that encodings, separators, spreadsheets, zipped CSVs and hostile files are handled
one way: try UTF-8 (with or without BOM), fall back to Windows-1252/Latin-1, refuse binary garbage, and point at
the first malformed line. All columns are read as text; readers cast and validate them in vectorised passes.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import time
import zipfile
from pathlib import Path

import polars as pl

from .problems import FileRejected
from .text import normalise

#: A single field longer than this is refused (a CSV that lost its quotes, or an attack).
MAX_FIELD_CHARS = 10_000
_SNIFF_BYTES = 64 * 1024


def read_file_bytes(path: str | Path) -> bytes:
    path = Path(path)
    if not path.exists():
        raise FileRejected(f"No existe el archivo «{path}».")
    if path.is_dir():
        raise FileRejected(f"«{path}» es una carpeta, no un archivo.")
    data = path.read_bytes()
    if not data:
        raise FileRejected("El archivo está vacío (0 bytes).")
    return data


def decode(data: bytes) -> tuple[bytes, str]:
    """Return the file as UTF-8 bytes (without BOM) and the encoding it was in.

    SESNSP releases come in Windows-1252/Latin-1 or UTF-8; both are accepted. Bytes that are neither text
    encoding (NUL bytes, control characters) mean the file is not a text table.
    """
    head = data[:_SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeDecodeError as exc:
            raise FileRejected("El archivo dice ser UTF-16 pero no se puede decodificar.") from exc
    if b"\x00" in head or _control_ratio(head) > 0.01:
        raise FileRejected(
            "El archivo no es texto (contiene bytes binarios). Se esperaba un CSV en UTF-8 o Latin-1, "
            "o una hoja de cálculo XLSX."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if _is_utf8(data):
        return data, "utf-8"
    try:
        text = data.decode("cp1252")
        encoding = "cp1252"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        encoding = "latin-1"
    return text.encode("utf-8"), encoding


def _is_utf8(data: bytes, chunk: int = 1 << 20) -> bool:
    """Whether the bytes are valid UTF-8, checked a megabyte at a time: decoding a 100 MB file at once only to
    check it held a second copy of it (up to four times its size as a Python string)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), chunk):
            decoder.decode(view[start : start + chunk])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _control_ratio(head: bytes) -> float:
    if not head:
        return 0.0
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return controls / len(head)


def sniff_separator(utf8: bytes) -> str:
    first_line = utf8.split(b"\n", 1)[0]
    counts = {sep: first_line.count(sep.encode()) for sep in (",", ";", "\t", "|")}
    sep, count = max(counts.items(), key=lambda kv: kv[1])
    return sep if count else ","


def read_csv_text(utf8: bytes, separator: str | None = None) -> pl.DataFrame:
    """Parse UTF-8 CSV bytes with every column as text; malformed rows give a FileRejected with the line."""
    separator = separator or sniff_separator(utf8)
    try:
        frame = pl.read_csv(
            io.BytesIO(utf8),
            separator=separator,
            infer_schema=False,
            has_header=True,
            null_values=[""],
            raise_if_empty=True,
        )
    except pl.exceptions.NoDataError as exc:
        raise FileRejected("El archivo no tiene filas: ni siquiera una fila de encabezados.") from exc
    except (pl.exceptions.ComputeError, pl.exceptions.ShapeError) as exc:
        raise _locate_malformed_line(utf8, separator) from exc
    _check_header(frame.columns)
    _check_field_sizes(frame)
    return frame


def _locate_malformed_line(utf8: bytes, separator: str) -> FileRejected:
    """Find the first line whose field count differs from the header (only runs on the error path)."""
    reader = csv.reader(io.StringIO(utf8.decode("utf-8", errors="replace")), delimiter=separator)
    try:
        header = next(reader)
        for line_no, fields in enumerate(reader, start=2):
            if fields and len(fields) != len(header):
                return FileRejected(
                    f"CSV mal formado en la fila {line_no}: se esperaban {len(header)} columnas y hay {len(fields)}.",
                    row=line_no,
                    value=separator.join(fields)[:200],
                )
    except csv.Error as exc:
        return FileRejected(f"CSV mal formado cerca de la fila {reader.line_num}: {exc}.", row=reader.line_num)
    return FileRejected("CSV mal formado: comillas sin cerrar o separadores inconsistentes.")


def _check_header(columns: list[str]) -> None:
    seen: dict[str, str] = {}
    for col in columns:
        if len(col) > 200:
            raise FileRejected("La fila de encabezados tiene un nombre de columna absurdamente largo.", value=col[:200])
        key = normalise(col)
        if key and key in seen:
            raise FileRejected(f"La columna «{col}» aparece dos veces en el encabezado.", column=col)
        seen[key] = col


def _check_field_sizes(frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    lengths = frame.select(pl.all().str.len_chars().max())
    for col in frame.columns:
        longest = lengths.get_column(col)[0]
        if longest is not None and longest > MAX_FIELD_CHARS:
            idx = frame.select(pl.col(col).str.len_chars().arg_max()).item()
            raise FileRejected(
                f"La columna «{col}» tiene un valor de {longest} caracteres (máximo {MAX_FIELD_CHARS}); "
                "probablemente faltan comillas o el archivo está dañado.",
                row=idx + 2,
                column=col,
                value=str(frame.get_column(col)[idx])[:200],
            )


def read_table(path: str | Path) -> tuple[pl.DataFrame, dict]:
    """Read CSV (also zipped), XLSX or GeoJSON into a frame of strings. Returns ``(frame, facts)``.

    ``facts`` holds the encoding found and ``parse_seconds`` (for the benchmark's stage timings).
    """
    started = time.perf_counter()
    frame, facts = _read_table(Path(path))
    facts["parse_seconds"] = time.perf_counter() - started
    return frame, facts


def _read_table(path: Path) -> tuple[pl.DataFrame, dict]:
    data = read_file_bytes(path)
    suffix = path.suffix.lower()
    if data[:4] == b"PK\x03\x04":
        if suffix in (".xlsx", ".xlsm"):
            return read_xlsx(data), {"encoding": "xlsx"}
        return _read_zipped_csv(data)
    if suffix in (".xlsx", ".xls", ".xlsm"):
        raise FileRejected("El archivo tiene extensión de Excel pero su contenido no es un XLSX válido.")
    if suffix in (".geojson", ".json"):
        return read_geojson_points(data), {"encoding": "utf-8"}
    if data[:4] == b"PAR1" or suffix == ".parquet":
        return read_parquet(data), {"encoding": "parquet"}
    utf8, encoding = decode(data)
    return read_csv_text(utf8), {"encoding": encoding}


def _read_zipped_csv(data: bytes) -> tuple[pl.DataFrame, dict]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise FileRejected("El archivo ZIP está dañado.") from exc
    members = [m for m in archive.infolist() if m.filename.lower().endswith((".csv", ".txt"))]
    if len(members) != 1:
        raise FileRejected(f"El ZIP debe contener exactamente un CSV; contiene {len(members)}.")
    utf8, encoding = decode(archive.read(members[0]))
    return read_csv_text(utf8), {"encoding": encoding, "member": members[0].filename}


def read_parquet(data: bytes) -> pl.DataFrame:
    """A Parquet table (the CEAD scrape is published so), every column as text like the other formats."""
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # polars raises several error types for a damaged file; all mean unreadable
        raise FileRejected(f"No se pudo leer el archivo Parquet: {type(exc).__name__}.") from exc
    frame = frame.with_columns(
        pl.col(c).dt.strftime("%Y-%m-%d")
        if dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime)
        else pl.col(c).cast(pl.String)
        for c, dtype in frame.schema.items()
    )
    _check_header(frame.columns)
    _check_field_sizes(frame)
    return frame


def read_xlsx(data: bytes) -> pl.DataFrame:
    """First sheet of an XLSX workbook, every column as text."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        sheet = reader.load_sheet(0, dtypes="string")
        frame = sheet.to_polars()
    except Exception as exc:  # fastexcel raises its own hierarchy; any failure means an unreadable workbook
        raise FileRejected(f"No se pudo leer la hoja de cálculo: {type(exc).__name__}.") from exc
    if frame.width == 0:
        raise FileRejected("La hoja de cálculo está vacía.")
    frame = frame.with_columns(pl.all().cast(pl.String))
    _check_header(frame.columns)
    _check_field_sizes(frame)
    return frame


def read_geojson_points(data: bytes) -> pl.DataFrame:
    """GeoJSON FeatureCollection of points → properties plus ``longitud``/``latitud`` text columns."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileRejected(f"El GeoJSON no es JSON válido: {exc}.") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise FileRejected("El GeoJSON debe ser una FeatureCollection.")
    rows = []
    for i, feature in enumerate(doc.get("features") or []):
        props = dict((feature or {}).get("properties") or {})
        geom = (feature or {}).get("geometry") or {}
        lon = lat = None
        if geom.get("type") == "Point" and isinstance(geom.get("coordinates"), list | tuple):
            coords = geom["coordinates"]
            if len(coords) >= 2:
                lon, lat = coords[0], coords[1]
        elif geom:
            raise FileRejected(
                f"El objeto {i + 1} del GeoJSON tiene geometría «{geom.get('type')}»; se esperaban puntos.",
                row=i + 2,
            )
        props["longitud"], props["latitud"] = lon, lat
        rows.append({k: None if v is None else str(v) for k, v in props.items()})
    if not rows:
        raise FileRejected("El GeoJSON no contiene objetos.")
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(pl.all().cast(pl.String))
    _check_field_sizes(frame)
    return frame


def resolve_columns(frame: pl.DataFrame, wanted: dict[str, tuple[str, ...]], required: set[str]) -> pl.DataFrame:
    """Rename columns found under any alias (matched after :func:`normalise`) to their canonical names.

    Columns not asked for are dropped. A missing required column rejects the file, listing what was found.
    """
    by_key = {normalise(c): c for c in frame.columns}
    selected = {}
    for canonical, aliases in wanted.items():
        for alias in (canonical, *aliases):
            original = by_key.get(normalise(alias))
            if original is not None:
                selected[canonical] = original
                break
    # Name what is missing as the publisher writes it ("Rango de edad"), not by Atalaya's internal field.
    missing = sorted((wanted[c][0] if wanted[c] else c) for c in required if c not in selected)
    if missing:
        found = ", ".join(frame.columns[:30])
        raise FileRejected("Faltan columnas obligatorias: " + ", ".join(missing) + f". Columnas encontradas: {found}.")
    return frame.select([pl.col(orig).alias(canon) for canon, orig in selected.items()])


def pick_column(
    columns: list[str], explicit: str | None, aliases: tuple[str, ...], what: str, *, missing: str | None = None
) -> str | None:
    """The column the user named (matched after :func:`normalise`), else the first alias present.

    A named column that does not exist rejects the file; with no name and no alias, ``missing`` (a message)
    rejects it, or ``None`` is returned when the column is optional.
    """
    by_key = {normalise(c): c for c in columns}
    if explicit:
        found = by_key.get(normalise(explicit))
        if found is None:
            described = f" ({what})" if what else ""
            raise FileRejected(f"No existe la columna «{explicit}»{described}. Columnas: {', '.join(columns)}.")
        return found
    for alias in aliases:
        if normalise(alias) in by_key:
            return by_key[normalise(alias)]
    if missing:
        raise FileRejected(f"{missing} Columnas disponibles: {', '.join(columns)}.")
    return None


def with_row_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``_row``: the line number in the file (header = 1)."""
    return frame.with_row_index("_row", offset=2).with_columns(pl.col("_row").cast(pl.Int64))


#: A text cell that starts like this is run as a formula by spreadsheets (OWASP "CSV injection").
_FORMULA_START = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?$"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix a single quote to text cells a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``@SUM``,
    ``+1+1``), as OWASP advises; numbers written as text (``-99.015``) are left alone. Every file Atalaya
    exports (CSV or XLSX) goes through here, because names and labels come from imported files."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA_START) & ~pl.col(name).str.contains(_PLAIN_NUMBER))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text
    )


def export_csv(frame: pl.DataFrame, target=None, *, bom: bool = False) -> str | None:
    """Write an export: formulas neutralised; ``bom`` for spreadsheets that guess the encoding (Excel).
    Returns the text when ``target`` (a path or binary file) is not given."""
    safe = neutralise_formulas(frame)
    if target is None:
        return ("\ufeff" if bom else "") + safe.write_csv()
    if isinstance(target, (str, Path)):
        with open(target, "wb") as fh:
            if bom:
                fh.write(b"\xef\xbb\xbf")
            safe.write_csv(fh)
    else:
        if bom:
            target.write(b"\xef\xbb\xbf")
        safe.write_csv(target)
    return None
