"""Indicator definitions edited by analysts: the numerator is built from families, ICCS codes and prefixes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from atalaya.accounts.forms import MunicipalityOwnedForm
from atalaya.taxonomy.models import Catalogue, Family, IccsClass

from .models import Indicator


def _split(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


class IndicatorForm(MunicipalityOwnedForm, forms.ModelForm):
    families = forms.MultipleChoiceField(
        label=_("Familias del observatorio"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    iccs = forms.CharField(
        label=_("Clases ICCS"),
        required=False,
        max_length=300,
        help_text=_("Códigos separados por comas; cada uno incluye sus subclases (0101 incluye 010321)."),
    )
    categories = forms.CharField(
        label=_("Prefijos de categorías de origen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("fuente:prefijo, separados por comas; p. ej. sesnsp:robo/robo-a-negocio, cead:hurtos."),
    )

    class Meta:
        model = Indicator
        fields = [
            "code",
            "municipality",
            "name",
            "name_en",
            "description",
            "methodology",
            "measure",
            "filters",
            "unit",
            "denominator",
            "sources",
            "periodicity",
            "better",
            "order",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if user is not None:  # a denominator the user could not see would leak another municipality's definition
            self.fields["denominator"].queryset = Indicator.objects.visible_to(user)
        self.fields["families"].choices = [(f.code, f.name) for f in Family.objects.all()]
        numerator = self.instance.numerator if self.instance.pk else {}
        self.fields["families"].initial = numerator.get("families", [])
        self.fields["iccs"].initial = ", ".join(numerator.get("iccs", []))
        self.fields["categories"].initial = ", ".join(numerator.get("categories", []))
        if self.instance.pk:
            self.fields["code"].disabled = True  # stable: bookmarks, API clients and exports use it

    def clean_iccs(self):
        codes = _split(self.cleaned_data.get("iccs", ""))
        known = set(IccsClass.objects.values_list("code", flat=True))
        unknown = [c for c in codes if not any(k.startswith(c) for k in known)]
        if unknown:
            raise forms.ValidationError(_("Códigos ICCS desconocidos: %(codes)s.") % {"codes": ", ".join(unknown)})
        return codes

    def clean_categories(self):
        prefixes = _split(self.cleaned_data.get("categories", ""))
        sources = set(Catalogue.objects.values_list("source", flat=True))
        wrong = [p for p in prefixes if ":" not in p or p.split(":", 1)[0] not in sources]
        if wrong:
            raise forms.ValidationError(
                _("Use fuente:prefijo con una fuente conocida (%(sources)s): %(wrong)s.")
                % {"sources": ", ".join(sorted(sources)), "wrong": ", ".join(wrong)}
            )
        return prefixes

    def clean(self):
        data = super().clean()
        if not (data.get("families") or data.get("iccs") or data.get("categories")):
            raise forms.ValidationError(_("Indique qué cuenta el indicador: familias, clases ICCS o categorías."))
        return data

    def save(self, commit: bool = True):
        data = self.cleaned_data
        numerator = {key: data[key] for key in ("families", "iccs", "categories") if data.get(key)}
        self.instance.numerator = numerator
        return super().save(commit)
