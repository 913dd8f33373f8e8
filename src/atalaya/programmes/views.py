"""Programme pages: the municipality's programmes with their lights, one programme's logical framework and
progress, an indicator's targets and measurements, evaluations and benefit-cost sheets, the IATI export, and the
table of unit costs of crimes. Objects out of the user's municipalities answer 404; roles without the right, 403."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from atalaya.core.changelog import ChangeLogEntry, log_change
from atalaya.core.charts import PlotlyPageMixin
from atalaya.core.generic import ActionView, MunicipalityMixin, checked
from atalaya.core.jobs import start as start_job
from atalaya.core.uploads import store_upload
from atalaya.indicators.services import available_sources

from . import charts, services
from .access import may_approve, may_edit, may_read
from .choices import LevelKind, MeasurementStatus, Method, ProgrammeStatus
from .forms import (
    BudgetForm,
    CrimeCostForm,
    EvaluationForm,
    IndicatorForm,
    LevelForm,
    MeasurementForm,
    ProgrammeForm,
    ReviewForm,
    SheetForm,
    StatusForm,
    TargetForm,
)
from .iati import iati_xml
from .models import (
    CostBenefitSheet,
    CrimeCost,
    Evaluation,
    Evidence,
    Measurement,
    Programme,
    ResultIndicator,
    ResultLevel,
)


class ProgrammeListView(MunicipalityMixin, TemplateView):
    template_name = "programmes/programme_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        programmes = list(Programme.objects.filter(municipality=self.municipality).select_related("responsible"))
        rows = []
        for programme in programmes:
            state = services.programme_progress(programme)
            rows.append({"programme": programme, "light": state["light"], "budget": services.budget_summary(programme)})
        context.update({"rows": rows, "can_edit": may_edit(self.request.user, self.municipality)})
        return context


class EditorPageMixin(MunicipalityMixin):
    def may_access(self, user, municipality) -> bool:
        return may_edit(user, municipality)


class ProgrammeCreateView(EditorPageMixin, FormView):
    template_name = "programmes/form.html"
    form_class = ProgrammeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "municipality": self.municipality}

    def form_valid(self, form):
        programme = form.save(commit=False)
        programme.municipality = self.municipality
        programme.responsible = self.request.user
        programme.save()
        form.save_m2m()
        log_change(
            user=self.request.user,
            action="crear",
            obj=programme,
            municipality=self.municipality,
            message=programme.name,
        )
        return redirect("programmes:detail", programme.pk)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Nuevo programa")}


class ProgrammeObjectMixin(LoginRequiredMixin):
    """Pages of one programme (``pk``): 404 outside the user's municipalities; ``permission`` says who may open
    it (``read``, ``edit``, ``approve``)."""

    permission = "read"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.programme = get_object_or_404(Programme.objects.visible_to(request.user), pk=kwargs["pk"])
            self.municipality = self.programme.municipality
            check = {"read": may_read, "edit": may_edit, "approve": may_approve}[self.permission]
            if not check(request.user, self.municipality):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**{"programme": self.programme, "municipality": self.municipality, **kwargs})


class ProgrammeDetailView(PlotlyPageMixin, ProgrammeObjectMixin, TemplateView):
    template_name = "programmes/programme_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        programme, user = self.programme, self.request.user
        state = services.programme_progress(programme)
        by_level: dict[int, list] = {}
        for row in state["rows"]:
            by_level.setdefault(row.indicator.level_id, []).append(row)
        levels = list(ResultLevel.objects.filter(programme=programme))
        order = {k: i for i, k in enumerate(LevelKind.values)}
        levels.sort(key=lambda level: (order[level.kind], level.order, level.pk))
        budget = services.budget_summary(programme)
        allowed = [
            (to, ProgrammeStatus(to).label)
            for (frm, to), who in services.TRANSITIONS.items()
            if frm == programme.status and (may_approve if who == "approve" else may_edit)(user, self.municipality)
        ]
        context.update(
            {
                "levels": [{"level": level, "rows": by_level.get(level.pk, [])} for level in levels],
                "light": state["light"],
                "budget": budget,
                "budget_spec": charts.budget_spec(budget, programme.currency),
                "evaluations": programme.evaluations.select_related("outcome"),
                "sheets": programme.cost_benefit.select_related("evaluation"),
                "history": programme.status_changes.select_related("user"),
                "transitions": allowed,
                "can_edit": may_edit(user, self.municipality),
                "level_form": LevelForm(programme=programme, prefix="nivel"),
                "indicator_form": IndicatorForm(programme=programme, prefix="indicador"),
                "budget_form": BudgetForm(prefix="presupuesto"),
                "pending": Measurement.objects.filter(
                    indicator__level__programme=programme, status=MeasurementStatus.SUBMITTED
                ).count(),
            }
        )
        return context


class ProgrammeEditView(ProgrammeObjectMixin, FormView):
    permission = "edit"
    template_name = "programmes/form.html"
    form_class = ProgrammeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "municipality": self.municipality, "instance": self.programme}

    def form_valid(self, form):
        programme = form.save()
        changed = ", ".join(form.changed_data) or "—"
        log_change(
            user=self.request.user, action="editar", obj=programme, municipality=self.municipality, message=changed
        )
        return redirect("programmes:detail", programme.pk)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Editar el programa")}


class ProgrammeFormPost(ActionView):
    """POST-only pages that add a row to a programme with a prefixed form (analysts and admins); errors come back
    as messages on the programme's page."""

    model = Programme
    form_class = None
    prefix = ""

    def form_kwargs(self) -> dict:
        return {}

    def save(self, form):
        raise NotImplementedError

    def allowed(self, user, programme) -> bool:
        return may_edit(user, programme.municipality)

    def act(self, programme, request):
        self.programme, self.municipality = programme, programme.municipality
        form = self.form_class(request.POST, prefix=self.prefix, **self.form_kwargs())
        checked(form)
        return self.save(form)

    def redirect_url(self, programme) -> str:
        return self.next_url()

    def next_url(self) -> str:
        return reverse("programmes:detail", args=[self.programme.pk])


class LevelAddView(ProgrammeFormPost):
    form_class = LevelForm
    prefix = "nivel"

    def form_kwargs(self):
        return {"programme": self.programme}

    def save(self, form):
        level = form.save(commit=False)
        level.programme = self.programme
        level.save()
        return _("Nivel agregado al marco lógico.")


class IndicatorAddView(ProgrammeFormPost):
    form_class = IndicatorForm
    prefix = "indicador"

    def form_kwargs(self):
        return {"programme": self.programme}

    def save(self, form):
        indicator = form.save()
        self.created = indicator
        log_change(
            user=self.request.user,
            action="crear",
            obj=indicator,
            municipality=self.municipality,
            message=f"{indicator.code} {indicator.name}",
        )
        return _("Indicador agregado: defina sus metas.")

    def next_url(self):
        created = getattr(self, "created", None)
        return reverse("programmes:indicator", args=[created.pk]) if created else super().next_url()


class BudgetAddView(ProgrammeFormPost):
    form_class = BudgetForm
    prefix = "presupuesto"

    def save(self, form):
        from .models import BudgetLine

        data = form.cleaned_data
        BudgetLine.objects.update_or_create(
            programme=self.programme,
            year=data["year"],
            category=data["category"],
            defaults={"planned": data["planned"], "actual": data["actual"]},
        )
        return _("Presupuesto actualizado.")


class StatusView(ActionView):
    model = Programme

    def allowed(self, user, programme) -> bool:
        return may_read(user, programme.municipality)

    def act(self, programme, request):
        form = StatusForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Cambio de estado inválido."))
        services.change_status(programme, form.cleaned_data["to"], request.user, form.cleaned_data["comment"])
        return _("Estado del programa: %(s)s.") % {"s": programme.get_status_display()}

    def redirect_url(self, programme) -> str:
        return reverse("programmes:detail", args=[programme.pk])


class IndicatorDetailView(LoginRequiredMixin, TemplateView):
    template_name = "programmes/indicator_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.indicator = get_object_or_404(
                ResultIndicator.objects.visible_to(request.user).select_related("level__programme__municipality"),
                pk=kwargs["pk"],
            )
            self.programme = self.indicator.level.programme
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        indicator, user = self.indicator, self.request.user
        municipality = self.programme.municipality
        context.update(
            {
                "indicator": indicator,
                "programme": self.programme,
                "municipality": municipality,
                "progress": services.progress(indicator),
                "targets": indicator.targets.all(),
                "measurements": indicator.measurements.select_related("created_by", "approved_by").prefetch_related(
                    "evidence"
                ),
                "can_edit": may_edit(user, municipality),
                "can_approve": may_approve(user, municipality),
                "target_form": TargetForm(prefix="meta"),
                "measurement_form": MeasurementForm(prefix="medicion"),
                "history": ChangeLogEntry.objects.filter(
                    object_type__in=["ResultIndicator", "Measurement"],
                    object_id__in=[str(indicator.pk), *[str(m.pk) for m in indicator.measurements.all()]],
                ).order_by("-created_at")[:50],
            }
        )
        return context


class IndicatorEditView(LoginRequiredMixin, FormView):
    """Edit an indicator's definition; the changed fields go to the change log (its history)."""

    template_name = "programmes/form.html"
    form_class = IndicatorForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.indicator = get_object_or_404(
                ResultIndicator.objects.visible_to(request.user).select_related("level__programme__municipality"),
                pk=kwargs["pk"],
            )
            self.programme = self.indicator.level.programme
            if not may_edit(request.user, self.programme.municipality):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "programme": self.programme, "instance": self.indicator}

    def form_valid(self, form):
        indicator = form.save()
        log_change(
            user=self.request.user,
            action="editar",
            obj=indicator,
            municipality=self.programme.municipality,
            message=", ".join(f"{name}: {form.cleaned_data[name]}" for name in form.changed_data) or "—",
        )
        messages.success(self.request, _("Indicador actualizado."))
        return redirect("programmes:indicator", indicator.pk)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Editar el indicador"), "programme": self.programme}


class IndicatorActionView(ActionView):
    """Targets, measurements and recomputation of one indicator."""

    model = ResultIndicator

    def allowed(self, user, indicator) -> bool:
        return may_edit(user, indicator.level.programme.municipality)

    def redirect_url(self, indicator) -> str:
        return reverse("programmes:indicator", args=[indicator.pk])


class TargetAddView(IndicatorActionView):
    def act(self, indicator, request):
        form = TargetForm(request.POST, prefix="meta")
        checked(form)
        target = form.save(commit=False)
        target.indicator = indicator
        from .models import Target

        Target.objects.update_or_create(
            indicator=indicator,
            period_start=target.period_start,
            period_end=target.period_end,
            defaults={"value": target.value},
        )
        log_change(
            user=request.user,
            action="meta",
            obj=indicator,
            municipality=indicator.level.programme.municipality,
            message=f"{target.period_start}–{target.period_end}: {target.value}",
        )
        return _("Meta guardada.")


class MeasurementAddView(IndicatorActionView):
    def act(self, indicator, request):
        data = checked(MeasurementForm(request.POST, request.FILES, prefix="medicion"))
        services.record_measurement(
            indicator,
            request.user,
            period_start=data["period_start"],
            period_end=data["period_end"],
            value=data["value"],
            comment=data["comment"],
            evidence_url=data["evidence_url"],
            disaggregation=data["disaggregation"],
            evidence=data.get("evidence"),
        )
        return _("Medición enviada a aprobación.")


class RecomputeView(IndicatorActionView):
    def act(self, indicator, request):
        made = services.compute_measurements(indicator)
        return _("%(n)d valor(es) calculado(s) del observatorio.") % {"n": made}


class EvidenceView(LoginRequiredMixin, View):
    """A measurement's evidence file for the municipality's staff, with its fixed type (PDFs downloaded)."""

    def get(self, request, pk):
        from atalaya.proximity.attachments import serve

        return serve(get_object_or_404(Evidence.objects.visible_to(request.user), pk=pk), "evidencia")


class ReviewView(ActionView):
    model = Measurement

    def allowed(self, user, measurement) -> bool:
        return may_approve(user, measurement.indicator.level.programme.municipality)

    def act(self, measurement, request):
        form = ReviewForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Decisión inválida."))
        approve = form.cleaned_data["decision"] == "aprobar"
        services.review_measurement(measurement, request.user, approve=approve, comment=form.cleaned_data["comment"])
        return _("Medición aprobada.") if approve else _("Medición rechazada.")

    def redirect_url(self, measurement) -> str:
        return reverse("programmes:indicator", args=[measurement.indicator_id])


class EvaluateView(ProgrammeObjectMixin, FormView):
    permission = "edit"
    template_name = "programmes/evaluate.html"
    form_class = EvaluationForm

    def get_form_kwargs(self):
        sources = [s.source for s in available_sources(self.municipality)]
        return {**super().get_form_kwargs(), "programme": self.programme, "sources": sources}

    def form_valid(self, form):
        data = form.cleaned_data
        parameters = {
            "control": [t.code for t in data["control"]],
            "buffer": [t.code for t in data["buffer"]],
        }
        if data["method"] == Method.SYNTH:
            parameters["file"] = str(store_upload(data["donors_file"]))
        job = start_job(
            "programmes.evaluate",
            user=self.request.user,
            municipality=self.municipality,
            programme=self.programme.pk,
            method=data["method"],
            outcome=data["outcome"].pk,
            source=data["source"],
            start=data["start"].isoformat(),
            parameters=parameters,
        )
        return redirect("job", job.pk)


class EvaluationView(PlotlyPageMixin, LoginRequiredMixin, TemplateView):
    template_name = "programmes/evaluation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evaluation = get_object_or_404(
            Evaluation.objects.visible_to(self.request.user).select_related("programme__municipality", "outcome"),
            pk=kwargs["pk"],
        )
        context.update(
            {
                "evaluation": evaluation,
                "programme": evaluation.programme,
                "municipality": evaluation.programme.municipality,
                "result": evaluation.result,
                "path_spec": charts.synth_spec(evaluation.result),
                "details_json": json.dumps(evaluation.result.get("details", {}), ensure_ascii=False, indent=1)[:20000],
            }
        )
        return context


class SheetCreateView(ProgrammeObjectMixin, FormView):
    permission = "edit"
    template_name = "programmes/form.html"
    form_class = SheetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "programme": self.programme}

    def form_valid(self, form):
        sheet = form.save(commit=False)
        sheet.programme = self.programme
        sheet.created_by = self.request.user
        sheet.save()
        job = start_job(
            "programmes.cost_benefit", user=self.request.user, municipality=self.municipality, sheet=sheet.pk
        )
        return redirect("job", job.pk)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Nueva hoja de costo-beneficio")}


class SheetView(PlotlyPageMixin, LoginRequiredMixin, TemplateView):
    template_name = "programmes/sheet.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sheet = get_object_or_404(
            CostBenefitSheet.objects.visible_to(self.request.user).select_related(
                "programme__municipality", "evaluation__outcome"
            ),
            pk=kwargs["pk"],
        )
        from atalaya.analysis.costbenefit import by_perspective_labels

        result = sheet.result
        context.update(
            {
                "sheet": sheet,
                "programme": sheet.programme,
                "municipality": sheet.programme.municipality,
                "result": result,
                "perspectives": by_perspective_labels(result.get("benefits_pv", {})) if result else [],
                "perspective_spec": charts.perspectives_spec(result, sheet.programme.currency) if result else {},
            }
        )
        return context


class SheetPdfView(LoginRequiredMixin, View):
    def get(self, request, pk):
        from .summary import sheet_pdf

        sheet = get_object_or_404(
            CostBenefitSheet.objects.visible_to(request.user).select_related("programme__municipality", "evaluation"),
            pk=pk,
        )
        if not sheet.result:
            raise PermissionDenied
        response = HttpResponse(sheet_pdf(sheet), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="costo-beneficio-{sheet.programme.code}-{sheet.pk}.pdf"'
        )
        return response


class IatiView(MunicipalityMixin, View):
    def get(self, request, code):
        programmes = Programme.objects.filter(municipality=self.municipality).select_related("municipality__country")
        response = HttpResponse(iati_xml(programmes), content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="iati-{self.municipality.code}.xml"'
        return response


class CrimeCostView(MunicipalityMixin, FormView):
    template_name = "programmes/crime_costs.html"
    form_class = CrimeCostForm
    prefix = "costo"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["costs"] = CrimeCost.objects.filter(municipality=self.municipality)
        context["can_edit"] = may_edit(self.request.user, self.municipality)
        return context

    def form_valid(self, form):
        if not may_edit(self.request.user, self.municipality):
            raise PermissionDenied
        data = form.cleaned_data
        cost, _created = CrimeCost.objects.update_or_create(
            municipality=self.municipality,
            family=data["family"],
            defaults={k: v for k, v in data.items() if k != "family"},
        )
        log_change(user=self.request.user, action="costo", obj=cost, municipality=self.municipality, message=str(cost))
        messages.success(self.request, _("Costo unitario guardado."))
        return redirect("programmes:crime_costs", self.municipality.code)
