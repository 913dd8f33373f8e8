"""Crime concentration at places: how few places hold a quarter, half and all of the crime.

Following Weisburd (2015): sort places by their count, descending, and report the share of **all places**
(including those with no crime) and of **crime places** (with at least one) needed to reach 25 %, 50 % and
100 % of the crime, the Lorenz curve and the Gini coefficient. When there are fewer crimes than places even the
most equal distribution leaves places empty, so the *generalised* Gini of Bernasco and Steenbeek (2017)
compares with maximal equality given the data: G′ = max(1, n/N)·(G − 1) + 1.

References
----------
Weisburd D. (2015). The law of crime concentration and the criminology of place. *Criminology* 53(2), 133–157.
https://doi.org/10.1111/1745-9125.12070
Bernasco W., Steenbeek W. (2017). More places than crimes: implications for evaluating the law of crime
concentration at place. *Journal of Quantitative Criminology* 33, 451–467. https://doi.org/10.1007/s10940-016-9324-7
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

SHARES = (0.25, 0.5, 1.0)


def gini(counts, *, generalized: bool = False, unbiased: bool = False) -> float:
    """Gini coefficient of counts per place (biased by default, as ``DescTools::Gini(unbiased = FALSE)``).

    >>> round(gini([10, 8, 2] + [0] * 7), 2)
    0.78
    >>> round(gini([5, 2, 1] + [0] * 7), 2), round(gini([5, 2, 1] + [0] * 7, generalized=True), 2)
    (0.8, 0.75)
    >>> round(gini([10] + [0] * 9), 2), round(gini([10] + [0] * 9, unbiased=True), 2)
    (0.9, 1.0)
    """
    x = np.sort(np.asarray(counts, dtype=float))
    if x.size == 0 or np.any(x < 0) or not np.all(np.isfinite(x)):
        raise ValueError("Los conteos deben ser números no negativos.")
    n, total = x.size, x.sum()
    if total == 0:
        raise ValueError("No hay hechos: la concentración no está definida.")
    g = 2 * np.sum(np.arange(1, n + 1) * x) / (n * total) - (n + 1) / n
    if generalized:
        g = max(1.0, n / total) * (g - 1) + 1
        if unbiased:
            m = min(n, total)
            g = g * m / (m - 1) if m > 1 else float("nan")
    elif unbiased:
        g = g * n / (n - 1)
    return float(g)


@dataclass(frozen=True)
class Concentration:
    """Shares of places needed for 25/50/100 % of crime, the Lorenz curve and Gini coefficients."""

    places: int
    crime_places: int
    crimes: float
    share_of_places: dict  # {0.25: share of all places, 0.5: …, 1.0: …}
    share_of_crime_places: dict
    gini: float
    gini_generalized: float
    lorenz_places: np.ndarray  # cumulative share of places (ascending by count), from 0
    lorenz_crime: np.ndarray  # cumulative share of crime

    def as_dict(self) -> dict:
        pct = lambda d: {f"{int(k * 100)}": round(float(v) * 100, 3) for k, v in d.items()}  # noqa: E731
        return {
            "places": self.places,
            "crime_places": self.crime_places,
            "crimes": self.crimes,
            "pct_places_for_pct_crime": pct(self.share_of_places),
            "pct_crime_places_for_pct_crime": pct(self.share_of_crime_places),
            "gini": round(self.gini, 4),
            "gini_generalized": round(self.gini_generalized, 4),
        }


def concentration(counts, places: int | None = None) -> Concentration:
    """Concentration of ``counts`` (one per place with crime, or per place including zeros).

    ``places`` is the total number of places when ``counts`` lists only places with crime (e.g. all street
    segments or grid cells of the municipality); the missing ones count as zeros.

    >>> c = concentration([50, 30, 10, 5, 5], places=10)
    >>> c.share_of_places[0.5], c.share_of_crime_places[0.5], c.share_of_places[1.0]
    (0.1, 0.2, 0.5)
    """
    x = np.asarray(counts, dtype=float)
    if np.any(x < 0) or not np.all(np.isfinite(x)):
        raise ValueError("Los conteos deben ser números no negativos.")
    total_places = x.size if places is None else int(places)
    if total_places < x.size:
        raise ValueError("Hay más lugares con conteo que el total de lugares indicado.")
    x = np.concatenate([x, np.zeros(total_places - x.size)])
    total = x.sum()
    if total == 0:
        raise ValueError("No hay hechos: la concentración no está definida.")
    descending = np.sort(x)[::-1]
    cumulative = np.cumsum(descending) / total
    crime_places = int((x > 0).sum())
    needed = {s: int(np.searchsorted(cumulative, s - 1e-12) + 1) for s in SHARES}
    ascending = descending[::-1]
    lorenz_crime = np.concatenate([[0.0], np.cumsum(ascending) / total])
    lorenz_places = np.arange(total_places + 1) / total_places
    return Concentration(
        places=total_places,
        crime_places=crime_places,
        crimes=float(total),
        share_of_places={s: k / total_places for s, k in needed.items()},
        share_of_crime_places={s: k / crime_places for s, k in needed.items()},
        gini=gini(x),
        gini_generalized=gini(x, generalized=True),
        lorenz_places=lorenz_places,
        lorenz_crime=lorenz_crime,
    )


def top_place_stability(counts_by_year: dict, share: float = 0.5) -> list[dict]:
    """Of the places that held ``share`` of crime in one year, how many still do the next year.

    ``counts_by_year`` maps a year to {place: count}. Returns one row per consecutive pair of years with the
    number of top places in each, how many are in both, the share that stayed and Spearman's rank correlation
    of the counts over all places.
    """
    from scipy.stats import spearmanr

    years = sorted(counts_by_year)
    rows = []
    for a, b in itertools.pairwise(years):
        places = sorted(set(counts_by_year[a]) | set(counts_by_year[b]))
        va = np.array([counts_by_year[a].get(p, 0) for p in places], dtype=float)
        vb = np.array([counts_by_year[b].get(p, 0) for p in places], dtype=float)
        top_a, top_b = _top(places, va, share), _top(places, vb, share)
        both = top_a & top_b
        rho = spearmanr(va, vb).statistic if len(places) > 2 and np.ptp(va) and np.ptp(vb) else float("nan")
        rows.append(
            {
                "year": a,
                "next_year": b,
                "top_places": len(top_a),
                "top_places_next": len(top_b),
                "in_both": len(both),
                "stayed": len(both) / len(top_a) if top_a else float("nan"),
                "spearman": float(rho),
            }
        )
    return rows


def _top(places: list, values: np.ndarray, share: float) -> set:
    if values.sum() == 0:
        return set()
    order = np.argsort(-values, kind="stable")
    cumulative = np.cumsum(values[order]) / values.sum()
    k = int(np.searchsorted(cumulative, share - 1e-12) + 1)
    return {places[i] for i in order[:k]}
