"""EARS C1/C2/C3 spike detectors, vectorised over many series at once.

Detectors follow the scikit-learn shape: settings are stored unchanged in ``__init__``, ``fit`` computes and
returns ``self``, learned arrays end in ``_``. Input is a 2-D array ``(series, time)`` of counts; every output
array has the same shape, with NaN (or False) where a time point has too little history to be evaluated.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats


class EarsC:
    """EARS C1, C2 and C3 (CDC's Early Aberration Reporting System), as in R ``surveillance::earsC``.

    Parameters
    ----------
    method : "C1", "C2" or "C3".
    baseline : number of reference periods (≥ 3; default 7).
    alpha : one-sided level; default 0.001 for C1 and C2, 0.025 for C3 (as ``surveillance``).
    min_sigma : floor for the reference standard deviation (Burkom suggests 0.5 or 1 for sparse series).
    r_compat : for C3, reproduce ``surveillance``'s upper bound (which starts from the observed value) instead of
        the exact bound of the rule "C3 ≥ z".

    Attributes
    ----------
    expected_ : mean of the reference window.
    upperbound_ : count above which the period alarms.
    score_ : C1/C2 statistic (standardised difference) or the C3 sum.
    alarm_ : boolean alarms.
    threshold_ : z = Φ⁻¹(1 − alpha).

    Notes
    -----
    C1 uses the ``baseline`` periods right before t; C2 the same window shifted back by a 2-period guard band.
    With m and s the reference mean and sample SD, σ = max(s, min_sigma), the C1/C2 statistic is (y − m)/σ and
    the bound m + z·σ (alarm iff y > bound). C3(t) = Σ_{i=t−2..t} max(0, C2(i) − 1); alarm iff C3(t) ≥ z, and
    the exact bound is m + σ·(1 + z − lag₁ − lag₂) while the two lagged terms are below z.

    References
    ----------
    Hutwagner, L. et al. (2003). The bioterrorism preparedness and response Early Aberration Reporting System
    (EARS). *J Urban Health* 80(suppl 1), i89–i96. https://doi.org/10.1007/PL00022319

    Examples
    --------
    >>> detector = EarsC("C1").fit(np.array([[1, 2, 3, 4, 5, 6, 7, 20]]))
    >>> round(float(detector.upperbound_[0, 7]), 3), bool(detector.alarm_[0, 7])
    (10.676, True)
    """

    def __init__(
        self,
        method: str = "C1",
        baseline: int = 7,
        alpha: float | None = None,
        min_sigma: float = 0.0,
        r_compat: bool = False,
    ):
        self.method = method
        self.baseline = baseline
        self.alpha = alpha
        self.min_sigma = min_sigma
        self.r_compat = r_compat

    def fit(self, counts) -> EarsC:
        y = np.atleast_2d(np.asarray(counts, dtype=float))
        method = str(self.method).upper()
        if method not in ("C1", "C2", "C3"):
            raise ValueError(f"Método desconocido «{self.method}»: use C1, C2 o C3.")
        if int(self.baseline) != self.baseline or self.baseline < 3:
            raise ValueError("baseline debe ser un entero mayor o igual que 3.")
        if self.min_sigma < 0:
            raise ValueError("min_sigma no puede ser negativo.")
        alpha = self.alpha if self.alpha is not None else (0.025 if method == "C3" else 0.001)
        if not 0 < alpha < 1:
            raise ValueError("alpha debe estar entre 0 y 1.")
        b = int(self.baseline)
        lag = {"C1": 0, "C2": 2, "C3": 2}[method]
        first = b + lag + (2 if method == "C3" else 0)
        if y.shape[1] <= first:
            raise ValueError(
                f"La serie es demasiado corta: {method} con baseline {b} necesita más de {first} periodos."
            )
        z = float(stats.norm.ppf(1 - alpha))
        mean, sigma = self._reference(y, b, lag)
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = (y - mean) / sigma
        shape = y.shape
        self.threshold_ = z
        self.expected_ = mean
        if method in ("C1", "C2"):
            self.upperbound_ = mean + z * sigma
            self.score_ = stat
            self.alarm_ = np.where(np.isnan(self.upperbound_), False, y > self.upperbound_)
            return self
        excess = np.maximum(0.0, stat - 1.0)
        lag1 = np.full(shape, np.nan)
        lag2 = np.full(shape, np.nan)
        lag1[:, 1:] = excess[:, :-1]
        lag2[:, 2:] = excess[:, :-2]
        c3 = excess + lag1 + lag2
        c3[:, :first] = np.nan
        lagged = lag1 + lag2
        with np.errstate(invalid="ignore"):  # the first periods have no history: NaN there, by design
            if self.r_compat:
                bound = np.maximum(0.0, y + sigma * (z - lagged))
                alarm = y > bound
            else:
                bound = np.where(lagged < z, mean + sigma * (1.0 + z - lagged), y)
                alarm = c3 >= z
        bound[:, :first] = np.nan
        self.score_ = c3
        self.upperbound_ = bound
        self.alarm_ = np.where(np.isnan(c3), False, alarm)
        self.expected_ = np.where(np.isnan(c3), np.nan, mean)
        return self

    def _reference(self, y: np.ndarray, b: int, lag: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and floored SD of the window y[t−b−lag .. t−1−lag] for every t (NaN where it does not fit)."""
        n_series, n_time = y.shape
        windows = sliding_window_view(y, b, axis=1)  # windows[:, j] = y[j .. j+b-1]
        mean = np.full((n_series, n_time), np.nan)
        sd = np.full((n_series, n_time), np.nan)
        start = b + lag  # first t whose window starts at 0
        count = n_time - start
        mean[:, start:] = windows[:, :count].mean(axis=2)
        sd[:, start:] = windows[:, :count].std(axis=2, ddof=1)
        return mean, np.maximum(sd, self.min_sigma)
