"""Survey pages: the municipality's estimates beside the other cities, one import's tables, the import form and
the CSV of estimates."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

from atalaya.analysis.surveys import generic
from atalaya.analysis.tabular import export_csv
from atalaya.core.charts import PlotlyPageMixin
from atalaya.core.generic import MunicipalityMixin
from atalaya.core.uploads import store_upload

from . import services
from .access import may_import
from .charts import cities_spec
from .choices import Domain
from .forms import SurveyUploadForm
from .models import SurveyChange, SurveyDataset, SurveyEstimate, SurveyMapping


class ImporterPageMixin(MunicipalityMixin):
    """Pages that change the municipality's surveys: analysts and admins (403 for the other roles)."""

    def may_access(self, user, municipality) -> bool:
        return may_import(user, municipality)


class SurveyListView(PlotlyPageMixin, MunicipalityMixin, TemplateView):
    """The municipality's survey figures: latest headline, each indicator among the survey's cities (ranked with
    rank ranges), the series of its own city, and the imports."""

    template_name = "surveys/survey_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        municipality = self.municipality
        context["datasets"] = SurveyDataset.objects.filter(municipality=municipality)
        context["can_import"] = may_import(self.request.user, municipality)
        headline = services.headline(municipality)
        context["survey"] = headline
        if headline:
            codes = [item["estimate"].indicator for item in headline["items"]]
            wanted = self.request.GET.get("indicador")
            indicator = wanted if wanted in codes else (codes[0] if codes else None)
            context["indicator"] = indicator
            if indicator:
                table = services.city_table(municipality, indicator, headline["period"])
                context["ranking"] = table.to_dicts()
                name = next(
                    i["estimate"].indicator_name for i in headline["items"] if i["estimate"].indicator == indicator
                )
                context["indicator_name"] = name
                context["chart_spec"] = cities_spec(table, headline["dataset"].city_code, name)
                series = list(
                    SurveyEstimate.objects.filter(
                        municipality=municipality,
                        indicator=indicator,
                        domain=Domain.CITY,
                        city=headline["dataset"].city_code,
                    ).select_related("dataset")
                )
                for estimate in series:
                    estimate.label = services.period_label(estimate.dataset.kind, estimate.period)
                context["series"] = sorted(series, key=lambda e: e.label)
                changes = list(
                    SurveyChange.objects.filter(
                        municipality=municipality, indicator=indicator, city=headline["dataset"].city_code
                    )
                )
                for change in changes:
                    change.before_label = services.period_label(change.kind, change.before_period)
                    change.after_label = services.period_label(change.kind, change.after_period)
                context["changes"] = sorted(changes, key=lambda c: c.after_label)
        return context


class SurveyDetailView(MunicipalityMixin, TemplateView):
    """One import: its design, and every estimate for the municipality's city by sex."""

    template_name = "surveys/survey_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        dataset = get_object_or_404(SurveyDataset, municipality=self.municipality, pk=self.kwargs["pk"])
        context["dataset"] = dataset
        context["estimates"] = SurveyEstimate.objects.filter(
            dataset=dataset, city__in=["", dataset.city_code]
        ).order_by("indicator", "period", "domain", "sex")
        context["can_import"] = may_import(self.request.user, self.municipality)
        return context


class SurveyImportView(ImporterPageMixin, FormView):
    template_name = "surveys/upload.html"
    form_class = SurveyUploadForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "municipality": self.municipality}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mappings"] = SurveyMapping.objects.filter(municipality=self.municipality)
        return context

    def form_valid(self, form):
        target = store_upload(form.cleaned_data["file"])
        try:
            dataset = services.import_survey(
                target,
                self.municipality,
                kind=form.cleaned_data["kind"],
                mapping=form.cleaned_data.get("mapping"),
                period=form.cleaned_data.get("period") or None,
                name=form.cleaned_data.get("name") or "",
                user=self.request.user,
            )
        except services.SurveyRejected as exc:
            problems = exc.problems.head(200).to_dicts() if exc.problems is not None else []
            return self.render_to_response(self.get_context_data(form=form, rejected=exc.message, problems=problems))
        finally:
            target.unlink(missing_ok=True)
        messages.success(
            self.request,
            _("Encuesta importada: %(name)s, %(rows)d respuestas.") % {"name": dataset.name, "rows": dataset.rows},
        )
        return redirect("surveys:detail", self.municipality.code, dataset.pk)


class EnuscMappingView(ImporterPageMixin, View):
    """Save the ENUSC template as this municipality's mapping (its variables are checked at import)."""

    def post(self, request, code: str):
        SurveyMapping.objects.get_or_create(
            municipality=self.municipality,
            name=generic.ENUSC["name"],
            defaults={
                "design": generic.ENUSC["design"],
                "indicators": generic.ENUSC["indicators"],
                "domain_code": self.municipality.code,
                "description": _("Plantilla: verifique los nombres de las variables con el manual de la edición."),
            },
        )
        messages.success(request, _("Mapeo de la ENUSC guardado."))
        return redirect("surveys:import", self.municipality.code)


class SurveyDeleteView(ImporterPageMixin, View):
    def post(self, request, code: str, pk: int):
        dataset = get_object_or_404(SurveyDataset, municipality=self.municipality, pk=pk)
        services.delete_dataset(dataset, request.user)
        messages.success(request, _("Importación borrada; los cambios y la página pública se recalcularon."))
        return redirect("surveys:list", self.municipality.code)


class EstimatesExportView(MunicipalityMixin, View):
    """Every estimate of the municipality's imports as CSV (UTF-8 with BOM, for spreadsheets)."""

    def get(self, request, code: str):
        frame = services.estimates_frame(self.municipality)
        if frame.is_empty():
            raise Http404
        response = HttpResponse(export_csv(frame, bom=True).encode("utf-8"), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="encuestas-{self.municipality.code}.csv"'
        return response
