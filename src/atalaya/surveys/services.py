"""Importing surveys and keeping their estimates: all or nothing, in one transaction, as the data core does.

:func:`import_survey` reads the file (ENSU's CB table, or a generic survey through a mapping), refuses it with the
problems found (row, column, value, reason) and writes nothing, or stores a private copy of the microdata it needs,
every estimate (whole survey, city, city × sex, for each period), the changes between consecutive periods (all of
the municipality's imports of that survey stacked in one design) and the public table.
"""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from atalaya.analysis.problems import FileRejected
from atalaya.analysis.surveys import ensu, generic
from atalaya.analysis.surveys.estimates import DesignColumns, SurveyIndicator, changes, estimate, rank_domains
from atalaya.core.changelog import log_change
from atalaya.geo.models import Municipality

from .choices import Domain, SurveyKind
from .models import PublicSurveyEstimate, SurveyChange, SurveyDataset, SurveyEstimate, SurveyMapping


class SurveyRejected(Exception):
    """The file cannot be imported; ``problems`` lists why (row, column, value, reason) in Spanish."""

    def __init__(self, message: str, problems: pl.DataFrame | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems


def _survey_of(kind: str, mapping: SurveyMapping | None) -> tuple[DesignColumns, list[SurveyIndicator]]:
    if kind == SurveyKind.ENSU:
        return ensu.DESIGN, list(ensu.INDICATORS)
    return generic.design_of(mapping.design), generic.indicators_of(mapping.indicators)


def _period_key(kind: str, period: str) -> tuple:
    """Periods in time order: ENSU's ``QQYY`` by year then quarter; others as written."""
    if kind == SurveyKind.ENSU and len(period) == 4 and period.isdigit():
        return (int(period[2:]), int(period[:2]))
    return (period,)


def period_label(kind: str, period: str) -> str:
    if kind == SurveyKind.ENSU:
        try:
            return ensu.quarter_label(period)
        except ValueError:
            return period
    return period


def _city_of(kind: str, frame: pl.DataFrame, municipality: Municipality, mapping: SurveyMapping | None) -> str:
    """The survey's city (ENSU ``CD``) or domain of the municipality: where its respondents live."""
    if kind == SurveyKind.ENSU:
        if "CVE_ENT" not in frame.columns or "CVE_MUN" not in frame.columns:
            return ""
        codes = frame.filter(
            pl.concat_str(pl.col("CVE_ENT").str.zfill(2), pl.col("CVE_MUN").str.zfill(3)) == municipality.code
        ).get_column("CD")
        return codes.mode().sort()[0] if codes.len() else ""
    wanted = (mapping.domain_code or municipality.code).strip()
    return wanted if wanted in set(frame.get_column("CD").to_list()) else ""


def _microdata_dir(municipality: Municipality) -> Path:
    path = Path(settings.DATA_DIR) / "encuestas" / municipality.code
    path.mkdir(parents=True, exist_ok=True)
    return path


def _estimate_rows(
    dataset: SurveyDataset, frame: pl.DataFrame, design: DesignColumns, indicators: list[SurveyIndicator]
) -> list[SurveyEstimate]:
    names = {i.code: i for i in indicators}
    city_names = {}
    if "NOM_CD" in frame.columns:
        city_names = dict(frame.select("CD", pl.col("NOM_CD").str.strip_chars()).unique("CD").iter_rows())
    rows = []
    for domain, by in ((Domain.TOTAL, ["PER"]), (Domain.CITY, ["PER", "CD"]), (Domain.CITY_SEX, ["PER", "CD", "SEXO"])):
        if "SEXO" in by and "SEXO" not in frame.columns:
            continue
        for row in estimate(frame, design, indicators, by=by).iter_rows(named=True):
            indicator = names[row["indicator"]]
            rows.append(
                SurveyEstimate(
                    dataset=dataset,
                    municipality=dataset.municipality,
                    indicator=indicator.code,
                    indicator_name=indicator.name,
                    period=row["PER"],
                    domain=domain,
                    city=row.get("CD") or "",
                    city_name=city_names.get(row.get("CD"), row.get("CD") or ""),
                    sex=row.get("SEXO") or "",
                    estimate=row["estimate"],
                    se=row["se"],
                    ci_low=row["ci_low"],
                    ci_high=row["ci_high"],
                    cv=row["cv"],
                    precision=row["precision"],
                    respondents=row["respondents"],
                    population=row["population"],
                    df=row["df"],
                    higher_is_better=indicator.higher_is_better,
                )
            )
    return rows


def _refresh_changes(municipality: Municipality, kind: str, mapping: SurveyMapping | None) -> None:
    """Changes between consecutive periods of the municipality's imports of one survey, in one stacked design."""
    datasets = list(SurveyDataset.objects.filter(municipality=municipality, kind=kind, mapping=mapping))
    SurveyChange.objects.filter(municipality=municipality, kind=kind).delete()
    frames = [pl.read_parquet(d.microdata_path) for d in datasets if Path(d.microdata_path).exists()]
    if not frames:
        return
    stacked = pl.concat(frames, how="diagonal_relaxed")
    periods = sorted(stacked.get_column("PER").unique().to_list(), key=lambda p: _period_key(kind, p))
    design, indicators = _survey_of(kind, mapping)
    rows = []
    for before, after in itertools.pairwise(periods):
        pair = stacked.filter(pl.col("PER").is_in([before, after]))
        for row in changes(pair, design, indicators, between="PER", before=before, after=after, by=["CD"]).iter_rows(
            named=True
        ):
            rows.append(
                SurveyChange(
                    municipality=municipality,
                    kind=kind,
                    indicator=row["indicator"],
                    city=row["CD"],
                    before_period=before,
                    after_period=after,
                    before=row["before"],
                    after=row["after"],
                    change=row["change"],
                    se=row["se"],
                    p_value=row["p_value"],
                    significant=row["significant"],
                )
            )
    SurveyChange.objects.bulk_create(rows, batch_size=2000)


def refresh_public(municipality: Municipality) -> int:
    """Rewrite the municipality's public survey figures: its own city, every indicator and period; a low-precision
    estimate keeps its row without its number."""
    PublicSurveyEstimate.objects.filter(municipality=municipality).delete()
    datasets = {d.pk: d for d in SurveyDataset.objects.filter(municipality=municipality).exclude(city_code="")}
    significant = {
        (c.indicator, c.city, c.after_period): c.significant
        for c in SurveyChange.objects.filter(municipality=municipality)
    }
    notes = {i.code: i.note for i in ensu.INDICATORS}
    rows = []
    for est in SurveyEstimate.objects.filter(
        municipality=municipality, domain=Domain.CITY, dataset__in=list(datasets)
    ).order_by("indicator", "period"):
        dataset = datasets[est.dataset_id]
        if est.city != dataset.city_code:
            continue
        shown = est.precision != "baja" and est.estimate is not None
        rows.append(
            PublicSurveyEstimate(
                municipality=municipality,
                source=dataset.get_kind_display() if dataset.kind == SurveyKind.ENSU else dataset.name,
                indicator=est.indicator,
                indicator_name=est.indicator_name,
                note=notes.get(est.indicator, "")[:300],
                period=period_label(dataset.kind, est.period),
                estimate=est.estimate if shown else None,
                ci_low=est.ci_low if shown else None,
                ci_high=est.ci_high if shown else None,
                precision=est.precision,
                change_significant=significant.get((est.indicator, est.city, est.period)),
            )
        )
    PublicSurveyEstimate.objects.bulk_create(rows)
    return len(rows)


def import_survey(
    path: str | Path,
    municipality: Municipality,
    *,
    kind: str = SurveyKind.ENSU,
    mapping: SurveyMapping | None = None,
    period: str | None = None,
    name: str = "",
    user=None,
) -> SurveyDataset:
    """Import one survey file for ``municipality``; raises :class:`SurveyRejected` and writes nothing on any
    problem (the same file twice, a file without the municipality in its sample, codes out of the catalogue…)."""
    path = Path(path)
    if kind == SurveyKind.GENERIC and mapping is None:
        raise SurveyRejected(_("Una encuesta genérica necesita un mapeo de columnas."))
    try:
        if kind == SurveyKind.ENSU:
            result = ensu.read_cb(path)
        else:
            result = generic.read(path, mapping.design, mapping.indicators, period=period)
    except FileRejected as exc:
        raise SurveyRejected(exc.message, exc.as_problems()) from exc
    if result.has_errors:
        errors = result.problems.filter(pl.col("severity") == "error")
        raise SurveyRejected(
            _("El archivo tiene %(n)d problemas; no se importó nada.") % {"n": errors.height}, result.problems
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if SurveyDataset.objects.filter(municipality=municipality, sha256=digest).exists():
        raise SurveyRejected(_("Este archivo ya fue importado para este municipio."))
    frame = result.frame
    city = _city_of(kind, frame, municipality, mapping)
    if not city:
        raise SurveyRejected(
            _("La encuesta no tiene respuestas de %(name)s: no se puede estimar para este municipio.")
            % {"name": municipality.name}
        )
    design, indicators = _survey_of(kind, mapping)
    available = [i for i in indicators if i.available(frame.columns)]
    if not available:
        raise SurveyRejected(_("El archivo no trae ninguna de las variables de los indicadores."))
    keep = {"PER", "CD", "SEXO", "NOM_CD", design.weight, design.psu, design.stratum, design.fpc}
    keep |= {v for i in available for v in i.variables} | {i.asked_variable for i in available}
    microdata = frame.select([c for c in frame.columns if c in keep])
    try:
        design.build(microdata)
    except ValueError as exc:
        raise SurveyRejected(str(exc)) from exc
    target = _microdata_dir(municipality) / f"{digest}.parquet"
    microdata.write_parquet(target)
    try:
        with transaction.atomic():
            dataset = SurveyDataset.objects.create(
                municipality=municipality,
                kind=kind,
                mapping=mapping,
                name=name or _default_name(kind, mapping, result.meta["periods"]),
                file_name=path.name[:255],
                sha256=digest,
                periods=result.meta["periods"],
                rows=frame.height,
                city_code=city,
                design={"weight": design.weight, "psu": design.psu, "stratum": design.stratum, "fpc": design.fpc},
                microdata_path=str(target),
                imported_by=user if getattr(user, "is_authenticated", False) else None,
            )
            SurveyEstimate.objects.bulk_create(_estimate_rows(dataset, microdata, design, available), batch_size=2000)
            _refresh_changes(municipality, kind, mapping)
            refresh_public(municipality)
            log_change(
                user=user,
                action="importar_encuesta",
                obj=dataset,
                municipality=municipality,
                message=f"{dataset.name}: {frame.height} respuestas, {len(available)} indicadores",
            )
    except Exception:
        target.unlink(missing_ok=True)
        raise
    return dataset


def _default_name(kind: str, mapping: SurveyMapping | None, periods: list[str]) -> str:
    labels = ", ".join(period_label(kind, p) for p in periods)
    title = "ENSU" if kind == SurveyKind.ENSU else mapping.name
    return f"{title} {labels}".strip()


def delete_dataset(dataset: SurveyDataset, user=None) -> None:
    """Remove an import, its estimates and its microdata; the changes and the public table are recomputed."""
    municipality, kind, mapping, path = dataset.municipality, dataset.kind, dataset.mapping, dataset.microdata_path
    with transaction.atomic():
        log_change(user=user, action="borrar_encuesta", obj=dataset, municipality=municipality, message=dataset.name)
        dataset.delete()
        _refresh_changes(municipality, kind, mapping)
        refresh_public(municipality)
    Path(path).unlink(missing_ok=True)


def latest_period(municipality: Municipality) -> tuple[SurveyDataset, str] | None:
    dataset = SurveyDataset.objects.filter(municipality=municipality).exclude(city_code="").first()
    if dataset is None:
        return None
    periods = SurveyEstimate.objects.filter(dataset__kind=dataset.kind, municipality=municipality).values_list(
        "period", flat=True
    )
    last = max(set(periods), key=lambda p: _period_key(dataset.kind, p))
    return dataset, last


def city_table(municipality: Municipality, indicator: str, period: str) -> pl.DataFrame:
    """Every city's estimate of an indicator in a period, ranked with rank ranges (best first)."""
    rows = list(
        SurveyEstimate.objects.filter(
            municipality=municipality, indicator=indicator, period=period, domain=Domain.CITY
        ).values("city", "city_name", "estimate", "se", "ci_low", "ci_high", "precision", "higher_is_better")
    )
    if not rows:
        return pl.DataFrame()
    frame = pl.DataFrame(rows)
    ranked = rank_domains(frame.rename({"city": "CD"}), "CD", higher_is_better=bool(rows[0]["higher_is_better"]))
    table = ranked.join(frame.select(pl.col("city").alias("CD"), "city_name", "ci_low", "ci_high"), on="CD")
    own = (
        SurveyDataset.objects.filter(municipality=municipality)
        .exclude(city_code="")
        .values_list("city_code", flat=True)
        .first()
    )
    mine = table.filter(pl.col("CD") == own)
    if own and not mine.is_empty():
        # Different cities are independent samples (different strata): the difference's variance is the sum.
        estimate, se = mine.get_column("estimate")[0], mine.get_column("se")[0]
        z = (pl.col("estimate") - estimate) / (pl.col("se") ** 2 + se**2).sqrt()
        table = table.with_columns(
            (pl.col("estimate") - estimate).alias("difference"),
            ((z.abs() > 1.959963984540054) & (pl.col("CD") != own)).alias("different"),
        )
    return table.sort("rank")


def headline(municipality: Municipality) -> dict | None:
    """The municipality's latest figures for the dashboard: each indicator's estimate for its city, with interval,
    precision, the change since the previous period and its place among the survey's cities."""
    found = latest_period(municipality)
    if not found:
        return None
    dataset, period = found
    estimates = SurveyEstimate.objects.filter(
        municipality=municipality, period=period, domain=Domain.CITY, city=dataset.city_code
    ).order_by("indicator")
    changes_by = {
        c.indicator: c
        for c in SurveyChange.objects.filter(municipality=municipality, city=dataset.city_code, after_period=period)
    }
    items = []
    for est in estimates:
        table = city_table(municipality, est.indicator, period)
        mine = table.filter(pl.col("CD") == dataset.city_code).to_dicts() if not table.is_empty() else []
        items.append(
            {
                "estimate": est,
                "change": changes_by.get(est.indicator),
                "rank": mine[0] if mine else None,
                "cities": table.height,
            }
        )
    return {"dataset": dataset, "period": period, "period_label": period_label(dataset.kind, period), "items": items}


#: The estimates table as CSV and the command line write it: model field → column name.
EXPORT_COLUMNS = {
    "dataset__name": "encuesta",
    "indicator": "indicador",
    "period": "periodo",
    "domain": "dominio",
    "city": "ciudad",
    "city_name": "nombre_ciudad",
    "sex": "sexo",
    "estimate": "estimacion",
    "se": "error_estandar",
    "ci_low": "ic95_inferior",
    "ci_high": "ic95_superior",
    "cv": "cv_porcentaje",
    "precision": "precision",
    "respondents": "respuestas",
    "population": "poblacion_estimada",
}


def estimates_frame(municipality: Municipality, *, indicator: str | None = None, domain: str | None = None):
    """Every estimate of the municipality's imports (optionally one indicator or domain), Spanish column names."""
    query = SurveyEstimate.objects.filter(municipality=municipality)
    if indicator:
        query = query.filter(indicator=indicator)
    if domain:
        query = query.filter(domain=domain)
    rows = list(
        query.order_by("dataset_id", "indicator", "period", "domain", "city", "sex").values_list(*EXPORT_COLUMNS)
    )
    return pl.DataFrame(rows, schema=list(EXPORT_COLUMNS.values()), orient="row")
