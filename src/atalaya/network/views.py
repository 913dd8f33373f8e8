"""The repository's pages: search with filters, a practice with its ratings, EMMIE profile, systematisation,
adoptions and history, the contribution form, and one page per workflow action."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from atalaya.core.changelog import log_change
from atalaya.core.generic import ActionView, checked

from . import search, services
from .access import may_contribute, visible_practices
from .choices import PracticeStatus, Rating
from .forms import AssignForm, OutcomeForm, PracticeForm, SearchForm


class NetworkView(LoginRequiredMixin, TemplateView):
    """The network at a glance: its reach counted from the registrations, the model transfers and the exchange
    activities (every signed-in member sees them; registrations' names never appear)."""

    template_name = "network/overview.html"

    def get_context_data(self, **kwargs):
        from django.db.models import Count, Q

        from .models import Activity, Transfer

        context = super().get_context_data(**kwargs)
        activities = Activity.objects.select_related("organiser").annotate(
            registered=Count("registrations"),
            present=Count("registrations", filter=Q(registrations__attended=True)),
        )
        context.update(
            {
                "figures": services.activity_figures(Activity.objects.all()),
                "transfers": Transfer.objects.select_related("origin", "destination", "practice"),
                "activities": activities,
                "published": visible_practices(self.request.user).filter(status__in=["publicada", "revisada"]).count(),
            }
        )
        return context


class PracticeListView(LoginRequiredMixin, TemplateView):
    template_name = "network/practice_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = SearchForm(self.request.GET or None)
        practices = visible_practices(self.request.user).select_related("municipality")
        query = ""
        if form.is_valid():
            data = form.cleaned_data
            if data["calificacion"]:
                practices = practices.filter(outcomes__rating=data["calificacion"])
            if data["diseno"]:
                practices = practices.filter(outcomes__design=data["diseno"])
            if data["estado"]:
                practices = practices.filter(status=data["estado"])
            query = data["q"].strip()
        practices = practices.distinct().prefetch_related("outcomes", "adoptions")
        rows = search.search(practices, query) if query else list(practices.order_by("title")[:200])
        context.update({"form": form, "practices": rows, "query": query})
        return context


class PracticeFormMixin(LoginRequiredMixin):
    template_name = "network/practice_form.html"
    form_class = PracticeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class PracticeCreateView(PracticeFormMixin, FormView):
    def dispatch(self, request, *args, **kwargs):
        from atalaya.accounts.services import import_municipalities

        if request.user.is_authenticated and not import_municipalities(request.user).exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        practice = form.save(commit=False)
        practice.created_by = self.request.user
        practice.save()
        search.reindex(practice)
        log_change(
            user=self.request.user,
            action="crear",
            obj=practice,
            municipality=practice.municipality,
            message=practice.title,
        )
        return redirect("network:detail", practice.code)


class PracticeEditView(PracticeFormMixin, FormView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.practice = get_object_or_404(visible_practices(request.user), code=kwargs["code"])
            if not may_contribute(request.user, self.practice.municipality):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.practice}

    def form_valid(self, form):
        practice = form.save()
        services.edited(practice, self.request.user)
        return redirect("network:detail", practice.code)


class PracticeDetailView(LoginRequiredMixin, TemplateView):
    template_name = "network/practice_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        practice = get_object_or_404(visible_practices(user).select_related("municipality"), code=kwargs["code"])
        contributor = may_contribute(user, practice.municipality)
        reviewer = practice.reviewers.filter(pk=user.pk).exists()
        round_ = services.current_round(practice)
        context.update(
            {
                "practice": practice,
                "outcomes": practice.outcomes.all(),
                "emmie": [
                    (_("Efecto"), practice.effect, practice.effect_quality),
                    (_("Mecanismo"), practice.mechanism, practice.mechanism_quality),
                    (_("Moderadores"), practice.moderators, practice.moderators_quality),
                    (_("Implementación"), practice.implementation, practice.implementation_quality),
                    (_("Costo económico"), practice.cost, practice.economic_quality),
                ],
                "adoptions": practice.adoptions.select_related("municipality", "programme"),
                "events": practice.events.select_related("user"),
                "contributor": contributor,
                "coordinator": services.is_coordinator(user),
                "may_review": reviewer
                and practice.status == PracticeStatus.UNDER_REVIEW
                and not practice.reviews.filter(reviewer=user, round=round_).exists(),
                "disagreements": services.disagreements(practice) if services.is_coordinator(user) else {},
                "ratings": Rating.choices,
                "outcome_form": OutcomeForm(prefix="resultado"),
                "assign_form": AssignForm(practice=practice, prefix="asignar"),
                "reviews": practice.reviews.select_related("reviewer")
                if (reviewer or services.is_coordinator(user))
                else [],
            }
        )
        return context


class PracticeActionView(ActionView):
    """A workflow step on one practice (by its primary key), back on its page with the service's message."""

    def get_queryset(self):
        return visible_practices(self.request.user)

    def allowed(self, user, practice) -> bool:
        return True  # each service checks its own rule and raises PermissionDenied

    def redirect_url(self, practice) -> str:
        return reverse("network:detail", args=[practice.code])


class SubmitView(PracticeActionView):
    def act(self, practice, request):
        services.submit(practice, request.user)
        return _("Práctica enviada a revisión.")


class OutcomeAddView(PracticeActionView):
    def act(self, practice, request):
        if not may_contribute(request.user, practice.municipality):
            raise PermissionDenied
        form = OutcomeForm(request.POST, prefix="resultado")
        checked(form)
        outcome = form.save(commit=False)
        outcome.practice = practice
        outcome.save()
        search.reindex(practice)
        return _("Resultado agregado.")


class AssignView(PracticeActionView):
    def act(self, practice, request):
        data = checked(AssignForm(request.POST, practice=practice, prefix="asignar"))
        services.assign_reviewers(practice, list(data["reviewers"]), request.user)
        return _("Revisores asignados.")


def _ratings(request, practice) -> dict:
    return {str(o.pk): request.POST.get(f"calificacion-{o.pk}", "") for o in practice.outcomes.all()}


class ReviewView(PracticeActionView):
    def act(self, practice, request):
        services.review(
            practice,
            request.user,
            ratings=_ratings(request, practice),
            recommendation=request.POST.get("recomendacion", ""),
            comment=request.POST.get("comentario", ""),
        )
        return _("Revisión enviada.")


class SettleView(PracticeActionView):
    def act(self, practice, request):
        services.settle(practice, _ratings(request, practice), request.user, request.POST.get("motivo", ""))
        return _("Consenso registrado; la práctica está publicada.")


class AppealView(PracticeActionView):
    def act(self, practice, request):
        services.appeal(practice, request.user, request.POST.get("motivo", ""))
        return _("Apelación registrada: la práctica vuelve a revisión.")
