"""Forms of the proximity module: the public report, and the staff's state change, note and merge."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .choices import Outcome
from .models import ProblemCategory


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos in one input (Django's documented way); each is checked by ``attachments.clean_upload``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    """What a neighbour tells: the kind of problem, where, what happens; name and e-mail only if they want news."""

    category = forms.ModelChoiceField(ProblemCategory.objects.none(), label=_("¿Qué tipo de problema?"))
    title = forms.CharField(label=_("Título breve"), max_length=160)
    description = forms.CharField(
        label=_("¿Qué pasa, desde cuándo, a qué horas?"), widget=forms.Textarea(attrs={"rows": 5}), required=False,
        max_length=5000,
    )  # fmt: skip
    lat = forms.FloatField(label=_("Latitud"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitud"), required=False, min_value=-180, max_value=180)
    address = forms.CharField(label=_("Dirección o referencia del lugar"), max_length=200, required=False)
    photos = MultipleFileField(label=_("Fotos (opcional)"), required=False)
    name = forms.CharField(label=_("Su nombre (opcional)"), max_length=120, required=False)
    email = forms.EmailField(label=_("Su correo, para avisarle de los cambios (opcional)"), required=False)
    website = forms.CharField(required=False, label=_("No llenar"))  # a field people do not see; robots fill it

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ProblemCategory.objects.filter(municipality=municipality, active=True)
        self.fields["photos"].help_text = _(
            "Hasta %(n)s fotos de %(mb)s MB; se les quita la ubicación y los datos de la cámara."
        ) % {
            "n": settings.ATALAYA_PROBLEM_MAX_ATTACHMENTS,
            "mb": settings.ATALAYA_PROBLEM_MAX_ATTACHMENT_MB,
        }


class StatusForm(forms.Form):
    to = forms.ChoiceField(label=_("Nuevo estado"))
    outcome = forms.ChoiceField(label=_("Resultado (al cerrar)"), choices=[("", "—"), *Outcome.choices], required=False)
    text = forms.CharField(label=_("Nota"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
    is_public = forms.BooleanField(label=_("Mostrar la nota en el portal"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = choices


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Nota"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    is_public = forms.BooleanField(label=_("Mostrar la nota en el portal"), required=False)


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Número del problema que sigue abierto"), max_length=30)
    version = forms.IntegerField(widget=forms.HiddenInput)
