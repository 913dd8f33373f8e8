"""The code of conduct page: read and accept the current version."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from . import context
from .models import ConductAcceptance


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
