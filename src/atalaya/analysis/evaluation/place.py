"""Did a place-based response work, and did crime move next door? Before/after with a comparison area and the
displacement check: the measures of Bowers & Johnson (2003) as the POP Center's tool guide states them, the
weighted displacement difference test of Wheeler & Ratcliffe (2018), the rate ratio with its interval, and the
exact Poisson test the indicators use.

Areas: the **response** area R (where the response ran), its **buffer** B (the ring around it, where crime could
be displaced to or benefits diffuse to) and a **control** area C (similar, not treated, not contaminated); the
buffer may have a control of its own (``buffer_control``, Wheeler & Ratcliffe's displacement control; by default
the same control). ``0`` is before the response and ``1`` after (or during) it. Periods of different length are
compared per unit of time (``before_length``, ``after_length``: days, weeks or months, the same unit).

Signs, as the sources define them (the summary says each in words):

* gross effect ``R0 − R1`` and net effect ``R0/C0 − R1/C1``: positive = crime went down;
* success measure ``R1/C1 − R0/C0``: negative = the response area improved more than the control;
* buffer displacement measure ``B1/C1 − B0/C0``: positive = possible displacement, negative = diffusion;
* WDQ = buffer measure / success measure, read only when the success measure is negative: > 0 diffusion of
  benefits (> 1: larger than the direct effect), between 0 and −1 some displacement but a net benefit, < −1
  displacement erased the benefit;
* total net effect ``[R0·C1/C0 − R1] + [B0·C1/C0 − B1]``: crimes prevented in response area and buffer together;
* WDD ``(R1 − R0) − (C1 − C0) + (B1 − B0) − (BC1 − BC0)``: negative = crimes prevented, with a standard error
  from the Poisson variances (the sum of the eight counts).

References
----------
Bowers, K. J. & Johnson, S. D. (2003). Measuring the geographical displacement and diffusion of benefit effects
of crime prevention activity. *Journal of Quantitative Criminology* 19(3), 275–301.
Guerette, R. T. (2009). *Analyzing crime displacement and diffusion*. POP Center Tool Guide 10, appendices B–C.
Wheeler, A. P. & Ratcliffe, J. H. (2018). A simple weighted displacement difference test to evaluate place
based crime interventions. *Crime Science* 7, 11.
Farrington, D. P. & Welsh, B. C. (2002). Effects of improved street lighting on crime (the relative effect
size and the variance of its logarithm).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from ..indicators import compare_counts


@dataclass(frozen=True)
class PlaceCounts:
    """Counts of the outcome (crimes of the problem's categories) per area and period."""

    response_before: int
    response_after: int
    control_before: int
    control_after: int
    buffer_before: int | None = None
    buffer_after: int | None = None
    buffer_control_before: int | None = None
    buffer_control_after: int | None = None
    before_length: float = 1.0
    after_length: float = 1.0
    #: Sizes of the response, control, buffer and buffer-control areas (km², or inhabitants) when the WDD should
    #: compare densities rather than counts (Wheeler's area weights); ``None``: counts.
    areas: tuple[float, float, float, float] | None = None

    def check(self) -> None:
        """Spanish ``ValueError`` for counts that cannot be evaluated."""
        for name, value in asdict(self).items():
            if name == "areas":
                if value is not None and (len(value) != 4 or not all(math.isfinite(a) and a > 0 for a in value)):
                    raise ValueError("Las superficies de las cuatro áreas deben ser números positivos.")
            elif name.endswith("_length"):
                if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                    raise ValueError(f"La duración «{name}» debe ser un número positivo; se recibió {value!r}.")
            elif value is not None and (not isinstance(value, int | np.integer) or value < 0):
                raise ValueError(f"El conteo «{name}» debe ser un entero no negativo; se recibió {value!r}.")
        if (self.buffer_before is None) != (self.buffer_after is None):
            raise ValueError("El área de amortiguación necesita sus conteos de antes y de después.")

    @property
    def has_buffer(self) -> bool:
        return self.buffer_before is not None


@dataclass(frozen=True)
class PlaceEvaluation:
    """Every measure, ``None`` where it cannot be computed (a zero denominator), and a summary in Spanish."""

    gross_effect: float
    net_effect: float | None
    success_measure: float | None
    buffer_displacement_measure: float | None
    wdq: float | None
    total_net_effect: float | None
    rate_ratio: float | None
    rate_ratio_lower: float | None
    rate_ratio_upper: float | None
    p_value_before_after: float | None
    p_value_vs_control: float | None
    wdd_local: float
    wdd_local_se: float
    wdd_displacement: float | None
    wdd_displacement_se: float | None
    wdd_total: float
    wdd_total_se: float
    wdd_z: float | None
    wdd_lower: float
    wdd_upper: float
    level: float
    verdict: str
    summary: str

    def as_dict(self) -> dict:
        return asdict(self)


def evaluate_place(counts: PlaceCounts, level: float = 0.95) -> PlaceEvaluation:
    """All the before/after measures of a place-based response; see the module's docstring for their signs.

    Examples
    --------
    The example of R's ``ptools::wdd`` documentation (treated 207 → 110, control 308 → 318, displacement area
    178 → 157 and its control 150 → 140), without area weights:

    >>> e = evaluate_place(PlaceCounts(207, 110, 308, 318, 178, 157, 150, 140))
    >>> round(e.wdd_local), round(e.wdd_displacement), round(e.wdd_total), round(e.wdd_total_se, 2)
    (-107, -11, -118, 39.6)
    """
    counts.check()
    z = float(stats.norm.ppf(0.5 + level / 2))
    r0, r1 = counts.response_before, counts.response_after
    c0, c1 = counts.control_before, counts.control_after
    b0, b1 = counts.buffer_before, counts.buffer_after

    ratio = _ratio(c1, c0)  # the control's change: what would have happened without the response
    net = _ratio(r0, c0) - _ratio(r1, c1) if c0 and c1 else None
    success = _ratio(r1, c1) - _ratio(r0, c0) if c0 and c1 else None
    buffer_measure = _ratio(b1, c1) - _ratio(b0, c0) if counts.has_buffer and c0 and c1 else None
    wdq = buffer_measure / success if buffer_measure is not None and success is not None and success < 0 else None
    total_net = None
    if ratio is not None:
        total_net = r0 * ratio - r1 + ((b0 * ratio - b1) if counts.has_buffer else 0.0)

    rate_ratio = lower = upper = None
    if min(r0, r1, c0, c1) > 0:
        rate_ratio = (r1 / r0) / (c1 / c0)
        half = z * math.sqrt(1 / r0 + 1 / r1 + 1 / c0 + 1 / c1)
        lower, upper = rate_ratio * math.exp(-half), rate_ratio * math.exp(half)
    # The response area alone, as the indicators test a change: after against before, per unit of time.
    lengths = counts.after_length / counts.before_length
    p_before_after = float(compare_counts(np.array([r1]), np.array([r0]), lengths)[0][0]) if r0 + r1 else None
    # Against the control: conditional on each area's total, the same share after in both (Fisher's exact test
    # of the 2 × 2 table is the exact conditional test of equal Poisson rate ratios).
    p_vs_control = float(stats.fisher_exact([[r0, r1], [c0, c1]]).pvalue) if (r0 + r1) and (c0 + c1) else None

    sizes = counts.areas or (1.0, 1.0, 1.0, 1.0)
    local, local_var = _wdd_part(counts, (r0, r1, sizes[0]), (c0, c1, sizes[1]))
    if counts.has_buffer:
        bc0 = counts.buffer_control_before if counts.buffer_control_before is not None else c0
        bc1 = counts.buffer_control_after if counts.buffer_control_after is not None else c1
        displacement, displacement_var = _wdd_part(counts, (b0, b1, sizes[2]), (bc0, bc1, sizes[3]))
    else:
        displacement, displacement_var = None, None
    total = local + (displacement or 0.0)
    total_se = math.sqrt(local_var + (displacement_var or 0.0))
    wdd_z = total / total_se if total_se else None

    values = {
        "gross_effect": float(r0 - r1),
        "net_effect": net,
        "success_measure": success,
        "buffer_displacement_measure": buffer_measure,
        "wdq": wdq,
        "total_net_effect": total_net,
        "rate_ratio": rate_ratio,
        "rate_ratio_lower": lower,
        "rate_ratio_upper": upper,
        "p_value_before_after": p_before_after,
        "p_value_vs_control": p_vs_control,
        "wdd_local": local,
        "wdd_local_se": math.sqrt(local_var),
        "wdd_displacement": displacement,
        "wdd_displacement_se": math.sqrt(displacement_var) if displacement_var is not None else None,
        "wdd_total": total,
        "wdd_total_se": total_se,
        "wdd_z": wdd_z,
        "wdd_lower": total - z * total_se,
        "wdd_upper": total + z * total_se,
        "level": level,
    }
    verdict = _verdict(values)
    return PlaceEvaluation(**values, verdict=verdict, summary=_summary(values, verdict, counts))


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _wdd_part(counts: PlaceCounts, treated: tuple, control: tuple) -> tuple[float, float]:
    """One difference in differences per unit of time (and of area) and its Poisson variance: a count divided by
    a weight ``a`` has variance ``count / a²`` (Wheeler 2021). ``treated`` and ``control`` are
    ``(before, after, area size)``."""
    estimate = variance = 0.0
    for (before, after, size), sign in ((treated, 1.0), (control, -1.0)):
        w0, w1 = counts.before_length * size, counts.after_length * size
        estimate += sign * (after / w1 - before / w0)
        variance += after / w1**2 + before / w0**2
    return estimate, variance


#: The verdicts a SARA assessment records; the keys are stable (stored), the labels Spanish.
VERDICTS = {
    "reduccion": "Reducción atribuible a la respuesta",
    "reduccion_con_desplazamiento": "Reducción, con parte desplazada a los alrededores",
    "reduccion_anulada": "El desplazamiento anuló la reducción",
    "sin_efecto_claro": "Sin efecto distinguible del azar",
    "aumento": "Aumento respecto del área de control",
}


def _verdict(values: dict) -> str:
    """On the ratio scale, which holds when the control is larger or smaller than the response area (the WDD
    compares counts and assumes a control of similar size): beyond chance only when the response area changed
    differently from the control (the exact conditional test at the chosen level); then the buffer says whether
    the reduction held, moved or was erased."""
    p = values["p_value_vs_control"]
    if p is None or p >= 1 - values["level"] or values["rate_ratio"] == 1:
        return "sin_efecto_claro"
    worse = values["net_effect"] < 0 if values["net_effect"] is not None else values["wdd_local"] > 0
    if worse:
        return "aumento"
    wdq = values["wdq"]
    if wdq is not None and wdq <= -1:
        return "reduccion_anulada"
    if wdq is not None and wdq < 0:
        return "reduccion_con_desplazamiento"
    return "reduccion"


def _es(value: float, places: int, *, sign: bool = True) -> str:
    """A number as Spanish writes it (decimal comma), with its sign when it is a change."""
    return f"{value:{'+' if sign else ''}.{places}f}".replace(".", ",")


def _summary(values: dict, verdict: str, counts: PlaceCounts) -> str:
    """Plain Spanish for a mesa: what changed, against what, and whether it could be chance."""
    percent = f"{values['level'] * 100:.0f} %"
    parts = [
        f"En el área de la respuesta los hechos pasaron de {counts.response_before} a {counts.response_after}; "
        f"en el área de control, de {counts.control_before} a {counts.control_after}."
    ]
    if values["rate_ratio"] is not None:
        change = (values["rate_ratio"] - 1) * 100
        parts.append(
            f"Descontada la tendencia del control, el cambio es de {_es(change, 0)} % "
            f"(intervalo del {percent}: {_es((values['rate_ratio_lower'] - 1) * 100, 0)} % a "
            f"{_es((values['rate_ratio_upper'] - 1) * 100, 0)} %)."
        )
    parts.append(
        f"Diferencia ponderada (WDD): {_es(values['wdd_total'], 1)} hechos por periodo "
        f"(intervalo del {percent}: {_es(values['wdd_lower'], 1)} a {_es(values['wdd_upper'], 1)}); "
        "un valor negativo son hechos evitados."
    )
    wdq = values["wdq"]
    if wdq is not None:
        if wdq > 0:
            parts.append(
                f"WDQ = {_es(wdq, 2, sign=False)}: los alrededores también mejoraron (difusión de beneficios)."
            )
        elif wdq < -1:
            parts.append(f"WDQ = {_es(wdq, 2, sign=False)}: el desplazamiento a los alrededores superó la reducción.")
        elif wdq < 0:
            parts.append(
                f"WDQ = {_es(wdq, 2, sign=False)}: hubo algo de desplazamiento, menor que la reducción lograda."
            )
        else:
            parts.append("WDQ = 0: ni desplazamiento ni difusión.")
    elif counts.has_buffer:
        parts.append("El WDQ no se interpreta: el área de la respuesta no mejoró más que la de control.")
    parts.append(VERDICTS[verdict] + ".")
    return " ".join(parts)
