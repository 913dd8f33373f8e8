"""The repository's pages: search with filters, a practice with its ratings, EMMIE profile, systematisation,
adoptions and history, the contribution form, and one page per workflow action."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from atalaya.core.changelog import log_change
from atalaya.core.generic import ActionView, checked

from . import search, services
from .access import may_contribute, visible_practices
from .choices import PracticeStatus, Rating
from .forms import (
    ActivityForm,
    AdoptionForm,
    AssignForm,
    DocumentForm,
    MaterialForm,
    OutcomeForm,
    PracticeForm,
    RegistrationsForm,
    SearchForm,
    TransferForm,
)


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
                "coordinator": services.is_coordinator(self.request.user),
                "may_record_transfers": may_record_transfers(self.request.user),
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
        form.save_m2m()
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
                "emmie": [(name, text, quality) for _key, name, text, quality in services.emmie(practice)],
                "adoptions": adoptions_with_results(practice),
                "eucpn": services.eucpn_check(practice),
                "links": practice_links(practice),
                "documents": practice.documents.all(),
                "document_form": DocumentForm(prefix="documento"),
                "adoption_form": AdoptionForm(user=user, practice=practice, prefix="adopcion"),
                "may_adopt": practice.status in (PracticeStatus.PUBLISHED, PracticeStatus.REVISED)
                and AdoptionForm(user=user, practice=practice).fields["municipality"].queryset.exists(),
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


def adoptions_with_results(practice) -> list[dict]:
    """Each adoption with what it measured: the adopter's words and the evaluations of the programme it runs the
    practice with (method, outcome indicator, summary as computed)."""
    from atalaya.programmes.models import Evaluation

    rows = []
    for adoption in practice.adoptions.select_related("municipality", "programme"):
        evaluations = (
            list(Evaluation.objects.filter(programme=adoption.programme).select_related("outcome"))
            if adoption.programme_id
            else []
        )
        rows.append({"adoption": adoption, "evaluations": evaluations})
    return rows


def practice_links(practice) -> list[tuple[str, list[str]]]:
    """What the practice is linked to, as names (problem types by the names municipalities give them)."""
    from atalaya.proximity.models import ProblemCategory
    from atalaya.taxonomy.models import Family

    types = sorted(
        set(ProblemCategory.objects.filter(code__in=practice.problem_types or []).values_list("name", flat=True))
    )
    families = list(Family.objects.filter(code__in=practice.crime_families or []).values_list("name", flat=True))
    links = [
        (_("Tipos de problema"), types),
        (_("Familias delictivas"), families),
        (_("Programas"), [str(p) for p in practice.programmes.all()]),
        (_("Evaluaciones"), [str(e) for e in practice.evaluations.all()]),
        (_("Costo-beneficio"), [str(c) for c in practice.cost_benefit.all()]),
        (_("Indicadores"), [str(i) for i in practice.indicators.all()]),
    ]
    return [(label, names) for label, names in links if names]


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


class AdoptView(PracticeActionView):
    def act(self, practice, request):
        data = checked(AdoptionForm(request.POST, user=request.user, practice=practice, prefix="adopcion"))
        services.record_adoption(
            practice,
            request.user,
            municipality=data["municipality"],
            programme=data["programme"],
            started=data["started"],
            adaptations=data["adaptations"],
            results=data["results"],
        )
        return _("Adopción registrada.")


class DocumentAddView(PracticeActionView):
    def act(self, practice, request):
        data = checked(DocumentForm(request.POST, request.FILES, prefix="documento"))
        services.add_document(practice, request.user, data["file"], title=data["title"], is_public=data["is_public"])
        return _("Documento agregado.")


class PracticeDocumentView(LoginRequiredMixin, View):
    """A practice's document for whoever may see the practice, with its fixed type (PDFs downloaded)."""

    def get(self, request, pk):
        from atalaya.proximity.attachments import serve

        from .models import PracticeDocument

        visible = PracticeDocument.objects.filter(practice__in=visible_practices(request.user))
        return serve(get_object_or_404(visible, pk=pk), "documento")


class CoordinatorMixin(LoginRequiredMixin):
    """Pages of the network's coordination (a role over every municipality of the network)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not services.is_coordinator(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class BenchmarksView(CoordinatorMixin, TemplateView):
    """The network's benchmarks for its coordination: each municipality's part in the network (practices
    contributed and published, adoptions, transfers, activities organised, people who attended) and one shared
    indicator compared across the municipalities with values from the same source, ranked with rank ranges."""

    template_name = "network/benchmarks.html"

    def get_context_data(self, **kwargs):
        from atalaya.geo.models import Municipality
        from atalaya.indicators.models import Indicator, IndicatorSnapshot
        from atalaya.indicators.services import network_ranking

        context = super().get_context_data(**kwargs)
        municipalities = Municipality.objects.all()
        indicators = list(Indicator.objects.shared())
        wanted = self.request.GET.get("indicador")
        indicator = next((i for i in indicators if i.code == wanted), indicators[0] if indicators else None)
        from collections import Counter

        # by default the source most municipalities share: the widest comparison
        reach = Counter(IndicatorSnapshot.objects.values_list("source", flat=True))
        sources = sorted(reach)
        source = self.request.GET.get("fuente") if self.request.GET.get("fuente") in reach else None
        source = source or (max(sources, key=lambda s: (reach[s], s)) if sources else None)
        ranking = network_ranking(municipalities, indicator, source).to_dicts() if indicator and source else []
        context.update(
            {
                "participation": services.participation_table(municipalities),
                "indicators": indicators,
                "indicator": indicator,
                "sources": sources,
                "source": source,
                "ranking": ranking,
                "ratings": services.rating_counts(),
            }
        )
        return context


class ActivityCreateView(CoordinatorMixin, FormView):
    template_name = "network/activity_form.html"
    form_class = ActivityForm

    def form_valid(self, form):
        activity = form.save()
        log_change(
            user=self.request.user,
            action="crear",
            obj=activity,
            municipality=activity.organiser,
            message=activity.title,
        )
        return redirect("network:activity", activity.pk)


class ActivityDetailView(LoginRequiredMixin, TemplateView):
    """An activity with its figures counted from the registrations and its materials; the list of people (names
    are personal data) only for the coordination, and its reading is audited."""

    template_name = "network/activity_detail.html"

    def get_context_data(self, **kwargs):
        from atalaya.core import audit
        from atalaya.core.models import AccessAction

        from .models import Activity, Registration

        context = super().get_context_data(**kwargs)
        activity = get_object_or_404(Activity.objects.select_related("organiser"), pk=kwargs["pk"])
        coordinator = services.is_coordinator(self.request.user)
        people = []
        if coordinator:
            people = list(activity.registrations.order_by("municipality_name", "pk")[:500])
            audit.record_access(
                user=self.request.user,
                action=AccessAction.READ,
                model=Registration,
                object_ids=[r.pk for r in people],
                municipality=activity.organiser,
            )
        context.update(
            {
                "activity": activity,
                "figures": services.activity_figures(Activity.objects.filter(pk=activity.pk)),
                "materials": activity.material_files.all(),
                "coordinator": coordinator,
                "people": people,
                "registrations_form": RegistrationsForm(prefix="lista"),
                "material_form": MaterialForm(prefix="material"),
            }
        )
        return context


class ActivityActionView(ActionView):
    def get_queryset(self):
        from .models import Activity

        return Activity.objects.all()

    def allowed(self, user, activity) -> bool:
        return services.is_coordinator(user)

    def redirect_url(self, activity) -> str:
        return reverse("network:activity", args=[activity.pk])


class RegistrationsUploadView(ActivityActionView):
    def act(self, activity, request):
        from django.core.exceptions import ValidationError

        from atalaya.analysis.problems import FileRejected
        from atalaya.core.uploads import store_upload

        from .registrations import load_registrations

        data = checked(RegistrationsForm(request.POST, request.FILES, prefix="lista"))
        path = store_upload(data["file"])
        try:
            added = load_registrations(activity, path, replace=data["replace"])
        except FileRejected as exc:
            raise ValidationError(exc.message) from exc
        finally:
            path.unlink(missing_ok=True)
        log_change(
            user=request.user,
            action="inscripciones",
            obj=activity,
            municipality=activity.organiser,
            message=f"{added} inscripción(es){' (reemplazo)' if data['replace'] else ''}",
        )
        return _("%(n)d inscripción(es) cargada(s).") % {"n": added}


class MaterialAddView(ActivityActionView):
    def act(self, activity, request):
        from atalaya.proximity.attachments import clean_upload, keep

        from .models import ActivityMaterial

        data = checked(MaterialForm(request.POST, request.FILES, prefix="material"))
        clean = clean_upload(data["file"], allow_pdf=True)
        keep(ActivityMaterial, clean, user=request.user, activity=activity, title=data["title"].strip())
        return _("Material agregado.")


class MaterialView(LoginRequiredMixin, View):
    """A material of an activity, for every signed-in member of the network."""

    def get(self, request, pk):
        from atalaya.proximity.attachments import serve

        from .models import ActivityMaterial

        return serve(get_object_or_404(ActivityMaterial, pk=pk), "material")


def may_record_transfers(user) -> bool:
    from atalaya.accounts.services import import_municipalities

    return services.is_coordinator(user) or import_municipalities(user).exists()


def _shared_practices(user):
    return visible_practices(user).filter(status__in=[PracticeStatus.PUBLISHED, PracticeStatus.REVISED])


class TransferFormView(LoginRequiredMixin, FormView):
    """Record a transfer (or edit it: its results and end come later); the coordination or either end's team."""

    template_name = "network/transfer_form.html"
    form_class = TransferForm
    transfer = None

    def dispatch(self, request, *args, **kwargs):
        from .models import Transfer

        if request.user.is_authenticated and "pk" in kwargs:
            self.transfer = get_object_or_404(Transfer, pk=kwargs["pk"])
            if not services.may_record_transfer(request.user, self.transfer.origin, self.transfer.destination):
                raise PermissionDenied
        elif request.user.is_authenticated and not may_record_transfers(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.transfer,
            "practices": _shared_practices(self.request.user),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        if not services.may_record_transfer(self.request.user, data["origin"], data["destination"]):
            raise PermissionDenied
        transfer = form.save()
        log_change(
            user=self.request.user,
            action="editar" if self.transfer else "crear",
            obj=transfer,
            municipality=transfer.origin,
            message=transfer.model_name,
        )
        return redirect("network:transfer", transfer.pk)


class TransferDetailView(LoginRequiredMixin, TemplateView):
    """A transfer with its timeline (start, the exchange activities that carried it, end), adaptations, results and
    documents; every signed-in member of the network reads it."""

    template_name = "network/transfer_detail.html"

    def get_context_data(self, **kwargs):
        from .models import Transfer

        context = super().get_context_data(**kwargs)
        transfer = get_object_or_404(
            Transfer.objects.select_related("origin", "destination", "practice"), pk=kwargs["pk"]
        )
        timeline = [(transfer.start, _("Inicio de la transferencia"), None)]
        timeline += [(a.start, a.title, a) for a in transfer.activities.order_by("start")]
        if transfer.end:
            timeline.append((transfer.end, _("Término"), None))
        context.update(
            {
                "transfer": transfer,
                "timeline": sorted(timeline, key=lambda row: row[0]),
                "documents": transfer.documents.all(),
                "may_edit": services.may_record_transfer(self.request.user, transfer.origin, transfer.destination),
                "material_form": MaterialForm(prefix="documento"),
            }
        )
        return context


class TransferDocumentAddView(ActionView):
    def get_queryset(self):
        from .models import Transfer

        return Transfer.objects.all()

    def allowed(self, user, transfer) -> bool:
        return services.may_record_transfer(user, transfer.origin, transfer.destination)

    def redirect_url(self, transfer) -> str:
        return reverse("network:transfer", args=[transfer.pk])

    def act(self, transfer, request):
        from atalaya.proximity.attachments import clean_upload, keep

        from .models import TransferDocument

        data = checked(MaterialForm(request.POST, request.FILES, prefix="documento"))
        clean = clean_upload(data["file"], allow_pdf=True)
        keep(TransferDocument, clean, user=request.user, transfer=transfer, title=data["title"].strip())
        return _("Documento agregado.")


class TransferDocumentView(LoginRequiredMixin, View):
    def get(self, request, pk):
        from atalaya.proximity.attachments import serve

        from .models import TransferDocument

        return serve(get_object_or_404(TransferDocument, pk=pk), "documento")
