from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import SurveyKind
from .models import SurveyMapping


class SurveyUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Encuesta"), choices=SurveyKind.choices, initial=SurveyKind.ENSU)
    mapping = forms.ModelChoiceField(
        label=_("Mapeo de columnas"),
        queryset=SurveyMapping.objects.none(),
        required=False,
        help_text=_("Solo para encuestas con diseño declarado (p. ej. la ENUSC)."),
    )
    period = forms.CharField(
        label=_("Periodo"),
        max_length=20,
        required=False,
        help_text=_("Si el archivo no trae una columna de periodo: p. ej. 2023."),
    )
    name = forms.CharField(label=_("Nombre"), max_length=200, required=False)
    file = forms.FileField(label=_("Archivo (CSV o ZIP de INEGI)"))

    def __init__(self, *args, municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = SurveyMapping.objects.filter(municipality=municipality)

    def clean(self):
        data = super().clean()
        if data.get("kind") == SurveyKind.GENERIC and not data.get("mapping"):
            self.add_error("mapping", _("Elija el mapeo de columnas de la encuesta."))
        return data
