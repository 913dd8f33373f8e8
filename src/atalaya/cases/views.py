"""Pages of the early-warning system: the case list (my cases first, the most at risk first), a case with its
intakes and screenings, a new intake, a screening.

Cases come from :func:`access.visible_cases` (own / team / municipality by team role): another case answers 404,
a case the user reads but may not change answers 403 on its actions. Every page that shows a case, a list of
cases or an identity writes the access log (the generic views do it; the identity is logged here).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Case as Cases
from django.db.models import IntegerField, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView

from atalaya.core import audit
from atalaya.core.generic import ObjectDetailView, ObjectListView

from . import access, services
from .filters import CaseFilter
from .forms import IntakeForm, ScreeningForm
from .models import Case, Identity, Instrument


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


class CaseListView(CaseWorkMixin, ObjectListView):
    """Open cases first, the highest risk first, then the oldest: what needs attention comes first."""

    filterset_class = CaseFilter
    template_name = "cases/case_list.html"

    def scope_queryset(self, queryset):
        risk = Cases(
            When(risk_level="alta", then=Value(0)),
            When(risk_level="media", then=Value(1)),
            When(risk_level="baja", then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
        return (
            super()
            .scope_queryset(queryset)
            .annotate(risk_order=risk)
            .order_by("closed_at", "risk_order", "opened_at", "pk")
        )


class CaseDetailView(CaseWorkMixin, ObjectDetailView):
    template_name = "cases/case_detail.html"
    context_object_name = "case"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        identity = Identity.objects.filter(person=case.person).first()
        if identity is not None:
            audit.record_read(self.request.user, identity)
        context.update(
            {
                "identity": identity,
                "intakes": case.intakes.all(),
                "screenings": case.screenings.select_related("instrument", "screened_by"),
                "can_edit": access.can_edit(self.request.user, case),
                "instruments": services.current_instruments(case.module),
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


class ScreeningView(CaseWorkMixin, FormView):
    """Screen a case with the latest version of an instrument. The form carries the case's version: if someone
    changed the case meanwhile, nothing is saved and the page shows what they changed (409)."""

    template_name = "cases/screening_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.case = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            if not access.can_edit(request.user, self.case):
                raise PermissionDenied
            self.instrument = get_object_or_404(
                Instrument.objects.filter(code=kwargs["instrument"], module=self.case.module).order_by("-version")[:1]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return ScreeningForm(**self.get_form_kwargs(), instrument=self.instrument)

    def get_initial(self):
        return {"version": self.case.version}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**{"case": self.case, "instrument": self.instrument, **kwargs})

    def form_valid(self, form):
        data = form.cleaned_data
        if data["version"] != self.case.version:
            form.add_error(
                None, _("Otra persona cambió este caso mientras usted completaba el tamizaje; no se guardó nada.")
            )
            context = self.get_context_data(form=form, conflict=self.case.screenings.last())
            return self.render_to_response(context, status=409)
        try:
            services.screen(
                self.case,
                self.instrument,
                form.answers(),
                user=self.request.user,
                level=data["level"] or None,
                reason=data["reason"],
                origin=f"web:{self.request.path}",
            )
        except services.CaseError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Tamizaje guardado."))
        return HttpResponseRedirect(reverse("cases:detail", args=[self.case.pk]))
