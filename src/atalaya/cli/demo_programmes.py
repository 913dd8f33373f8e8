"""The demo's prevention programmes: two per municipality, with logical frameworks, targets, measurements in every
state, budgets, the unit-cost table of crimes, evaluations of the territorial programme by difference-in-differences,
interrupted time series, before/after with displacement (Peñalolén) and synthetic control against the SESNSP file's
neighbours (Nezahualcóyotl), and a benefit-cost sheet each. The synthetic incidents carry a known effect in the
programmes' territories (``demo.NEZA_PROGRAMME_EFFECT``), which the evaluations should find. Everything is synthetic;
the unit costs are illustrative, not official figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from atalaya.analysis.parsing import add_months
from atalaya.geo.models import Municipality, Territory
from atalaya.indicators.models import Indicator
from atalaya.programmes import services
from atalaya.programmes.choices import Method, ProgrammeStatus
from atalaya.programmes.evaluations import compute_sheet, run_evaluation
from atalaya.programmes.models import (
    BudgetLine,
    CostBenefitSheet,
    CrimeCost,
    Programme,
    ResultIndicator,
    ResultLevel,
    Target,
)

ILLUSTRATIVE = "Valor ilustrativo de la demostración (no es una cifra oficial)"

#: Illustrative unit costs per crime family: (victim, police and justice, expected prison-years per crime).
COSTS = {
    "MXN": {
        "robos-con-violencia": (38_000, 14_000, 0.12),
        "robos-sin-violencia": (9_000, 4_000, 0.02),
        "homicidio": (4_500_000, 350_000, 6.0),
        "lesiones": (22_000, 9_000, 0.1),
    },
    "CLP": {
        "robos-con-violencia": (1_600_000, 700_000, 0.15),
        "robos-sin-violencia": (350_000, 180_000, 0.02),
        "homicidio": (180_000_000, 15_000_000, 8.0),
        "lesiones": (900_000, 400_000, 0.1),
    },
}
PRISON_YEAR = {"MXN": 190_000, "CLP": 9_600_000}
USD_RATE = {"MXN": (18.3, dt.date(2025, 12, 31)), "CLP": (935.0, dt.date(2025, 12, 31))}


def _level(programme, kind, narrative, parent=None, order=0, **extra):
    return ResultLevel.objects.create(
        programme=programme, kind=kind, narrative=narrative, parent=parent, order=order, **extra
    )


def _targets(indicator, values: list[tuple[dt.date, dt.date, float]]):
    for start, end, value in values:
        Target.objects.create(indicator=indicator, period_start=start, period_end=end, value=value)


def _territorial(
    municipality: Municipality, *, code, name, territories, start, currency, source, author, director, years, budget
):
    programme = Programme.objects.create(
        municipality=municipality,
        code=code,
        name=name,
        problem="Robos con violencia en la vía pública y el transporte, concentrados en pocas cuadras y horarios.",
        description="Recuperación de espacios, talleres para jóvenes y patrullaje de proximidad con mesas vecinales.",
        target_groups="Jóvenes de 15 a 24 años; vecinos y comerciantes de los territorios del programa.",
        start=start,
        end=dt.date(start.year + 1, 12, 31),
        currency=currency,
        participants=600,
        responsible=author,
        team="Dirección de Prevención; policía de proximidad; organizaciones vecinales.",
    )
    programme.territories.set(Territory.objects.filter(municipality=municipality, code__in=territories))
    goal = _level(
        programme,
        "fin",
        "Menos robos con violencia en los territorios del programa",
        assumptions="La policía sigue registrando las denuncias igual que antes.",
    )
    purpose = _level(
        programme,
        "proposito",
        "Vecinos y policía de proximidad trabajan juntos en el territorio",
        goal,
        assumptions="Las mesas vecinales sesionan cada mes.",
        risks="Rotación del personal policial.",
    )
    youth = _level(programme, "componente", "Jóvenes en talleres de oficios y deporte", purpose, order=1)
    patrol = _level(programme, "componente", "Patrullaje de proximidad en horarios de mayor riesgo", purpose, order=2)
    _level(programme, "actividad", "Convocatoria y selección de participantes en escuelas y juntas", youth, order=3)
    robbery = Indicator.objects.get(code="robo-con-violencia")
    baseline_start = dt.date(start.year - 1, start.month, 1)
    f1 = ResultIndicator.objects.create(
        level=goal,
        code="F1",
        name="Robos con violencia en los territorios del programa (12 meses)",
        definition="Hechos de robo con violencia registrados por la policía en los territorios, por año.",
        unit="numero",
        direction="baja",
        baseline_date=dt.date(start.year - 1, 12, 31),
        baseline_source=f"Observatorio, fuente {source}",
        means_of_verification="Serie del observatorio (cálculo automático).",
        frequency="anual",
        responsible="Observatorio",
        source="observatorio",
        observatory_indicator=robbery,
        observatory_source=source,
        disaggregations=["territorio"],
    )
    baseline = services.observatory_value(
        f1, baseline_start, dt.date(start.year, start.month, 1) - dt.timedelta(days=1)
    )
    if baseline is not None:  # a short demo (``--years 1``) does not cover the year before the programme
        f1.baseline_value = baseline
        f1.save(update_fields=["baseline_value"])
        first_year = (start, add_months(start, 12) - dt.timedelta(days=1))
        second_year = (add_months(start, 12), add_months(start, 24) - dt.timedelta(days=1))
        _targets(f1, [(*first_year, round(baseline * 0.85)), (*second_year, round(baseline * 0.75))])
        services.compute_measurements(f1)
    c1 = ResultIndicator.objects.create(
        level=youth,
        code="C1",
        name="Jóvenes que terminan un taller",
        unit="numero",
        direction="sube",
        baseline_value=0,
        baseline_date=start,
        baseline_source="Registro del programa",
        means_of_verification="Listas de asistencia firmadas",
        frequency="semestral",
        responsible="Coordinación de talleres",
        disaggregations=["sexo", "edad"],
    )
    half = [(add_months(start, 6 * i), add_months(start, 6 * (i + 1)) - dt.timedelta(days=1)) for i in range(4)]
    _targets(c1, [(a, b, 100 * (i + 1)) for i, (a, b) in enumerate(half)])
    c2 = ResultIndicator.objects.create(
        level=patrol,
        code="C2",
        name="Recorridos de proximidad realizados",
        unit="numero",
        direction="sube",
        baseline_value=0,
        baseline_date=start,
        means_of_verification="Bitácoras de la policía",
        frequency="semestral",
        responsible="Coordinación de proximidad",
    )
    _targets(c2, [(a, b, 300 * (i + 1)) for i, (a, b) in enumerate(half)])
    achieved = [92, 210, 270, 330]
    for i, (a, b) in enumerate(half[:3]):
        m = services.record_measurement(
            c1, author, period_start=a, period_end=b, value=achieved[i], comment="Listas de asistencia del semestre"
        )
        if i < 2:
            services.review_measurement(m, director, approve=True)
        if i == 0:
            services.record_measurement(
                c1, author, period_start=a, period_end=b, value=51, comment="Mujeres", disaggregation={"sexo": "mujer"}
            )
    for i, (a, b) in enumerate(half[:2]):
        m = services.record_measurement(
            c2, author, period_start=a, period_end=b, value=(240, 420)[i], comment="Bitácoras"
        )
        services.review_measurement(m, director, approve=True)
    rejected = services.record_measurement(
        c2, author, period_start=half[2][0], period_end=half[2][1], value=2000, comment="Bitácoras"
    )
    services.review_measurement(
        rejected, director, approve=False, comment="La cifra incluye recorridos fuera del territorio."
    )
    for year, (planned, actual) in zip(years, budget, strict=True):
        for category, share in (("personal", 0.55), ("operacion", 0.35), ("inversion", 0.10)):
            BudgetLine.objects.create(
                programme=programme,
                year=year,
                category=category,
                planned=round(planned * share),
                actual=None if actual is None else round(actual * share),
            )
    services.change_status(programme, ProgrammeStatus.AWAITING_APPROVAL, author)
    services.change_status(programme, ProgrammeStatus.TRACKING, director, "Aprobado por el comité municipal")
    return programme


def _draft(municipality, *, code, name, start, currency, author):
    programme = Programme.objects.create(
        municipality=municipality,
        code=code,
        name=name,
        start=start,
        currency=currency,
        responsible=author,
        problem="Conflictos vecinales que escalan a lesiones y amenazas.",
    )
    goal = _level(programme, "fin", "Menos lesiones y amenazas entre vecinos")
    purpose = _level(programme, "proposito", "Los conflictos vecinales se resuelven por mediación", goal)
    indicator = ResultIndicator.objects.create(
        level=purpose,
        code="P1",
        name="Conflictos mediados con acuerdo",
        unit="porcentaje",
        direction="sube",
        baseline_value=35,
        baseline_date=start,
        baseline_source="Registro del centro de mediación",
        frequency="trimestral",
    )
    _targets(indicator, [(start, dt.date(start.year, 12, 31), 50)])
    return programme


def load_demo_programmes(users: dict, out: Path, say) -> None:
    neza = Municipality.objects.get(code="15058")
    pena = Municipality.objects.get(code="13122")
    for municipality, currency in ((neza, "MXN"), (pena, "CLP")):
        for family, (victim, justice, prison) in COSTS[currency].items():
            CrimeCost.objects.update_or_create(
                municipality=municipality,
                family=family,
                defaults={
                    "currency": currency,
                    "victim": victim,
                    "justice": justice,
                    "prison_years": prison,
                    "source": ILLUSTRATIVE,
                    "year": 2025,
                },
            )
    plans = (
        (
            neza,
            "analista.neza",
            "director.neza",
            "MXN",
            "policia-neza",
            "barrio-seguro",
            "Barrio Seguro: sectores 1 y 2",
            {"S01", "S02"},
            dt.date(2024, 1, 1),
            [2024, 2025],
            [(9_500_000, 9_120_000), (10_000_000, None)],
        ),
        (
            pena,
            "analista.penalolen",
            "demo",
            "CLP",
            "carabineros-penalolen",
            "sector-3-seguro",
            "Prevención situacional en el sector 3",
            {"S3"},
            dt.date(2024, 7, 1),
            [2024, 2025],
            [(180_000_000, 171_000_000), (360_000_000, None)],
        ),
    )
    robbery = Indicator.objects.get(code="robo-con-violencia")
    for (
        municipality,
        author_name,
        director_name,
        currency,
        source,
        code,
        name,
        territories,
        start,
        years,
        budget,
    ) in plans:
        author, director = users[author_name], users[director_name]
        with transaction.atomic():
            programme = _territorial(
                municipality,
                code=code,
                name=name,
                territories=territories,
                start=start,
                currency=currency,
                source=source,
                author=author,
                director=director,
                years=years,
                budget=budget,
            )
            _draft(
                municipality,
                code="mediacion",
                name="Mediación vecinal",
                start=dt.date(2026, 3, 1),
                currency=currency,
                author=author,
            )
        others = list(Territory.objects.filter(municipality=municipality, level="sector").exclude(code__in=territories))
        runs = [(Method.DID, source, {}), (Method.ITS, source, {})]
        if municipality == pena:
            buffer_and_control = {"control": [t.code for t in others[-2:]], "buffer": [t.code for t in others[:2]]}
            runs.append((Method.PLACE, source, buffer_and_control))
        else:
            runs.append((Method.SYNTH, "sesnsp", {"file": str(out / "sesnsp" / "IDM_NM_demo_oct26.csv")}))
        evaluations = {}
        for method, data_source, parameters in runs:
            try:
                evaluations[method] = run_evaluation(
                    programme,
                    method=method,
                    outcome=robbery,
                    source=data_source,
                    start=start,
                    user=author,
                    parameters=parameters,
                )
            except (ValidationError, ValueError) as exc:  # a short demo has too few months before the programme
                reason = " ".join(getattr(exc, "messages", [str(exc)]))
                say(f"  programa «{programme.name}»: sin evaluación {method} ({reason})")
        if Method.DID not in evaluations:
            continue
        rate, date = USD_RATE[currency]
        sheet = CostBenefitSheet.objects.create(
            programme=programme,
            evaluation=evaluations[Method.DID],
            base_year=start.year,
            discount_rate=0.05,
            usd_rate=rate,
            usd_rate_date=date,
            prison_year_cost=PRISON_YEAR[currency],
            draws=100_000,
            created_by=author,
        )
        compute_sheet(sheet, author)
        did = evaluations[Method.DID].result
        say(
            f"  programa «{programme.name}»: DiD razón {did['rate_ratio']:.2f} "
            f"({did['ci_low']:.2f}–{did['ci_high']:.2f}); {sheet.result['sentence']}"
        )
