"""What a document says, independent of its format: sections of paragraphs, tables and figures.

Two builders read the observatory:

* :func:`institutional` — the **diagnosis pack** for project applications and the institutional edition of the
  bulletin: the municipality's indicators and trends from the cube, its territorial ranking and map, the early
  alerts of the period, survey estimates, community problems and agreements, programmes with their progress,
  evaluations and benefit-cost sheets. It is for the municipality's staff and the funders they choose to send it
  to, never for the portal.
* :func:`public` — the **public bulletin**: only the portal's public tables (the disclosure-controlled indicator
  values, public problems, the accountability tree and public survey estimates), so a withheld count stays
  withheld in the bulletin, its PDF and its e-mail.

:mod:`.render` turns a :class:`Document` into HTML, PDF and DOCX the same way for both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl
import shapely
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from atalaya.alerts.models import Alert
from atalaya.analysis.disclosure import THRESHOLD
from atalaya.analysis.parsing import add_months, month_range
from atalaya.geo.models import Municipality, Territory
from atalaya.indicators import disclosure, services
from atalaya.indicators.models import Indicator
from atalaya.indicators.portal import public_table, public_territories
from atalaya.programmes.models import CostBenefitSheet, Evaluation, Programme
from atalaya.programmes.services import budget_summary, programme_progress
from atalaya.proximity.choices import Status as ProblemStatus
from atalaya.proximity.models import Agreement, Problem, PublicCommitment, PublicProblem
from atalaya.surveys.models import PublicSurveyEstimate
from atalaya.surveys.services import city_table, headline

from . import figures
from .figures import Figure

#: How many indicators get their own monthly chart (the ones with most incidents in the last 12 months).
CHARTED = 4


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""

    def __post_init__(self) -> None:
        self.rows = [["—" if cell is None else str(cell) for cell in row] for row in self.rows]


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.tables or self.figures or self.paragraphs)


@dataclass
class Document:
    kind: str  # "diagnostico", "boletin" or "boletin-publico"
    title: str
    subtitle: str
    municipality: Municipality
    period_start: dt.date
    period_end: dt.date
    notice: str  # who it is for, printed on every page's footer
    sections: list[Section] = field(default_factory=list)
    generated_at: dt.datetime = field(default_factory=timezone.now)


def _n(value, digits: int = 0) -> str:
    """A number as Spanish (or the active language's) text; empty stays a dash."""
    if value is None:
        return "—"
    return number_format(round(value, digits), decimal_pos=digits, force_grouping=True)


def _month(day: dt.date) -> str:
    from django.utils.dateformat import format as date_format

    return date_format(day, "F Y")


# ----------------------------------------------------------------------------------------------------------------
# Institutional: the cube and every module, for the municipality's own use
# ----------------------------------------------------------------------------------------------------------------


def _main_source(municipality: Municipality, end: dt.date) -> tuple[object | None, list[dict]]:
    """The source the document reads, with its headline cards: of the point-level sources (territories and maps),
    the one that records most of the municipality's indicators over the 12 months to ``end`` (the police's file,
    not the prosecutors' homicides); a source of published counts when there is no other."""
    sources = services.available_sources(municipality)
    indicators = list(Indicator.objects.for_municipality(municipality))
    best, best_cards, best_total = None, [], -1
    for source in [s for s in sources if s.point_level] or sources:
        cards = _cards(municipality, source, indicators, end)
        total = sum(c["rolling_12m"] or 0 for c in cards)
        if total > best_total:
            best, best_cards, best_total = source, cards, total
    return best, best_cards


def _cards(municipality: Municipality, source, indicators: list[Indicator], end: dt.date) -> list[dict]:
    """Headline cards of the indicators the source records (an indicator with no incident in the 12 months nor in
    the 12 before is left out: the source does not record it, and a row of zeros would say otherwise)."""
    reader = services.StoredValuesReader(municipality, source.source)
    cards = services.headlines(reader, indicators, end)
    return [c for c in cards if not c["empty"] and (c["rolling_12m"] or c["ytd_previous"] or c["previous"])]


def _indicator_section(
    municipality: Municipality, source, cards: list[dict], end: dt.date, months: list[dt.date]
) -> Section:
    section = Section(_("Indicadores y tendencias"))
    if source is None or not cards:
        section.paragraphs.append(_("No hay datos de delitos cargados para este periodo."))
        return section
    reader = services.StoredValuesReader(municipality, source.source)
    section.paragraphs.append(
        _(
            "Fuente: %(source)s. Cifras de los 12 meses que terminan en %(month)s, con la tasa anual por 100.000 "
            "habitantes y su intervalo de confianza del 95 %%; el cambio compara el mes con el mismo mes del año "
            "anterior (prueba exacta de Poisson)."
        )
        % {"source": source.source, "month": _month(end)}
    )
    lights = {"verde": _("bajo lo esperado"), "amarillo": _("en lo esperado"), "rojo": _("sobre lo esperado")}
    rows = []
    for card in cards:
        value = card["value"]
        interval = (
            f"{_n(card['value_lower'], 1)}–{_n(card['value_upper'], 1)}" if card["value_lower"] is not None else "—"
        )
        change = "—" if card["change_pct"] is None else f"{_n(card['change_pct'], 1)} %"
        if card["significant"]:
            change += " *"
        rows.append(
            [
                card["indicator"].name,
                _n(card["rolling_12m"]),
                _n(value, 1),
                interval,
                change,
                str(lights.get(card["light"], "—")),
            ]
        )
    section.tables.append(
        Table(
            [
                _("Indicador"),
                _("Hechos (12 meses)"),
                _("Valor"),
                _("IC 95 %"),
                _("Cambio anual del mes"),
                _("Semáforo"),
            ],
            rows,
            _("* cambio estadísticamente significativo (p < 0,05)."),
        )
    )
    charted = sorted(cards, key=lambda c: -(c["rolling_12m"] or 0))[:CHARTED]
    monthly = reader.monthly_many([c["indicator"] for c in charted])
    for card in charted:
        series = monthly.filter(pl.col("indicator_id") == card["indicator"].pk)
        counts = dict(zip(series.get_column("period_start"), series.get_column("count"), strict=True))
        section.figures.append(
            figures.monthly_series(
                months,
                [counts.get(m, 0) for m in months],
                title=card["indicator"].name,
                caption=_("Hechos por mes (línea) y promedio de 12 meses (trazos). Fuente: %(source)s.")
                % {"source": source.source},
                ylabel=_("hechos"),
                withheld_label=_("sin dato"),
            )
        )
    return section


def _geometry(territory: Territory):
    return shapely.from_wkb(bytes(territory.geometry)) if territory.geometry else None


def _map_section(municipality: Municipality, source, cards: list[dict], end: dt.date) -> Section | None:
    """The ranking of the top territorial level for the indicator with most incidents, as a table and a map."""
    if source is None or not source.point_level or not cards:
        return None
    top = Territory.objects.filter(municipality=municipality, parent__isnull=True).order_by("level").first()
    if top is None:
        return None
    reader = services.StoredValuesReader(municipality, source.source)
    indicator = max(cards, key=lambda c: c["rolling_12m"] or 0)["indicator"]
    table = services.ranking(reader, indicator, top.level, end)
    if table.is_empty():
        return None
    section = Section(_("Mapa y territorios: %(indicator)s") % {"indicator": indicator.name})
    placed = table.filter(pl.col("territory_code").is_not_null() & pl.col("rank").is_not_null())
    unplaced = int(table.get_column("count").sum() or 0) - int(placed.get_column("count").sum() or 0)
    rows = placed.sort("rank").to_dicts()
    territories = {t.code: t for t in Territory.objects.filter(municipality=municipality, level=top.level)}
    areas = [
        (_geometry(t), t.name, next((r["value"] for r in rows if r["territory_code"] == code), None))
        for code, t in territories.items()
    ]
    window = f"{_month(rows[0]['window_start'])} – {_month(rows[0]['window_end'])}"
    section.figures.append(
        figures.choropleth(
            areas,
            title=_("%(indicator)s por %(level)s") % {"indicator": indicator.name, "level": top.level},
            caption=_("Tasa anual por 100.000 habitantes, %(window)s. Fuente: %(source)s.")
            % {"window": window, "source": source.source},
            legend_title=_("tasa por 100.000"),
            withheld_label=_("sin dato"),
        )
    )
    section.tables.append(
        Table(
            [_("Territorio"), _("Lugar"), _("Hechos"), _("Tasa"), _("Rango del lugar")],
            [
                [r["name"], str(r["rank"]), _n(r["count"]), _n(r["value"], 1), f"{r['rank_best']}–{r['rank_worst']}"]
                for r in rows[:12]
            ],
            _("Los 12 territorios con la tasa más alta; el rango del lugar recoge la incertidumbre de la tasa.")
            + (
                " " + _("%(n)s hecho(s) sin territorio asignado no entran en el ranking.") % {"n": _n(unplaced)}
                if unplaced
                else ""
            ),
        )
    )
    return section


def _alerts_section(municipality: Municipality, start: dt.date, end: dt.date) -> Section:
    section = Section(_("Alertas tempranas"))
    alerts = Alert.objects.filter(
        municipality=municipality, last_period__gte=start, first_period__lte=add_months(end, 1) - dt.timedelta(days=1)
    ).select_related("family", "territory")
    total = alerts.count()
    if not total:
        section.paragraphs.append(_("No hubo alertas tempranas en el periodo."))
        return section
    by_status = dict(alerts.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    from atalaya.alerts.models import Status as AlertStatus

    section.paragraphs.append(
        _(
            "%(total)s alerta(s) en el periodo: %(closed)s cerrada(s) y %(open)s abierta(s). Una alerta señala un "
            "número de hechos por encima de lo esperado para el territorio y la época del año (Farrington mejorado)."
        )
        % {
            "total": total,
            "closed": by_status.get(AlertStatus.CLOSED, 0),
            "open": total - by_status.get(AlertStatus.CLOSED, 0),
        }
    )
    rows = [
        [
            a.territory.name if a.territory_id else municipality.name,
            a.family.name,
            f"{a.first_period:%d-%m-%Y} – {a.last_period:%d-%m-%Y}",
            f"{_n(a.count)} / {_n(a.expected, 1)}",
            a.get_status_display(),
        ]
        for a in alerts.order_by("-severity", "-last_period")[:15]
    ]
    section.tables.append(
        Table(
            [_("Territorio"), _("Familia"), _("Periodo"), _("Casos / esperados (periodo pico)"), _("Estado")],
            rows,
            _("Las 15 alertas más severas del periodo."),
        )
    )
    return section


def _survey_section(municipality: Municipality) -> Section | None:
    found = headline(municipality)
    if not found:
        return None
    section = Section(_("Encuesta de victimización y percepción"))
    section.paragraphs.append(
        _("%(survey)s, %(period)s: estimaciones para la ciudad con intervalo de confianza del 95 %%.")
        % {"survey": found["dataset"].name, "period": found["period_label"]}
    )
    rows = []
    for item in found["items"]:
        est = item["estimate"]
        change = item["change"]
        rows.append(
            [
                est.indicator_name,
                f"{_n(100 * est.estimate, 1)} %" if est.estimate is not None else "—",
                f"{_n(100 * est.ci_low, 1)}–{_n(100 * est.ci_high, 1)}" if est.ci_low is not None else "—",
                est.get_precision_display(),
                "—" if change is None else (_("significativo") if change.significant else _("no significativo")),
            ]
        )
    section.tables.append(
        Table(
            [_("Indicador"), _("Estimación"), _("IC 95 %"), _("Precisión"), _("Cambio con el periodo anterior")], rows
        )
    )
    first = found["items"][0]["estimate"] if found["items"] else None
    if first is not None:
        table = city_table(municipality, first.indicator, found["period"])
        if not table.is_empty() and {"CD", "estimate", "ci_low", "ci_high"} <= set(table.columns):
            names = table.get_column("city_name").to_list() if "city_name" in table.columns else []
            labels = names or table.get_column("CD").cast(pl.Utf8).to_list()
            section.figures.append(
                figures.estimates_with_intervals(
                    labels,
                    [100 * v for v in table.get_column("estimate").to_list()],
                    [100 * v for v in table.get_column("ci_low").to_list()],
                    [100 * v for v in table.get_column("ci_high").to_list()],
                    highlight=first.city_name,
                    title=first.indicator_name,
                    caption=_(
                        "Estimación por ciudad con su intervalo del 95 %%; en azul, la del municipio. %(survey)s."
                    )
                    % {"survey": found["dataset"].name},
                    xlabel="%",
                )
            )
    return section


def _problems_section(municipality: Municipality, start: dt.date, end: dt.date) -> Section | None:
    until = add_months(end, 1)
    problems = Problem.objects.filter(
        municipality=municipality, reported_at__date__gte=start, reported_at__date__lt=until, duplicate_of__isnull=True
    )
    agreements = Agreement.objects.filter(
        mesa__municipality=municipality, created_at__date__gte=start, created_at__date__lt=until
    )
    if not problems.exists() and not agreements.exists():
        return None
    section = Section(_("Problemas comunitarios y mesas"))
    by_category = (
        problems.values("category__name").annotate(n=Count("pk")).order_by("-n").values_list("category__name", "n")
    )
    closed = problems.filter(status=ProblemStatus.CLOSED).count()
    section.paragraphs.append(
        _("%(total)s problema(s) recibido(s) en el periodo, %(closed)s cerrado(s); %(agreements)s acuerdo(s) de mesa.")
        % {"total": problems.count(), "closed": closed, "agreements": agreements.count()}
    )
    section.tables.append(Table([_("Categoría"), _("Problemas")], [[name, _n(n)] for name, n in by_category[:12]]))
    return section


def _programmes_section(municipality: Municipality) -> Section | None:
    programmes = list(Programme.objects.filter(municipality=municipality).order_by("start", "name"))
    if not programmes:
        return None
    section = Section(_("Programas, evaluaciones y costo-beneficio"))
    lights = {"verde": _("en meta"), "amarillo": _("en riesgo"), "rojo": _("atrasado"), "sin": _("sin datos")}
    rows = []
    for programme in programmes:
        progress = programme_progress(programme)
        budget = budget_summary(programme)
        execution = "—" if budget["execution"] is None else f"{_n(100 * budget['execution'])} %"
        period = f"{programme.start:%m/%Y} – {programme.end:%m/%Y}" if programme.end else f"{programme.start:%m/%Y} –"
        rows.append(
            [programme.name, programme.get_status_display(), period, str(lights.get(progress["light"], "—")), execution]
        )
    section.tables.append(
        Table([_("Programa"), _("Estado"), _("Periodo"), _("Avance de metas"), _("Ejecución presupuestaria")], rows)
    )
    for evaluation in Evaluation.objects.filter(programme__in=programmes).select_related("programme", "outcome"):
        if evaluation.summary:
            section.paragraphs.append(
                _("Evaluación de «%(programme)s» (%(method)s, %(outcome)s): %(summary)s")
                % {
                    "programme": evaluation.programme.name,
                    "method": evaluation.get_method_display(),
                    "outcome": evaluation.outcome.name,
                    "summary": evaluation.summary,
                }
            )
    for sheet in CostBenefitSheet.objects.filter(programme__in=programmes).select_related("programme"):
        sentence = sheet.result.get("sentence")
        if sentence:
            section.paragraphs.append(
                _("Costo-beneficio de «%(programme)s»: %(sentence)s")
                % {"programme": sheet.programme.name, "sentence": sentence}
            )
    return section


def institutional(municipality: Municipality, start: dt.date, end: dt.date, *, kind: str = "diagnostico") -> Document:
    """The diagnosis pack (or the institutional bulletin) of ``municipality`` for the months ``start``..``end``."""
    start, end = start.replace(day=1), end.replace(day=1)
    source, cards = _main_source(municipality, end)
    months = month_range(start, end)
    title = (
        _("Diagnóstico de seguridad de %(name)s") if kind == "diagnostico" else _("Boletín mensual de %(name)s")
    ) % {"name": municipality.name}
    document = Document(
        kind=kind,
        title=title,
        subtitle=_("%(start)s a %(end)s") % {"start": _month(start), "end": _month(end)},
        municipality=municipality,
        period_start=start,
        period_end=end,
        notice=_("Documento institucional del observatorio: contiene cifras sin control de divulgación."),
    )
    intro = Section(_("Presentación"))
    intro.paragraphs.append(
        _(
            "Este documento reúne la evidencia del observatorio de %(name)s para el periodo: delitos registrados y su "
            "tendencia, su distribución territorial, las alertas tempranas, la encuesta de victimización, los "
            "problemas atendidos con la comunidad y los programas de prevención con sus evaluaciones. Sirve de "
            "diagnóstico para postular proyectos y para rendir cuentas."
        )
        % {"name": municipality.name}
    )
    if source is not None:
        intro.paragraphs.append(
            _("Datos de %(source)s, de %(first)s a %(last)s.")
            % {"source": source.source, "first": _month(source.first), "last": _month(source.last)}
        )
    document.sections.append(intro)
    document.sections.append(_indicator_section(municipality, source, cards, end, months))
    for section in (
        _map_section(municipality, source, cards, end),
        _alerts_section(municipality, start, end),
        _survey_section(municipality),
        _problems_section(municipality, start, end),
        _programmes_section(municipality),
    ):
        if section is not None:
            document.sections.append(section)
    return document


# ----------------------------------------------------------------------------------------------------------------
# Public: the portal's public tables only
# ----------------------------------------------------------------------------------------------------------------


def _public_indicators(municipality: Municipality, month: dt.date) -> list[Section]:
    rows = public_table(municipality, month)
    if not rows:
        return []
    section = Section(_("Indicadores publicados"))
    section.paragraphs.append(
        _(
            "Hechos de los últimos 12 meses y tasa anual por 100.000 habitantes. Una cifra de menos de %(n)s hechos, "
            "o una que permitiría deducirla, se reserva («reservado»)."
        )
        % {"n": THRESHOLD}
    )
    withheld = _("reservado")
    table_rows = []
    for row in rows:
        current, previous = row["current"], row["previous"] or {}
        table_rows.append(
            [
                row["indicator"].name,
                withheld if current["withheld"] else _n(current["count"]),
                withheld if current["withheld"] or current["rate"] is None else _n(current["rate"], 1),
                withheld if previous.get("withheld") else _n(previous.get("count")),
                _month(row["until"]),
            ]
        )
    section.tables.append(
        Table([_("Indicador"), _("Hechos (12 meses)"), _("Tasa"), _("12 meses anteriores"), _("Hasta")], table_rows)
    )
    source = rows[0]["source"]
    values = disclosure.public_values(municipality, source).filter(
        pl.col("level").is_null() & (pl.col("period") == "month")
    )
    months = month_range(add_months(month, -23), month)
    for row in rows[:CHARTED]:
        series = values.filter(pl.col("indicator") == row["indicator"].code)
        counts = dict(zip(series.get_column("period_start"), series.get_column("count"), strict=True))
        if not counts:
            continue
        section.figures.append(
            figures.monthly_series(
                months,
                [counts.get(m) for m in months],
                title=row["indicator"].name,
                caption=_("Hechos por mes; una × marca un mes reservado o sin dato. Fuente: %(source)s.")
                % {"source": source},
                ylabel=_("hechos"),
                withheld_label=_("reservado o sin dato"),
            )
        )
    sections = [section]
    indicator = rows[0]["indicator"]
    map_source, level, table = public_territories(municipality, indicator, month)
    if not table.is_empty():
        values_by = {r["territory_code"]: r for r in table.to_dicts()}
        areas = [
            (
                _geometry(t),
                t.name,
                None if values_by.get(t.code, {}).get("suppressed", True) else values_by[t.code].get("rate"),
            )
            for t in Territory.objects.filter(municipality=municipality, level=level)
        ]
        geo = Section(_("Mapa: %(indicator)s") % {"indicator": indicator.name})
        geo.figures.append(
            figures.choropleth(
                areas,
                title=_("%(indicator)s por %(level)s") % {"indicator": indicator.name, "level": level},
                caption=_(
                    "Tasa anual por 100.000 habitantes de los últimos 12 meses; en gris rayado, reservado. "
                    "Fuente: %(source)s."
                )
                % {"source": map_source},
                legend_title=_("tasa por 100.000"),
                withheld_label=_("reservado"),
            )
        )
        sections.append(geo)
    return sections


def _public_problems(municipality: Municipality, month: dt.date) -> Section | None:
    start, until = month, add_months(month, 1)
    problems = PublicProblem.objects.filter(
        municipality=municipality, reported_at__date__gte=start, reported_at__date__lt=until
    )
    commitments = PublicCommitment.objects.filter(municipality=municipality, kind="acuerdo")
    if not problems.exists() and not commitments.exists():
        return None
    section = Section(_("Problemas de la comunidad y compromisos"))
    closed = PublicProblem.objects.filter(
        municipality=municipality, status=ProblemStatus.CLOSED, updated_at__date__gte=start, updated_at__date__lt=until
    ).count()
    section.paragraphs.append(
        _("En %(month)s se recibieron %(received)s problema(s) públicos y se cerraron %(closed)s.")
        % {"month": _month(month), "received": problems.count(), "closed": closed}
    )
    by_category = (
        problems.values("category__name").annotate(n=Count("pk")).order_by("-n").values_list("category__name", "n")
    )
    if by_category:
        section.tables.append(Table([_("Categoría"), _("Problemas")], [[name, _n(n)] for name, n in by_category]))
    by_status = list(
        commitments.values("status_label").annotate(n=Count("pk")).order_by("-n").values_list("status_label", "n")
    )
    if by_status:
        overdue = commitments.filter(overdue=True).count()
        section.paragraphs.append(
            _("Acuerdos de las mesas: %(total)s en total, %(overdue)s vencido(s).")
            % {"total": commitments.count(), "overdue": overdue}
        )
        section.tables.append(Table([_("Estado del acuerdo"), _("Acuerdos")], [[s, _n(n)] for s, n in by_status]))
    return section


def _public_survey(municipality: Municipality) -> Section | None:
    rows = list(PublicSurveyEstimate.objects.filter(municipality=municipality).order_by("indicator", "period"))
    if not rows:
        return None
    last = {}
    for row in rows:
        last[row.indicator] = row  # the latest period of each indicator
    section = Section(_("Encuesta de victimización y percepción"))
    section.tables.append(
        Table(
            [_("Indicador"), _("Periodo"), _("Estimación"), _("IC 95 %"), _("Precisión")],
            [
                [
                    r.indicator_name,
                    r.period,
                    "—" if r.estimate is None else f"{_n(100 * r.estimate, 1)} %",
                    "—" if r.ci_low is None else f"{_n(100 * r.ci_low, 1)}–{_n(100 * r.ci_high, 1)}",
                    r.get_precision_display(),
                ]
                for r in last.values()
            ],
            rows[0].source,
        )
    )
    return section


def public(municipality: Municipality, month: dt.date) -> Document:
    """The public bulletin of ``municipality`` for ``month``: only what the portal already publishes."""
    month = month.replace(day=1)
    document = Document(
        kind="boletin-publico",
        title=_("Boletín del observatorio de %(name)s") % {"name": municipality.name},
        subtitle=_month(month),
        municipality=municipality,
        period_start=month,
        period_end=month,
        notice=_("Boletín público: cifras con control de divulgación."),
    )
    intro = Section(_("Presentación"))
    intro.paragraphs.append(
        _(
            "El observatorio de %(name)s publica cada mes sus indicadores de seguridad, el mapa por territorio, los "
            "problemas que la comunidad reportó y el avance de los compromisos de las mesas. Los datos abiertos están "
            "en el portal del observatorio."
        )
        % {"name": municipality.name}
    )
    document.sections.append(intro)
    document.sections.extend(_public_indicators(municipality, month))
    for section in (_public_problems(municipality, month), _public_survey(municipality)):
        if section is not None:
            document.sections.append(section)
    return document
