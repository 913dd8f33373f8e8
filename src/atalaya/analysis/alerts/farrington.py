"""Farrington's outbreak detector, original (1996) and improved (Noufaily et al. 2013), over many series at once.

Follows R ``surveillance::farringtonFlexible`` (v1.20–1.26) step by step — reference windows b years back,
seasonal blocks, quasi-Poisson GLM with trend, Anscombe reweighting, trend check, threshold — and keeps two of
its quirks only under ``r_compat=True`` (see :class:`Farrington`). The GLMs of all series at one time point share
a design, so they are fitted together (:mod:`.glm`), which is what makes one run over every territory × crime
series of an observatory take seconds.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
from scipy import stats

from .glm import SharedDesign, anscombe_residuals, fit_quasipoisson, outbreak_weights
from .series import PERIODS_PER_YEAR

POWER_TRANSFORMS = {"none": 1.0, "1/2": 0.5, "2/3": 2.0 / 3.0}
THRESHOLD_METHODS = ("delta", "nbPlugin", "muan")
CHUNK = 256  # series per block: keeps a block of ~300 periods within the L2 cache


def farrington_threshold(pred_fit, pred_se, phi, powertrans: str, alpha: float, y):
    """Farrington's (1996) threshold from the prediction on the response scale (``delta`` method).

    Returns ``(lower, upper, probability of a count ≥ y, score)``, as ``algo.farrington.threshold.farrington``:

    >>> [round(float(v), 5) for v in farrington_threshold(5, 0.2, 1, "none", 0.05, 8)]
    [1.30731, 8.69269, 0.09072, 0.81242]
    """
    if powertrans not in POWER_TRANSFORMS:
        raise ValueError(f"Transformación «{powertrans}» desconocida: use none, 1/2 o 2/3.")
    mu0 = np.asarray(pred_fit, dtype=float)
    phi = np.asarray(phi, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = phi + np.asarray(pred_se, dtype=float) ** 2 / mu0
        exponent = POWER_TRANSFORMS[powertrans]
        se = {
            "none": lambda: np.sqrt(mu0 * tau),
            "1/2": lambda: np.sqrt(tau / 4),
            "2/3": lambda: np.sqrt(4 / 9 * np.power(mu0, 1 / 3) * tau),
        }[powertrans]()
        z = stats.norm.ppf(1 - alpha)
        centre = np.power(mu0, exponent)
        upper = np.power(centre + z * se, 1 / exponent)
        low_base = centre - z * se
        lower = np.where(low_base > 0, np.power(np.maximum(low_base, 0), 1 / exponent), 0.0)
        probability = stats.norm.sf(np.power(np.asarray(y, dtype=float), exponent), loc=centre, scale=se)
        score = (np.asarray(y, dtype=float) - mu0) / (upper - mu0)
    return lower, upper, probability, score


def noufaily_threshold(eta0, se_eta0, phi, alpha: float, y, method: str = "nbPlugin"):
    """Noufaily's negative-binomial threshold from the linear predictor (``nbPlugin`` or ``muan``).

    The count has mean μ and variance φμ: NB(size = μ/(φ − 1), prob = 1/φ), or Poisson when φ = 1. ``muan``
    plugs in the upper (1 − α) quantile of μ instead of its estimate. The score is computed as R does, with the
    prediction on the link scale (``(y − η₀)/(U − η₀)``); :class:`Farrington` uses μ unless ``r_compat``.

    >>> [round(float(v), 6) for v in noufaily_threshold(np.log(5), np.log(2), 1.5, 0.05, 11, "muan")]
    [8.0, 24.0, 0.85978, 0.419398]
    """
    eta0 = np.asarray(eta0, dtype=float)
    phi = np.asarray(phi, dtype=float)
    y = np.asarray(y, dtype=float)
    if method == "nbPlugin":
        mu = np.exp(eta0)
    elif method == "muan":
        mu = np.exp(stats.norm.ppf(1 - alpha, loc=eta0, scale=se_eta0))
    else:
        raise ValueError(f"Método de umbral «{method}» desconocido: use delta, nbPlugin o muan.")
    with np.errstate(divide="ignore", invalid="ignore"):
        size = mu / (phi - 1)
        overdispersed = phi > 1
        lower = np.where(
            overdispersed, stats.nbinom.ppf(alpha, size, 1 / phi), stats.poisson.ppf(alpha, np.maximum(mu, 0))
        )
        upper = np.where(overdispersed, stats.nbinom.ppf(1 - alpha, size, 1 / phi), stats.poisson.ppf(1 - alpha, mu))
        probability = np.where(overdispersed, stats.nbinom.sf(y - 1, size, 1 / phi), stats.poisson.sf(y - 1, mu))
        finite = np.isfinite(mu)
        lower = np.where(finite, np.maximum(lower, 0.0), np.nan)
        upper = np.where(finite, upper, np.nan)
        probability = np.where(finite, probability, np.nan)
        score = (y - eta0) / (upper - eta0)
    return lower, upper, probability, score


def reference_offsets(dates, k: int, years: int, freq: str) -> list[int]:
    """How many periods back lie the same date 1..``years`` years before period ``k``.

    Weekly data with dates: the same calendar date y years back, moved to the closest same weekday (as
    ``surveillance``), so the offset is 52 or 53 weeks per year. Monthly data, or weekly data without dates:
    exactly 12 or 52 periods per year.
    """
    per_year = PERIODS_PER_YEAR[freq]
    if freq != "week" or dates is None:
        return [per_year * y for y in range(1, years + 1)]
    day = dates[k]
    offsets = []
    for y in range(1, years + 1):
        try:
            back = day.replace(year=day.year - y)
        except ValueError:  # 29 February: R's seq(by = "-1 year") lands on 1 March
            back = dt.date(day.year - y, 3, 1)
        offsets.append(round((day - back).days / 7))
    return offsets


def seasonal_blocks(k: int, offsets: list[int], w: int, periods: int, r_compat: bool = False) -> dict[int, int]:
    """Level of every period used by the model for time point ``k`` ({index: level}), as ``blocks()``.

    The current window [k−w, k] and each reference window [r−w, r+w] get level ``periods``; with ``periods`` >
    1 the stretch between consecutive reference windows is split into ``periods`` − 1 nearly equal blocks
    (levels 1..periods−1, the remainder going to the first blocks), so the whole past b years are used. When
    there are more blocks than periods in the gap the last ones stay empty (``r_compat`` reproduces R instead).
    """
    levels = {i: periods for i in range(k - w, k + 1)}
    references = [k] + [k - offset for offset in offsets]
    for newer, ref in itertools.pairwise(references):
        for i in range(ref - w, ref + w + 1):
            levels[i] = periods
        if periods == 1:
            continue
        gap = newer - 2 * w - 1 - ref
        if gap < periods - (2 * w + 1):
            raise ValueError("Demasiados periodos estacionales (no_periods) para la longitud del año.")
        lengths = [gap // (periods - 1)] * (periods - 1)
        for j in range(gap % (periods - 1)):
            lengths[j] += 1
        start = ref + w + 1
        for level, length in enumerate(lengths, start=1):
            if length == 0 and r_compat:
                # R's a:(a − 1) counts down, so an empty block relabels the point before it and the first point
                # of the next window; happens when periods − 1 exceeds the gap (monthly data, 10 periods).
                levels[start] = levels[start - 1] = level
            for i in range(start, start + length):
                levels[i] = level
            start += length
    return levels


class Farrington:
    """Farrington's detector for count series; defaults are ``farringtonFlexible``'s.

    Parameters
    ----------
    b : years of history (5). w : half-width of the reference windows (3).
    reweight : down-weight past outbreaks with Anscombe residuals above ``weights_threshold`` (2.58).
    alpha : one-sided level of the prediction interval (0.05).
    trend : allow a linear trend, kept only if significant at ``p_threshold_trend``, b ≥ 3 and not
        extrapolating beyond the largest count seen.
    limit54 : (cases, periods): no bound and no alarm unless the last ``periods`` (current included) hold at
        least ``cases`` counts (5 in 4).
    powertrans : "2/3" (Farrington), "1/2" or "none", for the ``delta`` threshold.
    no_periods : 1 uses only the reference windows (Farrington 1996); 10 adds a seasonal factor over the whole
        past b years (Noufaily 2013).
    past_weeks_not_included : periods right before (and including) the current one left out of the fit
        (``w`` by default; 26 in Noufaily) so that a growing outbreak does not raise its own baseline.
    threshold_method : "delta" (Farrington), "nbPlugin" or "muan" (Noufaily's negative binomial).
    freq : "week" or "month". population_offset : use log(population) as an offset (rates).
    r_compat : reproduce ``surveillance`` where it departs from the papers: the prediction's standard error
        uses the unclamped Pearson dispersion (R passes φ inside ``newdata``, so ``predict.glm`` ignores it),
        and the negative-binomial score mixes the link and response scales. By default the clamped φ ≥ 1 and
        the response scale are used. Alarms agree in both modes except through the standard error.

    Attributes (arrays shaped like the input, NaN where a point was not evaluated)
    ----------
    expected_, upperbound_, score_, pvalue_ (probability of a count at least as high), phi_, alarm_ (bool),
    trend_ (bool: the trend was kept), evaluated_ (bool).

    References
    ----------
    Farrington, C.P. et al. (1996). A statistical algorithm for the early detection of outbreaks of infectious
    disease. *JRSS A* 159(3), 547–563. https://doi.org/10.2307/2983331 — Noufaily, A. et al. (2013). An improved
    algorithm for outbreak detection in multiple surveillance systems. *Statistics in Medicine* 32(7),
    1206–1222. https://doi.org/10.1002/sim.5595 — Salmon, M., Schumacher, D. & Höhle, M. (2016). Monitoring
    count time series in R: aberration detection in public health surveillance. *J Stat Softw* 70(10).
    """

    def __init__(
        self,
        b: int = 5,
        w: int = 3,
        reweight: bool = True,
        weights_threshold: float = 2.58,
        alpha: float = 0.05,
        trend: bool = True,
        p_threshold_trend: float = 0.05,
        limit54: tuple[int, int] = (5, 4),
        powertrans: str = "2/3",
        no_periods: int = 1,
        past_weeks_not_included: int | None = None,
        threshold_method: str = "delta",
        freq: str = "week",
        population_offset: bool = False,
        r_compat: bool = False,
    ):
        self.b = b
        self.w = w
        self.reweight = reweight
        self.weights_threshold = weights_threshold
        self.alpha = alpha
        self.trend = trend
        self.p_threshold_trend = p_threshold_trend
        self.limit54 = limit54
        self.powertrans = powertrans
        self.no_periods = no_periods
        self.past_weeks_not_included = past_weeks_not_included
        self.threshold_method = threshold_method
        self.freq = freq
        self.population_offset = population_offset
        self.r_compat = r_compat

    @classmethod
    def original(cls, **settings) -> Farrington:
        """Farrington et al. (1996): reference windows only, weights threshold 1, trend tested at 5 %."""
        base = dict(no_periods=1, weights_threshold=1.0, past_weeks_not_included=3, p_threshold_trend=0.05)
        return cls(**{**base, **settings})

    @classmethod
    def noufaily(cls, **settings) -> Farrington:
        """Noufaily et al. (2013): 10 seasonal blocks, 26 weeks left out, trend always tried, NB threshold."""
        base = dict(
            no_periods=10,
            weights_threshold=2.58,
            past_weeks_not_included=26,
            p_threshold_trend=1.0,
            threshold_method="nbPlugin",
        )
        return cls(**{**base, **settings})

    # -- checks -----------------------------------------------------------------------------------------------

    def _check(self) -> None:
        if self.freq not in PERIODS_PER_YEAR:
            raise ValueError("freq debe ser «week» o «month».")
        if int(self.b) != self.b or self.b < 1:
            raise ValueError("b (años de historia) debe ser un entero ≥ 1.")
        if int(self.w) != self.w or self.w < 0:
            raise ValueError("w (media ventana) debe ser un entero ≥ 0.")
        if not 0 < self.alpha < 1:
            raise ValueError("alpha debe estar entre 0 y 1.")
        if self.threshold_method not in THRESHOLD_METHODS:
            raise ValueError(f"Método de umbral «{self.threshold_method}» desconocido: use delta, nbPlugin o muan.")
        if self.powertrans not in POWER_TRANSFORMS:
            raise ValueError(f"Transformación «{self.powertrans}» desconocida: use none, 1/2 o 2/3.")
        cases, periods = self.limit54
        if not (cases >= 0 and periods > 0):
            raise ValueError("limit54 fuera de rango: casos ≥ 0 y periodos > 0.")
        if int(self.no_periods) != self.no_periods or self.no_periods < 1:
            raise ValueError("no_periods debe ser un entero ≥ 1.")

    # -- fitting ----------------------------------------------------------------------------------------------

    def fit(self, counts, dates=None, population=None, evaluate=None) -> Farrington:
        """Evaluate every time point with ``b`` years of history (or only the indices in ``evaluate``).

        ``counts`` (S, T) or (T,); ``dates`` T ``datetime.date`` values, needed for weekly data to find the
        same week in past years (without them a year is 52 weeks); ``population`` (S, T) or (T,) for the
        offset.
        """
        self._check()
        y = np.atleast_2d(np.asarray(counts, dtype=float))
        n_time = y.shape[1]
        if dates is not None and len(dates) != n_time:
            raise ValueError("Debe haber tantas fechas como periodos en la serie.")
        pwni = self.w if self.past_weeks_not_included is None else int(self.past_weeks_not_included)
        pop = None
        if self.population_offset:
            if population is None:
                raise ValueError("population_offset requiere la población.")
            pop = np.broadcast_to(np.atleast_2d(np.asarray(population, dtype=float)), y.shape)
        shape = y.shape
        self.expected_ = np.full(shape, np.nan)
        self.upperbound_ = np.full(shape, np.nan)
        self.score_ = np.full(shape, np.nan)
        self.pvalue_ = np.full(shape, np.nan)
        self.phi_ = np.full(shape, np.nan)
        self.alarm_ = np.zeros(shape, dtype=bool)
        self.trend_ = np.zeros(shape, dtype=bool)
        self.evaluated_ = np.zeros(shape, dtype=bool)
        points = range(n_time) if evaluate is None else sorted(int(k) % n_time for k in evaluate)
        for k in points:
            offsets = reference_offsets(dates, k, int(self.b), self.freq)
            if k - offsets[-1] - self.w < 0:
                continue  # not b years of history yet
            levels = seasonal_blocks(k, offsets, int(self.w), int(self.no_periods), self.r_compat)
            used = np.array(sorted(i for i in levels if not k - pwni <= i <= k))
            self._evaluate(y, pop, k, used, np.array([levels[i] for i in used]))
        return self

    def _evaluate(self, y, pop, k, used, levels) -> None:
        """Fit, check the trend, predict and threshold time point k for every series that is observed at k.

        Series are taken in chunks so that the elementwise work stays in the processor's cache.
        """
        t = (used - k) / PERIODS_PER_YEAR[self.freq]  # years before k; any affine wtime gives the same fit
        present = np.unique(levels)
        dummies = [(levels == level).astype(float) for level in present[1:]]
        now_dummies = [float(level == self.no_periods) for level in present[1:]]
        designs = (
            SharedDesign(np.column_stack([np.ones_like(t), t, *dummies])),
            SharedDesign(np.column_stack([np.ones_like(t), *dummies])),
            np.array([1.0, 0.0, *now_dummies]),
            np.array([1.0, *now_dummies]),
        )
        observed = ~np.isnan(y[:, k]) & (~np.isnan(y[:, used])).any(axis=1)
        eligible = np.flatnonzero(observed)
        for start in range(0, eligible.size, CHUNK):
            self._evaluate_rows(y, pop, k, used, eligible[start : start + CHUNK], designs)

    def _evaluate_rows(self, y, pop, k, used, rows, designs) -> None:
        with_trend, without_trend, x_trend, x_flat = designs
        current = y[:, k]
        history = y[rows][:, used]
        prior = (~np.isnan(history)).astype(float)
        history = np.nan_to_num(history)
        offset = np.log(pop[rows][:, used]) if pop is not None else None
        offset_now = np.log(pop[rows, k]) if pop is not None else np.zeros(rows.size)

        empty = history.sum(axis=1) == 0
        eta = np.full(rows.size, np.nan)
        var_eta = np.full(rows.size, np.nan)
        phi = np.full(rows.size, np.nan)
        kept_trend = np.zeros(rows.size, dtype=bool)
        todo = ~empty
        if self.trend and todo.any():
            idx = np.flatnonzero(todo)
            fit, fit_phi, disp = self._fit(
                history[idx], with_trend, prior[idx], None if offset is None else offset[idx]
            )
            eta_t = fit.coef @ x_trend + offset_now[idx]
            keep = fit.converged & (self.b >= 3)
            keep &= fit.coef_p_values(1, disp) < self.p_threshold_trend
            with np.errstate(over="ignore"):
                keep &= np.exp(eta_t) <= history[idx].max(axis=1)
            chosen = idx[keep]
            eta[chosen] = eta_t[keep]
            var_eta[chosen] = (np.einsum("p,spq,q->s", x_trend, fit.cov_unscaled, x_trend) * disp)[keep]
            phi[chosen] = fit_phi[keep]
            kept_trend[chosen] = True
            todo[chosen] = False
        if todo.any():
            idx = np.flatnonzero(todo)
            fit, fit_phi, disp = self._fit(
                history[idx], without_trend, prior[idx], None if offset is None else offset[idx]
            )
            ok = fit.converged
            eta[idx[ok]] = (fit.coef @ x_flat + offset_now[idx])[ok]
            var_eta[idx[ok]] = (np.einsum("p,spq,q->s", x_flat, fit.cov_unscaled, x_flat) * disp)[ok]
            phi[idx[ok]] = fit_phi[ok]
        # A series with no case at all in its history: expected 0 and a zero bound (R ends at μ ≈ 1e-9).
        eta[empty] = -np.inf
        var_eta[empty] = 0.0
        phi[empty] = 1.0

        y_now = current[rows]
        mu0 = np.exp(eta)
        se_eta = np.sqrt(var_eta)
        if self.threshold_method == "delta":
            _low, upper, prob, score = farrington_threshold(mu0, mu0 * se_eta, phi, self.powertrans, self.alpha, y_now)
            upper = np.where(empty, 0.0, upper)
            prob = np.where(empty, np.where(y_now > 0, 0.0, 1.0), prob)  # P(Y ≥ y) when μ = 0
        else:
            _low, upper, prob, score = noufaily_threshold(
                eta, np.where(empty, 0.0, se_eta), phi, self.alpha, y_now, self.threshold_method
            )
            upper = np.where(empty, 0.0, upper)
            if not self.r_compat:
                with np.errstate(divide="ignore", invalid="ignore"):
                    score = (y_now - mu0) / (upper - mu0)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(empty, np.where(y_now > 0, np.inf, np.nan), score)
        cases, periods = self.limit54
        window = y[rows, max(0, k - periods + 1) : k + 1]
        enough = np.nansum(window, axis=1) >= cases
        fitted = ~np.isnan(eta) | empty
        evaluated = rows[fitted]
        self.evaluated_[evaluated, k] = True
        self.expected_[rows, k] = np.where(fitted, mu0, np.nan)
        self.phi_[rows, k] = phi
        self.pvalue_[rows, k] = np.where(fitted, prob, np.nan)
        self.score_[rows, k] = np.where(fitted & enough, score, np.nan)
        self.upperbound_[rows, k] = np.where(fitted & enough, upper, np.nan)
        self.alarm_[rows, k] = fitted & enough & (score > 1) & (y_now != 0)
        self.trend_[rows, k] = kept_trend

    def _fit(self, y, design, prior, offset):
        """One model (with or without trend): fit, reweight, refit. Returns the fit, φ and the SE dispersion."""
        fit = fit_quasipoisson(y, design, prior, offset)
        phi = np.maximum(np.nan_to_num(fit.pearson, nan=1.0), 1.0)
        if self.reweight:
            residuals = anscombe_residuals(fit, y, design, prior, phi)
            weights = outbreak_weights(np.nan_to_num(residuals), self.weights_threshold, prior > 0)
            refit = fit_quasipoisson(y, design, weights, offset)
            refit.converged = refit.converged & fit.converged
            fit = refit
            phi = np.maximum(np.nan_to_num(fit.pearson, nan=1.0), 1.0)
        if not self.r_compat:
            return fit, phi, phi
        # surveillance stores the outbreak weights in model$weights, where summary.glm expects the working weights
        # (ω μ), so its dispersion — used for the trend test and the prediction's standard error — is
        # Σ ω ((y − μ)/μ)² / df, about φ/μ, instead of Σ ω (y − μ)²/μ / df.
        if self.reweight:
            with np.errstate(divide="ignore", invalid="ignore"):
                quirk = np.sum(weights * ((y - fit.mu) / fit.mu) ** 2, axis=1) / fit.df_residual
            return fit, phi, np.nan_to_num(quirk, nan=1.0)
        return fit, phi, np.nan_to_num(fit.pearson, nan=1.0)
