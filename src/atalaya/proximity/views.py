"""Staff pages of community problems: the list of a municipality, one problem with its whole timeline, and one
page per change (state, note, merge, privacy, attachment), plus reporting from the field or from an alert."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from atalaya.alerts.models import Alert
from atalaya.core import audit
from atalaya.core.changelog import log_change
from atalaya.core.generic import ActionView, CappedPaginator, MunicipalityMixin, ObjectDetailView, ObjectListView
from atalaya.core.jobs import start as start_job
from atalaya.core.models import AccessAction
from atalaya.core.scoping import ScopedViewMixin
from atalaya.core.views import render_panels
from atalaya.geo.models import Territory
from atalaya.hooks import RESPONSE_PANELS
from atalaya.spatial.services import territory_and_descendants
from atalaya.spatial.views import MapPageMixin

from . import accountability, attachments, mesas, participation, review, sara, services
from . import board as mesas_board
from . import charts as sara_charts
from .access import may_coordinate, may_read, may_work
from .choices import ActionStatus, AgreementStatus, MinutesStatus, Source, Status
from .filters import ProblemFilter
from .forms import (
    ActionForm,
    ActionStatusForm,
    AgendaItemForm,
    AgreementForm,
    AgreementUpdateForm,
    AssessForm,
    MemberForm,
    MergeForm,
    MesaForm,
    MinutesForm,
    NoteForm,
    ReportForm,
    SaraForm,
    SessionForm,
    StatusForm,
)
from .models import (
    Agreement,
    Attachment,
    Attendance,
    Comment,
    Mesa,
    MesaMember,
    MesaSession,
    Problem,
    ProximityOfficer,
    Reporter,
    ResponseAction,
    SessionDocument,
)


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
            note_form=NoteForm(prefix="nota"),
            merge_form=MergeForm(prefix="unir", initial={"version": problem.version}),
            **kwargs,
        )


class ProblemActionView(ActionView):
    """A change to one problem, back on the problem's page; workers of its territory act, coordinators close."""

    model = Problem
    coordinators_only = False

    def allowed(self, user, problem) -> bool:
        if self.coordinators_only:
            return may_coordinate(user, problem.municipality)
        return may_work(user, problem.municipality, problem.territory)

    def redirect_url(self, problem) -> str:
        return reverse("proximity:detail", args=[problem.pk])


class StatusView(ProblemActionView):
    def act(self, problem, request):
        form = StatusForm(request.POST, choices=[(s, s) for s in Status.values])
        if not form.is_valid():
            raise ValidationError(_("Revise el formulario del estado."))
        data = form.cleaned_data
        if data["to"] == Status.CLOSED and not may_coordinate(request.user, problem.municipality):
            raise PermissionDenied
        services.change_status(
            problem,
            to=data["to"],
            user=request.user,
            text=data["text"],
            outcome=data["outcome"],
            is_public=data["is_public"],
            version=data["version"],
        )
        return _("Estado cambiado a «%(status)s».") % {"status": Status(data["to"]).label}


class NoteView(ProblemActionView):
    def act(self, problem, request):
        form = NoteForm(request.POST, prefix="nota")
        if not form.is_valid():
            raise ValidationError(_("La nota está vacía."))
        services.add_note(
            problem, user=request.user, text=form.cleaned_data["text"], is_public=form.cleaned_data["is_public"]
        )
        return _("Nota agregada.")


class MergeView(ProblemActionView):
    coordinators_only = True

    def act(self, problem, request):
        form = MergeForm(request.POST, prefix="unir")
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
        return attachments.serve(attachment, "adjunto")


class StaffReportView(MunicipalityMixin, MapPageMixin, FormView):
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
        return super().get_context_data(
            alert=self.alert(), pick_spec=sara_charts.pick_map_spec(self.municipality), **kwargs
        )

    def form_valid(self, form):
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
        problem = form.report(
            self.municipality,
            source=source,
            user=self.request.user,
            alert=alert,
            is_private=self.request.POST.get("is_private") == "1",
        )
        if problem is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Problema %(reference)s creado.") % {"reference": problem.reference})
        return redirect("proximity:detail", problem.pk)


class SaraView(MapPageMixin, ObjectDetailView):
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
            "before_start": start - dt.timedelta(days=180),
            "before_end": start - dt.timedelta(days=1),
            "after_start": start,
            "after_end": min(file.response_end or today, today),
            "buffer_m": 400,
        }
        return super().get_context_data(
            file=file,
            scanning=found,
            chart_spec=sara_charts.monthly_spec(found) if found.get("monthly") else None,
            place_spec=sara_charts.place_map_spec(found) if found.get("monthly") else None,
            actions=file.actions.all(),
            assessments=file.assessments.all()[:10],
            may_work=may_work(self.request.user, problem.municipality, problem.territory),
            sara_form=SaraForm(instance=file, initial={"version": file.version}),
            action_form=ActionForm(),
            assess_form=AssessForm(municipality=problem.municipality, initial=initial),
            action_status_form=ActionStatusForm(auto_id=False),  # one per plan line: no repeated ids
            response_panels=render_panels(self.request, RESPONSE_PANELS, problem),
            **kwargs,
        )


class SaraActionView(ProblemActionView):
    """The SARA file's changes come back to its page, not to the problem's."""

    def redirect_url(self, problem) -> str:
        return reverse("proximity:sara", args=[problem.pk])


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
        log_change(
            user=request.user,
            action="sara",
            obj=problem,
            municipality=problem.municipality,
            message=f"Ficha SARA de {problem.reference} guardada",
        )
        return _("Ficha SARA guardada.")


class SaraActionAddView(SaraActionView):
    def act(self, problem, request):
        form = ActionForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Indique la acción, su responsable y su plazo."))
        ResponseAction.objects.create(sara=sara.sara_file(problem), **form.cleaned_data)
        accountability.sync_problem(problem)
        log_change(
            user=request.user,
            action="plan",
            obj=problem,
            municipality=problem.municipality,
            message=f"Acción «{form.cleaned_data['description'][:80]}» en {problem.reference}",
        )
        return _("Acción agregada al plan.")


class SaraActionStatusView(SaraActionView):
    def act(self, problem, request, action):
        action = get_object_or_404(ResponseAction, pk=action, sara__problem=problem)
        form = ActionStatusForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Elija el estado."))
        action.status = form.cleaned_data["status"]
        action.evidence = form.cleaned_data["evidence"] or action.evidence
        action.done_at = dt.date.today() if action.status == ActionStatus.DONE else None
        action.save()
        accountability.sync_problem(problem)
        log_change(
            user=request.user,
            action="plan",
            obj=problem,
            municipality=problem.municipality,
            message=f"Acción {action.pk} de {problem.reference}: {action.get_status_display()}",
        )
        return _("Acción actualizada.")


class SaraAssessView(SaraActionView):
    def act(self, problem, request):
        form = AssessForm(request.POST, municipality=problem.municipality)
        if not form.is_valid():
            raise ValidationError(_("Revise las fechas y el ancho del anillo."))
        data = form.cleaned_data
        assessment = sara.assess(
            sara.sara_file(problem),
            user=request.user,
            before=(data["before_start"], data["before_end"]),
            after=(data["after_start"], data["after_end"]),
            buffer_m=data["buffer_m"],
            control=data["control"],
        )
        return assessment.results["summary"]


def may_run(user, mesa: Mesa) -> bool:
    """A mesa is run by the municipality's coordinators and by its chair."""
    return may_coordinate(user, mesa.municipality) or (mesa.chair_id is not None and mesa.chair_id == user.pk)


class MesaListView(MunicipalityMixin, TemplateView):
    template_name = "proximity/mesa_list.html"

    def get_context_data(self, **kwargs):
        if not may_read(self.request.user, self.municipality):
            raise PermissionDenied
        mesas_here = Mesa.objects.filter(municipality=self.municipality).select_related("territory", "chair")
        return super().get_context_data(
            mesas=mesas_here,
            may_coordinate=may_coordinate(self.request.user, self.municipality),
            form=MesaForm(municipality=self.municipality),
            **kwargs,
        )

    def post(self, request, code):
        if not may_coordinate(request.user, self.municipality):
            raise PermissionDenied
        if request.POST.get("recordar"):
            return redirect("job", start_job("proximity.remind", user=request.user, municipality=self.municipality).pk)
        form = MesaForm(request.POST, municipality=self.municipality)
        if (
            not form.is_valid()
            or Mesa.objects.filter(municipality=self.municipality, name=form.data.get("name", "")).exists()
        ):
            messages.error(request, _("Revise el nombre (no puede repetirse) y el tipo."))
            return redirect("proximity:mesas", code)
        data = dict(form.cleaned_data)
        indicators = data.pop("indicators")
        mesa = Mesa.objects.create(municipality=self.municipality, chair=request.user, **data)
        mesa.indicators.set(indicators)
        log_change(
            user=request.user, action="crear", obj=mesa, municipality=self.municipality, message=f"Mesa {mesa.name}"
        )
        accountability.sync_mesa(mesa)
        return redirect("proximity:mesa", mesa.pk)


class MesaDetailView(ObjectDetailView):
    model = Mesa
    template_name = "proximity/mesa_detail.html"

    def scope_queryset(self, queryset):
        return queryset.select_related("municipality", "territory", "chair")

    def get_context_data(self, **kwargs):
        mesa = self.object
        if not may_read(self.request.user, mesa.municipality):
            raise PermissionDenied
        members = list(mesa.members.all())
        audit.record_access(
            user=self.request.user,
            action=AccessAction.READ,
            model=MesaMember,
            object_ids=[m.pk for m in members],
            municipality=mesa.municipality,
        )
        return super().get_context_data(
            members=members,
            sessions=mesa.sessions.all()[:30],
            agreements=mesa.agreements.select_related("problem").order_by("status", "deadline"),
            may_run=may_run(self.request.user, mesa),
            member_form=MemberForm(),
            session_form=SessionForm(),
            statuses=AgreementStatus.choices,
            next_session=mesas.next_session_due(mesa),
            today=dt.date.today(),
            **kwargs,
        )


class MesaActionView(ActionView):
    """A change to a mesa, one of its sessions or agreements: who runs the mesa acts, back on ``redirect_to``."""

    model = Mesa
    redirect_to = "proximity:mesa"

    def mesa_of(self, target) -> Mesa:
        return target if isinstance(target, Mesa) else target.mesa

    def allowed(self, user, target) -> bool:
        return may_run(user, self.mesa_of(target))

    def redirect_url(self, target) -> str:
        return reverse(self.redirect_to, args=[target.pk])


class MemberAddView(MesaActionView):
    def act(self, mesa, request):
        form = MemberForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Indique nombre, institución y sector."))
        member = MesaMember.objects.create(mesa=mesa, **form.cleaned_data)
        log_change(
            user=request.user,
            action="integrante",
            obj=mesa,
            municipality=mesa.municipality,
            message=f"{mesa.name}: integra {member.institution}",
        )
        return _("Integrante agregado.")


class SessionCallView(MesaActionView):
    def act(self, mesa, request):
        form = SessionForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Indique el tipo, la fecha y la hora."))
        data = form.cleaned_data
        problem = _problem_by_reference(mesa, data["problem"])
        session = mesas.call_session(
            mesa,
            starts_at=data["starts_at"],
            user=request.user,
            kind=data["kind"],
            place=data["place"],
            problem=problem,
            notify=data["notify"],
        )
        return _("Sesión convocada para el %(when)s.") % {
            "when": f"{timezone.localtime(session.starts_at):%d-%m-%Y %H:%M}"
        }


def _problem_by_reference(mesa: Mesa, reference: str) -> Problem | None:
    if not reference.strip():
        return None
    problem = Problem.objects.filter(municipality=mesa.municipality, reference=reference.strip()).first()
    if problem is None:
        raise ValidationError(_("No existe ese número de problema en este municipio."))
    return problem


class SessionDetailView(ObjectDetailView):
    """A session: its agenda, the territory's open alerts and problems and its recent incidents beside them,
    attendance, minutes and the agreements taken."""

    model = MesaSession
    template_name = "proximity/session_detail.html"

    def scope_queryset(self, queryset):
        return queryset.select_related("mesa__municipality", "mesa__territory", "problem")

    def get_context_data(self, **kwargs):
        session = self.object
        mesa = session.mesa
        user = self.request.user
        if not may_read(user, mesa.municipality):
            raise PermissionDenied
        attendance = list(session.attendance.select_related("member"))
        audit.record_access(
            user=user,
            action=AccessAction.READ,
            model=Attendance,
            object_ids=[a.pk for a in attendance],
            municipality=mesa.municipality,
        )
        seat = next((a for a in attendance if a.member and a.member.user_id == user.pk and a.present), None)
        return super().get_context_data(
            mesa=mesa,
            agenda=session.agenda.select_related("problem", "alert"),
            attendance=attendance,
            board=mesas_board.territory_board(mesa),
            agreements=session.agreements.select_related("problem"),
            documents=session.documents.all(),
            agenda_form=AgendaItemForm(prefix="tabla"),
            may_run=may_run(user, mesa),
            may_approve=seat is not None
            and session.minutes_status == MinutesStatus.DRAFT
            and seat.approved_minutes_at is None,
            minutes_form=MinutesForm(initial={"text": session.minutes, "version": session.version}),
            agreement_form=AgreementForm(initial={"problem": session.problem.reference if session.problem else ""}),
            **kwargs,
        )


class SessionActionView(MesaActionView):
    model = MesaSession
    redirect_to = "proximity:session"

    def get_queryset(self):
        return MesaSession.objects.visible_to(self.request.user).select_related("mesa__municipality")


class AttendanceView(SessionActionView):
    def act(self, session, request):
        present = [int(pk) for pk in request.POST.getlist("present") if pk.isdigit()]
        guests = list(zip(request.POST.getlist("guest_name"), request.POST.getlist("guest_institution"), strict=False))
        community = int(request.POST.get("community") or 0) if (request.POST.get("community") or "0").isdigit() else 0
        mesas.record_attendance(session, present=present, user=request.user, guests=guests, community=community)
        return _("Asistencia registrada.")


class MinutesView(SessionActionView):
    def act(self, session, request):
        form = MinutesForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("El acta está vacía."))
        mesas.write_minutes(
            session, text=form.cleaned_data["text"], user=request.user, version=form.cleaned_data["version"]
        )
        return _("Acta guardada en borrador: los integrantes que asistieron la aprueban.")


class ApproveMinutesView(SessionActionView):
    def allowed(self, user, session) -> bool:
        return may_read(user, session.mesa.municipality)  # the service checks the seat

    def act(self, session, request):
        done = mesas.approve_minutes(session, user=request.user)
        return _("Acta aprobada.") if done else _("Su aprobación quedó registrada.")


class AgreementAddView(SessionActionView):
    def act(self, session, request):
        form = AgreementForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Un acuerdo necesita qué, quién, qué institución y plazo."))
        data = form.cleaned_data
        mesas.add_agreement(
            session.mesa,
            title=data["title"],
            owner=data["owner"],
            institution=data["institution"],
            deadline=data["deadline"],
            user=request.user,
            session=session,
            problem=_problem_by_reference(session.mesa, data["problem"]),
            is_public=data["is_public"],
        )
        return _("Acuerdo registrado.")


class AgreementUpdateView(MesaActionView):
    model = Agreement

    def get_queryset(self):
        return Agreement.objects.visible_to(self.request.user).select_related("mesa__municipality")

    def redirect_url(self, agreement) -> str:
        return reverse("proximity:mesa", args=[agreement.mesa_id])

    def act(self, agreement, request):
        form = AgreementUpdateForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Elija el estado; el avance va de 0 a 100."))
        data = form.cleaned_data
        mesas.update_agreement(
            agreement,
            status=data["status"],
            progress=data["progress"],
            text=data["text"],
            evidence=data["evidence"],
            user=request.user,
            version=data["version"],
        )
        return _("Acuerdo actualizado.")


def _week_end(request) -> dt.date:
    """The week the review looks at: ``?semana=`` (its last day) or the week that ended last Sunday."""
    try:
        return dt.date.fromisoformat(request.GET.get("semana", ""))
    except ValueError:
        return review.last_week_end()


class WeeklyReviewView(MunicipalityMixin, TemplateView):
    template_name = "proximity/review.html"

    def get_context_data(self, **kwargs):
        if not may_read(self.request.user, self.municipality):
            raise PermissionDenied
        week_end = _week_end(self.request)
        return super().get_context_data(
            review=review.weekly_review(self.municipality, week_end, self.request.GET.get("nivel") or None),
            levels=sorted(
                set(Territory.objects.filter(municipality=self.municipality).values_list("level", flat=True))
            ),
            may_work=may_work(self.request.user, self.municipality),
            **kwargs,
        )

    def post(self, request, code):
        if not may_work(request.user, self.municipality):
            raise PermissionDenied
        job = start_job(
            "proximity.weekly_review",
            user=request.user,
            municipality=self.municipality,
            week_end=_week_end(request).isoformat(),
            level=request.POST.get("nivel", ""),
        )
        return redirect("job", job.pk)


class ReviewFileView(MunicipalityMixin, View):
    """A generated review (HTML or PDF) of the municipality, for its staff; the name is checked, never a path."""

    def get(self, request, code, name):
        if not may_read(request.user, self.municipality):
            raise PermissionDenied
        stem = f"revision-{self.municipality.code}-"
        if not (name.startswith(stem) and name.endswith((".pdf", ".html")) and "/" not in name):
            raise Http404
        path = review.reports_dir() / name
        if not path.is_file():
            raise Http404
        kind = "application/pdf" if name.endswith(".pdf") else "text/html; charset=utf-8"
        response = FileResponse(path.open("rb"), content_type=kind)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class TerritoryScreenView(MunicipalityMixin, TemplateView):
    """A proximity coordinator's one screen: the problems, agreements and alerts of their sector or cuadrante
    (their assigned territories, or the one chosen)."""

    template_name = "proximity/territory_screen.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        if not may_read(user, self.municipality):
            raise PermissionDenied
        officer = ProximityOfficer.objects.filter(user=user, municipality=self.municipality).first()
        chosen = Territory.objects.filter(
            municipality=self.municipality, code=self.request.GET.get("territorio", "")
        ).first()
        mine = list(officer.territories.all()) if officer else []
        territories = [chosen] if chosen else mine
        places = sorted({pk for t in territories for pk in territory_and_descendants(t)}) if territories else None
        problems = Problem.objects.filter(municipality=self.municipality).exclude(status=Status.CLOSED)
        agreements = Agreement.objects.filter(
            mesa__municipality=self.municipality, status__in=["pendiente", "en_curso"]
        )
        alerts = Alert.objects.filter(municipality=self.municipality).exclude(status="cerrada")
        if places is not None:
            problems = problems.filter(territory_id__in=places)
            agreements = agreements.filter(Q(mesa__territory_id__in=places) | Q(problem__territory_id__in=places))
            alerts = alerts.filter(territory_id__in=places)
        return super().get_context_data(
            territories=territories,
            all_territories=Territory.objects.filter(municipality=self.municipality).order_by("level", "code"),
            problems=problems.select_related("category", "territory").order_by("-reported_at")[:50],
            agreements=agreements.select_related("mesa", "problem").order_by("deadline")[:50],
            alerts=alerts.select_related("family", "territory").order_by("-severity", "-last_period")[:20],
            today=dt.date.today(),
            **kwargs,
        )


class ModerationView(MunicipalityMixin, TemplateView):
    """Comments waiting for a coordinator: approve (published) or reject (never shown)."""

    template_name = "proximity/moderation.html"

    def get_context_data(self, **kwargs):
        if not may_coordinate(self.request.user, self.municipality):
            raise PermissionDenied
        pending = Comment.objects.filter(municipality=self.municipality, status=Comment.Moderation.PENDING)
        return super().get_context_data(pending=pending[:100], **kwargs)

    def post(self, request, code):
        if not may_coordinate(request.user, self.municipality):
            raise PermissionDenied
        comment = get_object_or_404(Comment, municipality=self.municipality, pk=request.POST.get("comment", 0) or 0)
        participation.moderate(comment, approve=request.POST.get("decision") == "aprobar", user=request.user)
        messages.success(
            request, _("Comentario aprobado.") if comment.status == "aprobado" else _("Comentario rechazado.")
        )
        return redirect("proximity:moderation", code)


class SessionDocumentAddView(SessionActionView):
    def act(self, session, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError(_("Elija un archivo."))
        document = attachments.keep(
            SessionDocument, attachments.clean_upload(upload, allow_pdf=True), user=request.user, session=session
        )
        log_change(
            user=request.user,
            action="adjuntar",
            obj=session,
            municipality=session.mesa.municipality,
            message=f"Documento {document.original_name} en {session}",
        )
        return _("Documento agregado.")


class SessionDocumentView(LoginRequiredMixin, ScopedViewMixin, View):
    model = SessionDocument

    def get(self, request, pk):
        document = get_object_or_404(self.get_queryset().select_related("session__mesa__municipality"), pk=pk)
        if not may_read(request.user, document.session.mesa.municipality):
            raise Http404
        return attachments.serve(document, "documento")


class AgendaItemAddView(SessionActionView):
    def act(self, session, request):
        form = AgendaItemForm(request.POST, prefix="tabla")
        if not form.is_valid():
            raise ValidationError(_("Revise el tema y los minutos."))
        data = form.cleaned_data
        alert = None
        if data["alert"]:
            alert = Alert.objects.visible_to(request.user).filter(pk=data["alert"]).first()
            if alert is None:
                raise ValidationError(_("No existe esa alerta en sus municipios."))
        mesas.add_agenda_item(
            session,
            user=request.user,
            title=data["title"],
            problem=_problem_by_reference(session.mesa, data["problem"]),
            alert=alert,
            minutes=data["minutes"],
        )
        return _("Punto agregado a la tabla.")
