"""Web pages of the data core: municipalities, datasets with provenance, data quality, uploads."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Max
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from atalaya.accounts.mixins import ImporterRequiredMixin
from atalaya.accounts.services import can_import
from atalaya.analysis.tabular import export_csv
from atalaya.core.generic import (
    MunicipalityMixin,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)
from atalaya.core.uploads import store_upload
from atalaya.cube.exporting import family_months
from atalaya.geo.models import Municipality
from atalaya.hooks import MUNICIPALITY_LINKS

from .choices import DatasetStatus
from .filters import DatasetFilter, MappingFilter
from .forms import MappingForm, UploadForm
from .jobs import start_job
from .models import ColumnMapping, Dataset, ImportJob
from .quality import outside_incidents, quality_summary


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "datasets/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        municipalities = (
            Municipality.objects.visible_to(self.request.user)
            .annotate(
                n_datasets=Count("datasets", distinct=True),
                last_import=Max("datasets__created_at"),
            )
            .select_related("country")
        )
        context["municipalities"] = municipalities
        return context


class MunicipalityDetailView(MunicipalityMixin, TemplateView):
    template_name = "datasets/municipality_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        municipality = self.municipality
        context["quality"] = quality_summary(municipality)
        context["datasets"] = Dataset.objects.filter(municipalities=municipality).prefetch_related("municipalities")[
            :20
        ]
        context["levels"] = municipality.territories.values("level").annotate(n=Count("id")).order_by("level")
        context["can_import"] = can_import(self.request.user, municipality)
        context["monthly"] = {"tables": family_months(municipality)}
        links = (link(self.request.user, municipality) for link in MUNICIPALITY_LINKS)
        context["module_links"] = [link for link in links if link]
        return context


class OutsideIncidentsView(MunicipalityMixin, View):
    """The municipality's points that fall outside it, as CSV: the quality page's line, record by record."""

    def get(self, request, code: str):
        municipality = self.municipality
        response = HttpResponse(export_csv(outside_incidents(municipality)), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{municipality.code}-fuera-del-municipio.csv"'
        return response


class DatasetListView(ObjectListView):
    model = Dataset
    filterset_class = DatasetFilter
    template_name = "datasets/dataset_list.html"

    def scope_queryset(self, queryset):
        return queryset.prefetch_related("municipalities").order_by("-created_at")


class DatasetDetailView(ObjectDetailView):
    model = Dataset
    template_name = "datasets/dataset_detail.html"

    def scope_queryset(self, queryset):
        return queryset.prefetch_related("municipalities")


class DatasetReportView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        dataset = get_object_or_404(Dataset.objects.visible_to(request.user), pk=pk)
        path = Path(dataset.report_path) if dataset.report_path else None
        if path is None or not path.exists() or Path(settings.REPORTS_DIR).resolve() not in path.resolve().parents:
            raise Http404
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type="text/csv")


class UploadView(ImporterRequiredMixin, FormView):
    template_name = "datasets/upload.html"
    form_class = UploadForm

    main_fields = ("format", "municipality", "mapping", "on_error", "file")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["main_fields"] = self.main_fields
        context["has_option_errors"] = any(name not in self.main_fields for name in form.errors)
        return context

    def form_valid(self, form):
        target = store_upload(form.cleaned_data["file"])
        job = ImportJob.objects.create(
            created_by=self.request.user,
            municipality=form.cleaned_data["municipality"],
            format=form.cleaned_data["format"],
            mapping=form.cleaned_data.get("mapping"),
            on_error=form.cleaned_data["on_error"],
            file_path=str(target),
            file_name=form.cleaned_data["file"].name[:255],
            dry_run=True,
            options=form.job_options(),
        )
        start_job(job)
        return HttpResponseRedirect(reverse("datasets:job", args=[job.pk]))


class JobDetailView(LoginRequiredMixin, DetailView):
    template_name = "datasets/job_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        return ImportJob.objects.filter(created_by=self.request.user)


class JobConfirmView(LoginRequiredMixin, View):
    """Import for real the file whose dry run the user has just reviewed."""

    def post(self, request, pk: int):
        checked = get_object_or_404(ImportJob, pk=pk, created_by=request.user, dry_run=True)
        if checked.result.get("estado") != "simulado" or not can_import(request.user, checked.municipality):
            raise Http404
        job = ImportJob.objects.create(
            created_by=request.user,
            municipality=checked.municipality,
            format=checked.format,
            mapping=checked.mapping,
            on_error=checked.on_error,
            file_path=checked.file_path,
            file_name=checked.file_name,
            dry_run=False,
            # Removing values the release does not carry is an explicit choice, made on the dry run's page.
            options={**checked.options, "replace": request.POST.get("replace") == "1"},
        )
        start_job(job)
        return HttpResponseRedirect(reverse("datasets:job", args=[job.pk]))


class MappingListView(ImporterRequiredMixin, ObjectListView):
    """The mappings the user may import with: their municipalities' and the shared ones."""

    model = ColumnMapping
    filterset_class = MappingFilter
    template_name = "datasets/mapping_list.html"

    def scope_queryset(self, queryset):
        return queryset.select_related("municipality").order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["editable"] = set(ColumnMapping.objects.editable_by(self.request.user).values_list("pk", flat=True))
        return context


class MappingFormMixin:
    """What the mapping's create and edit pages share."""

    model = ColumnMapping
    template_name = "datasets/mapping_form.html"
    form_class = MappingForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def log_message(self) -> str:
        return f"Mapeo de columnas «{self.object.name}»: {self.object.definition}"

    def get_success_url(self):
        return reverse("datasets:mapping_list")


class MappingCreateView(MappingFormMixin, ImporterRequiredMixin, ObjectCreateView):
    pass


class MappingUpdateView(MappingFormMixin, ImporterRequiredMixin, ObjectEditView):
    """Another municipality's mapping (or, for an analyst, a shared one) answers 404 (``editable_by``)."""

    slug_field = "name"
    slug_url_kwarg = "name"


__all__ = ["DatasetStatus"]
