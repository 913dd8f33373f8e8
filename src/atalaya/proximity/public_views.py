"""The public side of community problems: report one (anonymous allowed), follow it, see the municipality's
problems and their state. Everything shown comes from the public tables (``PublicProblem``, ``PublicUpdate``)."""

from __future__ import annotations

import polars as pl
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views import View
from django.views.generic import FormView, TemplateView

from atalaya.analysis.tabular import export_csv
from atalaya.core.sensitivity import PublicOutputMixin
from atalaya.geo.models import Municipality, Territory
from atalaya.spatial.views import MapPageMixin

from . import attachments, charts, participation, services
from .choices import Source, Status
from .forms import ReportForm
from .models import ProblemCategory, PublicComment, PublicCommitment, PublicProblem, PublicUpdate

#: Reports accepted per address and hour from the public form (a neighbour reports a few; a script, hundreds).
REPORTS_PER_HOUR = 10
#: Follow requests and comments per address and hour.
FOLLOWS_PER_HOUR = 10
COMMENTS_PER_HOUR = 5


def _rate_key(request, kind: str) -> str:
    return f"atalaya:{kind}:{request.META.get('REMOTE_ADDR', '')}"


def over_limit(request, kind: str, per_hour: int) -> bool:
    """Whether this address already did ``kind`` ``per_hour`` times in the last hour (the cache counts)."""
    return cache.get(_rate_key(request, kind), 0) >= per_hour


def count_use(request, kind: str) -> None:
    key = _rate_key(request, kind)
    cache.set(key, cache.get(key, 0) + 1, 3600)


class ProblemMunicipalityMixin(PublicOutputMixin):
    """A municipality that takes reports: it has active categories (else 404)."""

    def municipalities(self):
        return Municipality.objects.filter(problem_categories__active=True).distinct()

    def dispatch(self, request, *args, **kwargs):
        self.municipality = get_object_or_404(self.municipalities(), code=kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(municipality=self.municipality, **kwargs)


class PublicProblemListView(ProblemMunicipalityMixin, MapPageMixin, TemplateView):
    public_models = (Municipality, Territory, ProblemCategory, PublicProblem)
    template_name = "proximity/public/problem_list.html"

    def get_context_data(self, **kwargs):
        rows = PublicProblem.objects.filter(municipality=self.municipality).select_related("category")
        status = self.request.GET.get("estado", "")
        if status == "abiertos":
            rows = rows.exclude(status=Status.CLOSED)
        elif status == "cerrados":
            rows = rows.filter(status=Status.CLOSED)
        category = self.request.GET.get("categoria", "")
        if category:
            rows = rows.filter(category__code=category)
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        located = list(
            rows.filter(lat__isnull=False)
            .order_by("-reported_at")
            .values_list("lat", "lon", "reference", "title", "status")[: charts.MAP_POINTS + 1]
        )
        points = [(*r[:4], Status(r[4]).label, r[4] != Status.CLOSED) for r in located[: charts.MAP_POINTS]]
        return super().get_context_data(
            page_obj=page,
            map_spec=charts.problems_map_spec(self.municipality, points),
            map_capped=len(located) > charts.MAP_POINTS,
            map_points=charts.MAP_POINTS,
            categories=ProblemCategory.objects.filter(municipality=self.municipality, active=True),
            chosen_status=status,
            chosen_category=category,
            **kwargs,
        )


class PublicProblemDetailView(ProblemMunicipalityMixin, TemplateView):
    public_models = (Municipality, PublicProblem, PublicUpdate, PublicComment)
    template_name = "proximity/public/problem_detail.html"

    def get_context_data(self, **kwargs):
        problem = get_object_or_404(
            PublicProblem.objects.select_related("category"),
            municipality=self.municipality,
            reference=kwargs["reference"],
        )
        target = f"problema:{problem.reference}"
        return super().get_context_data(
            problem=problem,
            updates=problem.updates.all(),
            comments=PublicComment.objects.filter(municipality=self.municipality, target=target),
            target=target,
            **kwargs,
        )


class PublicPhotoView(ProblemMunicipalityMixin, View):
    """The photo of a public problem: the re-encoded JPEG, never the upload, with a fixed type."""

    public_models = (PublicProblem,)

    def get(self, request, code, reference):
        problem = get_object_or_404(
            PublicProblem.objects.select_related("photo"), municipality=self.municipality, reference=reference
        )
        if problem.photo is None or not problem.photo.is_public or problem.photo.content_type != "image/jpeg":
            raise Http404
        response = FileResponse(attachments.path_of(problem.photo.stored_name).open("rb"), content_type="image/jpeg")
        response["Content-Disposition"] = f'inline; filename="{problem.reference}.jpg"'
        response["Cache-Control"] = "public, max-age=3600"
        return response


class ReportProblemView(ProblemMunicipalityMixin, MapPageMixin, FormView):
    public_models = (Municipality, Territory, ProblemCategory)
    template_name = "proximity/public/report.html"
    form_class = ReportForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "municipality": self.municipality}

    def get_context_data(self, **kwargs):
        return super().get_context_data(pick_spec=charts.pick_map_spec(self.municipality), **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        if data["website"]:  # a robot: answer as if accepted, keep nothing
            messages.success(self.request, _("Gracias: recibimos su reporte."))
            return redirect("problems_public:list", self.municipality.code)
        if over_limit(self.request, "reportes", REPORTS_PER_HOUR):
            form.add_error(None, _("Recibimos muchos reportes desde su conexión; intente de nuevo en una hora."))
            return self.form_invalid(form)
        problem = form.report(
            self.municipality,
            source=Source.CITIZEN,
            reporter=services.ReporterContact(name=data["name"], email=data["email"]),
        )
        if problem is None:
            return self.form_invalid(form)
        count_use(self.request, "reportes")
        messages.success(
            self.request,
            _("Gracias: su reporte es el número %(reference)s. Guárdelo para seguirlo en esta página.")
            % {"reference": problem.reference},
        )
        return redirect("problems_public:detail", self.municipality.code, problem.reference)


class AccountabilityView(PublicOutputMixin, TemplateView):
    """The municipality's commitments and results: each mesa with its progress and how many agreements it kept
    or let lapse (one mesa's agreements at a time, ``?mesa=``), and the problems with a response under way,
    fifty a page with their plans. From the public table only, with counts done by the database."""

    public_models = (Municipality, PublicCommitment, PublicComment)
    template_name = "proximity/public/accountability.html"

    def get_context_data(self, **kwargs):
        municipality = get_object_or_404(Municipality, code=kwargs["code"])
        nodes = PublicCommitment.objects.filter(municipality=municipality)
        if not nodes.exists():
            raise Http404
        agreements = nodes.filter(kind="acuerdo")
        totals = agreements.aggregate(
            total=Count("key"),
            kept=Count("key", filter=Q(status="cumplido")),
            lapsed=Count("key", filter=Q(overdue=True)),
        )
        mesas = (
            nodes.filter(kind="mesa")
            .annotate(
                agreements=Count("children"),
                kept=Count("children", filter=Q(children__status="cumplido")),
                lapsed=Count("children", filter=Q(children__overdue=True)),
            )
            .order_by("title")
        )
        chosen = mesas.filter(key=self.request.GET.get("mesa", "")).first()
        chosen_page = (
            Paginator(chosen.children.order_by("deadline", "key"), 100).get_page(self.request.GET.get("pagina_mesa"))
            if chosen
            else None
        )
        problems = Paginator(nodes.filter(kind="problema").order_by("-updated_at", "key"), 50).get_page(
            self.request.GET.get("page")
        )
        plans: dict[str, list] = {}
        for action in nodes.filter(parent_id__in=[p.key for p in problems]).order_by("deadline", "key"):
            plans.setdefault(action.parent_id, []).append(action)
        for problem in problems:
            problem.kids = plans.get(problem.key, [])
        return super().get_context_data(
            municipality=municipality,
            mesas=mesas,
            chosen=chosen,
            chosen_page=chosen_page,
            page_obj=problems,
            **totals,
            **kwargs,
        )


#: The open-data columns of the accountability tree, one row per node with its parent's key.
COMMITMENT_FIELDS = {
    "key": pl.String,
    "parent": pl.String,
    "kind": pl.String,
    "title": pl.String,
    "institution": pl.String,
    "status": pl.String,
    "status_label": pl.String,
    "progress": pl.Float64,
    "weight": pl.Int64,
    "deadline": pl.String,
    "overdue": pl.Boolean,
    "reference": pl.String,
    "updated_at": pl.String,
}


class AccountabilityDataView(PublicOutputMixin, View):
    """The same tree as open data: CSV (formulas neutralised) or JSON with each node's milestones."""

    public_models = (PublicCommitment,)

    def get(self, request, code, fmt):
        municipality = get_object_or_404(Municipality, code=code)
        rows = []
        for node in PublicCommitment.objects.filter(municipality=municipality).order_by("key"):
            row = {field: getattr(node, field) for field in COMMITMENT_FIELDS if field != "parent"}
            row["parent"] = node.parent_id or ""
            row["deadline"] = node.deadline.isoformat() if node.deadline else ""
            row["updated_at"] = node.updated_at.isoformat()
            rows.append({**row, "milestones": node.milestones})
        if fmt == "json":
            return JsonResponse(
                {"municipality": municipality.code, "commitments": rows}, json_dumps_params={"ensure_ascii": False}
            )
        table = pl.DataFrame([{f: r[f] for f in COMMITMENT_FIELDS} for r in rows], schema=COMMITMENT_FIELDS)
        response = HttpResponse(export_csv(table, bom=True), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="compromisos-{municipality.code}.csv"'
        return response


class ParticipationView(ProblemMunicipalityMixin, View):
    """A neighbour's POST about something public (follow, comment): a field robots fill is answered as if
    accepted and kept nowhere, ``per_hour`` per address, the service's Spanish refusal as a message, and back to
    the page it came from (only pages of this municipality's portal)."""

    public_models = (PublicProblem, PublicCommitment)
    kind = ""
    per_hour = 0
    accepted = ""
    too_many = ""

    def act(self, request) -> None:
        raise NotImplementedError

    #: Where the visitor goes back to when the form names no page of this municipality's portal.
    fallback = "problemas/"

    def post(self, request, code):
        back = request.POST.get("next") or ""
        if not back.startswith(f"/publico/{code}/"):
            back = f"/publico/{code}/{self.fallback}"
        if request.POST.get("website"):
            messages.success(request, _(self.accepted))
        elif over_limit(request, self.kind, self.per_hour):
            messages.error(request, _(self.too_many))
        else:
            try:
                self.act(request)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                count_use(request, self.kind)
                messages.success(request, _(self.accepted))
        return redirect(back)


class FollowView(ParticipationView):
    """Follow a public problem or commitment by e-mail (a confirmation is sent first)."""

    kind, per_hour = "seguir", FOLLOWS_PER_HOUR
    accepted = gettext_noop("Le enviamos un correo para confirmar.")
    too_many = gettext_noop("Demasiadas solicitudes desde su conexión; intente de nuevo en una hora.")

    def act(self, request) -> None:
        participation.follow(self.municipality, request.POST.get("target", ""), request.POST.get("email", ""))


class FollowConfirmView(PublicOutputMixin, TemplateView):
    public_models = (Municipality,)
    template_name = "proximity/public/follow.html"

    def get_context_data(self, **kwargs):
        follower = participation.confirm(kwargs["token"])
        return super().get_context_data(confirmed=follower is not None, **kwargs)


class UnfollowView(PublicOutputMixin, TemplateView):
    """GET asks, POST stops (a mail client that opens links must not unsubscribe anyone)."""

    public_models = (Municipality,)
    template_name = "proximity/public/unfollow.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**{"done": None, **kwargs})

    def post(self, request, code, token):
        return self.render_to_response(
            self.get_context_data(code=code, token=token, done=participation.unfollow(token))
        )


class CommentView(ParticipationView):
    """A comment that waits for moderation."""

    kind, per_hour = "comentarios", COMMENTS_PER_HOUR
    accepted = gettext_noop("Gracias: su comentario se publicará cuando la coordinación lo revise.")
    too_many = gettext_noop("Demasiados comentarios desde su conexión; intente de nuevo en una hora.")

    def act(self, request) -> None:
        participation.comment(
            self.municipality,
            request.POST.get("target", ""),
            request.POST.get("text", ""),
            request.POST.get("author", ""),
        )
