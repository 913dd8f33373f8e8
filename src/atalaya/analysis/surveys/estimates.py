"""Survey indicators, their design-based estimates by domain, changes between domains and rankings.

An indicator is the share (or mean) of a variable among those asked it: ``SurveyIndicator("confianza…",
variable="BP1_9_1", success=(1, 2), asked_variable="BP1_7_1", asked=(1,))`` is "mucha o algo de confianza" among
those who identify the municipal police, as INEGI computes it. Codes of *no sabe / no responde* stay in the
denominator (INEGI's published tables do so) unless the indicator lists them in ``excluded``.

:func:`estimate` gives one tidy row per indicator × domain with the estimate, standard error, 95 % interval, CV,
INEGI's precision level and the respondents behind it; :func:`changes` tests the change of each domain between
two values of one variable (two quarters) and :func:`rank_domains` ranks domains (cities) with the range of ranks
their intervals allow. The arithmetic is in :mod:`.design`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy import stats

from .design import DomainEstimates, SurveyDesign, domain_estimates, logit_interval, precision, wald_interval


@dataclass(frozen=True)
class SurveyIndicator:
    """A proportion (``success`` codes) or a mean (no codes) of ``variable`` among those asked it."""

    code: str
    name: str
    variable: str | tuple[str, ...]  # several: "any of them" (e.g. household victimisation by any crime)
    success: tuple[int, ...] = ()
    asked_variable: str | None = None
    asked: tuple[int, ...] = ()
    excluded: tuple[int, ...] = ()
    #: Higher is better (trust) or worse (insecurity): how a ranking and a change are read.
    higher_is_better: bool = False
    note: str = ""

    @property
    def variables(self) -> tuple[str, ...]:
        return (self.variable,) if isinstance(self.variable, str) else self.variable

    @property
    def is_proportion(self) -> bool:
        return bool(self.success)

    def available(self, columns: Sequence[str]) -> bool:
        present = set(columns)
        needed = [v for v in self.variables if v in present]
        return bool(needed) and (self.asked_variable is None or self.asked_variable in present)

    def values(self, frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """``y`` (1/0 or the value; NaN where not answered or excluded) and the mask of those asked."""
        columns = [v for v in self.variables if v in frame.columns]
        codes = [frame.get_column(v).cast(pl.Float64, strict=False).to_numpy() for v in columns]
        if self.is_proportion:
            hits = np.zeros(frame.height, dtype=bool)
            answered = np.zeros(frame.height, dtype=bool)
            for c in codes:
                hits |= np.isin(c, self.success)
                answered |= ~np.isnan(c) & ~np.isin(c, self.excluded)
            y = np.where(answered, hits.astype(float), np.nan)
        else:
            y = codes[0].copy()
            y[np.isin(y, self.excluded)] = np.nan
        asked = np.ones(frame.height, dtype=bool)
        if self.asked_variable:
            answer = frame.get_column(self.asked_variable).cast(pl.Float64, strict=False).to_numpy()
            asked = np.isin(answer, self.asked)
        return y, asked


@dataclass(frozen=True)
class DesignColumns:
    """Which columns carry the design: the declared design of a survey (ENSU's, or a generic survey's)."""

    weight: str
    psu: str | None = None
    stratum: str | None = None
    fpc: str | None = None
    lonely: str = "fail"

    def build(self, frame: pl.DataFrame) -> SurveyDesign:
        return SurveyDesign.from_frame(
            frame, weight=self.weight, psu=self.psu, stratum=self.stratum, fpc=self.fpc, lonely=self.lonely
        )


@dataclass
class Domains:
    """Respondents coded by the values of the ``by`` columns (one code per combination present)."""

    by: tuple[str, ...]
    codes: np.ndarray
    labels: pl.DataFrame = field(repr=False)

    @classmethod
    def of(cls, frame: pl.DataFrame, by: Sequence[str]) -> Domains:
        by = tuple(by)
        if not by:
            return cls((), np.zeros(frame.height, dtype=np.int64), pl.DataFrame({"_all": [0]}).drop("_all"))
        keys = frame.select(pl.col(c).cast(pl.String) for c in by)
        codes = keys.select(pl.struct(by).rank("dense")).to_series().to_numpy().astype(np.int64) - 1
        labels = keys.with_columns(_code=codes).unique("_code").sort("_code").drop("_code")
        return cls(by, codes, labels)

    @property
    def count(self) -> int:
        return max(self.labels.height, 1)


RESULT_SCHEMA = {
    "indicator": pl.String,
    "estimate": pl.Float64,
    "se": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "cv": pl.Float64,
    "precision": pl.String,
    "respondents": pl.Int64,
    "population": pl.Float64,
    "df": pl.Int64,
}


def _frame_of(indicator: SurveyIndicator, domains: Domains, est: DomainEstimates, level: float) -> pl.DataFrame:
    interval = logit_interval if indicator.is_proportion else wald_interval
    low, high = interval(est.estimate, est.se, est.df, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = 100 * est.se / np.abs(est.estimate)
    rows = pl.DataFrame(
        {
            "indicator": indicator.code,
            "estimate": est.estimate,
            "se": est.se,
            "ci_low": low,
            "ci_high": high,
            "cv": cv,
            "precision": [precision(c, n) for c, n in zip(cv, est.respondents, strict=True)],
            "respondents": est.respondents,
            "population": est.population,
            "df": est.df.astype(np.int64),
        },
        schema=RESULT_SCHEMA,
        nan_to_null=True,
    )
    return pl.concat([domains.labels, rows], how="horizontal") if domains.by else rows


def estimate(
    frame: pl.DataFrame,
    design: DesignColumns,
    indicators: Sequence[SurveyIndicator],
    by: Sequence[str] = (),
    level: float = 0.95,
) -> pl.DataFrame:
    """One row per indicator and domain (every combination of ``by`` present), for the indicators whose
    variables the file has. Domains with no one asked come out with a null estimate."""
    survey = design.build(frame)
    domains = Domains.of(frame, by)
    parts = []
    for indicator in indicators:
        if not indicator.available(frame.columns):
            continue
        y, asked = indicator.values(frame)
        est = domain_estimates(survey, y, domains.codes, domains.count, asked)
        parts.append(_frame_of(indicator, domains, est, level))
    if not parts:
        return pl.DataFrame(schema={**{c: pl.String for c in by}, **RESULT_SCHEMA})
    return pl.concat(parts)


def changes(
    frame: pl.DataFrame,
    design: DesignColumns,
    indicators: Sequence[SurveyIndicator],
    between: str,
    before: str,
    after: str,
    by: Sequence[str] = (),
    level: float = 0.95,
) -> pl.DataFrame:
    """Change of each indicator from ``between == before`` to ``between == after`` within each domain of ``by``.

    Both values are estimated in one design, so when the same primary units appear in both (ENSU's panel of
    quarters) the covariance enters the standard error, as R's ``svyby(covmat = TRUE)`` + ``svycontrast`` do.
    ``significant`` uses Student's t on the design's degrees of freedom at the given level.
    """
    survey = design.build(frame)
    by = tuple(by)
    domains = Domains.of(frame, (*by, between))
    labels = domains.labels.with_row_index("_code")
    groups = labels.group_by(list(by), maintain_order=True).agg(pl.all()) if by else None
    rows = []
    for indicator in indicators:
        if not indicator.available(frame.columns):
            continue
        y, asked = indicator.values(frame)
        est = domain_estimates(survey, y, domains.codes, domains.count, asked)
        for group in groups.iter_rows(named=True) if by else [labels.to_dict(as_series=False)]:
            periods = dict(zip(group[between], group["_code"], strict=True))
            if before not in periods or after not in periods:
                continue
            weights = np.zeros(domains.count)
            weights[periods[after]], weights[periods[before]] = 1.0, -1.0
            value, se = est.contrast(survey, weights)
            df = int(min(est.df[periods[after]], est.df[periods[before]]))
            t = value / se if se > 0 else np.nan
            p = float(2 * stats.t.sf(abs(t), max(df, 1))) if se > 0 else np.nan
            rows.append(
                {
                    **{c: group[c] for c in by},
                    "indicator": indicator.code,
                    "before": float(est.estimate[periods[before]]),
                    "after": float(est.estimate[periods[after]]),
                    "change": value,
                    "se": se,
                    "p_value": p,
                    "significant": bool(p < 1 - level) if np.isfinite(p) else False,
                }
            )
    schema = {
        **{c: pl.String for c in by},
        "indicator": pl.String,
        "before": pl.Float64,
        "after": pl.Float64,
        "change": pl.Float64,
        "se": pl.Float64,
        "p_value": pl.Float64,
        "significant": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema, nan_to_null=True)


def rank_domains(results: pl.DataFrame, key: str, higher_is_better: bool, level: float = 0.95) -> pl.DataFrame:
    """Rank the domains of one indicator's results (e.g. cities) with the range of ranks they could hold.

    Rank 1 is the best. A domain's best possible rank is 1 + the number of domains **significantly** better
    than it, its worst the number of domains not significantly worse; the difference between two domains is
    tested with the sum of their variances (independent samples: different cities have different strata).
    Pairwise two-sided tests at ``level``, without a multiplicity correction (as INEGI's pairwise
    comparisons); the range says how much the ranking can be trusted.
    """
    frame = results.filter(pl.col("estimate").is_not_null())
    est = frame.get_column("estimate").to_numpy()
    se = frame.get_column("se").to_numpy()
    sign = 1.0 if higher_is_better else -1.0
    diff = sign * (est[:, None] - est[None, :])  # > 0: row better than column
    with np.errstate(divide="ignore", invalid="ignore"):
        z = diff / np.sqrt(se[:, None] ** 2 + se[None, :] ** 2)
    critical = stats.norm.ppf(0.5 + level / 2)
    better = np.nan_to_num(z, nan=0.0) > critical  # row significantly better than column
    rank = (-sign * est).argsort(kind="stable").argsort() + 1
    best = 1 + better.sum(axis=0)  # how many are significantly better than me
    worst = len(est) - better.sum(axis=1)  # minus how many I beat significantly
    return (
        frame.select(key, "estimate", "se", "precision")
        .with_columns(rank=pl.Series(rank), best_rank=pl.Series(best), worst_rank=pl.Series(worst))
        .sort("rank")
    )
