"""Running a reconciliation, recording analysts' decisions and the monthly table of the agreed figure."""

from __future__ import annotations

import datetime as dt
import time

import polars as pl
from django.db import transaction
from django.utils import timezone

from atalaya.accounts.services import log_change
from atalaya.analysis.reconciliation import pair_records
from atalaya.datasets.models import Incident
from atalaya.geo.models import Municipality
from atalaya.taxonomy.models import Family
from atalaya.taxonomy.services import harmonised_table

from .models import PairDecision, PairStatus, ReconciledPair, Reconciliation, Verdict


class ReconciliationError(ValueError):
    """A request that cannot be reconciled (unknown family, same source twice, no records); message in Spanish."""


def record_key(source: str, record_id: str) -> str:
    """The stable name of a record across imports and runs."""
    return f"{source}:{record_id}"


def source_records(municipality: Municipality, family: Family, source: str, start: dt.date, end: dt.date):
    """The municipality's own current incidents of one source and family in the period, as the engine wants
    them (sex and age come from the record's attributes when the source published them)."""
    categories = harmonised_table().filter(pl.col("family_code") == family.code).get_column("category_id").to_list()
    rows = (
        Incident.objects.current()
        .counted()
        .filter(municipality=municipality, source=source, category_id__in=categories, occurred_on__range=(start, end))
        .values_list("record_id", "occurred_on", "lat", "lon", "attributes")
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
            _age(_attribute(attributes, ("edad", "age"))),
        )
        for record_id, day, lat, lon, attributes in rows.iterator(chunk_size=20_000)
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
    }
    return pl.DataFrame(records, schema=schema, orient="row")


def _attribute(attributes: dict | None, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = (attributes or {}).get(name)
        if value not in (None, ""):
            return str(value).strip().upper()[:1]  # H/M, F/M … compared by first letter
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
    source_a: str,
    source_b: str,
    start: dt.date,
    end: dt.date,
    *,
    days: int = 1,
    metres: int = 500,
    user=None,
) -> Reconciliation:
    """Pair the two sources and store the result; earlier decisions of the analysts are applied."""
    family = Family.objects.filter(code=family_code).first()
    if family is None:
        raise ReconciliationError(f"La familia «{family_code}» no existe.")
    if source_a == source_b:
        raise ReconciliationError("Elija dos fuentes distintas: una fuente no se concilia consigo misma.")
    if start > end:
        raise ReconciliationError("La fecha inicial es posterior a la final.")
    started = time.perf_counter()
    a = source_records(municipality, family, source_a, start, end)
    b = source_records(municipality, family, source_b, start, end)
    if a.is_empty() and b.is_empty():
        raise ReconciliationError(
            f"Ninguna de las dos fuentes tiene registros de {family.name} en {municipality.name} en el periodo."
        )
    decisions = live_decisions(municipality)
    duplicates = {key for pair in decisions[Verdict.DUPLICATE] for key in pair[1:]}
    a, b = (frame.filter(~pl.col("key").is_in(list(duplicates))) for frame in (a, b))
    result = pair_records(
        a,
        b,
        days=days,
        metres=metres,
        confirmed=decisions[Verdict.SAME],
        rejected=decisions[Verdict.DIFFERENT],
    )
    dates = pl.concat([a.select("key", "occurred_on"), b.select("key", "occurred_on")])
    result = result.with_columns(pl.coalesce("key_a", "key_b").alias("_key")).join(
        dates.rename({"key": "_key"}), on="_key", how="left"
    )
    reconciliation = Reconciliation.objects.create(
        municipality=municipality,
        family=family,
        source_a=source_a,
        source_b=source_b,
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
    counts = dict(result.group_by("status").len().iter_rows())
    reconciliation.summary = {
        "registros_a": a.height,
        "registros_b": b.height,
        "coinciden": counts.get(PairStatus.MATCHED, 0),
        "conflictos": counts.get(PairStatus.CONFLICT, 0),
        "solo_a": counts.get(PairStatus.ONLY_A, 0),
        "solo_b": counts.get(PairStatus.ONLY_B, 0),
        "duplicados_excluidos": len(duplicates),
        "decisiones_aplicadas": int(result.get_column("decided").fill_null(False).sum()),
        "cifra_conciliada": agreed_count(counts),
    }
    reconciliation.seconds = round(time.perf_counter() - started, 3)
    reconciliation.save(update_fields=["summary", "seconds"])
    log_change(
        user=user,
        action="conciliar",
        obj=reconciliation,
        municipality=municipality,
        message=f"{family.code} {source_a}/{source_b}: {reconciliation.summary['cifra_conciliada']} hechos.",
    )
    return reconciliation


def agreed_count(counts: dict) -> int:
    """Events counted once: a matched pair is one event; a conflict (victims differ) stays two until an analyst
    says it is the same event; a record found by one source only is one event."""
    return (
        counts.get(PairStatus.MATCHED, 0)
        + 2 * counts.get(PairStatus.CONFLICT, 0)
        + counts.get(PairStatus.ONLY_A, 0)
        + counts.get(PairStatus.ONLY_B, 0)
    )


def monthly_table(reconciliation: Reconciliation) -> pl.DataFrame:
    """Per month: what each source counted and the agreed figure (the columns of the mesa's published table)."""
    rows = reconciliation.pairs.values_list("occurred_on", "status")
    frame = pl.DataFrame(list(rows), schema={"occurred_on": pl.Date, "status": pl.String}, orient="row")
    if frame.is_empty():
        return pl.DataFrame(schema={"mes": pl.Date, "fuente_a": pl.Int64, "fuente_b": pl.Int64, "conciliada": pl.Int64})
    status = pl.col("status")
    return (
        frame.group_by(pl.col("occurred_on").dt.truncate("1mo").alias("mes"))
        .agg(
            status.is_in([PairStatus.MATCHED, PairStatus.CONFLICT, PairStatus.ONLY_A]).sum().alias("fuente_a"),
            status.is_in([PairStatus.MATCHED, PairStatus.CONFLICT, PairStatus.ONLY_B]).sum().alias("fuente_b"),
            (
                status.is_in([PairStatus.MATCHED, PairStatus.ONLY_A, PairStatus.ONLY_B]).sum()
                + 2 * (status == PairStatus.CONFLICT).sum()
            ).alias("conciliada"),
        )
        .sort("mes")
        .with_columns(pl.col("fuente_a", "fuente_b", "conciliada").cast(pl.Int64))
    )


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
