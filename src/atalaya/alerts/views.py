"""Alert pages: the inbox, one alert with its chart and history, closure statistics, subscriptions, settings.

Every queryset starts from :func:`services.visible_alerts`, so an alert of another municipality answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from atalaya.accounts.models import Role
from atalaya.accounts.services import role_in
from atalaya.core.changelog import log_change
from atalaya.core.charts import PlotlyPageMixin
from atalaya.core.generic import MunicipalityMixin, ObjectDetailView, ObjectListView
from atalaya.core.jobs import start
from atalaya.geo.models import Municipality
from atalaya.hooks import ALERT_LINKS
from atalaya.taxonomy.models import Family

from . import services
from .filters import OPEN, AlertFilter
from .forms import AlertSettingsForm, CommentForm, QuietPeriodForm, SubscriptionForm, TransitionForm
from .models import Alert, Freq, QuietPeriod, Severity, Status, Subscription


class AlertListView(ObjectListView):
    """The inbox: open alerts first by default, filtered by :class:`~atalaya.alerts.filters.AlertFilter` (the
    same filters as the API), the most serious first, then the newest."""

    model = Alert
    filterset_class = AlertFilter
    template_name = "alerts/alert_list.html"

    def scope_queryset(self, queryset):
        return services.with_related(queryset).order_by("-severity", "-last_period", "pk")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = self.request.GET.copy()
        data.setdefault("status", OPEN)  # the inbox opens on what is still to do
        return {**kwargs, "data": data}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The filters as given (invalid values are ignored on the page; the API refuses them).
        f = {name: self.filterset.data.get(name, "").strip() for name in AlertFilter.base_filters}
        context.update(
            {
                "f": f,
                "municipalities": Municipality.objects.visible_to(self.request.user).order_by("name"),
                "families": Family.objects.all(),
                "statuses": Status.choices,
                "severities": Severity.choices,
                "freqs": Freq.choices,
                "open_value": OPEN,
                "rows": [(a, services.explain(a)) for a in context["object_list"]],
            }
        )
        return context


class AlertDetailView(PlotlyPageMixin, ObjectDetailView):
    model = Alert
    template_name = "alerts/alert_detail.html"
    context_object_name = "alert"

    def scope_queryset(self, queryset):
        return services.with_related(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        alert = self.object
        can_act = services.can_act(self.request.user, alert)
        context.update(
            {
                "explanation": services.explain(alert),
                "chart_spec": services.chart_spec(alert),
                "events": alert.events.select_related("user"),
                "can_act": can_act,
                "transition_form": kwargs.get("transition_form") or TransitionForm(alert=alert),
                "comment_form": kwargs.get("comment_form") or CommentForm(),
                "map_url": services.map_url(alert),
                "alert_links": [link for link in (make(self.request.user, alert) for make in ALERT_LINKS) if link],
                "period_end": services.period_end(alert.last_period, alert.freq),
            }
        )
        return context


class AlertActionView(LoginRequiredMixin, View):
    """POST only: a change of state or a comment. Rule violations come back as messages, nothing changes."""

    def post(self, request, pk: int, action: str):
        alert = get_object_or_404(services.visible_alerts(request.user), pk=pk)
        if not services.can_act(request.user, alert):
            raise PermissionDenied
        try:
            if action == "estado":
                form = TransitionForm(request.POST, alert=alert)
                if not form.is_valid():
                    raise services.TransitionError(_("Revise el formulario: %(errors)s") % {"errors": _errors(form)})
                data = form.cleaned_data
                services.change_status(
                    alert,
                    request.user,
                    data["to_status"],
                    result=data["result"],
                    assigned_to=data["assigned_to"],
                    referred_to=data["referred_to"],
                    comment=data["comment"],
                )
                messages.success(
                    request, _("Estado de la alerta: %(status)s.") % {"status": Status(alert.status).label}
                )
            elif action == "comentario":
                form = CommentForm(request.POST)
                if not form.is_valid():
                    raise services.TransitionError(_("El comentario está vacío."))
                services.add_comment(alert, request.user, form.cleaned_data["text"])
                messages.success(request, _("Comentario agregado."))
            else:
                raise Http404
        except services.TransitionError as exc:
            messages.error(request, str(exc))
        return redirect("alerts:detail", pk=alert.pk)


def _errors(form) -> str:
    return "; ".join(
        f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}" for k, v in form.errors.items()
    )


class StatisticsView(LoginRequiredMixin, TemplateView):
    """How closed alerts turned out, per method and family: the feedback that tunes the settings."""

    template_name = "alerts/statistics.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        alerts = services.visible_alerts(self.request.user)
        code = self.request.GET.get("municipio", "")
        if code:
            alerts = alerts.filter(municipality__code=code)
        context.update(
            {
                "rows": services.closure_statistics(alerts),
                "open_count": alerts.exclude(status=Status.CLOSED).count(),
                "municipalities": Municipality.objects.visible_to(self.request.user).order_by("name"),
                "code": code,
            }
        )
        return context


class SubscriptionView(LoginRequiredMixin, TemplateView):
    """The user's own subscriptions: add one, delete one."""

    template_name = "alerts/subscriptions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subscriptions"] = Subscription.objects.filter(user=self.request.user).select_related(
            "municipality", "family"
        )
        context["form"] = kwargs.get("form") or SubscriptionForm(user=self.request.user)
        return context

    def post(self, request):
        if "delete" in request.POST:
            Subscription.objects.filter(user=request.user, pk=request.POST.get("delete")).delete()
            messages.success(request, _("Suscripción eliminada."))
            return redirect("alerts:subscriptions")
        form = SubscriptionForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        form.instance.user = request.user
        form.save()
        if not request.user.email:
            messages.warning(request, _("Su cuenta no tiene correo electrónico: no recibirá los avisos."))
        messages.success(request, _("Suscripción guardada."))
        return redirect("alerts:subscriptions")


class SettingsView(MunicipalityMixin, TemplateView):
    """How a municipality watches its series. Administrators and analysts of the municipality change it."""

    template_name = "alerts/settings.html"

    @property
    def editable(self) -> bool:
        return role_in(self.request.user, self.municipality) in {Role.ADMIN, Role.ANALYST}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        config = services.settings_for(self.municipality)
        context.update(
            {
                "editable": self.editable,
                "form": kwargs.get("form") or AlertSettingsForm(instance=config),
                "quiet_form": kwargs.get("quiet_form") or QuietPeriodForm(),
                "quiet_periods": QuietPeriod.objects.filter(municipality=self.municipality),
            }
        )
        return context

    def post(self, request, code: str):
        if not self.editable:
            raise PermissionDenied
        origin = f"web:{request.path}"
        if "detect" in request.POST:  # look again now, in the background, with the settings as saved
            job = start("alerts.detect", user=request.user, municipality=self.municipality)
            return redirect("job", pk=job.pk)
        if "delete_quiet" in request.POST:
            period = QuietPeriod.objects.filter(municipality=self.municipality, pk=request.POST["delete_quiet"]).first()
            if period:
                log_change(
                    user=request.user,
                    action="borrar",
                    obj=period,
                    origin=origin,
                    message=str(period),
                    municipality=self.municipality,
                )
                period.delete()
            return redirect("alerts:settings", code=code)
        if "add_quiet" in request.POST:
            quiet_form = QuietPeriodForm(request.POST)
            if not quiet_form.is_valid():
                return self.render_to_response(self.get_context_data(quiet_form=quiet_form))
            quiet_form.instance.municipality = self.municipality
            period = quiet_form.save()
            log_change(
                user=request.user,
                action="crear",
                obj=period,
                origin=origin,
                message=str(period),
                municipality=self.municipality,
            )
            messages.success(request, _("Periodo de silencio agregado."))
            return redirect("alerts:settings", code=code)
        form = AlertSettingsForm(request.POST, instance=services.settings_for(self.municipality))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        config = form.save()
        log_change(
            user=request.user,
            action="guardar",
            obj=config,
            origin=origin,
            municipality=self.municipality,
            message=_("campos: %(fields)s") % {"fields": ", ".join(form.changed_data) or "—"},
        )
        messages.success(request, _("Configuración guardada; se aplica desde la próxima importación."))
        return redirect(reverse("alerts:settings", kwargs={"code": code}))
