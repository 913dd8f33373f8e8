"""Quasi-Poisson GLMs (log link) fitted for many series at once that share one design matrix.

Farrington's method fits one small GLM per series and time point. Fitting them one ``statsmodels`` call at a
time is what makes the R and Python reference implementations slow, so here all series that share a design
(same time point, same reference windows) are fitted together: the weighted cross-products XᵀWX of every
series come from one matrix product with the column products of X, and the p×p systems are solved as a stack.

The iteration is R's ``glm.fit``: start from μ = y + 0.1, iterate weighted least squares (Fisher scoring)
until the relative change in deviance is below ``tol`` (|D − D_old| / (|D| + 0.1) < 1e-8, at most 25 steps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

MAX_ITERATIONS = 25
TOLERANCE = 1e-8


@dataclass
class BatchFit:
    """Result of :func:`fit_quasipoisson` for S series and a design with p columns.

    ``coef`` (S, p); ``mu`` (S, n) fitted means; ``cov_unscaled`` (S, p, p) = (XᵀWX)⁻¹ with W the working
    weights; ``pearson`` (S,) the Pearson dispersion Σ ω (y − μ)²/μ / (n − p) that R's ``summary.glm`` reports;
    ``df_residual`` (S,); ``converged`` (S,) bool.
    """

    coef: np.ndarray
    mu: np.ndarray
    cov_unscaled: np.ndarray
    pearson: np.ndarray
    df_residual: np.ndarray
    converged: np.ndarray

    def hat_values(self, design: np.ndarray | SharedDesign, prior: np.ndarray) -> np.ndarray:
        """Diagonal of the hat matrix, h_i = w_i x_iᵀ (XᵀWX)⁻¹ x_i, as R's ``hatvalues`` for a GLM."""
        products = design.products if isinstance(design, SharedDesign) else _column_products(design)
        quadratic = self.cov_unscaled.reshape(len(self.coef), -1) @ products.T  # (S, n)
        return prior * self.mu * quadratic

    def coef_p_values(self, column: int, dispersion: np.ndarray | None = None) -> np.ndarray:
        """Two-sided t-test p-value of one coefficient (quasi family: t with the residual df, as R's summary).

        The dispersion defaults to the Pearson estimate.
        """
        dispersion = self.pearson if dispersion is None else dispersion
        se = np.sqrt(self.cov_unscaled[:, column, column] * dispersion)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = self.coef[:, column] / se
        return 2 * stats.t.sf(np.abs(t), np.maximum(self.df_residual, 1))


def _column_products(design: np.ndarray) -> np.ndarray:
    """Row-wise outer products of the design, flattened: (n, p·p)."""
    n, p = design.shape
    return (design[:, :, None] * design[:, None, :]).reshape(n, p * p)


class SharedDesign:
    """A design matrix X shared by many series, with what every fit needs precomputed once.

    XᵀWX for many weight rows W at once computes each distinct column product of X only once.

    With seasonal dummies most of the p² products are zero (two different blocks) or repeated (a dummy times
    itself is the dummy), so the matrix product runs over ~p·3 columns instead of p².
    """

    def __init__(self, design: np.ndarray):
        self.matrix = design
        self.products = products = _column_products(design)
        distinct, self.index = np.unique(products, axis=1, return_inverse=True)
        nonzero = np.flatnonzero(np.any(distinct != 0, axis=0))
        remap = np.full(distinct.shape[1], len(nonzero))  # all-zero products point to an appended zero column
        remap[nonzero] = np.arange(len(nonzero))
        self.columns = distinct[:, nonzero]
        self.index = remap[np.ravel(self.index)]
        self.p = design.shape[1]

    def cross(self, weights: np.ndarray) -> np.ndarray:
        """XᵀWX for every row of ``weights`` (S, n): (S, p, p)."""
        sums = weights @ self.columns
        sums = np.concatenate([sums, np.zeros((len(weights), 1))], axis=1)
        return sums[:, self.index].reshape(len(weights), self.p, self.p)


def _solve(matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve a stack of p×p systems; singular ones (a level with no weight left) go through the pseudo-inverse."""
    try:
        return np.linalg.solve(matrix, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.einsum("spq,sq->sp", np.linalg.pinv(matrix), rhs)


def _inverse(matrix: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(matrix)


def fit_quasipoisson(
    y: np.ndarray,
    design: np.ndarray | SharedDesign,
    prior: np.ndarray | None = None,
    offset: np.ndarray | None = None,
) -> BatchFit:
    """Fit log E[y] = X β + offset for every row of ``y`` (S, n) with the shared design ``design`` (n, p).

    ``prior`` (S, n) are prior weights (0 drops a point, e.g. a missing value); ``offset`` (S, n) or (n,).
    Series whose weighted counts are all zero are left with μ → 0 as R would; callers usually skip them.
    """
    shared = design if isinstance(design, SharedDesign) else SharedDesign(design)
    design = shared.matrix
    y = np.asarray(y, dtype=float)
    n_series, n = y.shape
    prior = np.ones_like(y) if prior is None else np.asarray(prior, dtype=float)
    offset = np.zeros((1, n)) if offset is None else np.atleast_2d(offset)
    cross = shared.cross
    # Deviance 2 Σ ω (y log(y/μ) − (y − μ)) with the parts that do not change precomputed.
    constant = np.sum(prior * (np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0) - y), axis=1)
    prior_y = prior * y

    # First step as glm.fit: weighted least squares of z = log(y + 0.1) − offset on X with weights ω (y + 0.1).
    mu = y + 0.1
    eta = np.log(mu)
    weights = prior * mu
    z = eta - offset + (y - mu) / mu
    coef = _solve(cross(weights), (weights * z) @ design)
    deviance_old = np.full(n_series, np.inf)
    converged = np.zeros(n_series, dtype=bool)
    mu = np.empty_like(y)
    active = np.arange(n_series)  # only the series still changing are iterated further
    for _step in range(MAX_ITERATIONS):
        eta = coef[active] @ design.T + (offset if offset.shape[0] == 1 else offset[active])
        mu_active = np.exp(np.minimum(eta, 700.0))
        mu[active] = mu_active
        deviance = 2 * (constant[active] + np.sum(prior[active] * mu_active - prior_y[active] * eta, axis=1))
        done = np.abs(deviance - deviance_old[active]) / (np.abs(deviance) + 0.1) < TOLERANCE
        converged[active] = done
        deviance_old[active] = deviance
        if done.all():
            break
        active, mu_active = active[~done], mu_active[~done]
        weights = prior[active] * mu_active
        score = (prior_y[active] - weights) @ design
        coef[active] += _solve(cross(weights), score)
    weights = prior * mu
    cov_unscaled = _inverse(cross(weights))
    df_residual = (prior > 0).sum(axis=1) - design.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.sum(np.where(prior > 0, prior * (y - mu) ** 2 / mu, 0.0), axis=1) / df_residual
    return BatchFit(coef, mu, cov_unscaled, pearson, df_residual, converged & np.isfinite(coef).all(axis=1))


def anscombe_residuals(
    fit: BatchFit, y: np.ndarray, design: np.ndarray | SharedDesign, prior: np.ndarray, phi: np.ndarray
):
    """Standardised Anscombe residuals 1.5 (y^⅔ μ^−⅙ − μ^½) / √(φ (1 − h)), as ``surveillance``."""
    h = fit.hat_values(design, prior)
    mu = fit.mu
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = 1.5 * (np.power(y, 2 / 3) * np.power(mu, -1 / 6) - np.sqrt(mu))
        return raw / np.sqrt(phi[:, None] * (1 - h))


def outbreak_weights(residuals: np.ndarray, threshold: float, mask: np.ndarray | None = None) -> np.ndarray:
    """Farrington's down-weighting of past outbreaks: ω = γ s⁻² above the threshold, γ otherwise, mean ω = 1.

    ``mask`` marks the points that take part (others get weight 0). Same as ``algo.farrington.assign.weights``:

    >>> s = np.array([[0, 0, 0, 0, 0, 2, 2, 2, 2, 2]], dtype=float)
    >>> outbreak_weights(s, 0.0).round(3).tolist()
    [[1.6, 1.6, 1.6, 1.6, 1.6, 0.4, 0.4, 0.4, 0.4, 0.4]]
    """
    mask = np.ones(residuals.shape, dtype=bool) if mask is None else mask
    above = (residuals > threshold) & mask
    with np.errstate(divide="ignore", over="ignore"):  # a huge residual gets weight 0, as it should
        relative = np.where(above, 1.0 / np.where(above, residuals, 1.0) ** 2, 1.0)
    relative = np.where(mask, relative, 0.0)
    gamma = mask.sum(axis=1) / relative.sum(axis=1)
    return gamma[:, None] * relative
