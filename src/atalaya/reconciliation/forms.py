"""The run form of the mesa de validación and the analyst's decision on a pair."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from atalaya.accounts.services import import_municipalities
from atalaya.geo.models import Municipality
from atalaya.taxonomy.models import Family

from .models import Verdict


class RunForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipio"), queryset=Municipality.objects.none())
    family = forms.ModelChoiceField(
        label=_("Familia delictiva"), queryset=Family.objects.order_by("name"), to_field_name="code"
    )
    sources = forms.CharField(
        label=_("Fuentes"),
        max_length=400,
        help_text=_("Dos o más, separadas por comas, en el orden en que se concilian (p. ej. policia, fiscalia)."),
    )
    start = forms.DateField(label=_("Desde"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Hasta"), widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label=_("Tolerancia en días"), min_value=0, max_value=31, initial=1)
    metres = forms.IntegerField(label=_("Tolerancia en metros"), min_value=1, max_value=20_000, initial=500)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Running a reconciliation is an analyst's task, like an import.
        self.fields["municipality"].queryset = import_municipalities(user)
        today = dt.date.today()
        self.fields["start"].initial = today.replace(month=1, day=1)
        self.fields["end"].initial = today

    def clean_sources(self) -> list[str]:
        sources = [part.strip() for part in self.cleaned_data["sources"].split(",") if part.strip()]
        if len(sources) < 2:
            raise forms.ValidationError(_("Indique al menos dos fuentes, separadas por comas."))
        return sources


class DecisionForm(forms.Form):
    key_a = forms.CharField(max_length=220, widget=forms.HiddenInput)
    key_b = forms.CharField(max_length=220, widget=forms.HiddenInput)
    verdict = forms.ChoiceField(label=_("Decisión"), choices=Verdict.choices)
    reason = forms.CharField(label=_("Motivo"), max_length=2000)
