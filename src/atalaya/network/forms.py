from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.accounts.services import import_municipalities

from .choices import Design, PracticeStatus, Rating
from .models import Activity, Practice, PracticeOutcome, Transfer
from .services import EUCPN_CRITERIA


def _problem_types() -> list[tuple[str, str]]:
    """The problem types (SARA categories) of every municipality, by code: practices are shared across the network,
    so a type is named by its Open311 code with the names municipalities give it."""
    from atalaya.proximity.models import ProblemCategory

    names: dict[str, set[str]] = {}
    for code, name in ProblemCategory.objects.values_list("code", "name"):
        names.setdefault(code, set()).add(name)
    return sorted(((code, " / ".join(sorted(n))) for code, n in names.items()), key=lambda c: c[1].lower())


def _families() -> list[tuple[str, str]]:
    from atalaya.taxonomy.models import Family

    return list(Family.objects.values_list("code", "name"))


class PracticeForm(forms.ModelForm):
    """The practice record, its links (problem types, crime families, programmes, evaluations, cost-benefit sheets,
    indicators of the contributing municipality) and the EUCPN minimum criteria as a checklist."""

    problem_types = forms.MultipleChoiceField(
        label=_("Tipos de problema (SARA)"), required=False, widget=forms.CheckboxSelectMultiple
    )
    crime_families = forms.MultipleChoiceField(
        label=_("Familias delictivas que atiende"), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Practice
        fields = [
            "municipality",
            "code",
            "title",
            "summary",
            "problem",
            "target_group",
            "mechanism",
            "context",
            "implementation",
            "cost",
            "contacts",
            "effect",
            "effect_quality",
            "mechanism_quality",
            "moderators",
            "moderators_quality",
            "implementation_quality",
            "economic_quality",
            "starting_point",
            "initial_questions",
            "process_recovery",
            "critical_reflection",
            "arrival_points",
            "dissemination_ready",
            "problem_types",
            "crime_families",
            "programmes",
            "evaluations",
            "cost_benefit",
            "indicators",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "summary",
                "problem",
                "target_group",
                "mechanism",
                "context",
                "implementation",
                "cost",
                "contacts",
                "effect",
                "moderators",
                "starting_point",
                "initial_questions",
                "process_recovery",
                "critical_reflection",
                "arrival_points",
            )
        }

    def __init__(self, *args, user, **kwargs):
        from atalaya.indicators.models import Indicator
        from atalaya.programmes.models import CostBenefitSheet, Evaluation, Programme

        super().__init__(*args, **kwargs)
        mine = import_municipalities(user)
        self.fields["municipality"].queryset = mine
        if self.instance.pk:  # its municipality and its code (the address of its pages) stay as created
            self.fields["municipality"].disabled = True
            self.fields["code"].disabled = True
            mine = mine.filter(pk=self.instance.municipality_id)
        self.fields["problem_types"].choices = _problem_types()
        self.fields["crime_families"].choices = _families()
        self.fields["programmes"].queryset = Programme.objects.filter(municipality__in=mine)
        self.fields["evaluations"].queryset = Evaluation.objects.filter(programme__municipality__in=mine)
        self.fields["cost_benefit"].queryset = CostBenefitSheet.objects.filter(programme__municipality__in=mine)
        self.fields["indicators"].queryset = Indicator.objects.filter(
            models.Q(municipality=None) | models.Q(municipality__in=mine)
        )
        for name in ("programmes", "evaluations", "cost_benefit", "indicators"):
            self.fields[name].required = False
            self.fields[name].widget = forms.CheckboxSelectMultiple(choices=self.fields[name].choices)
        declared = self.instance.eucpn_criteria or {}
        for key, label in EUCPN_CRITERIA.items():
            self.fields[f"eucpn_{key}"] = forms.BooleanField(label=label, required=False, initial=declared.get(key))

    LINKS = ("problem_types", "crime_families", "programmes", "evaluations", "cost_benefit", "indicators")

    def eucpn_fields(self):
        return [self[f"eucpn_{key}"] for key in EUCPN_CRITERIA]

    def link_fields(self):
        return [self[name] for name in self.LINKS]

    def record_fields(self):
        return [f for f in self if f.name not in self.LINKS and not f.name.startswith("eucpn_")]

    def clean(self):
        data = super().clean()
        municipality = self.instance.municipality if self.instance.pk else data.get("municipality")
        for name in ("programmes", "evaluations", "cost_benefit"):
            for item in data.get(name) or []:
                owner = item.municipality_id if name == "programmes" else item.programme.municipality_id
                if municipality is not None and owner != municipality.pk:
                    self.add_error(name, _("«%(item)s» es de otro municipio.") % {"item": item})
        return data

    def save(self, commit=True):
        practice = super().save(commit=False)
        practice.eucpn_criteria = {key: bool(self.cleaned_data.get(f"eucpn_{key}")) for key in EUCPN_CRITERIA}
        if commit:
            practice.save()
            self.save_m2m()
        return practice


class OutcomeForm(forms.ModelForm):
    class Meta:
        model = PracticeOutcome
        fields = ["outcome", "design", "studies", "evidence"]
        widgets = {"evidence": forms.Textarea(attrs={"rows": 2})}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Buscar"), required=False, max_length=200)
    calificacion = forms.ChoiceField(label=_("Calificación"), required=False, choices=[("", "—"), *Rating.choices])
    diseno = forms.ChoiceField(label=_("Diseño"), required=False, choices=[("", "—"), *Design.choices])
    estado = forms.ChoiceField(label=_("Estado"), required=False, choices=[("", "—"), *PracticeStatus.choices])


class AssignForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(label=_("Revisores"), queryset=get_user_model().objects.none())

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = (
            get_user_model().objects.filter(is_active=True).exclude(memberships__municipality=practice.municipality)
        )


class AdoptionForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipio que la adopta"), queryset=None)
    programme = forms.ModelChoiceField(
        label=_("Programa con que se aplica"),
        queryset=None,
        required=False,
        help_text=_("Sus evaluaciones se muestran como los resultados medidos."),
    )
    started = forms.DateField(label=_("Inicio"), widget=forms.DateInput(attrs={"type": "date"}))
    adaptations = forms.CharField(label=_("Adaptaciones"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    results = forms.CharField(label=_("Resultados medidos"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, practice, **kwargs):
        from atalaya.programmes.models import Programme

        super().__init__(*args, **kwargs)
        mine = import_municipalities(user).exclude(pk=practice.municipality_id)
        self.fields["municipality"].queryset = mine
        self.fields["programme"].queryset = Programme.objects.filter(municipality__in=mine)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Título"), max_length=200)
    file = forms.FileField(label=_("Archivo (PDF o imagen)"))
    is_public = forms.BooleanField(label=_("Público al publicarse la práctica"), required=False)


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Título"), max_length=200)
    file = forms.FileField(label=_("Archivo (PDF o imagen)"))


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["organiser", "kind", "title", "start", "end", "place", "online", "materials"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
            "materials": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("La actividad termina antes de empezar."))
        return data


class RegistrationsForm(forms.Form):
    file = forms.FileField(
        label=_("Lista de inscripción y asistencia (CSV o XLSX)"),
        help_text=_(
            "Columnas: nombre, correo, codigo_municipio, pais (MX o CL), modalidad (presencial o en_linea), "
            "asistio (sí/no)."
        ),
    )
    replace = forms.BooleanField(label=_("Reemplazar la lista anterior"), required=False)

    def clean_file(self):
        from atalaya.core.uploads import checked_size

        return checked_size(self.cleaned_data["file"])


class TransferForm(forms.ModelForm):
    """A model transferred between two municipalities; its results and end are written as they come."""

    class Meta:
        model = Transfer
        fields = [
            "origin",
            "destination",
            "practice",
            "model_name",
            "adaptations",
            "start",
            "end",
            "results",
            "funding",
        ]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
            "adaptations": forms.Textarea(attrs={"rows": 3}),
            "results": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices
        self.fields["practice"].required = False

    def clean(self):
        data = super().clean()
        if data.get("origin") and data.get("origin") == data.get("destination"):
            self.add_error("destination", _("El destino debe ser otro municipio."))
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("La transferencia termina antes de empezar."))
        return data
