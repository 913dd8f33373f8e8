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
        label=_("¿Qué pasa, desde cuándo, a qué horas?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=5000,
    )
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

    def report(self, municipality, **extra):
        """The problem through ``services.report_problem`` (the public and the staff form alike); a refusal
        becomes the form's errors and ``None``."""
        from django.core.exceptions import ValidationError

        from . import services

        data = self.cleaned_data
        try:
            return services.report_problem(
                municipality=municipality,
                category=data["category"],
                title=data["title"],
                description=data["description"],
                lat=data["lat"],
                lon=data["lon"],
                address=data["address"],
                uploads=tuple(data["photos"]),
                **extra,
            )
        except ValidationError as exc:
            for message in exc.messages:
                self.add_error(None, message)
            return None


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


class SaraForm(forms.ModelForm):
    """The team's text of the SARA file, all four stages; the version guards against two people saving at once."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        from .models import SaraFile

        model = SaraFile
        fields = [
            "radius_m",
            "frequency",
            "duration",
            "priority",
            "goal",
            "offender",
            "handler",
            "target",
            "guardian",
            "place",
            "manager",
            "hypotheses",
            "options",
            "chosen_response",
            "objectives",
            "response_start",
            "response_end",
            "implemented",
            "result",
            "decision",
            "assessment_notes",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in fields
            if name not in ("radius_m", "frequency", "duration", "priority", "implemented", "result", "decision")
            and not name.startswith("response_")
        }
        widgets |= {
            "response_start": forms.DateInput(attrs={"type": "date"}),
            "response_end": forms.DateInput(attrs={"type": "date"}),
        }


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Acción"), max_length=300)
    owner = forms.CharField(label=_("Responsable"), max_length=120)
    institution = forms.CharField(label=_("Institución"), max_length=120, required=False)
    deadline = forms.DateField(label=_("Plazo"), widget=forms.DateInput(attrs={"type": "date"}))


class ActionStatusForm(forms.Form):
    from .choices import ActionStatus

    status = forms.ChoiceField(label=_("Estado"), choices=ActionStatus.choices)
    evidence = forms.CharField(
        label=_("Evidencia"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )


class AssessForm(forms.Form):
    """The periods to compare, the ring's width and the control (a territory, or the rest of the municipality)."""

    before_start = forms.DateField(label=_("Antes: desde"), widget=forms.DateInput(attrs={"type": "date"}))
    before_end = forms.DateField(label=_("Antes: hasta"), widget=forms.DateInput(attrs={"type": "date"}))
    after_start = forms.DateField(label=_("Después: desde"), widget=forms.DateInput(attrs={"type": "date"}))
    after_end = forms.DateField(label=_("Después: hasta"), widget=forms.DateInput(attrs={"type": "date"}))
    buffer_m = forms.IntegerField(label=_("Ancho del anillo alrededor (m)"), min_value=50, max_value=5000, initial=400)
    control = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Área de control"), empty_label=_("resto del municipio")
    )

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        from atalaya.geo.models import Territory

        self.fields["control"].queryset = Territory.objects.filter(municipality=municipality, geometry__isnull=False)


class MesaForm(forms.Form):
    from .choices import MesaKind

    name = forms.CharField(label=_("Nombre"), max_length=160)
    kind = forms.ChoiceField(label=_("Tipo"), choices=MesaKind.choices)
    territory = forms.ModelChoiceField(queryset=None, required=False, label=_("Territorio"))
    theme = forms.CharField(label=_("Tema"), max_length=160, required=False)
    schedule = forms.CharField(label=_("Calendario"), max_length=160, required=False)
    is_public = forms.BooleanField(label=_("Publica sus acuerdos"), required=False, initial=True)
    indicators = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label=_("Indicadores que miden su trabajo")
    )

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        from atalaya.geo.models import Territory
        from atalaya.indicators.models import Indicator

        self.fields["territory"].queryset = Territory.objects.filter(municipality=municipality)
        self.fields["indicators"].queryset = Indicator.objects.filter(
            Q(municipality__isnull=True) | Q(municipality=municipality)
        ).order_by("name")


class MemberForm(forms.Form):
    from .choices import MemberRole

    name = forms.CharField(label=_("Nombre"), max_length=120)
    institution = forms.CharField(label=_("Institución"), max_length=160)
    role = forms.ChoiceField(label=_("Sector"), choices=MemberRole.choices)
    email = forms.EmailField(label=_("Correo"), required=False)


class SessionForm(forms.Form):
    from .choices import SessionKind

    kind = forms.ChoiceField(label=_("Tipo"), choices=SessionKind.choices)
    starts_at = forms.DateTimeField(
        label=_("Fecha y hora"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Lugar"), max_length=200, required=False)
    problem = forms.CharField(label=_("Número del problema (convocatoria ágil)"), max_length=30, required=False)
    notify = forms.BooleanField(label=_("Enviar la convocatoria por correo"), required=False, initial=True)


class MinutesForm(forms.Form):
    text = forms.CharField(label=_("Acta"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AgreementForm(forms.Form):
    title = forms.CharField(label=_("Acuerdo"), max_length=200)
    owner = forms.CharField(label=_("Responsable"), max_length=120)
    institution = forms.CharField(label=_("Institución"), max_length=160)
    deadline = forms.DateField(label=_("Plazo"), widget=forms.DateInput(attrs={"type": "date"}))
    problem = forms.CharField(label=_("Número del problema (opcional)"), max_length=30, required=False)
    is_public = forms.BooleanField(label=_("Público"), required=False, initial=True)


class AgreementUpdateForm(forms.Form):
    from .choices import AgreementStatus

    status = forms.ChoiceField(label=_("Estado"), choices=AgreementStatus.choices)
    progress = forms.IntegerField(label=_("Avance (%)"), min_value=0, max_value=100, required=False)
    text = forms.CharField(label=_("Nota"), max_length=2000, required=False)
    evidence = forms.CharField(label=_("Evidencia"), max_length=2000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Tema"), max_length=200, required=False)
    problem = forms.CharField(label=_("Número del problema (opcional)"), max_length=30, required=False)
    alert = forms.IntegerField(label=_("Número de la alerta (opcional)"), required=False, min_value=1)
    minutes = forms.IntegerField(label=_("Minutos"), min_value=1, max_value=240, initial=15)
