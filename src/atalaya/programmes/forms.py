from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from atalaya.geo.models import Territory
from atalaya.indicators.models import Indicator

from .choices import Method
from .models import BudgetLine, CostBenefitSheet, CrimeCost, Programme, ResultIndicator, ResultLevel, Target

DATE = forms.DateInput(attrs={"type": "date"})


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "code",
            "name",
            "problem",
            "description",
            "target_groups",
            "territories",
            "start",
            "end",
            "currency",
            "participants",
            "team",
            "agreements",
        ]
        widgets = {"start": DATE, "end": DATE}

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["territories"].queryset = Territory.objects.filter(municipality=municipality).order_by(
            "level", "code"
        )
        self.fields["territories"].required = False
        from atalaya.proximity.models import Agreement

        self.fields["agreements"].queryset = Agreement.objects.filter(mesa__municipality=municipality)
        self.fields["agreements"].required = False

    def clean(self):
        data = super().clean()
        if data.get("end") and data.get("start") and data["end"] < data["start"]:
            self.add_error("end", _("El término es anterior al inicio."))
        levels = {t.level for t in data.get("territories") or []}
        if len(levels) > 1:
            self.add_error("territories", _("Elija territorios de un mismo nivel."))
        return data


class LevelForm(forms.ModelForm):
    class Meta:
        model = ResultLevel
        fields = ["kind", "parent", "narrative", "assumptions", "risks", "order"]

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = ResultLevel.objects.filter(programme=programme)
        self.fields["parent"].required = False


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = ResultIndicator
        fields = [
            "level",
            "code",
            "name",
            "definition",
            "unit",
            "direction",
            "baseline_value",
            "baseline_date",
            "baseline_source",
            "means_of_verification",
            "frequency",
            "responsible",
            "source",
            "observatory_indicator",
            "observatory_source",
            "survey_indicator",
        ]
        widgets = {"baseline_date": DATE}

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = ResultLevel.objects.filter(programme=programme)
        self.fields["observatory_indicator"].queryset = Indicator.objects.for_municipality(programme.municipality)
        self.fields["observatory_indicator"].required = False

    def clean(self):
        data = super().clean()
        if data.get("source") == "observatorio" and not (
            data.get("observatory_indicator") and data.get("observatory_source")
        ):
            self.add_error("observatory_indicator", _("Elija el indicador del observatorio y su fuente de datos."))
        if data.get("source") == "encuesta" and not data.get("survey_indicator"):
            self.add_error(
                "survey_indicator", _("Indique el indicador de la encuesta (p. ej. confianza_policia_municipal).")
            )
        return data


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["period_start", "period_end", "value"]
        widgets = {"period_start": DATE, "period_end": DATE}

    def clean(self):
        data = super().clean()
        if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
            self.add_error("period_end", _("El periodo termina antes de empezar."))
        return data


class MeasurementForm(forms.Form):
    period_start = forms.DateField(label=_("Desde"), widget=DATE)
    period_end = forms.DateField(label=_("Hasta"), widget=DATE)
    value = forms.FloatField(label=_("Valor logrado"))
    disaggregation = forms.CharField(
        label=_("Desagregación"), required=False, max_length=60, help_text=_("Opcional, p. ej. sexo=mujer.")
    )
    evidence_url = forms.URLField(label=_("Evidencia (enlace)"), required=False, assume_scheme="https")
    comment = forms.CharField(label=_("Comentario o fuente"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(
        label=_("Evidencia (archivo)"),
        required=False,
        help_text=_("PDF o foto, p. ej. la lista de asistencia firmada."),
    )

    def clean_disaggregation(self):
        text = self.cleaned_data.get("disaggregation", "").strip()
        if not text:
            return {}
        if "=" not in text:
            raise forms.ValidationError(_("Escriba la desagregación como categoría=valor, p. ej. sexo=mujer."))
        key, value = (part.strip() for part in text.split("=", 1))
        return {key[:30]: value[:30]}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("aprobar", _("Aprobar")), ("rechazar", _("Rechazar"))])
    comment = forms.CharField(label=_("Observación"), required=False, max_length=500)


class StatusForm(forms.Form):
    to = forms.CharField(max_length=20)
    comment = forms.CharField(label=_("Comentario"), required=False, max_length=1000)


class BudgetForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ["year", "category", "planned", "actual"]

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 1990 <= year <= dt.date.today().year + 10:
            raise forms.ValidationError(_("Año fuera de rango."))
        return year


class EvaluationForm(forms.Form):
    method = forms.ChoiceField(label=_("Método"), choices=Method.choices)
    outcome = forms.ModelChoiceField(
        label=_("Resultado (indicador del observatorio)"), queryset=Indicator.objects.none()
    )
    source = forms.CharField(label=_("Fuente de datos"), max_length=100)
    start = forms.DateField(label=_("Inicio del programa"), widget=DATE)
    control = forms.ModelMultipleChoiceField(
        label=_("Territorios de comparación"),
        queryset=Territory.objects.none(),
        required=False,
        help_text=_("Diferencias en diferencias: vacío = el resto del municipio. Antes y después: obligatorio."),
    )
    buffer = forms.ModelMultipleChoiceField(
        label=_("Territorios vecinos (desplazamiento)"), queryset=Territory.objects.none(), required=False
    )
    donors_file = forms.FileField(
        label=_("Archivo municipal del SESNSP (donantes del control sintético)"), required=False
    )

    def __init__(self, *args, programme, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].queryset = Indicator.objects.filter(
            municipality__isnull=True
        ) | Indicator.objects.filter(municipality=programme.municipality)
        territories = Territory.objects.filter(municipality=programme.municipality).exclude(
            pk__in=programme.territories.values("pk")
        )
        self.fields["control"].queryset = territories
        self.fields["buffer"].queryset = territories
        self.fields["source"].widget = forms.Select(choices=[(s, s) for s in sources])
        self.fields["start"].initial = programme.start

    def clean(self):
        data = super().clean()
        if data.get("method") == Method.SYNTH and not data.get("donors_file"):
            self.add_error("donors_file", _("El control sintético necesita el archivo de donantes."))
        if data.get("method") == Method.PLACE and not data.get("control"):
            self.add_error("control", _("Elija el área de control."))
        return data


class SheetForm(forms.ModelForm):
    class Meta:
        model = CostBenefitSheet
        fields = [
            "evaluation",
            "base_year",
            "discount_rate",
            "usd_rate",
            "usd_rate_date",
            "prison_year_cost",
            "participant_benefit_per_year",
            "deadweight",
            "draws",
            "seed",
        ]
        widgets = {"usd_rate_date": DATE}

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluation"].queryset = programme.evaluations.all()

    def clean_discount_rate(self):
        rate = self.cleaned_data["discount_rate"]
        if not 0 <= rate <= 0.2:
            raise forms.ValidationError(_("La tasa de descuento va de 0 a 0,2 (20 %)."))
        return rate

    def clean_draws(self):
        draws = self.cleaned_data["draws"]
        if not 1000 <= draws <= 1_000_000:
            raise forms.ValidationError(_("Entre 1 000 y 1 000 000 simulaciones."))
        return draws


class CrimeCostForm(forms.ModelForm):
    class Meta:
        model = CrimeCost
        fields = ["family", "currency", "victim", "justice", "prison_years", "low", "high", "source", "year"]

    def clean(self):
        data = super().clean()
        if data.get("low") is not None and data.get("high") is not None and not data["low"] <= 1 <= data["high"]:
            self.add_error("low", _("El factor bajo debe ser ≤ 1 y el alto ≥ 1."))
        return data
