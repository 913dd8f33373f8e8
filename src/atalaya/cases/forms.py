"""Intake and screening forms. The screening form is built from the instrument's definition (one checkbox per
factor, grouped by domain), so that a new instrument version needs no code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from atalaya.analysis.identifiers import InvalidIdentifier, normalise_national_id
from atalaya.analysis.screening import parse_instrument
from atalaya.geo.models import Territory

from .choices import Channel, PersonKind, RiskLevel, Sex
from .models import Team


class IntakeForm(forms.Form):
    """A new intake: the team that takes it, who the person is, and how the case arrived."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=_("Equipo"))
    kind = forms.ChoiceField(choices=PersonKind.choices, label=_("Tipo de persona"))
    national_id = forms.CharField(label=_("RUT o CURP"), required=False, max_length=30)
    given_names = forms.CharField(label=_("Nombres"), required=False, max_length=120)
    family_names = forms.CharField(label=_("Apellidos"), required=False, max_length=120)
    birth_date = forms.DateField(
        label=_("Fecha de nacimiento"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sex = forms.ChoiceField(choices=[("", "—"), *Sex.choices], required=False, label=_("Sexo"))
    address = forms.CharField(label=_("Dirección"), required=False, max_length=200)
    phone = forms.CharField(label=_("Teléfono"), required=False, max_length=40)
    territory = forms.ModelChoiceField(queryset=Territory.objects.none(), required=False, label=_("Territorio"))
    channel = forms.ChoiceField(choices=Channel.choices, label=_("Vía de ingreso"))
    institution = forms.CharField(label=_("Institución que deriva"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("Relato"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(members__user=user).select_related("municipality").order_by("name")
        self.fields["team"].queryset = teams
        self.fields["territory"].queryset = Territory.objects.filter(
            municipality__in=teams.values("municipality")
        ).order_by("level", "name")

    def clean(self):
        data = super().clean()
        team, national_id = data.get("team"), (data.get("national_id") or "").strip()
        if team and national_id:
            try:
                data["national_id"] = normalise_national_id(national_id, team.municipality.country.code)
            except InvalidIdentifier as exc:
                self.add_error("national_id", str(exc))
        territory = data.get("territory")
        if team and territory and territory.municipality_id != team.municipality_id:
            self.add_error("territory", _("El territorio es de otro municipio que el equipo."))
        return data


class ScreeningForm(forms.Form):
    """The factors of one instrument version, then the level to keep if the worker disagrees (with a reason)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    level = forms.ChoiceField(
        choices=[("", _("el que da el instrumento")), *RiskLevel.choices], required=False, label=_("Nivel")
    )
    reason = forms.CharField(
        label=_("Motivo si cambia el nivel"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, instrument, **kwargs):
        super().__init__(*args, **kwargs)
        parsed = parse_instrument(instrument.definition)
        self.domains = []
        for code, label in parsed.domains:
            names = []
            for item in parsed.items:
                if item.domain != code:
                    continue
                name = f"f_{item.code}"
                kind = _("riesgo") if item.kind == "riesgo" else _("protector")
                self.fields[name] = forms.BooleanField(required=False, label=f"{item.label} ({kind}, {item.weight:g})")
                names.append(name)
            self.domains.append((label, names))

    def answers(self) -> dict[str, bool]:
        return {name[2:]: bool(value) for name, value in self.cleaned_data.items() if name.startswith("f_")}
