"""The weekly review per territory (Chile's STAD/STOP meetings, with the lesson of their evaluation): it scores
**problems solved and agreements kept** first and shows crime counts beside them, not the other way round.

For each top-level territory (or each territory of a chosen level) and a week ending on a given day: problems
reported, solved or reduced, still open and open for more than 30 days; agreements due, kept and overdue; alerts
open and closed; and the week's incidents against the mean of the four weeks before. Rendered as the staff page,
and by the worker as HTML and PDF files (``atalaya problems weekly-review`` for cron).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from atalaya.alerts.models import Alert
from atalaya.alerts.models import Status as AlertStatus
from atalaya.core.pdf import pdf_text
from atalaya.geo.models import Municipality, Territory
from atalaya.spatial.services import (
    MapFilter,
    descendants,
    incident_frame,
    located_sources,
)

from .choices import AgreementStatus, Outcome, Status
from .models import Agreement, Problem

STALE_DAYS = 30
SOLVED = [Outcome.SOLVED, Outcome.REDUCED]


def last_week_end(today: dt.date | None = None) -> dt.date:
    """The Sunday that ended the last whole week (a review on Monday looks at the week before)."""
    today = today or dt.date.today()
    return today - dt.timedelta(days=today.isoweekday() % 7 or 7)


def week_bounds(week_end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(week_end - dt.timedelta(days=6), dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(week_end, dt.time.max))
    return start, end


def weekly_review(municipality: Municipality, week_end: dt.date, level: str | None = None) -> dict:
    """Rows per territory, sorted by problem-solving (the share of the week's closing and due work done)."""
    start, end = week_bounds(week_end)
    territories = Territory.objects.filter(municipality=municipality)
    territories = territories.filter(level=level) if level else territories.filter(parent__isnull=True)
    parents = dict(Territory.objects.filter(municipality=municipality).values_list("pk", "parent_id"))
    territories = list(territories.order_by("code"))
    crime = _incidents(municipality, week_end, parents, [t.pk for t in territories])
    rows = []
    for territory in territories:
        places = descendants(territory.pk, parents)
        problems = Problem.objects.filter(municipality=municipality, territory_id__in=places, duplicate_of__isnull=True)
        agreements = Agreement.objects.filter(mesa__municipality=municipality).filter(_territory_q(places))
        solved = problems.filter(status=Status.CLOSED, outcome__in=SOLVED, updated_at__range=(start, end)).count()
        open_now = problems.exclude(status=Status.CLOSED).filter(reported_at__lte=end)
        kept = agreements.filter(status=AgreementStatus.DONE, closed_at__range=(start, end)).count()
        overdue = agreements.filter(
            status__in=[AgreementStatus.PENDING, AgreementStatus.ONGOING], deadline__lt=week_end
        ).count()
        due = agreements.filter(deadline__range=(start.date(), week_end)).count()
        stale = open_now.filter(reported_at__lt=end - dt.timedelta(days=STALE_DAYS)).count()
        done, owed = solved + kept, solved + kept + overdue + stale
        week_crime = crime.get(territory.pk, (0, 0.0))
        rows.append(
            {
                "territory": territory,
                "reported": problems.filter(reported_at__range=(start, end)).count(),
                "solved": solved,
                "open": open_now.count(),
                "stale": stale,
                "due": due,
                "kept": kept,
                "overdue": overdue,
                "alerts_open": Alert.objects.filter(territory_id__in=places).exclude(status=AlertStatus.CLOSED).count(),
                "alerts_closed": Alert.objects.filter(
                    territory_id__in=places, status=AlertStatus.CLOSED, closed_at__range=(start, end)
                ).count(),
                "incidents": week_crime[0],
                "incidents_before": week_crime[1],
                "score": round(100 * done / owed) if owed else None,
            }
        )
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["territory"].code))
    return {
        "municipality": municipality,
        "week_start": (start.date()),
        "week_end": week_end,
        "level": level or (rows[0]["territory"].level if rows else ""),
        "rows": rows,
        "totals": {
            k: sum(r[k] for r in rows) for k in ("reported", "solved", "open", "stale", "due", "kept", "overdue")
        },
    }


def _territory_q(places: list[int]):
    from django.db.models import Q

    return Q(mesa__territory_id__in=places) | Q(problem__territory_id__in=places)


def _incidents(
    municipality: Municipality, week_end: dt.date, parents: dict[int, int | None], roots: list[int]
) -> dict[int, tuple[int, float]]:
    """Per territory of the review: the week's incidents and the weekly mean of the four weeks before."""
    sources = located_sources(municipality)
    if not sources:
        return {}
    start = week_end - dt.timedelta(days=34)
    frame = incident_frame(MapFilter(municipality, sources[0], start, week_end, None, None), located=False)
    if frame.is_empty():
        return {}
    result: dict[int, tuple[int, float]] = {}
    week_start = week_end - dt.timedelta(days=6)
    for territory_id in roots:
        places = set(descendants(territory_id, parents))
        part = frame.filter(pl.col("territory_id").is_in(list(places)))
        this_week = part.filter(pl.col("date") >= week_start).height
        before = part.filter(pl.col("date") < week_start).height / 4
        result[territory_id] = (this_week, round(before, 1))
    return result


def reports_dir() -> Path:
    directory = Path(settings.REPORTS_DIR) / "revisiones"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def file_stem(municipality: Municipality, week_end: dt.date) -> str:
    return f"revision-{municipality.code}-{week_end.isoformat()}"


def write_files(review: dict) -> tuple[Path, Path]:
    """The review as a standalone HTML page and a PDF, in the reports folder."""
    stem = file_stem(review["municipality"], review["week_end"])
    html_path = reports_dir() / f"{stem}.html"
    html_path.write_text(render_to_string("proximity/review_document.html", {"review": review}), encoding="utf-8")
    pdf_path = reports_dir() / f"{stem}.pdf"
    pdf_path.write_bytes(render_pdf(review))
    return html_path, pdf_path


def render_pdf(review: dict) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    title = _("Revisión semanal de %(name)s: semana del %(start)s al %(end)s") % {
        "name": review["municipality"].name,
        "start": f"{review['week_start']:%d-%m-%Y}",
        "end": f"{review['week_end']:%d-%m-%Y}",
    }
    pdf.cell(0, 9, pdf_text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        5,
        pdf_text(
            _(
                "Primero lo resuelto y lo cumplido; después los delitos. Puntaje: problemas resueltos o reducidos "
                "y acuerdos cumplidos en la semana, sobre eso más los acuerdos vencidos y los problemas abiertos "
                "hace más de 30 días."
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    headers = [
        _("Territorio"),
        _("Puntaje"),
        _("Reportados"),
        _("Resueltos"),
        _("Abiertos"),
        _("> 30 días"),
        _("Acuerdos cumplidos"),
        _("Vencidos"),
        _("Alertas abiertas"),
        _("Hechos semana"),
        _("Promedio 4 sem."),
    ]
    widths = [52, 18, 22, 22, 20, 20, 30, 20, 26, 24, 24]
    pdf.set_font("Helvetica", "B", 8)
    for header, width in zip(headers, widths, strict=True):
        pdf.cell(width, 7, pdf_text(header), border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 8)
    for row in review["rows"]:
        values = [
            row["territory"].name,
            "-" if row["score"] is None else f"{row['score']} %",
            row["reported"],
            row["solved"],
            row["open"],
            row["stale"],
            row["kept"],
            row["overdue"],
            row["alerts_open"],
            row["incidents"],
            f"{row['incidents_before']:.1f}".replace(".", ","),
        ]
        for value, width in zip(values, widths, strict=True):
            pdf.cell(width, 6, pdf_text(value)[:40], border=1)
        pdf.ln()
    return bytes(pdf.output())
