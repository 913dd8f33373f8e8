"""Synthetic ENSU-format microdata with a known design, for the demo, the tests and the benchmark.

Everything here is **synthetic**: the columns, codes and design variables are those of INEGI's ENSU *cuestionario
básico* (the ``CB`` table: ``CD``, ``BP1_1``, ``BP1_7_1``, ``BP1_8_1``, ``BP1_9_1``, ``FAC_SEL``, ``EST_DIS``,
``UPM_DIS``…), the answers are drawn from a model. The design mirrors ENSU's: in each city, strata (``EST_DIS``) of
primary sampling units (``UPM_DIS``), a few dwellings per unit and one selected adult per dwelling, with an
expansion factor ``FAC_SEL``; the same units are visited every quarter (ENSU is a panel), so a stacked file of
several quarters keeps the clusters that make quarter-to-quarter changes correlated. Answers share a random effect
per unit (intra-cluster correlation), so design effects are larger than 1 as in the real survey. Nothing here is
an official figure. Random draws use an explicit ``numpy.random.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class SyntheticCity:
    """One ENSU city (área urbana de interés) and the model its answers are drawn from."""

    code: str  # CD, two characters
    name: str  # NOM_CD
    state_code: str  # CVE_ENT
    state_name: str
    municipality_code: str  # CVE_MUN, three characters
    municipality_name: str
    insecurity: float  # share answering BP1_1 = 2 (inseguro)
    trust: float  # share trusting the municipal police (mucha o algo), among those who identify it
    effectiveness: float  # share finding it muy o algo efectiva, among those who identify it
    victimisation: float  # share of households with a robbery in the semester (BP1_6_3)
    strata: int = 4
    units_per_stratum: int = 8
    dwellings_per_unit: int = 6


# The seed's figures for Nezahualcóyotl (7 in 10 trust the municipal police, 6 in 10 find it effective) and
# neighbours with the contrasts the press reported; the others make a ranking worth reading.
CITIES = (
    SyntheticCity("28", "Ciudad Nezahualcóyotl", "15", "México", "058", "Nezahualcóyotl", 0.62, 0.71, 0.62, 0.12),
    SyntheticCity("27", "Ecatepec de Morelos", "15", "México", "033", "Ecatepec de Morelos", 0.87, 0.29, 0.28, 0.2),
    SyntheticCity("26", "Toluca de Lerdo", "15", "México", "106", "Toluca", 0.78, 0.45, 0.42, 0.14),
    SyntheticCity("87", "Tlalnepantla de Baz", "15", "México", "104", "Tlalnepantla de Baz", 0.74, 0.5, 0.47, 0.15),
    SyntheticCity("91", "Chimalhuacán", "15", "México", "031", "Chimalhuacán", 0.8, 0.38, 0.36, 0.17),
    SyntheticCity("76", "Iztapalapa", "09", "Ciudad de México", "007", "Iztapalapa", 0.72, 0.4, 0.41, 0.13),
)

QUARTERS = ("0125", "0225", "0325", "0425")  # PER as INEGI writes it: quarter and year (QQYY)


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _draw(rng: np.random.Generator, share: float, shift: np.ndarray) -> np.ndarray:
    """Bernoulli answers whose log-odds move with each respondent's unit effect and stratum shift."""
    z = _logit(share) + shift
    return rng.random(shift.shape[0]) < 1 / (1 + np.exp(-z))


def generate_ensu(
    rng: np.random.Generator,
    cities: tuple[SyntheticCity, ...] = CITIES,
    quarters: tuple[str, ...] = QUARTERS,
    trend: float = -0.06,
    scale: int = 1,
) -> pl.DataFrame:
    """A stacked CB table for ``cities`` and ``quarters`` (one row per selected adult and quarter).

    ``trend`` moves the log-odds of insecurity per quarter; ``scale`` multiplies the dwellings per unit (the
    benchmark uses it for 500,000 respondents). Codes follow the CB dictionary: 1/2 for sí/no or
    seguro/inseguro, 1–4 for the effectiveness and trust scales, 9 for no sabe / no responde.
    """
    frames = []
    for city in cities:
        n_units = city.strata * city.units_per_stratum
        per_unit = city.dwellings_per_unit * scale
        stratum = np.repeat(np.arange(1, city.strata + 1), city.units_per_stratum * per_unit)
        unit = np.repeat(np.arange(n_units), per_unit)
        n = stratum.shape[0]
        unit_effect = rng.normal(0.0, 0.35, n_units)[unit]
        stratum_shift = (stratum - (city.strata + 1) / 2) * 0.15
        # Expansion factors: city adults spread over the sample, uneven within strata (non-response adjustment).
        base = rng.integers(180, 420) * (1 + 0.25 * (stratum - 1))
        fac_sel = np.maximum(1, np.round(base * rng.lognormal(0, 0.3, n))).astype(np.int64)
        sex = rng.integers(1, 3, n)
        age = np.minimum(rng.integers(18, 90, n), 96)
        for q, period in enumerate(quarters):
            shift = unit_effect + stratum_shift + rng.normal(0.0, 0.05)
            insecure = _draw(rng, city.insecurity, shift + trend * q + 0.25 * (sex == 2))
            dont_know = rng.random(n) < 0.015
            bp1_1 = np.where(dont_know, 9, np.where(insecure, 2, 1))
            identifies = rng.random(n) < 0.88
            trusts = _draw(rng, city.trust, -shift)
            trust_level = np.where(trusts, rng.integers(1, 3, n), rng.integers(3, 5, n))
            effective = _draw(rng, city.effectiveness, -shift)
            effect_level = np.where(effective, rng.integers(1, 3, n), rng.integers(3, 5, n))
            victim = _draw(rng, city.victimisation, 0.5 * shift)
            frames.append(
                pl.DataFrame(
                    {
                        "_unit": unit,
                        "_dwelling": np.arange(n) % per_unit,
                        "PER": period,
                        "CVE_ENT": city.state_code,
                        "NOM_ENT": city.state_name,
                        "CVE_MUN": city.municipality_code,
                        "NOM_MUN": city.municipality_name,
                        "CD": city.code,
                        "NOM_CD": city.name,
                        "SEXO": sex,
                        "EDAD": age,
                        "BP1_1": bp1_1,
                        "BP1_6_3": np.where(victim, 1, 2),
                        "BP1_7_1": np.where(identifies, 1, 2),
                        "BP1_8_1": np.where(rng.random(n) < 0.02, 9, effect_level),
                        "BP1_9_1": np.where(rng.random(n) < 0.02, 9, trust_level),
                        "FAC_SEL": fac_sel,
                        "DOMINIO": "U",
                        "EST": stratum,
                        "_stratum": stratum,
                    }
                )
            )
    code = pl.col("CD")
    unit = pl.col("_unit").cast(pl.String)
    dwelling = pl.col("_dwelling").cast(pl.String)
    return (
        pl.concat(frames)
        .with_columns(
            # Who does not identify the municipal police is not asked about it (a blank, as in the CB files).
            pl.when(pl.col("BP1_7_1") == 1).then(pl.col(name)).alias(name)
            for name in ("BP1_8_1", "BP1_9_1")
        )
        .with_columns(
            ID_VIV=pl.concat_str(code, unit.str.zfill(4), dwelling.str.zfill(3)),
            ID_PER=pl.concat_str(code, unit.str.zfill(4), dwelling.str.zfill(3), pl.lit("01")),
            UPM=pl.concat_str(code, unit.str.zfill(5)),
            VIV_SEL=pl.col("_dwelling") + 1,
            R_SEL=pl.lit(1),
            UPM_DIS=pl.concat_str(code, unit.str.zfill(3)),
            EST_DIS=pl.concat_str(code, pl.col("_stratum").cast(pl.String).str.zfill(2)),
        )
        .select(
            "ID_VIV",
            "ID_PER",
            "UPM",
            "VIV_SEL",
            "R_SEL",
            "PER",
            "CVE_ENT",
            "NOM_ENT",
            "CVE_MUN",
            "NOM_MUN",
            "CD",
            "NOM_CD",
            "SEXO",
            "EDAD",
            "BP1_1",
            "BP1_6_3",
            "BP1_7_1",
            "BP1_8_1",
            "BP1_9_1",
            "FAC_SEL",
            "DOMINIO",
            "EST",
            "UPM_DIS",
            "EST_DIS",
        )
    )


def write_cb_csv(frame: pl.DataFrame, path) -> None:
    """Write one quarter as INEGI publishes the CB table: UTF-8 with a byte-order mark, one row per person."""
    with open(path, "wb") as out:
        out.write("\ufeff".encode())
        frame.write_csv(out)


def generate_enusc(
    rng: np.random.Generator,
    comunas: tuple[str, ...] = ("13122", "13101", "13114", "13119"),
    strata: int = 3,
    units: int = 5,
    people: int = 8,
) -> pl.DataFrame:
    """A person table shaped like INE's ENUSC as the saved mapping reads it: region, comuna (``enc_rpc``), design
    (``VarStrat``, ``Conglomerado``, ``Fact_Pers``), household victimisation ``VA_DC`` and perception that crime
    rose in the country ``PAD`` (1 sí, 2 no), and ``sexo``. Synthetic, like every file of this module."""
    rows = []
    for c_i, comuna in enumerate(comunas):
        for stratum in range(strata):
            for unit in range(units):
                effect = rng.normal(0, 0.4)
                for _person in range(people):
                    weight = round(float(rng.uniform(150, 600)), 2)
                    victim = rng.random() < 1 / (1 + np.exp(-(-1.3 + 0.2 * c_i + effect)))
                    rows.append(
                        {
                            "enc_region": "13",
                            "enc_rpc": comuna,
                            "VarStrat": f"{comuna}{stratum}",
                            "Conglomerado": f"{comuna}{stratum}{unit:02d}",
                            "Kish": 1,
                            "Fact_Pers": weight,
                            "VA_DC": 1 if victim else 2,
                            "PAD": 1 if rng.random() < 0.78 else 2,
                            "sexo": int(rng.integers(1, 3)),
                        }
                    )
    return pl.DataFrame(rows)


def write_enusc_csv(frame: pl.DataFrame, path) -> None:
    """As Chilean spreadsheets save it: semicolons, decimal commas, Latin-1."""
    text = frame.with_columns(pl.col("Fact_Pers").cast(pl.String).str.replace(".", ",", literal=True)).write_csv(
        separator=";"
    )
    with open(path, "w", encoding="latin-1") as out:
        out.write(text)
