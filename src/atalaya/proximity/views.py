"""Staff pages of community problems: the list of a municipality, one problem with its whole timeline, and one
page per change (state, note, merge, privacy, attachment), plus reporting from the field or from an alert."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from atalaya.alerts.models import Alert
from atalaya.core import audit
from atalaya.core.changelog import log_change
from atalaya.core.charts import PlotlyPageMixin
from atalaya.core.generic import CappedPaginator, MunicipalityMixin, ObjectDetailView, ObjectListView
from atalaya.core.models import AccessAction
from atalaya.core.scoping import ScopedViewMixin

from . import attachments, sara, services
from . import charts as sara_charts
from .access import may_coordinate, may_read, may_work
from .choices import ActionStatus, Source, Status
from .filters import ProblemFilter
from .forms import ActionForm, ActionStatusForm, AssessForm, MergeForm, NoteForm, ReportForm, SaraForm, StatusForm
from .models import Attachment, Problem, Reporter, ResponseAction


class ProblemListView(MunicipalityMixin, ObjectListView):
    model = Problem
    filterset_class = ProblemFilter
    paginator_class = CappedPaginator
    template_name = "proximity/problem_list.html"

    def scope_queryset(self, queryset):
        if not may_read(self.request.user, self.municipality):
            raise PermissionDenied
        return queryset.filter(municipality=self.municipality).select_related("category", "territory")

    def get_context_data(self, **kwargs):
        return super().get_context_data(may_work=may_work(self.request.user, self.municipality), **kwargs)


class ProblemDetailView(ObjectDetailView):
    model = Problem
    template_name = "proximity/problem_detail.html"

    def scope_queryset(self, queryset):
        return queryset.select_related("category", "territory", "municipality", "duplicate_of", "alert")

    def get_context_data(self, **kwargs):
        problem = self.object
        user = self.request.user
        if not may_read(user, problem.municipality):
            raise PermissionDenied
        reporter = Reporter.objects.filter(problem=problem).first()
        if reporter is not None:
            audit.record_access(  # a personal record: its reads are logged, under the problem's municipality
                user=user,
                action=AccessAction.READ,
                model=reporter,
                object_ids=[reporter.pk],
                municipality=problem.municipality,
            )
        working = may_work(user, problem.municipality, problem.territory)
        return super().get_context_data(
            reporter=reporter,
            updates=problem.updates.select_related("created_by"),
            files=problem.attachments.all(),
            similar=services.similar_open_problems(problem) if working and problem.is_open else [],
            may_work=working,
            may_coordinate=may_coordinate(user, problem.municipality),
            status_form=StatusForm(
                choices=[(s, Status(s).label) for s in services.allowed_next(problem)],
                initial={"version": problem.version},
            ),
            note_form=NoteForm(),
            merge_form=MergeForm(initial={"version": problem.version}),
            **kwargs,
        )


class ProblemActionView(LoginRequiredMixin, ScopedViewMixin, View):
    """A change to one problem (POST only): 404 out of scope, 403 without the right, the service's Spanish
    refusal shown on the problem's page."""

    model = Problem
    coordinators_only = False

    def post(self, request, pk):
        problem = get_object_or_404(self.get_queryset(), pk=pk)
        if self.coordinators_only:
            allowed = may_coordinate(request.user, problem.municipality)
        else:
            allowed = may_work(request.user, problem.municipality, problem.territory)
        if not allowed:
            raise PermissionDenied
        try:
            message = self.act(problem, request)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, message)
        return redirect("proximity:detail", problem.pk)

    def act(self, problem: Problem, request) -> str:
        raise NotImplementedError


class StatusView(ProblemActionView):
    def act(self, problem, request):
        form = StatusForm(request.POST, choices=[(s, s) for s in Status.values])
        if not form.is_valid():
            raise ValidationError(_("Revise el formulario del estado."))
        data = form.cleaned_data
        if data["to"] == Status.CLOSED and not may_coordinate(request.user, problem.municipality):
            raise PermissionDenied
        services.change_status(
            problem, to=data["to"], user=request.user, text=data["text"], outcome=data["outcome"],
            is_public=data["is_public"], version=data["version"],
        )  # fmt: skip
        return _("Estado cambiado a «%(status)s».") % {"status": Status(data["to"]).label}


class NoteView(ProblemActionView):
    def act(self, problem, request):
        form = NoteForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("La nota está vacía."))
        services.add_note(
            problem, user=request.user, text=form.cleaned_data["text"], is_public=form.cleaned_data["is_public"]
        )
        return _("Nota agregada.")


class MergeView(ProblemActionView):
    coordinators_only = True

    def act(self, problem, request):
        form = MergeForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Indique el número del problema que sigue abierto."))
        into = Problem.objects.filter(
            municipality=problem.municipality, reference=form.cleaned_data["into"].strip()
        ).first()
        if into is None:
            raise ValidationError(_("No existe ese número en este municipio."))
        services.merge(problem, into=into, user=request.user, version=form.cleaned_data["version"])
        return _("Unido a %(reference)s.") % {"reference": into.reference}


class PrivacyView(ProblemActionView):
    coordinators_only = True

    def act(self, problem, request):
        private = request.POST.get("private") == "1"
        services.set_private(problem, user=request.user, private=private, reason=request.POST.get("reason", ""))
        return _("El problema ya no aparece en el portal.") if private else _("El problema aparece en el portal.")


class AttachView(ProblemActionView):
    def act(self, problem, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError(_("Elija un archivo."))
        services.attach(problem, upload, user=request.user, is_public=request.POST.get("is_public") == "1")
        return _("Adjunto agregado.")


class AttachmentView(LoginRequiredMixin, ScopedViewMixin, View):
    """A file of a problem for staff: images inline, PDFs downloaded, always with their fixed type."""

    model = Attachment

    def get(self, request, pk):
        attachment = get_object_or_404(self.get_queryset().select_related("problem__municipality"), pk=pk)
        if not may_read(request.user, attachment.problem.municipality):
            raise Http404
        audit.record_read(request.user, attachment.problem)
        response = FileResponse(
            attachments.path_of(attachment.stored_name).open("rb"), content_type=attachment.content_type
        )
        disposition = "inline" if attachment.content_type.startswith("image/") else "attachment"
        response["Content-Disposition"] = (
            f'{disposition}; filename="adjunto-{attachment.pk}.{attachment.stored_name.rsplit(".", 1)[-1]}"'
        )
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response


class StaffReportView(MunicipalityMixin, FormView):
    """Proximity police or a mesa report a problem (they may attach PDFs, and mark it private)."""

    template_name = "proximity/report.html"
    form_class = ReportForm

    def get_form_kwargs(self):
        if not may_work(self.request.user, self.municipality):
            raise PermissionDenied
        return {**super().get_form_kwargs(), "municipality": self.municipality}

    def get_initial(self):
        alert = self.alert()
        if alert is None:
            return {}
        return {"title": _("Alerta: %(alert)s") % {"alert": str(alert)[:140]}}

    def alert(self) -> Alert | None:
        pk = self.request.GET.get("alerta") or self.request.POST.get("alerta")
        if not pk or not str(pk).isdigit():
            return None
        return get_object_or_404(Alert.objects.visible_to(self.request.user), pk=pk, municipality=self.municipality)

    def get_context_data(self, **kwargs):
        return super().get_context_data(alert=self.alert(), **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        alert = self.alert()
        source = (
            Source.ALERT
            if alert
            else (
                self.request.POST.get("source")
                if self.request.POST.get("source") in (Source.POLICE, Source.MESA)
                else Source.POLICE
            )
        )
        try:
            problem = services.report_problem(
                municipality=self.municipality, category=data["category"], title=data["title"],
                description=data["description"], lat=data["lat"], lon=data["lon"], address=data["address"],
                source=source, user=self.request.user, alert=alert, uploads=tuple(data["photos"]),
                is_private=self.request.POST.get("is_private") == "1",
            )  # fmt: skip
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, _("Problema %(reference)s creado.") % {"reference": problem.reference})
        return redirect("proximity:detail", problem.pk)


class SaraView(PlotlyPageMixin, ObjectDetailView):
    """The SARA file of a problem: the team's text, the numbers of its place from the incidents, the response
    plan and every before/after assessment."""

    model = Problem
    template_name = "proximity/sara.html"

    def scope_queryset(self, queryset):
        return queryset.select_related("category", "territory", "municipality")

    def get_context_data(self, **kwargs):
        problem = self.object
        if not may_read(self.request.user, problem.municipality):
            raise PermissionDenied
        file = sara.sara_file(problem)
        found = sara.scanning(file)
        today = dt.date.today()
        start = file.response_start or today - dt.timedelta(days=90)
        initial = {
            "before_start": start - dt.timedelta(days=180), "before_end": start - dt.timedelta(days=1),
            "after_start": start, "after_end": min(file.response_end or today, today), "buffer_m": 400,
        }  # fmt: skip
        return super().get_context_data(
            file=file,
            scanning=found,
            chart_spec=sara_charts.monthly_spec(found) if found.get("monthly") else None,
            actions=file.actions.all(),
            assessments=file.assessments.all()[:10],
            may_work=may_work(self.request.user, problem.municipality, problem.territory),
            sara_form=SaraForm(instance=file, initial={"version": file.version}),
            action_form=ActionForm(),
            assess_form=AssessForm(municipality=problem.municipality, initial=initial),
            action_status_form=ActionStatusForm(),
            **kwargs,
        )


class SaraActionView(ProblemActionView):
    """The SARA file's changes come back to its page, not to the problem's."""

    def post(self, request, pk):
        super().post(request, pk)
        return redirect("proximity:sara", pk)


class SaraSaveView(SaraActionView):
    def act(self, problem, request):
        file = sara.sara_file(problem)
        form = SaraForm(request.POST, instance=file)
        if not form.is_valid():
            raise ValidationError(
                [f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items() if f in form.fields]
            )
        if form.cleaned_data["version"] != file.version:
            raise ValidationError(_("Otra persona guardó la ficha mientras la editaba. Revise y vuelva a intentar."))
        saved = form.save(commit=False)
        saved.version = file.version + 1
        saved.save()
        log_change(user=request.user, action="sara", obj=problem, municipality=problem.municipality,
                   message=f"Ficha SARA de {problem.reference} guardada")  # fmt: skip
        return _("Ficha SARA guardada.")


class SaraActionAddView(SaraActionView):
    def act(self, problem, request):
        form = ActionForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Indique la acción, su responsable y su plazo."))
        ResponseAction.objects.create(sara=sara.sara_file(problem), **form.cleaned_data)
        log_change(user=request.user, action="plan", obj=problem, municipality=problem.municipality,
                   message=f"Acción «{form.cleaned_data['description'][:80]}» en {problem.reference}")  # fmt: skip
        return _("Acción agregada al plan.")


class SaraActionStatusView(SaraActionView):
    def post(self, request, pk, action):
        self.action_pk = action
        return super().post(request, pk)

    def act(self, problem, request):
        action = get_object_or_404(ResponseAction, pk=self.action_pk, sara__problem=problem)
        form = ActionStatusForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Elija el estado."))
        action.status = form.cleaned_data["status"]
        action.evidence = form.cleaned_data["evidence"] or action.evidence
        action.done_at = dt.date.today() if action.status == ActionStatus.DONE else None
        action.save()
        log_change(user=request.user, action="plan", obj=problem, municipality=problem.municipality,
                   message=f"Acción {action.pk} de {problem.reference}: {action.get_status_display()}")  # fmt: skip
        return _("Acción actualizada.")


class SaraAssessView(SaraActionView):
    def act(self, problem, request):
        form = AssessForm(request.POST, municipality=problem.municipality)
        if not form.is_valid():
            raise ValidationError(_("Revise las fechas y el ancho del anillo."))
        data = form.cleaned_data
        assessment = sara.assess(
            sara.sara_file(problem), user=request.user, before=(data["before_start"], data["before_end"]),
            after=(data["after_start"], data["after_end"]), buffer_m=data["buffer_m"], control=data["control"],
        )  # fmt: skip
        return assessment.results["summary"]
