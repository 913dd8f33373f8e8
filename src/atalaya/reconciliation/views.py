"""Web pages of the mesa de validación: run a reconciliation, review its pairs, decide, revert and publish.

Anyone who sees a municipality sees its reconciliations; running, deciding and publishing are an analyst's task
(the import roles). Out-of-scope objects answer 404, like every other page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from atalaya.accounts.services import can_import
from atalaya.core.generic import ObjectDetailView
from atalaya.core.jobs import start

from . import jobs, services
from .forms import DecisionForm, RunForm
from .models import PairDecision, PairStatus, Reconciliation


def _origin(request) -> str:
    return f"web:{request.path}"


class ReconciliationListView(LoginRequiredMixin, FormView):
    template_name = "reconciliation/list.html"
    form_class = RunForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        runs = Reconciliation.objects.visible_to(self.request.user).select_related("municipality", "family")
        context["page_obj"] = Paginator(runs.order_by("-created_at", "-pk"), 30).get_page(self.request.GET.get("page"))
        context["can_run"] = context["form"].fields["municipality"].queryset.exists()
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        params = {
            "family": data["family"].code,
            "sources": data["sources"],
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
            "days": data["days"],
            "metres": data["metres"],
        }
        job = jobs.start_run(params, municipality=data["municipality"], user=self.request.user)
        return HttpResponseRedirect(reverse("job", args=[job.pk]))


class ReconciliationDetailView(ObjectDetailView):
    model = Reconciliation
    template_name = "reconciliation/detail.html"
    context_object_name = "run"

    def scope_queryset(self, queryset):
        return queryset.select_related("municipality", "family")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        pairs = run.pairs.order_by("stage", "occurred_on", "pk")
        status = self.request.GET.get("resultado", "")
        if status in PairStatus.values:
            pairs = pairs.filter(status=status)
        context["status"] = status
        context["statuses"] = PairStatus.choices
        context["page_obj"] = Paginator(pairs, 100).get_page(self.request.GET.get("page"))
        context["stage_labels"] = {stage: run.stage_label(stage) for stage in range(len(run.sources) - 1)}
        context["table"] = services.monthly_table(run).rows()
        context["can_decide"] = can_import(self.request.user, run.municipality)
        context["decision_form"] = DecisionForm()
        context["decisions"] = (
            PairDecision.objects.filter(municipality=run.municipality)
            .select_related("decided_by", "reverted_by")
            .order_by("-decided_at")[:50]
        )
        return context


class _AnalystAction(LoginRequiredMixin, View):
    """POST-only actions on a reconciliation the user may see and, as analyst of its municipality, act on: out of
    scope 404 (it does not exist for them), in scope with a role that may not act 403, as every other action."""

    def reconciliation(self, request, pk: int) -> Reconciliation:
        run = get_object_or_404(Reconciliation.objects.visible_to(request.user), pk=pk)
        if not can_import(request.user, run.municipality):
            raise PermissionDenied
        return run

    def back(self, run: Reconciliation) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("reconciliation:detail", args=[run.pk]))


class DecideView(_AnalystAction):
    def post(self, request, pk: int):
        run = self.reconciliation(request, pk)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("La decisión necesita un veredicto y un motivo."))
            return self.back(run)
        data = form.cleaned_data
        keys = {data["key_a"], data["key_b"]}
        if not run.pairs.filter(key_a__in=keys).exists() or not run.pairs.filter(key_b__in=keys).exists():
            raise Http404  # a decision is only about records this run saw
        try:
            services.decide(
                run.municipality, data["key_a"], data["key_b"], data["verdict"], data["reason"], user=request.user
            )
        except services.ReconciliationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Decisión registrada. Se aplica al ejecutar de nuevo la conciliación."))
        return self.back(run)


class RevertView(_AnalystAction):
    def post(self, request, pk: int, decision: int):
        run = self.reconciliation(request, pk)
        decision = get_object_or_404(PairDecision, pk=decision, municipality=run.municipality)
        services.revert(decision, user=request.user)
        messages.success(request, _("Decisión revertida; queda en el registro."))
        return self.back(run)


class RerunView(_AnalystAction):
    """Run the reconciliation again (today's records and decisions), in the background."""

    def post(self, request, pk: int):
        run = self.reconciliation(request, pk)
        job = jobs.start_run(jobs.params_of(run), municipality=run.municipality, user=request.user)
        return HttpResponseRedirect(reverse("job", args=[job.pk]))


class PublishView(_AnalystAction):
    """Publish the agreed figure as the source «conciliada», in the background."""

    def post(self, request, pk: int):
        run = self.reconciliation(request, pk)
        job = start("reconciliation.publish", user=request.user, municipality=run.municipality, reconciliation=run.pk)
        return HttpResponseRedirect(reverse("job", args=[job.pk]))


class PairsCsvView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        run = get_object_or_404(Reconciliation.objects.visible_to(request.user), pk=pk)
        response = HttpResponse(services.pairs_csv(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="conciliacion-{run.pk}-pares.csv"'
        return response
