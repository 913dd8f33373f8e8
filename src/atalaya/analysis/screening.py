"""Risk screening from an instrument defined as data: risk and protective factors by domain, weights and
cut-offs → a score and a level (alta, media, baja).

The rule is transparent on purpose (the lesson of the early-warning literature: human alerts and rule-based
screening first, any predictive score optional and auditable): the level comes from a sum a worker can redo by
hand, and a *critical* factor (a grave rights violation) makes the level high whatever the sum. Pure functions:
the case module stores the instrument's version with each screening, so changing an instrument never rewrites a
past result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LEVELS = ("baja", "media", "alta")
KINDS = ("riesgo", "protector")


class InstrumentError(ValueError):
    """An instrument definition or a set of answers that cannot be scored; the message says where, in Spanish."""


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    domain: str
    kind: str  # riesgo | protector
    weight: float
    critical: bool = False


@dataclass(frozen=True)
class Instrument:
    items: tuple[Item, ...]
    medium: float  # score from which the level is «media»
    high: float  # … and «alta»
    domains: tuple[tuple[str, str], ...] = ()  # (code, label) in order

    @property
    def by_code(self) -> dict[str, Item]:
        return {item.code: item for item in self.items}


@dataclass(frozen=True)
class Result:
    score: float
    level: str
    by_domain: dict[str, float] = field(default_factory=dict)
    critical: tuple[str, ...] = ()  # critical factors present
    present: tuple[str, ...] = ()  # every factor present, in the instrument's order


def parse_instrument(definition: dict) -> Instrument:
    """Check and read a definition: ``{"domains": [{"code", "label", "items": [{"code", "label", "kind", "weight",
    "critical"?}]}], "cutoffs": {"media": n, "alta": m}}``."""
    if not isinstance(definition, dict) or not isinstance(definition.get("domains"), list) or not definition["domains"]:
        raise InstrumentError("El instrumento necesita al menos un dominio con sus factores.")
    items: list[Item] = []
    domains: list[tuple[str, str]] = []
    for d, domain in enumerate(definition["domains"], start=1):
        code = str(domain.get("code") or "").strip()
        if not code or not domain.get("items"):
            raise InstrumentError(f"Dominio {d}: falta el código o sus factores.")
        domains.append((code, str(domain.get("label") or code)))
        for i, raw in enumerate(domain["items"], start=1):
            where = f"Dominio «{code}», factor {i}"
            item_code = str(raw.get("code") or "").strip()
            kind = raw.get("kind")
            try:
                weight = float(raw.get("weight"))
            except (TypeError, ValueError):
                raise InstrumentError(f"{where}: el peso «{raw.get('weight')}» no es un número.") from None
            if not item_code:
                raise InstrumentError(f"{where}: falta el código.")
            if kind not in KINDS:
                raise InstrumentError(f"{where}: el tipo debe ser «riesgo» o «protector», no «{kind}».")
            if not 0 < weight <= 100:
                raise InstrumentError(f"{where}: el peso debe estar entre 0 y 100.")
            items.append(
                Item(item_code, str(raw.get("label") or item_code), code, kind, weight, bool(raw.get("critical")))
            )
    codes = [item.code for item in items]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise InstrumentError(f"Códigos de factor repetidos: {', '.join(repeated)}.")
    cutoffs = definition.get("cutoffs") or {}
    try:
        medium, high = float(cutoffs["media"]), float(cutoffs["alta"])
    except (KeyError, TypeError, ValueError):
        raise InstrumentError("Faltan los puntos de corte numéricos «media» y «alta».") from None
    if not medium < high:
        raise InstrumentError("El punto de corte «alta» debe ser mayor que el de «media».")
    return Instrument(tuple(items), medium, high, tuple(domains))


def score(instrument: Instrument, answers: dict[str, bool]) -> Result:
    """Risk factors present add their weight, protective ones subtract theirs; the level follows the cut-offs,
    and any critical factor present makes it «alta». Unknown factor codes are refused (a form out of date)."""
    unknown = sorted(set(answers) - set(instrument.by_code))
    if unknown:
        raise InstrumentError(f"Factores que el instrumento no tiene: {', '.join(unknown)}.")
    by_domain: dict[str, float] = {code: 0.0 for code, _ in instrument.domains}
    present = [item for item in instrument.items if answers.get(item.code)]
    for item in present:
        by_domain[item.domain] += item.weight if item.kind == "riesgo" else -item.weight
    total = round(sum(by_domain.values()), 6)
    critical = tuple(item.code for item in present if item.critical and item.kind == "riesgo")
    if critical or total >= instrument.high:
        level = "alta"
    elif total >= instrument.medium:
        level = "media"
    else:
        level = "baja"
    return Result(total, level, by_domain, critical, tuple(item.code for item in present))
