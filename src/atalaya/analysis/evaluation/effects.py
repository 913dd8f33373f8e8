"""What every count-based evaluation reports: a rate ratio with its interval, the crimes prevented, a verdict and a
plain-Spanish summary — one shape for difference-in-differences, interrupted time series and synthetic control,
so that programmes, cost-benefit sheets and the guides read them alike.

The count models are fitted with statsmodels (Poisson, quasi-Poisson or negative binomial GLMs) and their standard
errors chosen here: clustered by area when there are enough areas, heteroskedasticity-robust otherwise, Newey–West
for a single series (autocorrelation). The tests check coefficients and standard errors against R's ``glm``,
``MASS::glm.nb`` and ``sandwich``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import statsmodels.api as sm
from scipy import stats

#: Verdict keys (stored) and their Spanish labels; the same for every evaluation method.
VERDICTS = {
    "reduccion": "Reducción atribuible al programa",
    "sin_efecto_claro": "Sin efecto distinguible del azar",
    "aumento": "Aumento atribuible al periodo del programa",
}

#: Labels of the standard errors, as the summary names them.
SE_LABELS = {
    "cluster": "agrupados por área",
    "HC1": "robustos a heterocedasticidad (HC1)",
    "HAC": "robustos a autocorrelación (Newey–West)",
    "quasi": "de cuasi-Poisson (escalados por la sobredispersión)",
    "placebo": "de la dispersión de los placebos; p por permutación",
    "model": "del modelo",
}


@dataclass(frozen=True)
class Effect:
    """A programme's effect on counts, as a ratio (``< 1``: fewer crimes than expected without it)."""

    method: str
    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    level: float
    observed: float  # crimes observed in the treated area and period
    prevented: float  # expected without the programme minus observed (negative: more crimes)
    prevented_low: float
    prevented_high: float
    se_type: str
    verdict: str
    summary: str
    #: Log rate ratio and its standard error: what the cost-benefit Monte Carlo draws from.
    log_ratio: float = 0.0
    log_ratio_se: float = 0.0
    details: dict = field(default_factory=dict)

    @property
    def percent_change(self) -> float:
        return (self.rate_ratio - 1) * 100

    def as_dict(self) -> dict:
        return asdict(self) | {"percent_change": self.percent_change}


@dataclass(frozen=True)
class CountFit:
    """Coefficients and their covariance from :func:`fit_counts` (``result`` is statsmodels' own)."""

    params: np.ndarray
    cov: np.ndarray
    result: object

    @property
    def bse(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))

    @property
    def pvalues(self) -> np.ndarray:
        return 2 * stats.norm.sf(np.abs(self.params / self.bse))


def fit_counts(
    y: np.ndarray,
    X: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    family: str = "poisson",
    se: str = "HC1",
    groups: np.ndarray | None = None,
    lags: int | None = None,
):
    """Fit a count GLM; the coefficients with the requested covariance.

    ``family``: ``poisson``, ``quasipoisson`` (Poisson estimates, standard errors scaled by Pearson's χ²/df as R's
    ``quasipoisson``) or ``negbin`` (maximum likelihood for the dispersion, as ``MASS::glm.nb``). ``se``:
    ``cluster`` (by ``groups``, with the G/(G−1)·(N−1)/(N−K) correction of R's ``vcovCL``), ``HC1``, ``HAC``
    (Newey–West with ``lags``, Bartlett kernel, no correction: ``sandwich::NeweyWest(prewhite = FALSE,
    adjust = FALSE)``) or ``model``.
    """
    tight = {"tol": 1e-12, "maxiter": 200}
    family_object = sm.families.Poisson()
    if family == "negbin":
        # The dispersion by maximum likelihood, then the GLM given it: the standard errors R's glm.nb reports.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = np.append(sm.GLM(y, X, offset=offset, family=family_object).fit(**tight).params, 0.1)
            ml = sm.NegativeBinomial(y, X, offset=offset, loglike_method="nb2").fit(
                start_params=start, method="bfgs", maxiter=5000, gtol=1e-10, disp=False
            )
        family_object = sm.families.NegativeBinomial(alpha=float(ml.params[-1]))
    glm = sm.GLM(y, X, offset=offset, family=family_object)
    if family == "quasipoisson":
        result = glm.fit(scale="X2", **tight)
    elif se == "cluster":
        result = glm.fit(cov_type="cluster", cov_kwds={"groups": groups}, **tight)
    elif se == "HC1":
        # statsmodels' GLM applies no small-sample factor to any HC type: HC0 times n/(n − k) is R's HC1.
        result = glm.fit(cov_type="HC0", **tight)
        n, k = X.shape
        return CountFit(np.asarray(result.params), np.asarray(result.cov_params()) * n / (n - k), result)
    elif se == "HAC":
        result = glm.fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": False}, **tight)
    else:
        result = glm.fit(**tight)
    return CountFit(np.asarray(result.params), np.asarray(result.cov_params()), result)


def newey_west_lags(n: int) -> int:
    """Newey & West's (1994) automatic lag: ⌊4·(n/100)^(2/9)⌋ (3 for five years of months)."""
    return max(1, math.floor(4 * (n / 100) ** (2 / 9)))


def effect_from_log_ratio(
    method: str,
    log_ratio: float,
    se: float,
    observed: float,
    *,
    level: float = 0.95,
    se_type: str,
    df: float | None = None,
    what: str,
    details: dict | None = None,
    p_value: float | None = None,
) -> Effect:
    """Turn a log rate ratio and its SE into the effect, its interval, the crimes prevented and the summary.

    Crimes prevented: the treated area's observed crimes in the programme's period would have been
    ``observed / ratio`` without it, so ``observed·(1/ratio − 1)``, with the interval of the ratio. ``p_value``
    replaces the Wald test's when the method has its own (the synthetic control's permutation test).
    """
    quantile = stats.t.ppf(0.5 + level / 2, df) if df else stats.norm.ppf(0.5 + level / 2)
    ratio = math.exp(log_ratio)
    low, high = math.exp(log_ratio - quantile * se), math.exp(log_ratio + quantile * se)
    z = log_ratio / se if se > 0 else 0.0
    p = float(2 * (stats.t.sf(abs(z), df) if df else stats.norm.sf(abs(z)))) if se > 0 else 1.0
    if p_value is not None:
        p = p_value
    prevented = observed * (1 / ratio - 1)
    verdict = "sin_efecto_claro" if p >= 1 - level else ("reduccion" if ratio < 1 else "aumento")
    effect = Effect(
        method=method,
        rate_ratio=ratio,
        ci_low=low,
        ci_high=high,
        p_value=p,
        level=level,
        observed=float(observed),
        prevented=prevented,
        prevented_low=observed * (1 / high - 1),
        prevented_high=observed * (1 / low - 1),
        se_type=se_type,
        verdict=verdict,
        summary="",
        log_ratio=log_ratio,
        log_ratio_se=se,
        details=details or {},
    )
    return Effect(**{**asdict(effect), "summary": summary(effect, what)})


def es_number(value: float, places: int = 0, *, sign: bool = False) -> str:
    """A number as Spanish writes it: decimal comma, a space between thousands (the RAE's recommendation)."""
    value = round(value, places) + 0.0  # never "-0"
    text = f"{value:{'+' if sign else ''},.{places}f}"
    return text.replace(",", " ").replace(".", ",")


def p_text(p: float) -> str:
    """``p = 0,034``, or ``p < 0,001`` (a p-value of zero is never written)."""
    return "p < 0,001" if p < 0.001 else f"p = {es_number(p, 3)}"


def summary(effect: Effect, what: str) -> str:
    """Plain Spanish for a director: how much, how sure, how many crimes, and what it does not prove."""
    percent = f"{effect.level * 100:.0f} %"
    change = effect.percent_change
    direction = "menos" if change < 0 else "más"
    parts = [
        f"{what}: {es_number(abs(change), 0)} % {direction} hechos de lo esperado sin el programa "
        f"(razón de tasas {es_number(effect.rate_ratio, 2)}; intervalo del {percent}: "
        f"{es_number(effect.ci_low, 2)} a {es_number(effect.ci_high, 2)}; {p_text(effect.p_value)}; "
        f"errores estándar {SE_LABELS.get(effect.se_type, effect.se_type)})."
    ]
    if effect.prevented >= 0:
        parts.append(
            f"Equivale a unos {es_number(effect.prevented, 0)} hechos evitados sobre {es_number(effect.observed, 0)} "
            f"observados (entre {es_number(effect.prevented_low, 0)} y {es_number(effect.prevented_high, 0)})."
        )
    else:
        parts.append(
            f"Equivale a unos {es_number(-effect.prevented, 0)} hechos más de los esperados sobre "
            f"{es_number(effect.observed, 0)} observados."
        )
    if effect.verdict == "sin_efecto_claro":
        parts.append("El intervalo incluye el «sin cambio»: no se puede distinguir el efecto del azar.")
    parts.append("Es una asociación bajo los supuestos del método, no una prueba definitiva de causalidad.")
    return " ".join(parts)
