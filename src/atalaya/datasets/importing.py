"""The import pipeline: read → scope → harmonise → assign territory → write → refresh cube.

One entry point, :func:`import_file`, serves the command line, the web upload and the demo, so every path
obeys the same rules:

* **all-or-nothing** — everything is written in one transaction; an exception part-way rolls it all back;
* **idempotent** — the same file (same SHA-256, format and municipality) is recognised and changes nothing;
  records already stored under the same source id are compared and only new or changed ones are written;
* **nothing silently lost** — invalid rows are rejected with row, column, value and reason in Spanish, rows of
  municipalities outside the observatory are counted, unknown categories are kept and reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import shapely
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.analysis.hierarchy import check_published_parents
from atalaya.analysis.parsing import month_end
from atalaya.analysis.problems import (
    ERROR,
    WARNING,
    FileRejected,
    ReadResult,
    concat_problems,
    problem_frame,
    problems_where,
)
from atalaya.analysis.releases import ABSENT, CHANGED, NEW, diff_release, summarise_changes
from atalaya.analysis.scope import features_of_municipality, municipality_feature
from atalaya.analysis.tabular import export_csv
from atalaya.analysis.territory_assignment import STATUSES, assign_points
from atalaya.analysis.text import normalise
from atalaya.core.changelog import log_change
from atalaya.core.frames import bulk_insert, checkpoint_deferred
from atalaya.geo import official
from atalaya.geo.models import Municipality, Population, Territory
from atalaya.hooks import AFTER_COMMIT, AFTER_IMPORT, READERS, ReaderSpec
from atalaya.taxonomy.models import Catalogue, SourceCategory
from atalaya.taxonomy.services import (
    CategoryResolution,
    choose_catalogue,
    mapped_category_ids,
    parent_map,
    resolve_categories,
)

from . import writing
from .choices import DatasetStatus, LocationStatus, OnError, OutcomeStatus
from .models import AggregateCount, ColumnMapping, Dataset, Incident

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]

IMPORTED, REJECTED = OutcomeStatus.IMPORTED, OutcomeStatus.REJECTED
UNCHANGED, DRY_RUN = OutcomeStatus.UNCHANGED, OutcomeStatus.DRY_RUN


class UsageError(Exception):
    """The request itself is wrong (unknown format, municipality or mapping): exit status 2."""


@dataclass
class ImportOutcome:
    status: str
    message: str
    format: str
    file_name: str
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_out_of_scope: int = 0
    rows_new: int = 0
    rows_changed: int = 0
    rows_unchanged: int = 0
    warnings: int = 0
    problems: pl.DataFrame = field(default_factory=problem_frame)
    dataset: Dataset | None = None
    report_path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 1 if self.status == REJECTED else 0

    def as_dict(self) -> dict:
        return {
            "estado": self.status,
            "mensaje": self.message,
            "formato": self.format,
            "archivo": self.file_name,
            "filas_leidas": self.rows_read,
            "filas_aceptadas": self.rows_accepted,
            "filas_rechazadas": self.rows_rejected,
            "filas_otros_municipios": self.rows_out_of_scope,
            "nuevas": self.rows_new,
            "modificadas": self.rows_changed,
            "sin_cambio": self.rows_unchanged,
            "avisos": self.warnings,
            "conjunto": self.dataset.pk if self.dataset else None,
            "informe": str(self.report_path) if self.report_path else None,
            "tiempos_s": {k: round(v, 3) for k, v in self.timings.items()},
            **({"resumen": self.summary} if self.summary else {}),
        }


class _DryRunRollback(Exception):
    pass


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def get_reader(name: str) -> ReaderSpec:
    try:
        return READERS[name]
    except KeyError:
        raise UsageError(
            _("Formato desconocido: «%(name)s». Formatos disponibles: %(formats)s.")
            % {"name": name, "formats": ", ".join(sorted(READERS))}
        ) from None


def import_file(
    format: str,
    path: str | Path,
    *,
    municipality_code: str | None = None,
    mapping_name: str | None = None,
    on_error: str = OnError.REJECT,
    dry_run: bool = False,
    user=None,
    catalogue_version: str | None = None,
    cutoff: dt.date | None = None,
    reader_options: dict | None = None,
    level: str | None = None,
    population_year: int | None = None,
    origin: str = "cli",
    progress: Progress | None = None,
    file_name: str | None = None,
    replace: bool = False,
) -> ImportOutcome:
    """Import one file. Raises :class:`UsageError` for a wrong request; bad *data* gives a rejected outcome.

    ``replace``: stored values of the periods the file covers that it does not carry are removed (kept as a
    superseded version); without it they stay current and the report says how many there are.
    """
    path = Path(path)
    file_name = file_name or path.name
    request = _check_request(format, path, municipality_code, mapping_name, on_error, reader_options, cutoff)
    spec, municipality, mapping = request.spec, request.municipality, request.mapping
    timings: dict[str, float] = {}
    report = _ProgressReporter(progress)
    outcome = ImportOutcome(status=REJECTED, message="", format=format, file_name=file_name, timings=timings)
    sha = file_sha256(path)
    import_options = _import_options(
        format=format,
        municipality_code=municipality_code,
        mapping=mapping,
        catalogue_version=catalogue_version,
        cutoff=cutoff,
        reader_options=reader_options,
        level=level,
        population_year=population_year,
        replace=replace,
    )
    options_sha = hashlib.sha256(json.dumps(import_options, sort_keys=True, default=str).encode()).hexdigest()
    previous, reapplied = _same_file(sha, format, municipality, options_sha, import_options)
    if previous is not None:  # also on a dry run: the analyst learns before confirming that nothing would change
        outcome.status = UNCHANGED
        outcome.dataset = previous
        outcome.message = (
            f"Este archivo ya se importó con las mismas opciones el "
            f"{timezone.localtime(previous.created_at):%Y-%m-%d %H:%M} (conjunto {previous.pk}); no se cambió nada."
        )
        return outcome

    report(5, "lectura")
    started = time.perf_counter()
    try:
        result = spec.read(path, **request.reader_options)
    except FileRejected as exc:
        timings["lectura"] = time.perf_counter() - started
        outcome.problems = exc.as_problems()
        outcome.message = f"Archivo rechazado: {exc.message}"
        _finish_rejected(outcome, sha, path, spec, user, on_error, dry_run, municipality)
        return outcome
    timings["lectura_y_validacion"] = time.perf_counter() - started
    outcome.rows_read = result.rows_read

    context = _Context(
        spec=spec,
        result=result,
        municipality=municipality,
        user=user,
        on_error=on_error,
        dry_run=dry_run,
        sha=sha,
        path=path,
        file_name=file_name,
        mapping=mapping,
        catalogue_version=catalogue_version or (result.meta.get("catalogue_version")),
        level=level,
        population_year=population_year,
        origin=origin,
        timings=timings,
        report=report,
        replace=replace,
        options=import_options,
        options_sha=options_sha,
    )
    _write_in_one_transaction(context, outcome)
    if reapplied and outcome.status != REJECTED:
        outcome.message = f"{reapplied} {outcome.message}"
    if outcome.status == REJECTED:
        _finish_rejected(outcome, sha, path, spec, user, on_error, dry_run, municipality)
    else:
        outcome.report_path = _write_report(outcome.problems, outcome.dataset, sha, dry_run)
        if outcome.dataset is not None and outcome.report_path:
            Dataset.objects.filter(pk=outcome.dataset.pk).update(report_path=str(outcome.report_path))
            outcome.dataset.report_path = str(outcome.report_path)
    report(100, "terminado")
    return outcome


@dataclass
class _Request:
    """An import request once checked: the reader, the municipality and mapping it names, the reader's options."""

    spec: ReaderSpec
    municipality: Municipality | None
    mapping: ColumnMapping | None
    reader_options: dict


def _check_request(
    format: str,
    path: Path,
    municipality_code: str | None,
    mapping_name: str | None,
    on_error: str,
    reader_options: dict | None,
    cutoff: dt.date | None,
) -> _Request:
    """Everything that makes a request wrong before the file is read: each a :class:`UsageError` in Spanish."""
    spec = get_reader(format)
    if on_error not in (OnError.REJECT, OnError.SKIP):
        raise UsageError(_("--on-error debe ser «reject» o «skip»."))
    municipality = None
    if municipality_code:
        municipality = Municipality.objects.filter(code=municipality_code).first()
        if municipality is None:
            raise UsageError(
                _("El municipio «%(code)s» no está registrado en este observatorio.") % {"code": municipality_code}
            )
    if spec.kind in ("territories",) and municipality is None:
        raise UsageError(_("Para importar límites indique el municipio con --municipality."))
    mapping = None
    options = dict(reader_options or {})
    if "mapping" in spec.options:
        if not mapping_name:
            raise UsageError(_("Este formato necesita un mapeo de columnas: use --mapping NOMBRE."))
        mapping = ColumnMapping.objects.filter(name=mapping_name).first()
        if mapping is None:
            raise UsageError(
                _("No existe el mapeo «%(name)s». Créelo con «atalaya mapping save».") % {"name": mapping_name}
            )
        options["mapping"] = mapping.definition
    if "municipality_code" in spec.options and municipality_code:
        options["municipality_code"] = municipality_code
    if "cutoff" in spec.options and cutoff:
        options["cutoff"] = cutoff
    if not path.exists():
        raise UsageError(_("No existe el archivo «%(path)s».") % {"path": path})
    return _Request(spec, municipality, mapping, options)


def _same_file(
    sha: str, format: str, municipality: Municipality | None, options_sha: str, import_options: dict
) -> tuple[Dataset | None, str]:
    """The dataset this very file already made with the same options (nothing to do), else a note when it was
    imported before with other options (a new version)."""
    same_file = Dataset.objects.filter(
        file_sha256=sha,
        format=format,
        status=DatasetStatus.IMPORTED,
        **({"municipalities": municipality} if municipality else {}),
    ).order_by("-created_at")
    previous = same_file.filter(options_sha256=options_sha).first()
    if previous is not None:
        return previous, ""
    earlier = same_file.first()
    if earlier is None:
        return None, ""
    return None, _(
        "Mismo archivo que el conjunto %(pk)s con otras opciones (%(diff)s): se aplica como una versión nueva."
    ) % {"pk": earlier.pk, "diff": _options_difference(earlier.options, import_options)}


def _write_in_one_transaction(context: _Context, outcome: ImportOutcome) -> None:
    """All or nothing (a dry run is rolled back on purpose), then the after-commit steps once data is visible."""
    with checkpoint_deferred():
        try:
            with transaction.atomic():
                if context.spec.kind == "territories":
                    _import_territories(context, outcome)
                else:
                    _import_records(context, outcome)
                if context.dry_run:
                    raise _DryRunRollback
        except _DryRunRollback:
            outcome.status = DRY_RUN if outcome.status != REJECTED else REJECTED
            if outcome.status == DRY_RUN:
                outcome.message = "Simulación: el archivo se importaría así. No se escribió nada."
            outcome.dataset = None
        if outcome.status == IMPORTED and context.after_commit is not None:
            _run_after_commit(context, outcome)
        started = time.perf_counter()
    context.timings["posterior:checkpoint"] = time.perf_counter() - started


def _run_after_commit(ctx: _Context, outcome: ImportOutcome) -> None:
    """The steps no dashboard waits for (alerts), once the import's data and values are in. Each runs in its
    own savepoint: a failure is logged and told, and the import stands."""
    for callback in AFTER_COMMIT:
        started = time.perf_counter()
        try:
            with transaction.atomic():
                callback(*ctx.after_commit)
        except Exception as exc:  # any failure: the data are already in, so say what is missing
            logger.exception("paso posterior a la importación %s", callback.__module__)
            outcome.message += f" Las alertas no se recalcularon ({exc}); se recalcularán en la próxima importación."
        ctx.timings[f"posterior:{callback.__module__}"] = time.perf_counter() - started


@dataclass
class _Context:
    spec: ReaderSpec
    result: ReadResult
    municipality: Municipality | None
    user: object
    on_error: str
    dry_run: bool
    sha: str
    path: Path
    file_name: str
    mapping: ColumnMapping | None
    catalogue_version: str | None
    level: str | None
    population_year: int | None
    origin: str
    timings: dict[str, float]
    report: _ProgressReporter
    replace: bool = False
    options: dict = field(default_factory=dict)
    options_sha: str = ""
    rejected_by_municipality: dict = field(default_factory=dict)
    after_commit: tuple | None = None  # (municipality_ids, source, dataset) for the steps after the transaction


def _import_options(*, mapping: ColumnMapping | None, **options) -> dict:
    """Everything besides the file that decides what an import means (and so whether it was already applied)."""
    options["mapping"] = mapping.definition if mapping is not None else None
    options["reader_options"] = dict(sorted((options.get("reader_options") or {}).items())) or None
    options["cutoff"] = options["cutoff"].isoformat() if options.get("cutoff") else None
    return {k: v for k, v in options.items() if v not in (None, False, "", {})}


def _options_difference(before: dict, after: dict) -> str:
    """``cutoff: — → 2025-10-31; level: sector → cuadrante``: what differs between two imports' options."""
    names = sorted(set(before or {}) | set(after or {}))
    parts = []
    for name in names:
        old, new = (before or {}).get(name), (after or {}).get(name)
        if old != new:
            parts.append(f"{name}: {old if old is not None else '—'} → {new if new is not None else '—'}")
    return "; ".join(parts) or _("opciones registradas de otra forma")


class _ProgressReporter:
    def __init__(self, callback: Progress | None):
        self.callback = callback

    def __call__(self, percent: int, stage: str) -> None:
        if self.callback is not None:
            self.callback(percent, stage)


def _count_rows(problems: pl.DataFrame, severity: str) -> int:
    return problems.filter(pl.col("severity") == severity).get_column("row").drop_nulls().n_unique()


def _import_records(ctx: _Context, outcome: ImportOutcome) -> None:
    """Incidents and published counts, in stages: scope, harmonise, place, decide, write, derive, record."""
    result, spec = ctx.result, ctx.spec
    started = time.perf_counter()
    known = dict(Municipality.objects.values_list("code", "pk"))
    scoped = _scope_rows(ctx, outcome, result.frame, known)
    if scoped is None:
        return
    frame, problems = scoped
    source = result.meta.get("source") or spec.name
    frame, catalogue, resolution = _harmonise(ctx, frame, problems, source)
    ctx.timings["armonizacion"] = time.perf_counter() - started
    if spec.kind == "incidents":
        started = time.perf_counter()
        ctx.report(40, "asignación territorial")
        frame, assign_problems = _assign_territories(frame)
        problems.append(assign_problems)
        problems.append(_wide_file_problem(frame))
        ctx.timings["asignacion_territorial"] = time.perf_counter() - started
    frame = _drop_rejected_rows(ctx, outcome, frame, problems)
    if frame is None:
        return
    counted_once: list[dict] = []
    late_problems = []
    if spec.kind == "aggregates":
        frame, counted_once, parent_problems = _count_parents_once(frame, catalogue)
        late_problems.append(parent_problems)
    # Coverage of what is stored (a parent counted by its children is not a case of its own).
    coverage = _crosswalk_coverage(frame, catalogue, resolution, spec.kind)
    late_problems.insert(0, _coverage_problem(coverage))
    _add_problems(outcome, concat_problems(late_problems))

    ctx.report(60, "escritura")
    started = time.perf_counter()
    dataset = _record_dataset(
        outcome,
        DatasetStatus.IMPORTED,
        spec=spec,
        path=ctx.path,
        sha=ctx.sha,
        user=ctx.user,
        on_error=ctx.on_error,
        source=source,
        catalogue=catalogue,
        mapping=ctx.mapping,
        encoding=result.meta.get("encoding", ""),
        rows_accepted=outcome.rows_accepted,
        rows_out_of_scope=outcome.rows_out_of_scope,
        options=ctx.options,
        options_sha256=ctx.options_sha,
    )
    date_col = "occurred_on" if spec.kind == "incidents" else "period_start"
    dataset.period_start = frame.get_column(date_col).min()
    dataset.period_end = frame.get_column(date_col).max()
    dataset.cutoff = _cutoff(result, dataset.period_end, spec.kind)
    frame = frame.with_columns(
        pl.col("municipality_code").replace_strict(known, return_dtype=pl.Int64).alias("municipality_id")
    )
    municipality_ids = frame.get_column("municipality_id").unique().to_list()
    # Municipalities whose rows were all rejected still see the attempt (and its rejections) on their pages.
    rejected_ids = [known[c] for c in ctx.rejected_by_municipality if c in known]
    dataset.municipalities.set(sorted(set(municipality_ids) | set(rejected_ids)))
    written = _write_facts_and_cube(ctx, outcome, frame, dataset, source, started)
    frame = None  # the file's rows are stored: let their frame go before the derived steps read the cube back
    _run_derived_steps(ctx, municipality_ids, source, dataset)

    dataset.changes = changes_summary(written.cells, written.period_column, ctx.replace, written.absent)
    dataset.replaced = ctx.replace
    if written.absent:
        _add_problems(outcome, _absent_problem(written.absent, spec.kind, ctx.replace))
    dataset.summary = {
        **_summary(outcome, result, catalogue, resolution.discovered),
        "rechazadas_por_municipio": ctx.rejected_by_municipality,
        "cobertura": coverage,
        "contadas_una_vez": counted_once,
    }
    dataset.save(update_fields=["period_start", "period_end", "cutoff", "summary", "changes", "replaced"])
    outcome.summary = {**dataset.summary, "cambios": dataset.changes}
    outcome.dataset = dataset
    outcome.status = IMPORTED
    outcome.message = (
        f"Importado: {outcome.rows_accepted} fila(s) aceptadas"
        + (f", {outcome.rows_rejected} rechazadas" if outcome.rows_rejected else "")
        + (f", {outcome.rows_out_of_scope} de otros municipios" if outcome.rows_out_of_scope else "")
        + "."
    )
    for municipality in Municipality.objects.filter(pk__in=municipality_ids):
        log_change(
            user=ctx.user,
            action="importar",
            obj=dataset,
            municipality=municipality,
            origin=ctx.origin,
            message=f"{spec.name} {ctx.file_name}: {outcome.rows_accepted} filas aceptadas.",
        )


def _add_problems(outcome: ImportOutcome, late: pl.DataFrame) -> None:
    """Problems found after the rows were decided (coverage, parents, absent values): warnings, never rejections."""
    if late.height:
        outcome.problems = concat_problems([outcome.problems, late])
        outcome.warnings += late.filter(pl.col("severity") == WARNING).height


def _scope_rows(
    ctx: _Context, outcome: ImportOutcome, frame: pl.DataFrame, known: dict[str, int]
) -> tuple[pl.DataFrame, list[pl.DataFrame]] | None:
    """Keep the rows of municipalities registered in the observatory (and the one asked for, if any); ``None``
    when none is left (the outcome says so). Rows of other municipalities never decide the fate of the file:
    their problems stay in the report as notes."""
    result = ctx.result
    codes = frame.get_column("municipality_code")
    wanted = {ctx.municipality.code} if ctx.municipality else set(known)
    in_scope = codes.is_in(list(wanted)) & codes.is_not_null()
    # A row without a municipality code is ours to reject when it has an error (it may be ours), otherwise it is
    # counted out of scope; a row of several records (a SESNSP row is twelve months) is ours if any of it is.
    unplaced_errors = frame.filter(codes.is_null() & pl.col("_row").is_in(result.error_rows().implode()))
    ours = pl.concat([frame.filter(in_scope).get_column("_row"), unplaced_errors.get_column("_row")]).unique()
    problems = [_scope_problems(result.problems, ours)]
    out_of_scope = frame.filter(~pl.col("_row").is_in(ours.implode()))
    outcome.rows_out_of_scope = out_of_scope.get_column("_row").n_unique()
    if outcome.rows_out_of_scope:
        sample = out_of_scope.get_column("municipality_code").drop_nulls().unique().sort().head(10).to_list()
        problems.append(
            problem_frame(
                [
                    (
                        None,
                        "municipio",
                        ", ".join(sample),
                        f"{outcome.rows_out_of_scope} fila(s) de municipios que no pertenecen a este observatorio "
                        "no se importan.",
                        WARNING,
                    )
                ]
            )
        )
    if not in_scope.all():  # filtering copies every column, even when it keeps every row
        frame = frame.filter(in_scope)
    problems.append(_official_name_problems(frame))
    if frame.is_empty() and unplaced_errors.is_empty():
        outcome.problems = concat_problems(problems)
        outcome.message = "El archivo no tiene filas de los municipios de este observatorio."
        outcome.status = REJECTED
        return None
    return frame, problems


def _harmonise(ctx: _Context, frame: pl.DataFrame, problems: list[pl.DataFrame], source: str):
    """Match the file's labels to a catalogue; unknown labels become discovered categories (reported).
    Returns the frame with ``category_id``, the catalogue and the resolution."""
    result, spec = ctx.result, ctx.spec
    catalogue_source = result.meta.get("catalogue_source") or spec.catalogue_source or source
    labels = frame.get_column("category_path").drop_nulls().unique().sort().to_list()
    catalogue = _catalogue_for(catalogue_source, labels, ctx)
    resolution = resolve_categories(catalogue, labels, create=True)
    if resolution.discovered:
        first_rows = (
            frame.filter(pl.col("category_path").is_in(resolution.discovered))
            .group_by("category_path")
            .agg(pl.col("_row").min(), pl.len().alias("n"))
        )
        problems.append(
            problems_where(
                first_rows,
                pl.lit(True),
                "categoría",
                pl.col("category_path"),
                pl.format(
                    "Categoría no incluida en el catálogo {} ({} filas): se conserva y queda pendiente de mapeo.",
                    pl.lit(str(catalogue)),
                    pl.col("n"),
                ),
                WARNING,
            )
        )
    return frame.join(resolution.frame, on="category_path", how="left"), catalogue, resolution


def _drop_rejected_rows(
    ctx: _Context, outcome: ImportOutcome, frame: pl.DataFrame, problems: list[pl.DataFrame]
) -> pl.DataFrame | None:
    """Decide from every problem found: reject the file (``--on-error reject``) or drop its invalid rows.
    ``None`` when nothing is to be written (the outcome says why)."""
    result = ctx.result
    all_problems = concat_problems(problems)
    error_rows = all_problems.filter(pl.col("severity") == ERROR).get_column("row").drop_nulls().unique()
    outcome.problems = all_problems
    outcome.rows_rejected = error_rows.len()
    outcome.warnings = all_problems.filter(pl.col("severity") == WARNING).height
    # Whose rejected rows they are, so that each municipality's quality page counts only its own.
    ctx.rejected_by_municipality = dict(
        result.frame.filter(pl.col("_row").is_in(error_rows.implode()))
        .group_by(pl.col("municipality_code").fill_null(""))
        .agg(pl.col("_row").n_unique())
        .rows()
    )
    # The file as read is no longer needed (``frame`` is its normalised copy): a million rows held twice, then
    # three times while writing, were the import's peak memory.
    result.frame = result.frame.clear()
    if outcome.rows_rejected and ctx.on_error == OnError.REJECT:
        outcome.status = REJECTED
        outcome.message = f"Archivo rechazado: {outcome.rows_rejected} fila(s) con errores. No se escribió nada. " + (
            "Corrija el archivo o elija «Omitir las filas inválidas» en «Ante filas inválidas» para importar "
            "solo las filas válidas."
            if ctx.origin.startswith("web")
            else "Corrija el archivo o use --on-error skip para importar solo las filas válidas."
        )
        return None
    frame = frame.filter(~pl.col("_row").is_in(error_rows.implode()))
    if frame.is_empty():
        outcome.status = REJECTED
        outcome.message = "Ninguna fila es válida; no se escribió nada."
        return None
    outcome.rows_accepted = frame.get_column("_row").n_unique()
    return frame


@dataclass
class _Written:
    """What writing the facts changed, for the dataset's change summary."""

    cells: pl.DataFrame  # month × category before/after
    period_column: str
    absent: int  # stored values of the covered period that the file does not carry


def _write_facts_and_cube(
    ctx: _Context, outcome: ImportOutcome, frame: pl.DataFrame, dataset: Dataset, source: str, started: float
) -> _Written:
    """Write the incidents or published counts (new versions supersede, nothing is deleted), then the cube."""
    if ctx.spec.kind == "incidents":
        changes = _write_incidents(frame, dataset, source, ctx.replace)
        outcome.rows_new, outcome.rows_changed, outcome.rows_unchanged = changes.counts
        cells = pl.concat(changes.cells, how="diagonal_relaxed") if changes.cells else pl.DataFrame()
        written = _Written(cells, "month", changes.absent)
        ctx.timings["escritura"] = time.perf_counter() - started
        started = time.perf_counter()
        ctx.report(85, "actualización del cubo")
        for fresh in changes.fresh:
            writing.insert_cube_cells(fresh)
        for municipality_id, (first, last) in changes.ranges.items():
            writing.refresh_cube_from_incidents(municipality_id, source, first, last)
    else:
        ranges, cells = _write_aggregates(frame, dataset, source, ctx.replace)
        change = cells.get_column("change")
        outcome.rows_new = int((change == NEW).sum())
        outcome.rows_changed = int((change == CHANGED).sum())
        outcome.rows_unchanged = int((change == "igual").sum())
        written = _Written(cells, "period_start", int((change == ABSENT).sum()))
        ctx.timings["escritura"] = time.perf_counter() - started
        started = time.perf_counter()
        ctx.report(85, "actualización del cubo")
        for municipality_id, (first, last) in ranges.items():
            writing.refresh_cube_from_published(municipality_id, source, first, last)
    ctx.timings["cubo"] = time.perf_counter() - started
    return written


def _run_derived_steps(ctx: _Context, municipality_ids: list[int], source: str, dataset: Dataset) -> None:
    """The after-import steps inside the transaction (indicator values), timed one by one; the after-commit
    ones (alerts) are left for :func:`import_file` to run once the data is committed."""
    started = time.perf_counter()
    for callback in AFTER_IMPORT:
        step = time.perf_counter()
        callback(municipality_ids, source, dataset)
        ctx.timings[f"derivados:{callback.__module__}"] = time.perf_counter() - step
    ctx.timings["derivados"] = time.perf_counter() - started
    ctx.after_commit = (municipality_ids, source, dataset)


def _official_name_problems(frame: pl.DataFrame) -> pl.DataFrame:
    """A file that names a municipality differently from the official list (INEGI, SUBDERE) may have the wrong
    code: warn once per municipality, on its first row."""
    if "municipality_name" not in frame.columns:
        return problem_frame()
    pairs = (
        frame.filter(pl.col("municipality_name").is_not_null())
        .group_by("municipality_code", "municipality_name")
        .agg(pl.col("_row").min())
        .sort("_row")
    )
    countries = dict(Municipality.objects.values_list("code", "country__code"))
    rows = []
    for code, written, row in pairs.iter_rows():
        entry = official.lookup(code, countries.get(code))
        if entry is not None and not official.same_name(str(written), entry.name):
            reason = (
                f"El archivo llama «{written}» al municipio {code}, cuyo nombre oficial es «{entry.name}» "
                f"({entry.region}): revise que el código sea el correcto."
            )
            rows.append((row, "municipio", str(written), reason, WARNING))
    return problem_frame(rows)


def _crosswalk_coverage(frame: pl.DataFrame, catalogue: Catalogue, resolution: CategoryResolution, kind: str) -> dict:
    """How much of the file the crosswalk understands: labels mapped, discovered, and the share of cases left
    out of every family until an analyst maps them."""
    mapped = mapped_category_ids(catalogue)
    weight = pl.len() if kind == "incidents" else pl.col("count").sum()
    by_label = frame.group_by("category_path", "category_id").agg(weight.alias("cases"))
    is_mapped = pl.col("category_id").is_in(list(mapped))
    total = int(by_label.get_column("cases").sum() or 0)
    unmapped = by_label.filter(~is_mapped).sort("cases", descending=True)
    unmapped_cases = int(unmapped.get_column("cases").sum() or 0)
    return {
        "etiquetas": by_label.height,
        "mapeadas": by_label.filter(is_mapped).height,
        "descubiertas": len(resolution.discovered),
        "por_ultimo_nivel": resolution.by_last_level,
        "ambiguas": resolution.ambiguous,
        "sin_mapeo": unmapped.get_column("category_path").head(50).to_list(),
        "casos": total,
        "casos_sin_mapeo": unmapped_cases,
        "porcentaje_sin_mapeo": round(100 * unmapped_cases / total, 2) if total else 0.0,
    }


def _coverage_problem(coverage: dict) -> pl.DataFrame:
    rows = []
    share = str(coverage["porcentaje_sin_mapeo"]).replace(".", ",")  # Spanish decimal comma, as the pages show it
    if coverage["casos_sin_mapeo"]:
        rows.append(
            (
                None,
                "categoría",
                ", ".join(coverage["sin_mapeo"][:5]),
                f"{share} % de los casos ({coverage['casos_sin_mapeo']} de "
                f"{coverage['casos']}) están en {coverage['etiquetas'] - coverage['mapeadas']} categoría(s) sin "
                "mapeo: se guardan, pero no entran en ninguna familia hasta que se mapeen (Administración → "
                "Correspondencias).",
                WARNING,
            )
        )
    for label, path in coverage["por_ultimo_nivel"].items():
        rows.append(
            (
                None,
                "categoría",
                label,
                f"Se identificó por su último nivel: es «{path}», la única ruta del catálogo que termina así.",
                WARNING,
            )
        )
    for label, paths in coverage["ambiguas"].items():
        rows.append(
            (
                None,
                "categoría",
                label,
                "Sin su categoría superior es ambigua: " + "; ".join(f"«{p}»" for p in paths) + ". Se conserva como "
                "categoría nueva; incluya la columna de la categoría superior o mapéela a mano.",
                WARNING,
            )
        )
    return problem_frame(rows)


def _count_parents_once(frame: pl.DataFrame, catalogue: Catalogue) -> tuple[pl.DataFrame, list[dict], pl.DataFrame]:
    """Drop a parent category published next to children that add up to it (it would count twice in its
    family); keep and report one whose children do not add up."""
    checks = check_published_parents(frame, parent_map(catalogue))
    if not checks:
        return frame, [], problem_frame()
    ids = {c.parent_id for c in checks} | {i for c in checks for i in c.children_ids}
    labels = dict(SourceCategory.objects.filter(pk__in=ids).values_list("pk", "label"))
    dropped, counted_once, rows = [], [], []
    for check in checks:
        parent = labels.get(check.parent_id, str(check.parent_id))
        children = ", ".join(f"«{labels.get(i, i)}»" for i in check.children_ids)
        if check.redundant:
            dropped.append(check.parent_id)
            counted_once.append(
                {"categoria": parent, "hijas": [labels.get(i) for i in check.children_ids], "celdas": check.cells}
            )
            reason = (
                f"«{parent}» se publica junto con sus subcategorías {children}, que suman lo mismo en "
                f"cada una de sus celdas ({check.cells}): se cuenta una sola vez (por sus subcategorías)."
            )
            rows.append((None, "categoría", parent, reason, WARNING))
        else:
            reason = (
                f"«{parent}» se publica junto con sus subcategorías {children}, pero no suman lo mismo en "
                f"{check.cells - check.equal_cells} de {check.cells} celdas (diferencia total {check.difference}): "
                "se conservan ambas y el total de la familia puede contar casos dos veces; revise el catálogo."
            )
            rows.append((None, "categoría", parent, reason, WARNING))
    if dropped:
        frame = frame.filter(~pl.col("category_id").is_in(dropped))
    return frame, counted_once, problem_frame(rows)


def _wide_file_problem(frame: pl.DataFrame) -> pl.DataFrame:
    """Warn when most located points lie outside: the file covers other municipalities too (a city-wide file),
    so its records without coordinates — counted where the file or the user placed them — may not all be ours."""
    status = frame.get_column("location_status")
    located = int(status.is_in(["ok", "sin_territorio", "fuera_del_municipio"]).sum())
    outside = int((status == LocationStatus.OUTSIDE).sum())
    missing = int((status == LocationStatus.MISSING).sum())
    if not located or outside * 2 <= located or not missing:
        return problem_frame()
    return problem_frame(
        [
            (
                None,
                "latitud, longitud",
                f"{outside} de {located}",
                f"{outside} de {located} puntos caen fuera del municipio: el archivo parece cubrir otros municipios. "
                f"Sus {missing} registros sin coordenadas se cuentan en el municipio declarado; revíselos o "
                "impórtelos por separado.",
                WARNING,
            )
        ]
    )


def changes_summary(cells: pl.DataFrame, period: str, replace: bool, absent_values: int) -> dict:
    """What this version did to the stored values, by month and category, with totals (labels, not ids)."""
    if cells.is_empty():
        return {}
    summary = summarise_changes(cells, period, "category_id", replace)
    ids = {int(row["category_id"]) for row in summary["detalle"] if row.get("category_id") is not None}
    labels = dict(SourceCategory.objects.filter(pk__in=ids).values_list("pk", "path"))
    for row in summary["detalle"]:
        key = row.pop("category_id", None)
        row["categoria"] = labels.get(int(key), key) if key is not None else None
        row["periodo"] = row.pop(period, None)
    summary["ausentes"] = absent_values
    return summary


def _absent_problem(absent: int, kind: str, replace: bool) -> pl.DataFrame:
    what = "registros" if kind == "incidents" else "valores"
    if replace:
        reason = (
            f"{absent} {what} guardados de los periodos que cubre esta versión no vienen en el archivo y se "
            "quitaron (--replace). Las versiones anteriores se conservan: atalaya datasets rollback las restaura."
        )
    else:
        reason = (
            f"{absent} {what} guardados de los periodos que cubre esta versión no vienen en el archivo y se "
            "conservan sin cambios (¿archivo incompleto?). Para quitarlos, importe con --replace (en la web, "
            "marque «Quitar también…» antes de confirmar)."
        )
    return problem_frame([(None, "", str(absent), reason, WARNING)])


def _catalogue_for(source: str, labels: list[str], ctx: _Context) -> Catalogue:
    try:
        return choose_catalogue(source, labels, ctx.catalogue_version)
    except LookupError:
        if ctx.catalogue_version and Catalogue.objects.filter(source=source).exists():
            raise UsageError(
                _("El catálogo «%(source)s %(version)s» no existe.")
                % {"source": source, "version": ctx.catalogue_version}
            ) from None
        # A source Atalaya has no catalogue for (a local police system): create an empty one; every label
        # becomes a discovered category waiting to be mapped.
        catalogue, _created = Catalogue.objects.get_or_create(
            source=source,
            version=ctx.catalogue_version or "1",
            defaults={
                "name": f"Catálogo propio «{source}»",
                "description": "Creado automáticamente en la primera importación.",
            },
        )
        return catalogue


def _cutoff(result: ReadResult, period_end: dt.date | None, kind: str) -> dt.date | None:
    explicit = result.meta.get("cutoff")
    if explicit:
        return dt.date.fromisoformat(explicit)
    if period_end is None:
        return None
    if kind == "aggregates":  # monthly counts: the cut-off is the end of the last published month
        return month_end(period_end)
    return period_end


def _by_municipality(frame: pl.DataFrame, column: str):
    """``((key,), part)`` per municipality; a file of one municipality (the usual case) is given back as it is,
    since grouping copies every column of every row (a million incidents: a few hundred megabytes)."""
    keys = frame.get_column(column).unique(maintain_order=True)
    if keys.len() == 1:
        return [((keys[0],), frame)]
    return frame.group_by([column], maintain_order=True)


def _assign_territories(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Leaf territory and location status for every incident, one vectorised pass per municipality."""
    parts, problems = [], []
    for (municipality_id,), part in _by_municipality(frame, "municipality_code"):
        municipality = Municipality.objects.get(code=municipality_id)
        leaves = list(
            Territory.objects.filter(municipality=municipality, children__isnull=True).values_list(
                "pk", "code", "geometry"
            )
        )
        ids = np.array([t[0] for t in leaves], dtype=np.int64)
        geoms = shapely.from_wkb(np.array([bytes(t[2]) if t[2] else None for t in leaves], dtype=object))
        boundary = shapely.from_wkb(bytes(municipality.boundary)) if municipality.boundary else None
        if not leaves and boundary is None and part.get_column("lat").is_not_null().any():
            problems.append(
                problem_frame(
                    [
                        (
                            None,
                            "latitud, longitud",
                            municipality.code,
                            "El municipio no tiene límites ni territorios cargados: los puntos se guardan sin "
                            "territorio. Importe los límites (formato boundaries) y vuelva a importar.",
                            WARNING,
                        )
                    ]
                )
            )
        lon = part.get_column("lon").to_numpy().astype(float)
        lat = part.get_column("lat").to_numpy().astype(float)
        index, status = assign_points(lon, lat, geoms, boundary)
        territory_ids = np.where(index >= 0, ids[np.clip(index, 0, None)] if len(ids) else -1, -1)
        part = part.with_columns(
            pl.Series("territory_id", territory_ids).replace(-1, None).cast(pl.Int64),
            pl.Series("location_status", status).replace_strict(dict(enumerate(STATUSES)), return_dtype=pl.String),
        )
        if part.get_column("territory_code").is_not_null().any():
            # The file names the territory: it wins over the point (and fills it when coordinates are missing).
            by_code = {
                t[1]: t[0] for t in Territory.objects.filter(municipality=municipality).values_list("pk", "code")
            }
            given = part.get_column("territory_code").replace_strict(by_code, default=None, return_dtype=pl.Int64)
            unknown = part.filter(pl.col("territory_code").is_not_null() & given.is_null())
            problems.append(
                problems_where(
                    unknown,
                    pl.lit(True),
                    "territorio",
                    pl.col("territory_code"),
                    "Código de territorio desconocido en este municipio; se usa la ubicación del punto.",
                    WARNING,
                )
            )
            part = part.with_columns(
                pl.coalesce(given, pl.col("territory_id")).alias("territory_id"),
                pl.when(given.is_not_null())
                .then(pl.lit("ok"))
                .otherwise(pl.col("location_status"))
                .alias("location_status"),
            )
        outside = part.filter(pl.col("location_status") == "fuera_del_municipio")
        problems.append(
            problems_where(
                outside,
                pl.lit(True),
                "latitud, longitud",
                pl.format("{}, {}", pl.col("lat"), pl.col("lon")),
                "El punto cae fuera del municipio; se conserva marcado «fuera del municipio».",
                WARNING,
            )
        )
        parts.append(part)
    merged = (
        (parts[0] if len(parts) == 1 else pl.concat(parts))
        if parts
        else frame.with_columns(
            pl.lit(None, pl.Int64).alias("territory_id"), pl.lit(None, pl.String).alias("location_status")
        )
    )
    return merged, concat_problems(problems)


INCIDENT_COLUMNS = [
    "dataset_id",
    "municipality_id",
    "territory_id",
    "category_id",
    "source",
    "record_id",
    "occurred_on",
    "occurred_time",
    "time_precision",
    "lat",
    "lon",
    "location_status",
    "attributes",
]
_COMPARED = ["category_id", "occurred_on", "occurred_time", "lat", "lon", "territory_id", "location_status"]


@dataclass
class _IncidentChanges:
    counts: tuple[int, int, int]  # new, changed, unchanged
    fresh: list[pl.DataFrame]  # first import of a source in a municipality: cube cells come from memory
    ranges: dict[int, tuple[dt.date, dt.date]]  # otherwise: date ranges to rebuild from the database
    cells: list[pl.DataFrame] = field(default_factory=list)  # month × category before/after, for the report
    absent: int = 0  # stored records of the covered period that the file does not carry


def month_cells(frame: pl.DataFrame, value: str) -> pl.DataFrame:
    """Counted incidents by month and category: the cells a release adds, changes or leaves absent."""
    return (
        writing.counted(frame)
        .group_by(pl.col("occurred_on").dt.truncate("1mo").alias("month"), "category_id")
        .agg(pl.len().cast(pl.Int64).alias(value))
    )


def _write_incidents(frame: pl.DataFrame, dataset: Dataset, source: str, replace: bool) -> _IncidentChanges:
    """Insert new records, supersede changed ones (the old version is kept), leave identical ones alone.

    Stored records of the period the file covers that it does not carry stay current unless ``replace``.
    """
    changes = _IncidentChanges(counts=(0, 0, 0), fresh=[], ranges={})
    new_total = changed_total = same_total = 0
    frame = frame.with_columns(pl.lit(dataset.pk).alias("dataset_id"), pl.lit(source).alias("source"))
    for (municipality_id,), part in _by_municipality(frame, "municipality_id"):
        stored = writing.existing_incidents(municipality_id, source)
        if stored.is_empty():
            bulk_insert(Incident._meta.db_table, INCIDENT_COLUMNS, part.select(INCIDENT_COLUMNS))
            new_total += part.height
            changes.fresh.append(part)
            changes.cells.append(
                month_cells(part, "new").with_columns(
                    pl.lit(None, pl.Int64).alias("old"), pl.lit(None, pl.Int64).alias("id"), pl.lit(NEW).alias("change")
                )
            )
            continue
        first, last = part.get_column("occurred_on").min(), part.get_column("occurred_on").max()
        covered = stored.filter(pl.col("occurred_on").is_between(first, last))
        joined = part.join(stored, on="record_id", how="left", suffix="_old")
        is_new = pl.col("category_id_old").is_null()
        differs = pl.any_horizontal([~pl.col(c).eq_missing(pl.col(f"{c}_old")) for c in _COMPARED])
        to_write = joined.filter(is_new | differs)
        replaced = joined.filter(~is_new & differs).select("record_id", pl.col("occurred_on_old").alias("occurred_on"))
        absent = covered.join(part.select("record_id"), on="record_id", how="anti")
        superseded = pl.concat([replaced, absent.select("record_id", "occurred_on")]) if replace else replaced
        same_total += joined.height - to_write.height
        writing.supersede_incidents(municipality_id, source, superseded.get_column("record_id").to_list(), dataset.pk)
        bulk_insert(Incident._meta.db_table, INCIDENT_COLUMNS, to_write.select(INCIDENT_COLUMNS))
        changed_total += replaced.height
        new_total += to_write.height - replaced.height
        dates = pl.concat([to_write.get_column("occurred_on"), superseded.get_column("occurred_on")])
        if dates.len():
            changes.ranges[municipality_id] = (dates.min(), dates.max())
        changes.absent += absent.height
        kept = absent.head(0) if replace else absent
        cell_columns = ["occurred_on", "category_id", "location_status"]
        after = pl.concat([kept.select(cell_columns), part.select(cell_columns)])
        changes.cells.append(
            diff_release(month_cells(covered, "count"), month_cells(after, "count"), ["month", "category_id"])
        )
    changes.counts = (new_total, changed_total, same_total)
    return changes


_AGGREGATE_COLUMNS = [
    "dataset_id",
    "municipality_id",
    "category_id",
    "source",
    "period_start",
    "measure",
    "sex",
    "age_group",
    "count",
]


def _write_aggregates(frame: pl.DataFrame, dataset: Dataset, source: str, replace: bool) -> tuple[dict, pl.DataFrame]:
    """A newer release revises the stored counts of the months it covers; superseded values are kept.

    A stored cell of a covered month that the release does not carry is kept unless ``replace`` (a truncated
    download must not delete what it lacks). Returns the month ranges to refresh and the labelled cells.
    """
    frame = frame.with_columns(
        pl.lit(dataset.pk).alias("dataset_id"),
        pl.lit(source).alias("source"),
        pl.col("sex").fill_null(""),
        pl.col("age_group").fill_null(""),
    )
    # Several source rows can fall into one cell (e.g. sexo «No especificado» and «No identificado» kept apart
    # upstream but equal here); sum them so that the unique constraint holds.
    frame = frame.group_by(
        ["municipality_id", "category_id", "source", "period_start", "measure", "sex", "age_group"]
    ).agg(pl.col("count").sum().cast(pl.Int64), pl.col("dataset_id").first())
    ranges, labelled = {}, []
    keys = ["category_id", "period_start", "sex", "age_group"]
    for (municipality_id, measure), part in frame.group_by(["municipality_id", "measure"], maintain_order=True):
        months = part.get_column("period_start").unique().sort().to_list()
        stored = writing.current_aggregates(municipality_id, source, measure, months)
        diff = diff_release(stored, part, keys)
        gone = [CHANGED, ABSENT] if replace else [CHANGED]
        writing.supersede_rows(AggregateCount, diff.filter(pl.col("change").is_in(gone)).get_column("id"), dataset.pk)
        written = part.join(diff.filter(pl.col("change").is_in([NEW, CHANGED])).select(keys), on=keys, how="semi")
        bulk_insert(AggregateCount._meta.db_table, _AGGREGATE_COLUMNS, written.select(_AGGREGATE_COLUMNS))
        labelled.append(diff.with_columns(pl.lit(measure).alias("measure")))
        first, last = months[0], months[-1]
        old = ranges.get(municipality_id)
        ranges[municipality_id] = (min(first, old[0]), max(last, old[1])) if old else (first, last)
    return ranges, pl.concat(labelled, how="diagonal_relaxed") if labelled else pl.DataFrame()


def _summary(outcome: ImportOutcome, result: ReadResult, catalogue: Catalogue, discovered: list[str]) -> dict:
    reasons = (
        outcome.problems.group_by(["severity", "reason"])
        .agg(pl.len().alias("n"))
        .sort("n", descending=True)
        .head(20)
        .to_dicts()
    )
    return {
        "catalogo": str(catalogue),
        "categorias_nuevas": discovered[:100],
        "motivos": reasons,
        "codificacion": result.meta.get("encoding"),
        "segundos_lectura": result.meta.get("parse_seconds"),
        "medida": result.meta.get("measure"),
        "corte": result.meta.get("cutoff"),
        "origen_corte": result.meta.get("cutoff_source"),
        "nuevas": outcome.rows_new,
        "modificadas": outcome.rows_changed,
        "sin_cambio": outcome.rows_unchanged,
    }


def _import_territories(ctx: _Context, outcome: ImportOutcome) -> None:
    """Create or update territories (by code) of one municipality at one level, with their populations.

    Only this municipality's features are used: at the municipality level the feature with its code, at lower
    levels the features inside it (:mod:`atalaya.analysis.scope`). Problems of the other features are noted but
    never decide the fate of the file.
    """
    result, municipality = ctx.result, ctx.municipality
    level = (ctx.level or "").strip()
    if not level:
        raise UsageError(_("Indique el nivel territorial con --level (p. ej. sector, cuadrante, municipio)."))
    is_municipality_level = level.casefold() in MUNICIPALITY_LEVELS
    frame = result.frame
    scoped = _territory_scope(ctx, outcome, frame, is_municipality_level)
    if scoped is None:
        return
    scope, notes = scoped
    problems = concat_problems(
        [
            _scope_problems(result.problems, frame.filter(scope.keep).get_column("_row")),
            problem_frame([(None, "", "", note, WARNING) for note in notes]),
        ]
    )
    outcome.problems = problems
    outcome.rows_rejected = _count_rows(problems, ERROR)
    outcome.warnings = problems.filter(pl.col("severity") == WARNING).height
    # The file as read is no longer needed (``frame`` is its normalised copy): a million rows held twice, then
    # three times while writing, were the import's peak memory.
    result.frame = result.frame.clear()
    if outcome.rows_rejected and ctx.on_error == OnError.REJECT:
        outcome.status = REJECTED
        outcome.message = (
            f"Archivo rechazado: {outcome.rows_rejected} territorio(s) de {municipality.name} con errores. "
            "No se escribió nada."
        )
        return
    bad = problems.filter(pl.col("severity") == ERROR).get_column("row").drop_nulls()
    frame = frame.filter(scope.keep & ~pl.col("_row").is_in(bad.implode()))
    if frame.is_empty():
        outcome.status = REJECTED
        outcome.message = f"Ningún territorio del archivo pertenece a {municipality.name}; no se escribió nada."
        return
    started = time.perf_counter()
    outcome.rows_read = result.rows_read
    dataset = _record_dataset(
        outcome,
        DatasetStatus.IMPORTED,
        spec=ctx.spec,
        path=ctx.path,
        sha=ctx.sha,
        user=ctx.user,
        on_error=ctx.on_error,
        source="boundaries",
        rows_accepted=frame.height,
        rows_out_of_scope=outcome.rows_out_of_scope,
        options=ctx.options,
        options_sha256=ctx.options_sha,
        summary={"nivel": level, "crs": result.meta.get("crs"), "capa": result.meta.get("layer"), "notas": notes},
    )
    dataset.municipalities.set([municipality.pk])
    if is_municipality_level:
        _write_municipality_boundary(ctx, frame)
    elif not _write_territories(ctx, outcome, frame, level):
        return
    ctx.timings["escritura"] = time.perf_counter() - started
    outcome.rows_accepted = frame.height
    outcome.dataset = dataset
    outcome.status = IMPORTED
    outcome.message = f"Importados {frame.height} territorio(s) de nivel «{level}» en {municipality.name}." + "".join(
        f" {note}" for note in notes
    )
    log_change(
        user=ctx.user,
        action="importar",
        obj=dataset,
        municipality=municipality,
        origin=ctx.origin,
        message=outcome.message,
    )


def _territory_scope(ctx: _Context, outcome: ImportOutcome, frame: pl.DataFrame, is_municipality_level: bool):
    """Which features are the municipality's (``(scope, notes)``), or ``None`` when the file has none of it
    at the municipality level (the outcome says which codes it has)."""
    result, municipality = ctx.result, ctx.municipality
    if is_municipality_level:
        scope = municipality_feature(frame, municipality.code)
        if scope.kept == 0:
            codes = frame.get_column("code").drop_nulls().unique().sort().head(30).to_list()
            outcome.status = REJECTED
            outcome.problems = problem_frame(
                [(None, result.meta.get("code_column"), municipality.code, _no_feature_message(municipality), ERROR)]
            )
            outcome.message = (
                f"Archivo rechazado: ningún objeto tiene el código {municipality.code} ({municipality.name}). "
                f"Códigos encontrados ({frame.height} objetos): {', '.join(codes)}. "
                "Indique la columna del código con --code-column."
            )
            return None
    else:
        boundary = shapely.from_wkb(bytes(municipality.boundary)) if municipality.boundary else None
        scope = features_of_municipality(frame, municipality.code, boundary)
    notes = [result.meta["layer_note"]] if result.meta.get("layer_note") else []
    outcome.rows_out_of_scope = scope.dropped
    if scope.dropped:
        notes.append(
            f"Se usaron {scope.kept} de {frame.height} objetos ({scope.how}); "
            f"{scope.dropped} son de otros municipios y no se importan."
        )
    if is_municipality_level:
        chosen = frame.filter(scope.keep).row(0, named=True)
        notes.append(
            f"Límite municipal tomado del objeto «{chosen['code']}» ({chosen['name']}), fila {chosen['_row']}."
        )
        if chosen["name"] and normalise(chosen["name"]) != normalise(municipality.name):
            notes.append(
                f"El nombre en el archivo («{chosen['name']}») no coincide con el del municipio «{municipality.name}»."
            )
    return scope, notes


def _write_municipality_boundary(ctx: _Context, frame: pl.DataFrame) -> None:
    """The municipality's own outline (the union of its features), and its population when the file has one."""
    municipality = ctx.municipality
    geoms = shapely.from_wkb(frame.get_column("geometry").to_list())
    municipality.boundary = shapely.to_wkb(shapely.union_all(geoms))
    municipality.save(update_fields=["boundary"])
    if ctx.population_year and frame.get_column("population").is_not_null().any():
        Population.objects.update_or_create(
            municipality=municipality,
            territory=None,
            year=ctx.population_year,
            defaults={"value": int(frame.get_column("population").drop_nulls().sum()), "source": ctx.file_name},
        )


def _write_territories(ctx: _Context, outcome: ImportOutcome, frame: pl.DataFrame, level: str) -> bool:
    """Create or update each territory by code, with its parent and population. ``False`` when a parent is
    missing and the file is rejected (the transaction is marked for rollback)."""
    municipality = ctx.municipality
    existing = {t.code: t for t in Territory.objects.filter(municipality=municipality)}
    missing_parents = []
    for row in frame.iter_rows(named=True):
        territory = existing.get(row["code"]) or Territory(municipality=municipality, code=row["code"])
        territory.name = row["name"] or row["code"]
        territory.level = level
        territory.geometry = row["geometry"]
        parent_code = row["parent_code"]
        if parent_code:
            parent = existing.get(parent_code)
            if parent is None:
                missing_parents.append((row["_row"], parent_code))
            territory.parent = parent
        territory.save()
        existing[territory.code] = territory
        if ctx.population_year and row["population"] is not None:
            Population.objects.update_or_create(
                municipality=municipality,
                territory=territory,
                year=ctx.population_year,
                defaults={"value": row["population"], "source": ctx.file_name},
            )
    if not missing_parents:
        return True
    extra = problem_frame(
        [(r, "padre", code, "El territorio padre no existe en este municipio.", ERROR) for r, code in missing_parents]
    )
    outcome.problems = concat_problems([outcome.problems, extra])
    outcome.rows_rejected += len(missing_parents)
    if ctx.on_error != OnError.REJECT:
        return True
    outcome.status = REJECTED
    outcome.message = "Archivo rechazado: hay territorios cuyo padre no existe. No se escribió nada."
    transaction.set_rollback(True)
    return False


MUNICIPALITY_LEVELS = ("municipio", "comuna", "municipality", "alcaldia", "alcaldía")


def _no_feature_message(municipality: Municipality) -> str:
    return f"Ningún objeto del archivo tiene el código del municipio {municipality.code} ({municipality.name})."


def _scope_problems(problems: pl.DataFrame, in_scope_rows: pl.Series) -> pl.DataFrame:
    """Problems of rows outside the observatory's scope stay in the report as notes, never as errors."""
    outside = pl.col("row").is_not_null() & ~pl.col("row").is_in(in_scope_rows.implode())
    return problems.with_columns(
        pl.when(outside).then(pl.lit(WARNING)).otherwise(pl.col("severity")).alias("severity"),
        pl.when(outside)
        .then(pl.lit("Fila de otro municipio (no se importa): ") + pl.col("reason"))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    )


def _write_report(problems: pl.DataFrame, dataset: Dataset | None, sha: str, dry_run: bool) -> Path | None:
    """Save the problems as CSV (UTF-8 with BOM so that Excel opens accents correctly)."""
    reports_dir = Path(settings.REPORTS_DIR)
    reports_dir.mkdir(parents=True, exist_ok=True)
    if dataset is not None:
        name = f"conjunto-{dataset.pk}-informe.csv"
    else:
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        name = f"{'simulacion' if dry_run else 'rechazo'}-{stamp}-{sha[:10]}.csv"
    path = reports_dir / name
    out = problems.rename(
        {"row": "fila", "column": "columna", "value": "valor", "reason": "motivo", "severity": "gravedad"}
    )
    export_csv(out, path, bom=True)
    return path


def _finish_rejected(outcome, sha, path, spec, user, on_error, dry_run, municipality=None) -> None:
    """Record a rejected attempt (provenance only: no data is written) and its report."""
    outcome.status = REJECTED
    outcome.rows_rejected = outcome.rows_rejected or _count_rows(outcome.problems, ERROR)
    if dry_run:
        outcome.report_path = _write_report(outcome.problems, None, sha, dry_run)
        return
    outcome.report_path = _write_report(outcome.problems, None, sha, dry_run)
    dataset = _record_dataset(
        outcome,
        DatasetStatus.REJECTED,
        spec=spec,
        path=path,
        sha=sha,
        user=user,
        on_error=on_error,
        source=spec.catalogue_source or spec.name,
        report_path=str(outcome.report_path),
        summary={"mensaje": outcome.message},
    )
    if municipality is not None:  # so that the municipality's analysts see their rejected attempts
        dataset.municipalities.set([municipality.pk])


def _record_dataset(
    outcome: ImportOutcome, status: str, *, spec, path: Path, sha: str, user, on_error: str, **fields
) -> Dataset:
    """The provenance record of one import attempt: what file, by whom, how many rows went where."""
    return Dataset.objects.create(
        format=spec.name,
        file_name=outcome.file_name,
        file_sha256=sha,
        file_size=path.stat().st_size,
        status=status,
        on_error=on_error,
        rows_read=outcome.rows_read,
        rows_rejected=outcome.rows_rejected,
        warnings=outcome.warnings,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        **fields,
    )
