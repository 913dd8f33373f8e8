from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from atalaya.accounts.models import IMPORT_ROLES
from atalaya.geo.models import Municipality
from atalaya.hooks import READERS

from .choices import OnError
from .models import ColumnMapping


class UploadForm(forms.Form):
    format = forms.ChoiceField(label=_("Formato"))
    municipality = forms.ModelChoiceField(label=_("Municipio"), queryset=Municipality.objects.none())
    mapping = forms.ModelChoiceField(
        label=_("Mapeo de columnas"),
        queryset=ColumnMapping.objects.all(),
        required=False,
        help_text=_("Solo para el formato de incidentes genéricos."),
    )
    on_error = forms.ChoiceField(label=_("Ante filas inválidas"), choices=OnError.choices, initial=OnError.REJECT)
    file = forms.FileField(label=_("Archivo"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [
            (name, f"{name} — {spec.description}") for name, spec in sorted(READERS.items())
        ]
        allowed = Municipality.objects.visible_to(user)
        if not user.is_superuser:
            allowed = allowed.filter(memberships__user=user, memberships__role__in=list(IMPORT_ROLES))
        self.fields["municipality"].queryset = allowed.distinct()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("El archivo está vacío (0 bytes)."))
        if upload.size > settings.ATALAYA_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("El archivo supera el tamaño máximo permitido."))
        return upload

    def clean(self):
        data = super().clean()
        spec = READERS.get(data.get("format", ""))
        if spec is not None and "mapping" in spec.options and not data.get("mapping"):
            self.add_error("mapping", _("Este formato necesita un mapeo de columnas."))
        return data
