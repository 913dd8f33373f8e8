import datetime as dt

import numpy as np
import pytest

START = dt.date(2023, 1, 1)


def write_incidents(path, *, effect=0.6, seed=3):
    """Four years of robberies in the four cuadrantes (C1 busiest), with C1 falling to ``effect`` times its level
    from January 2023 (the programme): a known effect for the evaluations."""
    rng = np.random.default_rng(seed)
    levels = {"C1": 40, "C2": 25, "C3": 30, "C4": 20}
    lines = ["id,fecha,hora,delito,lat,lon,cuadrante"]
    n = 0
    month = dt.date(2020, 1, 1)
    while month <= dt.date(2023, 12, 1):
        season = 1 + 0.1 * np.sin(2 * np.pi * month.month / 12)
        for code, level in levels.items():
            mu = level * season * (effect if (code == "C1" and month >= START) else 1.0)
            for _ in range(rng.poisson(mu)):
                n += 1
                day = month + dt.timedelta(days=int(rng.integers(0, 28)))
                lines.append(f"R{n},{day.isoformat()},12:00,Robos con violencia o intimidación,,,{code}")
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def observed(neza, tmp_path):
    """Nezahualcóyotl with four years of robberies per cuadrante (the programme's C1 falls 40 % in 2023)."""
    from atalaya.datasets.importing import import_file
    from atalaya.datasets.models import ColumnMapping

    columns = {"record_id": "id", "date": "fecha", "time": "hora", "category": "delito", "territory": "cuadrante"}
    ColumnMapping.objects.create(
        name="policia-prueba", definition={"source": "policia-prueba", "catalogue": "cead", "columns": columns}
    )
    outcome = import_file(
        "incidents", write_incidents(tmp_path / "i.csv"), municipality_code="15058", mapping_name="policia-prueba"
    )
    assert outcome.status == "importado", outcome.message
    return neza


@pytest.fixture
def programme(observed, make_user):
    from atalaya.geo.models import Territory
    from atalaya.programmes.models import BudgetLine, Programme, ResultIndicator, ResultLevel, Target

    author = make_user("planificadora", ["15058"], "analyst")
    programme = Programme.objects.create(
        municipality=observed,
        code="barrio-seguro",
        name="Barrio seguro C1",
        problem="Robos con violencia en el cuadrante 1.",
        start=START,
        end=dt.date(2023, 12, 31),
        currency="MXN",
        participants=400,
        responsible=author,
    )
    programme.territories.set(Territory.objects.filter(code="C1"))
    goal = ResultLevel.objects.create(programme=programme, kind="fin", narrative="Menos robos con violencia en C1")
    output = ResultLevel.objects.create(
        programme=programme, kind="componente", parent=goal, narrative="Jóvenes en talleres", order=1
    )
    robberies = ResultIndicator.objects.create(
        level=goal,
        code="F1",
        name="Robos con violencia en C1",
        unit="numero",
        direction="baja",
        baseline_value=480,
        baseline_date=dt.date(2022, 12, 31),
        baseline_source="Observatorio",
        source="observatorio",
        observatory_indicator_id=_indicator("robo-con-violencia").pk,
        observatory_source="policia-prueba",
    )
    Target.objects.create(
        indicator=robberies, period_start=dt.date(2023, 1, 1), period_end=dt.date(2023, 12, 31), value=380
    )
    youth = ResultIndicator.objects.create(
        level=output,
        code="C1.1",
        name="Jóvenes que terminan el taller",
        unit="numero",
        direction="sube",
        baseline_value=0,
    )
    Target.objects.create(indicator=youth, period_start=dt.date(2023, 1, 1), period_end=dt.date(2023, 6, 30), value=200)
    for year, planned, actual in ((2023, 3_000_000, 2_800_000),):
        BudgetLine.objects.create(programme=programme, year=year, category="operacion", planned=planned, actual=actual)
    return programme


def _indicator(code):
    from atalaya.indicators.models import Indicator
    from atalaya.indicators.services import sync_builtin_indicators

    sync_builtin_indicators()
    return Indicator.objects.get(code=code)


@pytest.fixture
def priced(programme):
    """The programme's municipality with a unit cost for violent robbery (victim, justice, prison-years)."""
    from atalaya.programmes.models import CrimeCost

    return CrimeCost.objects.create(
        municipality=programme.municipality,
        family="robos-con-violencia",
        currency="MXN",
        victim=35_000,
        justice=12_000,
        prison_years=0.15,
        source="Estimación de prueba",
        year=2023,
    )
