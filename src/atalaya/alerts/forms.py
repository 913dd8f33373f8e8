"""Forms of the alerts pages: moving an alert along its lifecycle, comments, subscriptions and settings."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from atalaya.analysis.alerts import METHODS
from atalaya.geo.models import Municipality
from atalaya.taxonomy.models import Family

from .models import AlertSettings, QuietPeriod, Result, Status, Subscription


class TransitionForm(forms.Form):
    """One form for every change of state; the service checks the rules (result to close, recipient to refer)."""

    to_status = forms.ChoiceField(label=_("Nuevo estado"), choices=Status.choices)
    result = forms.ChoiceField(label=_("Resultado (al cerrar)"), choices=[("", "—"), *Result.choices], required=False)
    assigned_to = forms.ModelChoiceField(label=_("Derivar a"), queryset=get_user_model().objects.none(), required=False)
    referred_to = forms.CharField(label=_("o a la mesa / instancia"), max_length=200, required=False)
    comment = forms.CharField(label=_("Comentario"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, alert=None, **kwargs):
        super().__init__(*args, **kwargs)
        if alert is not None:
            from .services import TRANSITIONS

            allowed = TRANSITIONS[alert.status]
            self.fields["to_status"].choices = [(s.value, s.label) for s in Status if s in allowed]
            self.fields["assigned_to"].queryset = (
                get_user_model()
                .objects.filter(is_active=True, memberships__municipality=alert.municipality)
                .distinct()
                .order_by("username")
            )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comentario"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class SubscriptionForm(forms.ModelForm):
    class Meta:
        model = Subscription
        fields = ["municipality", "family", "mode"]
        labels = {"municipality": _("Municipio"), "family": _("Familia")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["municipality"].queryset = Municipality.objects.visible_to(user).order_by("name")
        self.fields["family"].queryset = Family.objects.all()
        self.fields["family"].empty_label = _("todas las familias")

    def clean(self):
        cleaned = super().clean()
        exists = Subscription.objects.filter(
            user=self.user, municipality=cleaned.get("municipality"), family=cleaned.get("family")
        ).exclude(pk=self.instance.pk)
        if exists.exists():
            raise forms.ValidationError(_("Ya tiene esa suscripción."))
        return cleaned


class AlertSettingsForm(forms.ModelForm):
    params = forms.CharField(
        label=_("Parámetros (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_('p. ej. {"alpha": 0.01}; vacío: los valores por omisión del método.'),
    )

    class Meta:
        model = AlertSettings
        fields = [
            "enabled",
            "method",
            "params",
            "families",
            "weekly",
            "monthly",
            "min_cases",
            "lookback_weeks",
            "lookback_months",
        ]
        widgets = {"families": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["params"] = json.dumps(self.instance.params or {}, ensure_ascii=False)

    def clean_params(self):
        text = (self.cleaned_data.get("params") or "").strip()
        if not text:
            return {}
        try:
            params = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("No es JSON válido: %(error)s") % {"error": exc.msg}) from exc
        if not isinstance(params, dict):
            raise forms.ValidationError(_('Escriba un objeto JSON, p. ej. {"alpha": 0.01}.'))
        return params

    def clean(self):
        cleaned = super().clean()
        method, params = cleaned.get("method"), cleaned.get("params") or {}
        if method in METHODS:
            accepted = METHODS[method][1]
            unknown = sorted(k for k in params if k not in accepted)
            if unknown:
                self.add_error(
                    "params",
                    _("El método %(method)s no acepta: %(names)s. Acepta: %(accepted)s.")
                    % {"method": method, "names": ", ".join(unknown), "accepted": ", ".join(accepted) or "—"},
                )
        return cleaned


class QuietPeriodForm(forms.ModelForm):
    class Meta:
        model = QuietPeriod
        fields = ["start", "end", "reason"]
        widgets = {"start": forms.DateInput(attrs={"type": "date"}), "end": forms.DateInput(attrs={"type": "date"})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            raise forms.ValidationError(_("La fecha final es anterior a la inicial."))
        return cleaned
