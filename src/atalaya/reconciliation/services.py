"""Running a reconciliation, recording analysts' decisions and the monthly table of the agreed figure."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time

import polars as pl
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from atalaya.analysis.reconciliation import RECORD_COLUMNS, events_of, reconcile_sources
from atalaya.analysis.releases import ABSENT, diff_release
from atalaya.analysis.tabular import export_csv
from atalaya.core.changelog import log_change
from atalaya.core.frames import bulk_insert
from atalaya.datasets import writing
from atalaya.datasets.choices import DatasetStatus
from atalaya.datasets.importing import INCIDENT_COLUMNS, changes_summary, month_cells
from atalaya.datasets.models import Dataset, Incident
from atalaya.geo.models import Municipality
from atalaya.hooks import derived_steps
from atalaya.taxonomy.models import Family
from atalaya.taxonomy.services import harmonised_table

from .models import PairDecision, PairStatus, ReconciledPair, Reconciliation, Verdict

#: The source under which published agreed figures are stored (indicators and alerts read it like any other).
AGREED_SOURCE = "conciliada"


class ReconciliationError(ValueError):
    """A request that cannot be reconciled (unknown family, same source twice, no records); message in Spanish."""


def record_key(source: str, record_id: str) -> str:
    """The stable name of a record across imports and runs."""
    return f"{source}:{record_id}"


#: Columns of a source's records kept for publishing the agreed events (the representative record's own values).
_PUBLISHED_FIELDS = ["category_id", "territory_id", "occurred_time", "time_precision", "location_status"]


def source_records(municipality: Municipality, family: Family, source: str, start: dt.date, end: dt.date):
    """The municipality's own current incidents of one source and family in the period, as the engine wants
    them (sex and age come from the record's attributes when the source published them), with what a
    published agreed event copies from the record that stands for it."""
    categories = harmonised_table().filter(pl.col("family_code") == family.code).get_column("category_id").to_list()
    rows = (
        Incident.objects.current()
        .counted()
        .filter(municipality=municipality, source=source, category_id__in=categories, occurred_on__range=(start, end))
        .values_list("record_id", "occurred_on", "lat", "lon", "attributes", *_PUBLISHED_FIELDS)
    )
    records = [
        (
            record_key(source, record_id),
            family.code,
            day.toordinal(),
            day,
            lat,
            lon,
            _attribute(attributes, ("sexo", "sex")),
            _age(_attribute(attributes, ("edad", "age"), whole=True)),
            *published,
        )
        for record_id, day, lat, lon, attributes, *published in rows.iterator(chunk_size=20_000)
    ]
    schema = {
        "key": pl.String,
        "family": pl.String,
        "day": pl.Int64,
        "occurred_on": pl.Date,
        "lat": pl.Float64,
        "lon": pl.Float64,
        "sex": pl.String,
        "age": pl.Int64,
        "category_id": pl.Int64,
        "territory_id": pl.Int64,
        "occurred_time": pl.Time,
        "time_precision": pl.String,
        "location_status": pl.String,
    }
    return pl.DataFrame(records, schema=schema, orient="row")


def _attribute(attributes: dict | None, names: tuple[str, ...], *, whole: bool = False) -> str | None:
    """The first of ``names`` the record carries; sex is compared by its first letter (H/M, F/M…)."""
    for name in names:
        value = (attributes or {}).get(name)
        if value not in (None, ""):
            text = str(value).strip().upper()
            return text if whole else text[:1]
    return None


def _age(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def live_decisions(municipality: Municipality) -> dict[str, set[tuple[str, str]]]:
    decisions = {verdict: set() for verdict in Verdict.values}
    for key_a, key_b, verdict in PairDecision.objects.filter(
        municipality=municipality, reverted_at__isnull=True
    ).values_list("key_a", "key_b", "verdict"):
        decisions[verdict].add((key_a, key_b))
    return decisions


@transaction.atomic
def run_reconciliation(
    municipality: Municipality,
    family_code: str,
    sources: list[str],
    start: dt.date,
    end: dt.date,
    *,
    days: int = 1,
    metres: int = 500,
    user=None,
) -> Reconciliation:
    """Pair two or more sources (in the order given) and store the result; the analysts' earlier decisions apply."""
    family = Family.objects.filter(code=family_code).first()
    if family is None:
        raise ReconciliationError(f"La familia «{family_code}» no existe.")
    sources = [source.strip() for source in sources]
    if len(sources) < 2:
        raise ReconciliationError("Indique al menos dos fuentes para conciliar.")
    if len(set(sources)) != len(sources):
        raise ReconciliationError("Elija fuentes distintas: una fuente no se concilia consigo misma.")
    if AGREED_SOURCE in sources:
        raise ReconciliationError(
            f"«{AGREED_SOURCE}» es el resultado de una conciliación, no una fuente que conciliar."
        )
    if start > end:
        raise ReconciliationError("La fecha inicial es posterior a la final.")
    started = time.perf_counter()
    frames = [source_records(municipality, family, source, start, end) for source in sources]
    if all(frame.is_empty() for frame in frames):
        raise ReconciliationError(
            f"Ninguna de las fuentes tiene registros de {family.name} en {municipality.name} en el periodo."
        )
    decisions = live_decisions(municipality)
    duplicates = {key for pair in decisions[Verdict.DUPLICATE] for key in pair[1:]}
    frames = [frame.filter(~pl.col("key").is_in(list(duplicates))) for frame in frames]
    result = reconcile_sources(
        [frame.select(RECORD_COLUMNS) for frame in frames],
        days=days,
        metres=metres,
        confirmed=decisions[Verdict.SAME],
        rejected=decisions[Verdict.DIFFERENT],
    )
    dates = pl.concat([frame.select("key", "occurred_on") for frame in frames])
    result = result.with_columns(pl.coalesce("key_a", "key_b").alias("_key")).join(
        dates.rename({"key": "_key"}), on="_key", how="left"
    )
    reconciliation = Reconciliation.objects.create(
        municipality=municipality,
        family=family,
        sources=sources,
        period_start=start,
        period_end=end,
        days=days,
        metres=metres,
        created_by=user,
    )
    ReconciledPair.objects.bulk_create(
        (
            ReconciledPair(
                reconciliation=reconciliation,
                stage=row["stage"],
                key_a=row["key_a"] or "",
                key_b=row["key_b"] or "",
                occurred_on=row["occurred_on"],
                days_apart=row["days_apart"],
                distance_m=row["distance_m"],
                score=row["score"],
                status=row["status"],
                decided=bool(row["decided"]),
            )
            for row in result.iter_rows(named=True)
        ),
        batch_size=5_000,
    )
    last = len(sources) - 2
    stages = []
    for stage in range(last + 1):
        counts = dict(result.filter(pl.col("stage") == stage).group_by("status").len().iter_rows())
        stages.append(
            {
                "fuentes": reconciliation.stage_label(stage),
                "coinciden": counts.get(PairStatus.MATCHED, 0),
                "conflictos": counts.get(PairStatus.CONFLICT, 0),
                "solo_a": counts.get(PairStatus.ONLY_A, 0),
                "solo_b": counts.get(PairStatus.ONLY_B, 0),
            }
        )
    by_month = (
        pl.concat([frame.select("key", "occurred_on") for frame in frames])
        .with_columns(
            pl.col("key").str.split_exact(":", 1).struct.field("field_0").alias("source"),
            pl.col("occurred_on").dt.truncate("1mo").cast(pl.String).alias("mes"),
        )
        .group_by("mes", "source")
        .len()
    )
    monthly = {}
    for month, source, count in by_month.iter_rows():
        monthly.setdefault(month, {})[source] = count
    reconciliation.summary = {
        "registros": {source: frame.height for source, frame in zip(sources, frames, strict=True)},
        "etapas": stages,
        "duplicados_excluidos": len(duplicates),
        "decisiones_aplicadas": int(result.get_column("decided").fill_null(False).sum()),
        "cifra_conciliada": events_of(result.filter(pl.col("stage") == last)).height,
        "por_mes": monthly,
    }
    reconciliation.seconds = round(time.perf_counter() - started, 3)
    reconciliation.save(update_fields=["summary", "seconds"])
    log_change(
        user=user,
        action="conciliar",
        obj=reconciliation,
        municipality=municipality,
        message=f"{family.code} {' / '.join(sources)}: {reconciliation.summary['cifra_conciliada']} hechos.",
    )
    return reconciliation


def last_stage(reconciliation: Reconciliation):
    """The pairs of the final stage: the agreed events are read from them."""
    return reconciliation.pairs.filter(stage=len(reconciliation.sources) - 2)


def monthly_table(reconciliation: Reconciliation) -> pl.DataFrame:
    """Per month: what each source counted (on its own dates) and the agreed figure (each event on the date of
    the record that stands for it) — the columns of the mesa's published table."""
    rows = last_stage(reconciliation).values_list("occurred_on", "status")
    frame = pl.DataFrame(list(rows), schema={"occurred_on": pl.Date, "status": pl.String}, orient="row")
    agreed = frame.group_by(pl.col("occurred_on").dt.truncate("1mo").cast(pl.String).alias("mes")).agg(
        pl.when(pl.col("status") == PairStatus.CONFLICT).then(2).otherwise(1).sum().cast(pl.Int64).alias("conciliada")
    )
    per_source = reconciliation.summary.get("por_mes", {})
    every_month = pl.date_range(
        reconciliation.period_start.replace(day=1), reconciliation.period_end, interval="1mo", eager=True
    )  # a month in which nobody recorded anything is a published zero, not a gap
    months = sorted(set(every_month.cast(pl.String)) | set(per_source) | set(agreed.get_column("mes").to_list()))
    table = pl.DataFrame(
        {
            "mes": months,
            **{
                source: [int(per_source.get(month, {}).get(source, 0)) for month in months]
                for source in reconciliation.sources
            },
        },
        schema={"mes": pl.String, **{source: pl.Int64 for source in reconciliation.sources}},
    )
    return (
        table.join(agreed, on="mes", how="left")
        .with_columns(pl.col("conciliada").fill_null(0), pl.col("mes").str.to_date("%Y-%m-%d"))
        .sort("mes")
    )


PAIR_FIELDS = ["stage", "key_a", "key_b", "occurred_on", "days_apart", "distance_m", "score", "status", "decided"]


def pairs_frame(reconciliation: Reconciliation, status: str | None = None) -> pl.DataFrame:
    """The pairs of a run, for review outside Atalaya (the CSV of the CLI and of the web page)."""
    pairs = reconciliation.pairs.order_by("stage", "occurred_on", "pk")
    if status:
        pairs = pairs.filter(status=status)
    return pl.DataFrame(list(pairs.values_list(*PAIR_FIELDS)), schema=PAIR_FIELDS, orient="row")


def pairs_csv(reconciliation: Reconciliation, status: str | None = None) -> str:
    return export_csv(pairs_frame(reconciliation, status))


def agreed_events(reconciliation: Reconciliation) -> pl.DataFrame:
    """One row per agreed event: ``key`` (the record that stands for it) and ``fuentes`` (every record it
    merges, across all stages) — the provenance of each published event."""
    merged: dict[str, list[str]] = {}
    for key_a, key_b in (
        reconciliation.pairs.filter(status=PairStatus.MATCHED).order_by("stage").values_list("key_a", "key_b")
    ):
        merged.setdefault(key_a, [key_a]).extend(merged.pop(key_b, [key_b]))
    pairs = list(last_stage(reconciliation).values_list("key_a", "key_b", "status"))
    frame = pl.DataFrame(pairs, schema={"key_a": pl.String, "key_b": pl.String, "status": pl.String}, orient="row")
    keys = events_of(frame.with_columns(pl.col("key_a", "key_b").replace("", None))).get_column("key").to_list()
    return pl.DataFrame(
        {"key": keys, "fuentes": [merged.get(key, [key]) for key in keys]},
        schema={"key": pl.String, "fuentes": pl.List(pl.String)},
    )


@transaction.atomic
def publish(reconciliation: Reconciliation, *, user=None, origin: str = "cli") -> Dataset:
    """Write the agreed events as the source ``conciliada``: a new version that supersedes (keeps) what an earlier
    publication wrote for the same municipality, family and period, so ``datasets rollback`` undoes it. Each event
    copies the record that stands for it and names every record it merges and the run that agreed it."""
    later = PairDecision.objects.filter(municipality=reconciliation.municipality).filter(
        Q(decided_at__gt=reconciliation.created_at) | Q(reverted_at__gt=reconciliation.created_at)
    )
    if later.exists():
        raise ReconciliationError(
            "Hay decisiones tomadas o revertidas después de esta conciliación: ejecútela de nuevo y publique la nueva."
        )
    if reconciliation.published_id:
        raise ReconciliationError(f"Esta conciliación ya se publicó (conjunto {reconciliation.published_id}).")
    municipality, family = reconciliation.municipality, reconciliation.family
    start, end = reconciliation.period_start, reconciliation.period_end
    records = pl.concat([source_records(municipality, family, source, start, end) for source in reconciliation.sources])
    events = agreed_events(reconciliation).join(records, on="key", how="left")
    if events.get_column("category_id").null_count():
        raise ReconciliationError(
            "Algunos registros de esta conciliación ya no están vigentes (hubo una importación después): "
            "ejecútela de nuevo y publique la nueva."
        )
    categories = harmonised_table().filter(pl.col("family_code") == family.code).get_column("category_id").to_list()
    stored = Incident.objects.current().filter(
        municipality=municipality,
        source=AGREED_SOURCE,
        category_id__in=categories,
        occurred_on__range=(start, end),
    )
    old = pl.DataFrame(
        list(stored.values_list("record_id", "occurred_on", "category_id", "location_status")),
        schema={"record_id": pl.String, "occurred_on": pl.Date, "category_id": pl.Int64, "location_status": pl.String},
        orient="row",
    )
    options = {
        "conciliacion": reconciliation.pk,
        "fuentes": reconciliation.sources,
        "familia": family.code,
        "desde": start.isoformat(),
        "hasta": end.isoformat(),
        "dias": reconciliation.days,
        "metros": reconciliation.metres,
        "decisiones": list(
            PairDecision.objects.filter(municipality=municipality, reverted_at__isnull=True).values_list(
                "pk", flat=True
            )
        ),
    }
    fingerprint = hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()
    dataset = Dataset.objects.create(
        format="conciliacion",
        source=AGREED_SOURCE,
        file_name=f"conciliación {reconciliation.pk}: {family.code} {' + '.join(reconciliation.sources)}",
        file_sha256=fingerprint,
        options_sha256=fingerprint,
        file_size=0,
        status=DatasetStatus.IMPORTED,
        rows_read=events.height,
        rows_accepted=events.height,
        period_start=start,
        period_end=end,
        options=options,
        replaced=True,
        created_by=user,
    )
    dataset.municipalities.set([municipality])
    writing.supersede_incidents(municipality.pk, AGREED_SOURCE, old.get_column("record_id").to_list(), dataset.pk)
    written = events.with_columns(
        pl.lit(dataset.pk, pl.Int64).alias("dataset_id"),
        pl.lit(municipality.pk, pl.Int64).alias("municipality_id"),
        pl.lit(AGREED_SOURCE).alias("source"),
        pl.col("key").alias("record_id"),
        pl.struct(pl.col("fuentes"), pl.lit(reconciliation.pk).alias("conciliacion"))
        .struct.json_encode()
        .alias("attributes"),
    ).select(INCIDENT_COLUMNS)  # the rest is the record that stands for the event, as stored
    bulk_insert(Incident._meta.db_table, INCIDENT_COLUMNS, written)
    writing.refresh_cube_from_incidents(municipality.pk, AGREED_SOURCE, start, end)
    for callback in derived_steps():
        callback([municipality.pk], AGREED_SOURCE, dataset)
    cells = diff_release(
        month_cells(old, "count"), month_cells(written, "count"), ["month", "category_id"], value="count"
    )
    dataset.changes = changes_summary(cells, "month", True, int((cells.get_column("change") == ABSENT).sum()))
    dataset.summary = {"conciliacion": reconciliation.pk, "hechos": events.height, "reemplazados": old.height}
    dataset.save(update_fields=["changes", "summary"])
    reconciliation.published = dataset
    reconciliation.save(update_fields=["published"])
    log_change(
        user=user,
        action="publicar",
        obj=dataset,
        municipality=municipality,
        origin=origin,
        message=(
            f"Cifra conciliada {family.code} {start}–{end}: {events.height} hechos (conciliación {reconciliation.pk})."
        ),
    )
    return dataset


@transaction.atomic
def decide(municipality: Municipality, key_a: str, key_b: str, verdict: str, reason: str, *, user=None) -> PairDecision:
    """Record an analyst's verdict on two records (replacing, not deleting, an earlier live one)."""
    if verdict not in Verdict.values:
        raise ReconciliationError(f"Decisión «{verdict}» desconocida: use mismo, distinto o duplicado.")
    if not reason.strip():
        raise ReconciliationError("Toda decisión lleva un motivo.")
    for earlier in PairDecision.objects.filter(
        municipality=municipality, key_a=key_a, key_b=key_b, reverted_at__isnull=True
    ):
        revert(earlier, user=user)
    decision = PairDecision.objects.create(
        municipality=municipality, key_a=key_a, key_b=key_b, verdict=verdict, reason=reason.strip(), decided_by=user
    )
    log_change(
        user=user,
        action="decidir",
        obj=decision,
        municipality=municipality,
        message=f"{key_a} / {key_b}: {decision.get_verdict_display()} — {decision.reason}",
    )
    return decision


def revert(decision: PairDecision, *, user=None) -> PairDecision:
    if decision.reverted_at is None:
        decision.reverted_at = timezone.now()
        decision.reverted_by = user
        decision.save(update_fields=["reverted_at", "reverted_by"])
        log_change(
            user=user,
            action="revertir",
            obj=decision,
            municipality=decision.municipality,
            message=f"{decision.key_a} / {decision.key_b}: se revierte «{decision.get_verdict_display()}».",
        )
    return decision
