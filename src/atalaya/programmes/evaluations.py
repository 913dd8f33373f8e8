"""Evaluating a programme against crime outcomes with the observatory's own data, and pricing what it prevented.

The data come from the indicator series the dashboards use (``StoredValuesReader``): monthly counts of the outcome
indicator per territory of the programme's level. The methods are in ``analysis.evaluation`` (pure, checked against
R and published examples); here they get their inputs and their results are kept as computed
(:class:`~atalaya.programmes.models.Evaluation`), with the crimes observed per year that a benefit-cost sheet needs.

* **Difference-in-differences**: the programme's territories against comparison territories of the same level
  (the rest of the municipality when none are chosen), ``months_before`` before the start and every month after.
* **Interrupted time series**: the programme's territories added up (the municipality without territories), with
  their population as exposure when the outcome is a rate.
* **Before/after with a comparison area and displacement** (the proximity module's measures): response =
  programme territories, buffer and control = chosen territories, equal windows before and after.
* **Synthetic control**: the municipality against the other municipalities of a SESNSP municipal file (the donor
  pool), outcome = the outcome's categories per month, each municipality's series as an index of its own
  pre-programme mean (the file carries no populations).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atalaya.analysis.costbenefit import CrimeEffect, Sheet, UnitCost, analyse, summary_sentence
from atalaya.analysis.evaluation import PlaceCounts, evaluate_place
from atalaya.analysis.evaluation.did import difference_in_differences
from atalaya.analysis.evaluation.effects import effect_from_log_ratio
from atalaya.analysis.evaluation.its import interrupted_time_series
from atalaya.analysis.evaluation.synth import synthetic_control
from atalaya.analysis.parsing import add_months
from atalaya.core.changelog import log_change
from atalaya.geo.models import Territory
from atalaya.indicators.models import Indicator
from atalaya.indicators.services import StoredValuesReader

from .choices import Method
from .models import CostBenefitSheet, CrimeCost, Evaluation, Programme
from .services import costs_by_year


def _level_of(territories: list[Territory]) -> str:
    levels = {t.level for t in territories}
    if len(levels) != 1:
        raise ValidationError(_("Los territorios deben ser de un mismo nivel."))
    return levels.pop()


def _monthly(programme: Programme, outcome: Indicator, source: str, level: str | None) -> pl.DataFrame:
    monthly = StoredValuesReader(programme.municipality, source).monthly(outcome, level)
    if monthly.is_empty():
        raise ValidationError(_("La fuente no tiene datos de este indicador para el municipio."))
    return monthly


def _observed_by_year(frame: pl.DataFrame) -> dict[int, float]:
    """Crimes per calendar year in ``frame`` (``period_start``, ``count``)."""
    by_year = frame.group_by(pl.col("period_start").dt.year().alias("year")).agg(pl.col("count").sum())
    return {int(y): float(c) for y, c in by_year.sort("year").iter_rows()}


def did_inputs(programme, outcome, source, start, *, control_codes=(), months_before=24):
    treated = list(programme.territories.all())
    if not treated:
        raise ValidationError(_("Diferencias en diferencias necesita los territorios del programa."))
    level = _level_of(treated)
    monthly = _monthly(programme, outcome, source, level)
    treated_codes = {t.code for t in treated}
    if not control_codes:
        control_codes = set(monthly.get_column("territory_code").drop_nulls().unique()) - treated_codes
    window = monthly.filter(
        pl.col("territory_code").is_in([*treated_codes, *control_codes])
        & (pl.col("period_start") >= add_months(start, -months_before))
    )
    panel = window.with_columns(
        pl.col("territory_code").is_in(list(treated_codes)).cast(pl.Int8).alias("treated"),
        (pl.col("period_start") >= start).cast(pl.Int8).alias("post"),
        pl.col("period_start").cast(pl.String).alias("period"),
    ).rename({"territory_code": "area"})
    after = panel.filter((pl.col("treated") == 1) & (pl.col("post") == 1))
    return panel, _observed_by_year(after)


def its_inputs(programme, outcome, source, start):
    treated = list(programme.territories.all())
    level = _level_of(treated) if treated else None
    monthly = _monthly(programme, outcome, source, level)
    if treated:
        monthly = monthly.filter(pl.col("territory_code").is_in([t.code for t in treated]))
    series = monthly.group_by("period_start").agg(pl.col("count").sum()).sort("period_start")
    series = series.rename({"period_start": "period"})
    after = series.filter(pl.col("period") >= start).rename({"period": "period_start"})
    return series, _observed_by_year(after)


def place_inputs(programme, outcome, source, start, *, buffer_codes=(), control_codes=(), months=12):
    treated = list(programme.territories.all())
    if not treated or not control_codes:
        raise ValidationError(_("El antes y después necesita los territorios del programa y un área de control."))
    level = _level_of(treated)
    monthly = _monthly(programme, outcome, source, level)
    before = (add_months(start, -months), add_months(start, -1))
    after = (start, add_months(start, months - 1))

    def total(codes, window):
        part = monthly.filter(
            pl.col("territory_code").is_in(list(codes))
            & (pl.col("period_start") >= window[0])
            & (pl.col("period_start") <= window[1])
        )
        return int(part.get_column("count").sum())

    treated_codes = [t.code for t in treated]
    counts = PlaceCounts(
        response_before=total(treated_codes, before),
        response_after=total(treated_codes, after),
        control_before=total(control_codes, before),
        control_after=total(control_codes, after),
        buffer_before=total(buffer_codes, before) if buffer_codes else None,
        buffer_after=total(buffer_codes, after) if buffer_codes else None,
    )
    observed = _observed_by_year(
        monthly.filter(
            pl.col("territory_code").is_in(treated_codes)
            & (pl.col("period_start") >= after[0])
            & (pl.col("period_start") <= after[1])
        )
    )
    return counts, observed


def sesnsp_panel(file, municipality_code: str, outcome: Indicator, start: dt.date) -> tuple[pl.DataFrame, dict]:
    """The donor pool from a SESNSP municipal file: the outcome's categories (the indicator's numerator on the
    SESNSP catalogue) per municipality and month, each municipality's series as an index of its own pre-programme
    mean (the file carries no populations), and the treated municipality's crimes per year after the start."""
    from atalaya.analysis import indicators as calc
    from atalaya.analysis.readers import sesnsp
    from atalaya.taxonomy.services import choose_catalogue, harmonised_table, resolve_categories

    read = sesnsp.read(Path(file))
    if read.has_errors:
        raise ValidationError(_("El archivo de donantes tiene errores; revíselo con «atalaya import» primero."))
    frame = read.valid_rows()
    labels = frame.get_column("category_path").drop_nulls().unique().sort().to_list()
    resolution = resolve_categories(choose_catalogue("sesnsp", labels), labels, create=False)
    wanted = calc.select_categories(harmonised_table(), outcome.numerator)
    paths = resolution.frame.filter(pl.col("category_id").is_in(wanted.implode())).get_column("category_path")
    monthly = (
        frame.filter(pl.col("category_path").is_in(paths.implode()))
        .group_by(["municipality_code", "period_start"])
        .agg(pl.col("count").sum())
    )
    if municipality_code not in set(monthly.get_column("municipality_code").to_list()):
        raise ValidationError(_("El archivo de donantes no trae al municipio del programa."))
    pre_mean = monthly.filter(pl.col("period_start") < start).group_by("municipality_code").agg(pl.col("count").mean())
    indexed = monthly.join(pre_mean.rename({"count": "pre_mean"}), on="municipality_code").filter(
        pl.col("pre_mean") > 0
    )
    panel = indexed.select(
        pl.col("municipality_code").alias("unit"),
        pl.col("period_start").alias("period"),
        (100 * pl.col("count") / pl.col("pre_mean")).alias("rate"),
        pl.col("count"),
    )
    treated_after = monthly.filter(
        (pl.col("municipality_code") == municipality_code) & (pl.col("period_start") >= start)
    )
    return panel, _observed_by_year(treated_after)


def run_evaluation(
    programme: Programme,
    *,
    method: str,
    outcome: Indicator,
    source: str,
    start: dt.date,
    user=None,
    parameters: dict | None = None,
) -> Evaluation:
    """Run one method and keep its inputs and result."""
    params = dict(parameters or {})
    if method == Method.DID:
        panel, observed = did_inputs(
            programme,
            outcome,
            source,
            start,
            control_codes=set(params.get("control", [])),
            months_before=int(params.get("months_before", 24)),
        )
        effect = difference_in_differences(panel, family=params.get("family", "poisson"))
    elif method == Method.ITS:
        series, observed = its_inputs(programme, outcome, source, start)
        effect = interrupted_time_series(series, start, rng=np.random.default_rng(int(params.get("seed", 2017))))
    elif method == Method.PLACE:
        counts, observed = place_inputs(
            programme,
            outcome,
            source,
            start,
            buffer_codes=params.get("buffer", []),
            control_codes=params.get("control", []),
            months=int(params.get("months", 12)),
        )
        place = evaluate_place(counts)
        if place.rate_ratio is None:
            raise ValidationError(_("No hay hechos suficientes para comparar antes y después."))
        se = float(np.sqrt(sum(1 / max(c, 0.5) for c in counts_four(counts))))
        effect = effect_from_log_ratio(
            "antes_despues_lugar",
            float(np.log(place.rate_ratio)),
            se,
            counts.response_after,
            se_type="model",
            what=_("Antes y después con área de control"),
            p_value=place.p_value_vs_control,
            details={"place": place.as_dict()},
        )
    elif method == Method.SYNTH:
        if not params.get("file"):
            raise ValidationError(_("El control sintético necesita el archivo municipal del SESNSP (los donantes)."))
        panel, observed = sesnsp_panel(params["file"], programme.municipality.code, outcome, start)
        effect = synthetic_control(panel, treated=programme.municipality.code, start=start, counts="count")
    else:
        raise ValidationError(_("Método desconocido."))
    result = effect.as_dict() | {"observed_by_year": {str(k): v for k, v in observed.items()}}
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            programme=programme,
            method=method,
            outcome=outcome,
            source=source,
            start=start,
            parameters=params,
            result=_jsonable(result),
            summary=effect.summary,
            created_by=user,
        )
        log_change(
            user=user,
            action="evaluar",
            obj=evaluation,
            municipality=programme.municipality,
            message=f"{method}: {effect.rate_ratio:.3f}",
        )
    return evaluation


def counts_four(counts: PlaceCounts) -> tuple[int, int, int, int]:
    """The four counts of a before/after comparison (the log ratio's Poisson variance is the sum of inverses)."""
    return counts.response_before, counts.response_after, counts.control_before, counts.control_after


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, np.floating | np.integer):
        return _jsonable(value.item())
    return value


# --- benefit-cost ----------------------------------------------------------------------------------------------------


def unit_cost_for(programme: Programme, outcome: Indicator) -> UnitCost:
    """The unit cost of the outcome's crimes: the editable table's row for its family (the mean over its families
    when it counts several)."""
    families = outcome.numerator.get("families") or []
    rows = list(CrimeCost.objects.filter(municipality=programme.municipality, family__in=families))
    if not rows:
        raise ValidationError(
            _("Falta el costo unitario de %(f)s en la tabla de costos del municipio.") % {"f": ", ".join(families)}
        )
    n = len(rows)
    return UnitCost(
        crime_type=outcome.code,
        victim=sum(float(r.victim) for r in rows) / n,
        justice=sum(float(r.justice) for r in rows) / n,
        prison_years=sum(r.prison_years for r in rows) / n,
        low=min(r.low for r in rows),
        high=max(r.high for r in rows),
        source="; ".join(f"{r.family}: {r.source} ({r.year})" for r in rows),
        year=max(r.year for r in rows),
    )


def build_sheet(sheet: CostBenefitSheet) -> Sheet:
    evaluation, programme = sheet.evaluation, sheet.programme
    result = evaluation.result
    observed = {int(y): float(c) for y, c in result.get("observed_by_year", {}).items()}
    costs = costs_by_year(programme)
    if not costs:
        raise ValidationError(_("El programa no tiene presupuesto por año."))
    return Sheet(
        costs_by_year=costs,
        base_year=sheet.base_year,
        discount_rate=sheet.discount_rate,
        currency=programme.currency,
        usd_rate=sheet.usd_rate,
        usd_rate_date=sheet.usd_rate_date,
        rate_ratio=float(result["rate_ratio"]),
        log_ratio_se=float(result.get("log_ratio_se") or 0.0),
        crimes=[CrimeEffect(evaluation.outcome.code, observed)],
        unit_costs=[unit_cost_for(programme, evaluation.outcome)],
        prison_year_cost=float(sheet.prison_year_cost),
        participants=programme.participants,
        participant_benefit_per_year=float(sheet.participant_benefit_per_year),
        deadweight=sheet.deadweight,
        effect_source=str(evaluation),
    )


def compute_sheet(sheet: CostBenefitSheet, user=None) -> CostBenefitSheet:
    """Run the analysis and keep inputs and result on the sheet."""
    inputs = build_sheet(sheet)
    result = analyse(inputs, rng=np.random.default_rng(sheet.seed), draws=sheet.draws)
    sheet.inputs = _jsonable(
        {
            "costs_by_year": {str(k): v for k, v in inputs.costs_by_year.items()},
            "unit_cost": inputs.unit_costs[0].__dict__,
            "observed_by_year": {str(k): v for k, v in inputs.crimes[0].observed_by_year.items()},
            "rate_ratio": inputs.rate_ratio,
            "log_ratio_se": inputs.log_ratio_se,
            "currency": inputs.currency,
        }
    )
    sheet.result = _jsonable(result.as_dict() | {"sentence": summary_sentence(result, _currency_word(inputs.currency))})
    sheet.save()
    log_change(
        user=user,
        action="costo_beneficio",
        obj=sheet,
        municipality=sheet.programme.municipality,
        message=f"B/C {result.benefit_cost_ratio:.2f}, P(B>C) {result.probability_benefits_exceed_costs:.2f}",
    )
    return sheet


def _currency_word(code: str) -> str:
    return {"MXN": "peso", "CLP": "peso", "USD": "dólar"}.get(code, code)
