"""Pages of the early-warning system: the inbox, the case list (the most at risk first), a case with its whole
record, a new intake, and one small page per change (screening, consent, plan line, referral and its answer,
follow-up, approval request and decision, assignment, reopening).

Cases come from :func:`access.visible_cases` (own / team / municipality by team role): another case answers 404,
a case the user reads but may not change answers 403 on its actions. Every page that shows a case, a list of
cases or an identity writes the access log (the generic views do it; the identity is logged here).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from atalaya.analysis.identifiers import InvalidIdentifier
from atalaya.core import audit
from atalaya.core.generic import CappedPaginator, MunicipalityMixin, ObjectDetailView, ObjectListView
from atalaya.core.models import AccessLogEntry, ChangeLogEntry
from atalaya.cube.reading import NO_TERRITORY
from atalaya.geo.models import Municipality, Territory

from . import access, referrals, services, workflow
from . import forms as case_forms
from .choices import Module, RiskLevel
from .filters import CaseFilter
from .forms import IntakeForm
from .models import Case, Identity, Instrument
from .privacy import export_frame, may_export_identified, may_export_identified_somewhere, subject_access


class CaseWorkMixin(LoginRequiredMixin):
    """Only members of a case team (and superusers) reach these pages; cases come from their scope."""

    model = Case

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_superuser or access.works_with_cases(user)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.scope_queryset(access.visible_cases(self.request.user))

    def scope_queryset(self, queryset):
        return queryset.select_related("person", "team", "owner", "municipality")


class SupervisionMixin(CaseWorkMixin):
    """Pages for the supervisors and coordinators of a case team (and superusers) only."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (request.user.is_superuser or access.supervised_teams(request.user)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class CaseListView(CaseWorkMixin, ObjectListView):
    """Open cases first, the highest risk first, then the oldest: what needs attention comes first."""

    filterset_class = CaseFilter
    template_name = "cases/case_list.html"
    paginator_class = CappedPaginator

    def scope_queryset(self, queryset):
        return super().scope_queryset(queryset).order_by("priority", "opened_at", "pk")  # the index case_list_order

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_export_identified"] = may_export_identified_somewhere(self.request.user)
        return context


class CaseDetailView(CaseWorkMixin, ObjectDetailView):
    template_name = "cases/case_detail.html"
    context_object_name = "case"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        identity = Identity.objects.filter(person=case.person).first()
        if identity is not None:
            audit.record_read(self.request.user, identity)
        user = self.request.user
        context.update(
            {
                "identity": identity,
                "intakes": case.intakes.all(),
                "screenings": case.screenings.select_related("instrument", "screened_by"),
                "can_edit": access.can_edit(user, case),
                "supervises": access.supervises(user, case),
                "instruments": services.current_instruments(case.module),
                "lines": case.service_lines.select_related("service").order_by("due_date", "pk"),
                "transitions": case.transitions.select_related("to_user", "created_by", "service_line__service"),
                "consents": case.consents.select_related("recorded_by"),
                "missing_consents": referrals.missing_consents(case),
                "follow_ups": case.follow_ups.select_related("assigned_to", "done_by"),
                "approvals": case.approvals.select_related("requested_by", "decided_by"),
                "today": timezone.localdate(),
                "household": household_of(case, user),
                "emergency": access.emergency_grant(user, case),
                "may_export_identified": may_export_identified(user, Case.objects.filter(pk=case.pk)),
            }
        )
        return context


class IntakeView(CaseWorkMixin, FormView):
    """A new intake: the person is found again by national id (blind index) or registered, and the intake joins
    their case of the team's module."""

    template_name = "cases/intake_form.html"
    form_class = IntakeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        team = data["team"]
        person, _created = services.register_person(
            team.municipality,
            kind=data["kind"],
            national_id=data["national_id"],
            given_names=data["given_names"],
            family_names=data["family_names"],
            birth_date=data["birth_date"],
            sex=data["sex"],
            address=data["address"],
            phone=data["phone"],
            territory=data["territory"],
            user=self.request.user,
            origin=f"web:{self.request.path}",
        )
        intake = services.take_intake(
            person,
            team.module,
            channel=data["channel"],
            institution=data["institution"],
            notes=data["notes"],
            team=team,
            owner=self.request.user,
            user=self.request.user,
            origin=f"web:{self.request.path}",
        )
        messages.success(self.request, _("Ingreso registrado en el caso de %(code)s.") % {"code": person.code})
        return HttpResponseRedirect(reverse("cases:detail", args=[intake.case.pk]))


class CaseActionView(CaseWorkMixin, FormView):
    """One change to a case. The form carries the version the page was opened on: if someone changed the case
    meanwhile nothing is saved and the page answers 409 with both versions — what the user filled in and what
    the other person changed (from the change log). A refused change shows the Spanish reason."""

    template_name = "cases/action_form.html"
    title = ""
    submit_label = _("Guardar")
    success_message = ""
    anchor = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and (request.user.is_superuser or access.works_with_cases(request.user)):
            self.case = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            self.target = self.get_target()
            if not self.allowed():
                raise PermissionDenied
            if request.method == "GET":  # the page shows the case: a read, like its detail page
                audit.record_read(request.user, self.case)
        return super().dispatch(request, *args, **kwargs)

    def get_target(self):
        """The record of the case this change acts on (a referral, a line, a follow-up…), or None."""
        return None

    def allowed(self) -> bool:
        return access.can_edit(self.request.user, self.case)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.case, "user": self.request.user, **self.extra_form_kwargs()}

    def extra_form_kwargs(self) -> dict:
        return {}

    def get_initial(self):
        return {"version": self.case.version, "loaded": timezone.now().isoformat()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **{
                "case": self.case,
                "target": self.target,
                "title": self.title,
                "submit_label": self.submit_label,
                **kwargs,
            }
        )

    def form_valid(self, form):
        if form.cleaned_data["version"] != self.case.version:
            return self.conflict(form)
        self.form = form  # for a change that needs more than the cleaned data (the screening's answers)
        try:
            self.perform(form.cleaned_data, origin=f"web:{self.request.path}")
        except services.CaseError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return HttpResponseRedirect(
            reverse("cases:detail", args=[self.case.pk]) + (f"#{self.anchor}" if self.anchor else "")
        )

    def perform(self, data: dict, origin: str) -> None:
        raise NotImplementedError

    def conflict(self, form):
        loaded = parse_datetime(form.cleaned_data.get("loaded") or "") or self.case.opened_at
        changes = ChangeLogEntry.objects.filter(
            object_type="Case", object_id=str(self.case.pk), created_at__gte=loaded
        ).order_by("created_at", "pk")
        form.add_error(None, _("Otra persona cambió este caso mientras usted escribía; no se guardó nada."))
        context = self.get_context_data(form=form, conflict=True, changes=changes, yours=form.visible_values())
        return self.render_to_response(context, status=409)


class ScreeningView(CaseActionView):
    """Screen a case with the latest version of an instrument."""

    template_name = "cases/screening_form.html"
    form_class = case_forms.ScreeningForm
    success_message = _("Tamizaje guardado.")

    def get_target(self):
        return get_object_or_404(
            Instrument.objects.filter(code=self.kwargs["instrument"], module=self.case.module).order_by("-version")[:1]
        )

    def extra_form_kwargs(self):
        return {"instrument": self.target}

    def get_context_data(self, **kwargs):
        return super().get_context_data(instrument=self.target, **kwargs)

    def perform(self, data, origin):
        services.screen(
            self.case,
            self.target,
            self.form.answers(),
            user=self.request.user,
            level=data["level"] or None,
            reason=data["reason"],
            origin=origin,
        )


class ConsentView(CaseActionView):
    form_class = case_forms.ConsentForm
    title = _("Registrar un consentimiento")
    success_message = _("Consentimiento registrado.")
    anchor = "consentimientos"

    def perform(self, data, origin):
        referrals.record_consent(
            self.case, data["purpose"], data["given"], given_by=data["given_by"], user=self.request.user, origin=origin
        )


class ReferralView(CaseActionView):
    form_class = case_forms.ReferralForm
    title = _("Derivar o transferir")
    submit_label = _("Enviar")
    success_message = _("Derivación registrada.")
    anchor = "derivaciones"

    def perform(self, data, origin):
        referrals.refer(
            self.case,
            user=self.request.user,
            kind=data["kind"],
            service_line=data["service_line"],
            to_user=data["to_user"],
            due_date=data["due_date"],
            override_reason=data["override_reason"],
            origin=origin,
        )


class AnswerView(CaseActionView):
    form_class = case_forms.AnswerForm
    title = _("Responder una derivación o transferencia")
    success_message = _("Respuesta registrada.")
    anchor = "derivaciones"

    def get_queryset(self):
        if "tid" in self.kwargs and self.request.user.is_authenticated:
            # the receiver of a transfer answers it before the case is in their scope
            incoming = Case.objects.filter(transitions__pk=self.kwargs["tid"], transitions__to_user=self.request.user)
            return self.scope_queryset((access.visible_cases(self.request.user) | incoming).distinct())
        return super().get_queryset()

    def get_target(self):
        return get_object_or_404(self.case.transitions.exclude(kind="asignacion"), pk=self.kwargs["tid"])

    def allowed(self):
        return referrals.may_answer(self.request.user, self.target)

    def extra_form_kwargs(self):
        return {"transition": self.target}

    def perform(self, data, origin):
        referrals.move(self.target, data["to_status"], user=self.request.user, reason=data["reason"], origin=origin)


class ServiceLineView(CaseActionView):
    form_class = case_forms.ServiceLineForm
    title = _("Agregar una línea al plan")
    success_message = _("Línea agregada al plan.")
    anchor = "plan"

    def perform(self, data, origin):
        workflow.add_service_line(
            self.case,
            data["service"],
            goal=data["goal"],
            due_date=data["due_date"],
            user=self.request.user,
            origin=origin,
        )


class LineCloseView(CaseActionView):
    form_class = case_forms.LineCloseForm
    title = _("Cerrar una línea del plan")
    success_message = _("Línea del plan actualizada.")
    anchor = "plan"

    def get_target(self):
        return get_object_or_404(self.case.service_lines, pk=self.kwargs["lid"])

    def perform(self, data, origin):
        workflow.close_line(self.target, data["status"], user=self.request.user, reason=data["reason"], origin=origin)


class FollowUpView(CaseActionView):
    form_class = case_forms.FollowUpForm
    title = _("Programar un seguimiento o tarea")
    success_message = _("Seguimiento programado.")
    anchor = "seguimientos"

    def perform(self, data, origin):
        workflow.add_follow_up(
            self.case,
            kind=data["kind"],
            description=data["description"],
            due_date=data["due_date"],
            assigned_to=data["assigned_to"],
            user=self.request.user,
            origin=origin,
        )


class FollowUpDoneView(CaseActionView):
    form_class = case_forms.FollowUpDoneForm
    title = _("Registrar el resultado de un seguimiento")
    success_message = _("Seguimiento realizado.")
    anchor = "seguimientos"

    def get_target(self):
        return get_object_or_404(self.case.follow_ups, pk=self.kwargs["fid"])

    def perform(self, data, origin):
        workflow.complete_follow_up(self.target, result=data["result"], user=self.request.user, origin=origin)


class ApprovalRequestView(CaseActionView):
    form_class = case_forms.ApprovalRequestForm
    title = _("Pedir una aprobación a supervisión")
    submit_label = _("Pedir la aprobación")
    success_message = _("Solicitud enviada a supervisión.")
    anchor = "aprobaciones"

    def get_initial(self):
        return {**super().get_initial(), "kind": self.request.GET.get("tipo", "")}

    def perform(self, data, origin):
        workflow.request_approval(
            self.case, data["kind"], user=self.request.user, note=data["note"], outcome=data["outcome"], origin=origin
        )


class DecisionView(CaseActionView):
    form_class = case_forms.DecisionForm
    title = _("Resolver una solicitud de aprobación")
    success_message = _("Decisión registrada.")
    anchor = "aprobaciones"

    def get_target(self):
        return get_object_or_404(self.case.approvals, pk=self.kwargs["aid"])

    def allowed(self):
        return access.supervises(self.request.user, self.case)

    def perform(self, data, origin):
        workflow.decide(self.target, data["decision"], user=self.request.user, comment=data["comment"], origin=origin)


class AssignView(CaseActionView):
    form_class = case_forms.AssignForm
    title = _("Asignar el caso")
    submit_label = _("Asignar")
    success_message = _("Caso asignado.")

    def allowed(self):
        user = self.request.user
        return access.supervises(user, self.case) or (self.case.owner_id is None and access.can_edit(user, self.case))

    def perform(self, data, origin):
        workflow.assign(self.case, data["to_user"], user=self.request.user, origin=origin)


IDENTITY_FIELDS = ("given_names", "family_names", "national_id", "birth_date", "sex", "address", "phone", "territory")


class IdentityView(CaseActionView):
    """Correct the person's identity (names, RUT or CURP, birth date, contact, territory): the form opens with the
    current values (a read of the identity, logged) and the change log names the fields changed, never values."""

    form_class = case_forms.IdentityForm
    title = _("Corregir los datos de la persona")
    success_message = _("Datos de la persona corregidos.")

    def get_initial(self):
        identity = Identity.objects.filter(person=self.case.person).first()
        initial = super().get_initial()
        if identity is not None:
            audit.record_read(self.request.user, identity)
            initial.update(
                {
                    "given_names": identity.given_names,
                    "family_names": identity.family_names,
                    "national_id": identity.national_id,
                    "birth_date": identity.birth_date or None,
                    "address": identity.address,
                    "phone": identity.phone,
                }
            )
        person = self.case.person
        return {**initial, "sex": person.sex, "territory": person.territory_id}

    def perform(self, data, origin):
        services.update_identity(
            self.case.person,
            user=self.request.user,
            origin=origin,
            **{name: data[name] for name in IDENTITY_FIELDS},
        )
        services.touch(self.case)


class HouseholdView(CaseActionView):
    form_class = case_forms.HouseholdForm
    title = _("Hogar de la persona")
    success_message = _("Hogar registrado.")
    anchor = "hogar"

    def perform(self, data, origin):
        services.link_household(
            self.case.person,
            relation=data["relation"],
            other_code=data["other_code"],
            user=self.request.user,
            origin=origin,
        )
        services.touch(self.case)


class ReopenView(CaseActionView):
    form_class = case_forms.ReopenForm
    title = _("Reabrir el caso")
    submit_label = _("Reabrir")
    success_message = _("Caso reabierto.")

    def perform(self, data, origin):
        workflow.reopen(self.case, user=self.request.user, reason=data["reason"], origin=origin)


class InboxView(CaseWorkMixin, TemplateView):
    """What is due first: the team queue by assignment deadline, my follow-ups, transfers for me, approvals to
    decide and, for supervisors, their teams' overdue items. Listing cases writes the access log."""

    template_name = "cases/inbox.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        now = timezone.now()
        sections = workflow.inbox(user, now=now)
        shown = {case.pk: case for case in sections["queue"]["items"]}
        for name in ("follow_ups", "transfers", "approvals", "team_overdue", "overrides", "referrals_overdue"):
            shown.update({item.case_id: item.case for item in sections[name]["items"]})
        audit.record_search(user, Case, shown.values(), query="bandeja")
        supervised = sections.pop("supervised")
        return super().get_context_data(
            aggregate_municipalities=Municipality.objects.filter(case_teams__in=supervised).distinct().order_by("name")
            if supervised
            else [],
            sections=sections,
            now=now,
            today=timezone.localdate(now),
            supervisor=bool(supervised),
            **kwargs,
        )


class PoliceListView(SupervisionMixin, FormView):
    """Load a police list ("24 Horas") into intakes of a team: supervisors and coordinators only; the report
    (counts and every problem by row) is shown on the same page. Nothing is written while a row has an error."""

    template_name = "cases/police_list.html"
    form_class = case_forms.PoliceListForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        import tempfile
        from pathlib import Path

        from .lists import import_police_list

        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory(prefix="atalaya-lista-") as folder:
            path = Path(folder) / ("lista.xlsx" if upload.name.lower().endswith(".xlsx") else "lista.csv")
            with path.open("wb") as target:
                for chunk in upload.chunks():
                    target.write(chunk)
            outcome = import_police_list(
                path,
                form.cleaned_data["team"],
                user=self.request.user,
                dry_run=form.cleaned_data["dry_run"],
                origin=f"web:{self.request.path}",
            )
        problems = outcome.problems.head(500).to_dicts()
        status = 422 if outcome.errors else 200
        return self.render_to_response(
            self.get_context_data(form=form, outcome=outcome, problems=problems), status=status
        )


class EmergencyAccessView(CaseWorkMixin, FormView):
    """Break the glass: a case worker opens, for a few hours and with a reason, the cases of a person outside
    their scope (never a closed module). The search itself is audited; the identifier typed is not logged."""

    template_name = "cases/emergency.html"
    form_class = case_forms.EmergencyAccessForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(minutes=access.emergency_minutes(), **kwargs)

    def form_valid(self, form):
        from .models import Person, TeamMember

        user, query = self.request.user, form.cleaned_data["query"].strip()
        municipalities = Municipality.objects.filter(
            pk__in=TeamMember.objects.filter(user=user).values("team__municipality")
        ).select_related("country")
        person = None
        for municipality in municipalities:
            person = Person.objects.filter(municipality=municipality, code__iexact=query).first()
            if person is None:
                try:
                    person = services.find_person(municipality, query)
                except InvalidIdentifier:
                    person = None
            if person is not None:
                break
        cases = access.open_emergency_access(user, person, form.cleaned_data["reason"]) if person else []
        audit.record_search(user, Case, cases, query="acceso de emergencia")
        if not cases:
            form.add_error(
                "query", _("No hay casos fuera de su alcance que pueda abrir con ese dato (o ya están a su alcance).")
            )
            return self.form_invalid(form)
        messages.warning(
            self.request,
            _("Acceso de emergencia abierto por %(m)s minutos; la supervisión del equipo fue avisada.")
            % {"m": access.emergency_minutes()},
        )
        return HttpResponseRedirect(reverse("cases:detail", args=[cases[0].pk]))


class CaseLogView(CaseWorkMixin, TemplateView):
    """Who read, searched, exported and changed this case (and its identity): for its team's supervision."""

    template_name = "cases/case_log.html"
    limit = 200

    def get_context_data(self, **kwargs):
        case = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if not access.supervises(self.request.user, case):
            raise PermissionDenied
        reads = AccessLogEntry.objects.filter(
            Q(object_type="cases.case", object_id=str(case.pk))
            | Q(object_type="cases.identity", object_id=str(case.person_id))
            | Q(action="acceso_de_emergencia", detail__startswith=f"cases.case:{case.pk} ")
        ).order_by("-created_at", "-pk")[: self.limit]
        changes = ChangeLogEntry.objects.filter(
            Q(object_type="Case", object_id=str(case.pk)) | Q(object_type="Person", object_id=str(case.person_id))
        ).order_by("-created_at", "-pk")[: self.limit]
        audit.record_read(self.request.user, case)
        return super().get_context_data(case=case, reads=reads, changes=changes, **kwargs)


class DashboardView(SupervisionMixin, TemplateView):
    """Supervision's dashboard over the cases it may read; flows over the last 12 months."""

    template_name = "cases/dashboard.html"

    def get_context_data(self, **kwargs):
        from .dashboard import team_dashboard

        since = timezone.localdate() - dt.timedelta(days=365)
        figures = team_dashboard(access.visible_cases(self.request.user), since=since)
        return super().get_context_data(figures=figures, **kwargs)


class AggregatesView(MunicipalityMixin, TemplateView):
    """The observatory's view of the early-warning system: de-identified counts by territory, module, risk level
    and risk factor over 12 months, small cells and their complements withheld, beside a crime indicator of the
    same territories. Observatory roles and the teams' supervision only."""

    template_name = "cases/aggregates.html"

    indicator = None

    def get(self, request, *args, **kwargs):
        if not access.reads_aggregates(request.user, self.municipality):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from atalaya.analysis.parsing import add_months

        from .aggregates import ALL, RISKS, aggregate

        levels = sorted(set(Territory.objects.filter(municipality=self.municipality).values_list("level", flat=True)))
        level = self.request.GET.get("nivel") or (levels[-1] if levels else "")
        level = level if level in levels else (levels[-1] if levels else None)
        last = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
        until = parse_month(self.request.GET.get("hasta", "")) or last.replace(day=1)
        first = add_months(until, -11)
        end = add_months(until, 1) - dt.timedelta(days=1)
        table = aggregate(self.municipality, first, end, level)
        beside = self.indicator_beside(level, until)
        cases = {(t, m, r): n for t, m, r, n in table.cases.iter_rows()}
        modules = [m for m in Module if cases.get((ALL, m.value, ALL))]
        territories = [t for t in dict.fromkeys(table.cases["territory_code"].to_list()) if t != ALL]
        rows = [
            {
                "code": t,
                "name": table.territory_names.get(t, _("Sin territorio") if t == NO_TERRITORY else t),
                "total": cases.get((t, ALL, ALL)),
                "modules": [(cases.get((t, m.value, ALL)), cases.get((t, m.value, RISKS[0]))) for m in modules],
                "beside": beside.get(t) if beside else None,
            }
            for t in [*territories, ALL]
        ]
        factors = {(t, f): n for t, f, n in table.factors.iter_rows()}
        factor_rows = [
            {"label": label, "cells": [factors.get((t, code)) for t in [*territories, ALL]]}
            for code, label in sorted(table.factor_labels.items(), key=lambda kv: kv[1])
        ]
        return super().get_context_data(
            table=table,
            levels=levels,
            level=level,
            first=first,
            until=until,
            modules=modules,
            rows=rows,
            territory_labels=[r["name"] for r in rows],
            factor_rows=factor_rows,
            indicators=self.indicators(),
            indicator=self.indicator,
            risk_rows=[(m.label, [cases.get((ALL, m.value, r)) for r in RISKS]) for m in modules],
            risks=[RiskLevel.HIGH.label, RiskLevel.MEDIUM.label, RiskLevel.LOW.label, _("Sin tamizaje")],
            **kwargs,
        )

    def indicators(self):
        from atalaya.indicators.models import Indicator

        return list(Indicator.objects.for_municipality(self.municipality).order_by("name"))

    def indicator_beside(self, level, until) -> dict | None:
        """12-month count and rate of the chosen crime indicator per territory (internal values: this page is
        not public), ending at the same month as the cases' window."""
        from atalaya.indicators.models import Indicator
        from atalaya.indicators.services import CubeReader, available_sources, ranking

        code = self.request.GET.get("indicador", "")
        self.indicator = Indicator.objects.for_municipality(self.municipality).filter(code=code).first()
        sources = available_sources(self.municipality)
        if self.indicator is None or not sources or not level:
            return None
        table = ranking(CubeReader(self.municipality, sources[0].source), self.indicator, level, until)
        if table.is_empty():
            return {}
        return {row["territory_code"]: row for row in table.select("territory_code", "count", "value").to_dicts()}


def parse_month(text: str) -> dt.date | None:
    """``AAAA-MM`` → first day of that month (None when empty or not a month)."""
    try:
        return dt.date.fromisoformat(f"{text}-01") if text else None
    except ValueError:
        return None


class CaseExportView(CaseListView):
    """The case list as CSV with the list's filters: pseudonymous codes only, unless the user's role allows
    identities in every team of the exported cases and they ask for them with a reason. Audited as an export."""

    def get(self, request, *args, **kwargs):
        from django.http import HttpResponse

        from atalaya.analysis.tabular import export_csv

        filterset = self.get_filterset(self.get_filterset_class())
        cases = filterset.qs if filterset.is_valid() else filterset.queryset
        identified = self.request.GET.get("identificado") == "1"
        reason = self.request.GET.get("motivo", "").strip()
        if identified and (not may_export_identified(self.request.user, cases) or len(reason) < 10):
            raise PermissionDenied(_("Exportar con identidades requiere ese permiso y un motivo (10 caracteres)."))
        frame = export_frame(cases, identified=identified)
        audit.record_export(
            self.request.user,
            Case,
            list(cases.values_list("pk", flat=True)),
            detail=f"{frame.height} casos · {'con' if identified else 'sin'} identidades",
            reason=reason,
        )
        response = HttpResponse(export_csv(frame, bom=True), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="casos.csv"'
        return response


class SubjectAccessView(CaseWorkMixin, TemplateView):
    """Everything held about the case's person, as JSON, for their right of access: for who may export identities
    of the case's team. Audited as an export of the person's identity and cases."""

    def get(self, request, *args, **kwargs):
        import json

        from django.http import HttpResponse

        case = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        if not may_export_identified(request.user, Case.objects.filter(pk=case.pk)):
            raise PermissionDenied
        document = subject_access(case.person)
        audit.record_export(
            request.user, Identity, [case.person_id], detail="solicitud de acceso de la persona", reason="acceso"
        )
        audit.record_export(
            request.user, Case, list(case.person.cases.values_list("pk", flat=True)), detail="solicitud de acceso"
        )
        response = HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{case.person.code}.json"'
        return response


def household_of(case: Case, user) -> list[dict]:
    """The households of the case's person, each member by code and relation, with a link to their case in the
    same module when the user may read it."""
    from .models import HouseholdMember

    memberships = HouseholdMember.objects.filter(person=case.person).select_related("household")
    rows = []
    readable = access.visible_cases(user)
    for membership in memberships:
        members = HouseholdMember.objects.filter(household=membership.household).select_related("person")
        cases = dict(
            readable.filter(person__in=[m.person_id for m in members], module=case.module).values_list(
                "person_id", "pk"
            )
        )
        rows.append(
            {
                "code": membership.household.code,
                "members": [
                    {"code": m.person.code, "relation": m.get_relation_display(), "case": cases.get(m.person_id)}
                    for m in members
                ],
            }
        )
    return rows
