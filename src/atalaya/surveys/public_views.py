"""The public page of a municipality's survey figures: its own city only, from the public table, with the
precision of each figure and nothing of low precision shown as a number."""

from __future__ import annotations

import polars as pl
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from atalaya.analysis.tabular import export_csv
from atalaya.core.sensitivity import PublicOutputMixin
from atalaya.geo.models import Municipality

from .models import PublicSurveyEstimate


def _public_rows(code: str) -> tuple[Municipality, list[PublicSurveyEstimate]]:
    municipality = get_object_or_404(Municipality, code=code)
    rows = list(PublicSurveyEstimate.objects.filter(municipality=municipality))
    if not rows:
        raise Http404
    return municipality, rows


class PublicSurveyView(PublicOutputMixin, TemplateView):
    public_models = (Municipality, PublicSurveyEstimate)
    template_name = "surveys/public/summary.html"

    def get_context_data(self, **kwargs):
        municipality, rows = _public_rows(kwargs["code"])
        indicators: dict[str, dict] = {}
        for row in rows:
            entry = indicators.setdefault(row.indicator, {"name": row.indicator_name, "note": row.note, "rows": []})
            entry["rows"].append(row)
        for entry in indicators.values():
            entry["latest"] = entry["rows"][-1]
        return {
            **super().get_context_data(**kwargs),
            "municipality": municipality,
            "indicators": indicators.values(),
            "source": rows[0].source,
        }


class PublicSurveyCsvView(PublicOutputMixin, View):
    public_models = (Municipality, PublicSurveyEstimate)

    def get(self, request, code: str):
        municipality, rows = _public_rows(code)
        frame = pl.DataFrame(
            [
                {
                    "fuente": r.source,
                    "indicador": r.indicator,
                    "nombre": r.indicator_name,
                    "periodo": r.period,
                    "porcentaje": None if r.estimate is None else round(100 * r.estimate, 1),
                    "ic95_inferior": None if r.ci_low is None else round(100 * r.ci_low, 1),
                    "ic95_superior": None if r.ci_high is None else round(100 * r.ci_high, 1),
                    "precision": r.precision,
                }
                for r in rows
            ]
        )
        response = HttpResponse(export_csv(frame, bom=True).encode("utf-8"), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="encuestas-{municipality.code}.csv"'
        return response
