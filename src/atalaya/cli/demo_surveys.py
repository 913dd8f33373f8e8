"""The demo's surveys: four quarters of synthetic ENSU-format microdata (Nezahualcóyotl among six cities, its
trust in the municipal police near the seed's 7 in 10) and one ENUSC-shaped edition for Peñalolén, imported as an
analyst would. Everything is synthetic, like the rest of the demo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from atalaya.analysis.surveys import generic
from atalaya.analysis.surveys.synthetic import QUARTERS, generate_ensu, generate_enusc, write_cb_csv, write_enusc_csv
from atalaya.geo.models import Municipality
from atalaya.surveys import services
from atalaya.surveys.models import SurveyDataset, SurveyEstimate, SurveyMapping


def load_demo_surveys(rng: np.random.Generator, out: Path, say) -> None:
    folder = out / "encuestas"
    folder.mkdir(parents=True, exist_ok=True)
    neza = Municipality.objects.get(code="15058")
    ensu = generate_ensu(rng)
    for period in QUARTERS:
        path = folder / f"conjunto_de_datos_ensu_cb_{int(period[:2]) * 3:02d}{period[2:]}.csv"
        write_cb_csv(ensu.filter(pl.col("PER") == period), path)
        if not SurveyDataset.objects.filter(municipality=neza, file_name=path.name).exists():
            services.import_survey(path, neza)
    trust = (
        SurveyEstimate.objects.filter(
            municipality=neza, indicator="confianza_policia_municipal", domain="ciudad", city="28"
        )
        .order_by("-period")
        .first()
    )
    if trust:
        say(f"  ENSU sintética Nezahualcóyotl: confianza en la policía municipal {100 * trust.estimate:.1f} %")

    pena = Municipality.objects.get(code="13122")
    mapping, _ = SurveyMapping.objects.get_or_create(
        municipality=pena,
        name=generic.ENUSC["name"],
        defaults={
            "design": {**generic.ENUSC["design"], "sex": "sexo"},
            "indicators": generic.ENUSC["indicators"],
            "domain_code": "13122",
            "description": "Plantilla: verifique los nombres de las variables con el manual de la edición.",
        },
    )
    path = folder / "enusc_sintetica_2023.csv"
    write_enusc_csv(generate_enusc(rng), path)
    if not SurveyDataset.objects.filter(municipality=pena, file_name=path.name).exists():
        services.import_survey(path, pena, kind="generica", mapping=mapping, period="2023")
    say("  ENUSC sintética Peñalolén: importada con el mapeo guardado")
