"""Forms of the alerts pages: moving an alert along its lifecycle, comments, subscriptions and settings."""

from __future__ import annotations

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


def _methods_accepting(name: str) -> str:
    return ", ".join(method for method, (_description, accepted) in METHODS.items() if name in accepted)


#: The detectors' parameters as form fields (empty: the method's default). Rarely changed ones (``limit54``,
#: ``r_compat``, ``population``, ``train``) stay as they are and are edited in the administration.
PARAMETER_FIELDS = {
    "alpha": lambda: forms.FloatField(
        localize=True,
        label=_("Nivel de significación (α)"),
        min_value=1e-6,
        max_value=0.5,
        help_text=_("Probabilidad de una falsa alarma por periodo: más pequeño, menos alertas (p. ej. 0,001)."),
    ),
    "b": lambda: forms.IntegerField(label=_("Años de historia (b)"), min_value=1, max_value=10),
    "w": lambda: forms.IntegerField(label=_("Periodos a cada lado en la línea base (w)"), min_value=0, max_value=12),
    "past_weeks_not_included": lambda: forms.IntegerField(
        label=_("Periodos recientes fuera de la línea base"), min_value=0, max_value=104
    ),
    "threshold_method": lambda: forms.ChoiceField(
        label=_("Umbral"),
        choices=[("", _("el del método")), ("delta", "delta"), ("nbPlugin", "nbPlugin"), ("muan", "muan")],
    ),
    "baseline": lambda: forms.IntegerField(label=_("Periodos de referencia"), min_value=3, max_value=52),
    "min_sigma": lambda: forms.FloatField(localize=True, label=_("Desviación mínima"), min_value=0, max_value=100),
    "shift": lambda: forms.FloatField(
        localize=True, label=_("Alza a detectar (desviaciones)"), min_value=0.1, max_value=10
    ),
    "h": lambda: forms.FloatField(localize=True, label=_("Umbral de decisión (h)"), min_value=0.1, max_value=100),
}


class AlertSettingsForm(forms.ModelForm):
    """The settings with one field per detector parameter (empty: the method's default), never raw JSON."""

    class Meta:
        model = AlertSettings
        fields = [
            "enabled",
            "method",
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
        stored = self.instance.params or {}
        for name, build in PARAMETER_FIELDS.items():
            field = build()
            field.required = False
            methods = _methods_accepting(name)
            field.help_text = " ".join(
                str(part) for part in (field.help_text, _("Solo para: %(m)s.") % {"m": methods}) if part
            )
            field.widget.attrs["data-methods"] = methods
            self.fields[f"param_{name}"] = field
            self.initial[f"param_{name}"] = stored.get(name)

    def clean(self):
        cleaned = super().clean()
        method = cleaned.get("method")
        accepted = METHODS[method][1] if method in METHODS else ()
        kept = {k: v for k, v in (self.instance.params or {}).items() if k not in PARAMETER_FIELDS and k in accepted}
        params = {}
        for name in PARAMETER_FIELDS:
            value = cleaned.get(f"param_{name}")
            if value in (None, ""):
                continue
            if name not in accepted:
                self.add_error(
                    f"param_{name}",
                    _("El método %(method)s no usa este parámetro (lo usan: %(names)s).")
                    % {"method": method, "names": _methods_accepting(name)},
                )
            params[name] = value
        self.instance.params = {**kept, **params}
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
