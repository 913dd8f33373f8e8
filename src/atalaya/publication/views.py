"""The municipality's staff pages of documents: the archive, and forms that generate a diagnosis pack or a
month's bulletin in the worker."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView

from atalaya.core import audit
from atalaya.core.generic import MunicipalityMixin, ObjectDetailView
from atalaya.core.jobs import start as start_job
from atalaya.core.scoping import ScopedViewMixin

from .access import may_generate, may_read
from .forms import BulletinForm, DiagnosisForm
from .models import Bulletin, Report


class PublicationListView(MunicipalityMixin, FormView):
    template_name = "publication/list.html"
    form_class = DiagnosisForm

    def may_access(self, user, municipality) -> bool:
        return may_read(user, municipality)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            reports=Report.objects.filter(municipality=self.municipality).defer("html", "pdf", "docx")[:60],
            bulletins=Bulletin.objects.filter(municipality=self.municipality).defer("html", "body", "pdf")[:24],
            bulletin_form=BulletinForm(),
            may_generate=may_generate(self.request.user, self.municipality),
        )
        return context

    def form_valid(self, form):
        """The diagnosis pack of the chosen months, generated in the worker."""
        if not may_generate(self.request.user, self.municipality):
            raise PermissionDenied
        job = start_job(
            "publication.diagnosis",
            user=self.request.user,
            municipality=self.municipality,
            start=form.cleaned_data["start"].isoformat(),
            end=form.cleaned_data["end"].isoformat(),
        )
        return redirect("job", job.pk)


class GenerateMixin(MunicipalityMixin):
    def may_access(self, user, municipality) -> bool:
        return may_generate(user, municipality)


class BulletinCreateView(GenerateMixin, FormView):
    template_name = "publication/list.html"
    form_class = BulletinForm

    def get(self, request, *args, **kwargs):
        return redirect("publication:list", self.municipality.code)

    def form_valid(self, form):
        job = start_job(
            "publication.bulletin",
            user=self.request.user,
            municipality=self.municipality,
            month=form.cleaned_data["month"].isoformat(),
        )
        return redirect("job", job.pk)

    def form_invalid(self, form):
        for errors in form.errors.values():
            messages.error(self.request, " ".join(errors))
        return redirect("publication:list", self.municipality.code)


class ReportDetailView(ObjectDetailView):
    model = Report
    template_name = "publication/report.html"

    def scope_queryset(self, queryset):
        return queryset.select_related("municipality", "created_by").defer("html", "pdf", "docx")


class ReportFileView(LoginRequiredMixin, ScopedViewMixin, View):
    """A generated document's file: ``pdf``, ``docx`` or ``html`` (the standalone page, downloaded)."""

    model = Report
    TYPES = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "html": "text/html; charset=utf-8",
    }

    def get(self, request, pk: int, fmt: str):
        if fmt not in self.TYPES:
            raise Http404
        report = get_object_or_404(self.get_queryset().select_related("municipality"), pk=pk)
        content = {"pdf": report.pdf, "docx": report.docx, "html": report.html.encode("utf-8")}[fmt]
        if not content:
            return HttpResponse(status=404)
        audit.record_read(request.user, report)
        response = HttpResponse(bytes(content), content_type=self.TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{report.file_stem}.{fmt}"'
        return response
