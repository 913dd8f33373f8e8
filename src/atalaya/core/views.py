"""Pages of the shared base: the code of conduct (read and accept the current version) and a background job's
progress."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.generic import DetailView, TemplateView

from . import context
from .jobs import KINDS
from .models import ConductAcceptance, Job


def render_panels(request, makers, *args) -> list[str]:
    """What other modules add to a page through a hook list of ``(user, *args) → {"template", "context"} | None``
    (``hooks.DASHBOARD_PANELS``, ``hooks.RESPONSE_PANELS``), rendered in order."""
    from django.template.loader import render_to_string

    panels = (make(request.user, *args) for make in makers)
    return [render_to_string(p["template"], p["context"], request=request) for p in panels if p]


class CodeOfConductView(LoginRequiredMixin, TemplateView):
    template_name = "core/code_of_conduct.html"

    def next_url(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()})
        return target if allowed else reverse("home")

    def get_context_data(self, **kwargs):
        context_data = super().get_context_data(**kwargs)
        version = settings.ATALAYA_CODE_OF_CONDUCT_VERSION
        context_data.update(
            version=version,
            next=self.next_url(),
            accepted=ConductAcceptance.objects.filter(user=self.request.user, version=version).first(),
        )
        return context_data

    def post(self, request, *args, **kwargs):
        version = settings.ATALAYA_CODE_OF_CONDUCT_VERSION
        if request.POST.get("acepto") == "1":
            origin = context.current()
            ConductAcceptance.objects.get_or_create(
                user=request.user,
                version=version,
                defaults={"username": request.user.get_username(), "request_id": origin.request_id if origin else ""},
            )
            return redirect(self.next_url())
        return self.get(request, *args, **kwargs)


class JobDetailView(LoginRequiredMixin, DetailView):
    """A background job's page: it refreshes itself while the job runs, then says how it ended and links to what
    it made. Only whoever started it sees it (and superusers); for everyone else it does not exist (404)."""

    template_name = "core/job_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        jobs = Job.objects.select_related("municipality")
        return jobs if self.request.user.is_superuser else jobs.filter(created_by=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = KINDS.get(self.object.kind)
        context["kind_label"] = gettext(kind.label) if kind else self.object.kind
        return context
