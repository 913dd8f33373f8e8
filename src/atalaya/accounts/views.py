"""Second factor (set up an authenticator with backup codes, verify a session with either), and the access and
change logs as pages for those who audit them."""

from __future__ import annotations

import segno
from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from atalaya.core.changelog import log_change
from atalaya.core.filters import AccessLogFilter, ChangeLogFilter
from atalaya.core.generic import ObjectListView
from atalaya.core.models import AccessLogEntry, ChangeLogEntry
from atalaya.geo.models import Municipality

from .services import audit_municipalities

#: Backup codes given when the authenticator is set up (each works once).
BACKUP_CODES = 10
_SESSION_CODES = "atalaya_backup_codes"


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Código"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].replace(" ", "").strip()


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


class TwoFactorSetupView(LoginRequiredMixin, FormView):
    """Show a new authenticator secret (QR and text); a correct code confirms it and gives the backup codes."""

    template_name = "accounts/two_factor_setup.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_has_device(request.user):
            return redirect(f"{reverse('two_factor_verify')}?next={_next_url(request)}")
        return super().dispatch(request, *args, **kwargs)

    def device(self) -> TOTPDevice:
        device = TOTPDevice.objects.filter(user=self.request.user, confirmed=False).first()
        return device or TOTPDevice.objects.create(user=self.request.user, name="autenticador", confirmed=False)

    def get_context_data(self, **kwargs):
        device = self.device()
        context = super().get_context_data(**kwargs)
        context["qr_svg"] = segno.make(device.config_url).svg_inline(scale=4, dark="#1f2933")
        context["secret"] = " ".join(_base32(device.bin_key)[i : i + 4] for i in range(0, 32, 4))
        context["next"] = _next_url(self.request)
        return context

    def form_valid(self, form):
        device = self.device()
        if not device.verify_token(form.cleaned_data["token"]):
            form.add_error("token", _("El código no coincide. Revise la hora del teléfono y escriba el código actual."))
            return self.form_invalid(form)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        backup, _created = StaticDevice.objects.get_or_create(user=self.request.user, name="respaldo")
        backup.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=backup, token=code) for code in codes])
        otp_login(self.request, device)
        self.request.session[_SESSION_CODES] = codes
        log_change(user=self.request.user, action="activar doble factor", obj=self.request.user, message="TOTP")
        return redirect(f"{reverse('two_factor_backup_codes')}?next={_next_url(self.request)}")


class BackupCodesView(LoginRequiredMixin, TemplateView):
    """The backup codes, shown once, right after the authenticator is confirmed."""

    template_name = "accounts/two_factor_backup_codes.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["codes"] = self.request.session.pop(_SESSION_CODES, [])
        context["next"] = _next_url(self.request)
        return context


class TwoFactorVerifyView(LoginRequiredMixin, FormView):
    """A code from the authenticator, or a backup code (used once), verifies this session."""

    template_name = "accounts/two_factor_verify.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_has_device(request.user):
            return redirect(f"{reverse('two_factor_setup')}?next={_next_url(request)}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = _next_url(self.request)
        return context

    def form_valid(self, form):
        token = form.cleaned_data["token"]
        user = self.request.user
        # Each device verifies on its own, with django-otp's throttling (delays grow after each failure).
        for device in [*TOTPDevice.objects.filter(user=user, confirmed=True), *StaticDevice.objects.filter(user=user)]:
            if device.verify_is_allowed()[0] and device.verify_token(token):
                otp_login(self.request, device)
                return redirect(_next_url(self.request))
        form.add_error("token", _("Código incorrecto o ya usado. Espere unos segundos antes de intentar otra vez."))
        return self.form_invalid(form)


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode("ascii").rstrip("=")


class AuditLogView(ObjectListView):
    """A log page for whoever holds an audit role (administrators; a case module adds supervisors): the rows of
    the municipalities where they hold it. Rows without a municipality (global actions) only superusers see."""

    paginate_by = 100

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not audit_municipalities(request.user).exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        entries = self.model.objects.all()
        if not self.request.user.is_superuser:
            ids = audit_municipalities(self.request.user).values("pk")
            entries = entries.filter(municipality_id__in=ids)
        return entries.order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        names = dict(Municipality.objects.values_list("pk", "name"))  # one query, not one per row
        for entry in context["object_list"]:
            entry.municipality_name = names.get(entry.municipality_id, entry.municipality_id or "—")
        return context


class AccessLogView(AuditLogView):
    model = AccessLogEntry
    filterset_class = AccessLogFilter
    template_name = "accounts/access_log.html"


class ChangeLogView(AuditLogView):
    model = ChangeLogEntry
    filterset_class = ChangeLogFilter
    template_name = "accounts/change_log.html"
