"""Intake and screening forms. The screening form is built from the instrument's definition (one checkbox per
factor, grouped by domain), so that a new instrument version needs no code."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from atalaya.analysis.identifiers import InvalidIdentifier, normalise_national_id
from atalaya.analysis.screening import parse_instrument
from atalaya.geo.models import Territory

from .choices import (
    ApprovalKind,
    Channel,
    ClosureOutcome,
    ConsentPurpose,
    FollowUpKind,
    LineStatus,
    PersonKind,
    Relation,
    RiskLevel,
    Sex,
    TransitionKind,
    TransitionStatus,
)
from .models import Service, ServiceLine, Team

User = get_user_model()


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


class CaseChangeForm(forms.Form):
    """Every form that changes a case carries the version it was opened on (and when), so that a change made
    meanwhile by someone else is shown instead of being overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, case=None, user=None, **kwargs):
        self.case, self.user = case, user
        super().__init__(*args, **kwargs)

    def visible_values(self) -> list[tuple[str, str]]:
        """What the user filled in, as label and text (shown beside the other person's change on a conflict)."""
        shown = []
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            value = self.cleaned_data.get(name)
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                value = dict(field.choices).get(value, value)
            if isinstance(value, bool):
                value = _("sí") if value else _("no")
            shown.append((str(field.label), "" if value in (None, "") else str(value)))
        return shown


class ConsentForm(CaseChangeForm):
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices, label=_("Propósito"))
    given = forms.TypedChoiceField(
        choices=[("1", _("Otorgado")), ("0", _("Negado"))], coerce=lambda v: v == "1", label=_("Respuesta")
    )
    given_by = forms.CharField(label=_("Otorgado o negado por"), max_length=120)


class ReferralForm(CaseChangeForm):
    """A referral from a plan line to its provider, or a transfer of the case to another worker."""

    kind = forms.ChoiceField(
        choices=[(TransitionKind.REFERRAL, _("Derivación")), (TransitionKind.TRANSFER, _("Transferencia"))],
        label=_("Tipo"),
    )
    service_line = forms.ModelChoiceField(
        queryset=ServiceLine.objects.none(), required=False, label=_("Línea del plan (derivación)")
    )
    to_user = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("Recibe (transferencia)"))
    due_date = forms.DateField(
        label=_("Plazo"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Vacío: el plazo de la línea del plan."),
    )
    override_reason = forms.CharField(
        label=_("Motivo para derivar sin consentimiento (solo supervisión)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        from .referrals import receivers

        super().__init__(*args, **kwargs)
        self.fields["service_line"].queryset = self.case.service_lines.filter(
            status__in=[LineStatus.PLANNED, LineStatus.IN_PROGRESS]
        ).select_related("service")
        self.fields["to_user"].queryset = receivers(self.case).exclude(pk=self.case.owner_id)


class AnswerForm(CaseChangeForm):
    """The answer to a referral or transfer: only the moves its state allows are offered."""

    to_status = forms.ChoiceField(choices=(), label=_("Nuevo estado"))
    reason = forms.CharField(
        label=_("Motivo (para rechazar o revocar)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, transition, **kwargs):
        from .referrals import MOVES

        super().__init__(*args, **kwargs)
        allowed = MOVES.get(transition.status, set())
        self.fields["to_status"].choices = [(v, label) for v, label in TransitionStatus.choices if v in allowed]


class ServiceLineForm(CaseChangeForm):
    service = forms.ModelChoiceField(queryset=Service.objects.none(), label=_("Servicio"))
    goal = forms.CharField(label=_("Objetivo"), max_length=300)
    due_date = forms.DateField(label=_("Plazo"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from .workflow import services_for

        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(pk__in=[s.pk for s in services_for(self.case)])


class LineCloseForm(CaseChangeForm):
    status = forms.ChoiceField(
        choices=[(LineStatus.DONE, LineStatus.DONE.label), (LineStatus.CANCELLED, LineStatus.CANCELLED.label)],
        label=_("Marcar como"),
    )
    reason = forms.CharField(label=_("Motivo (para cancelar)"), required=False, max_length=2000)


class FollowUpForm(CaseChangeForm):
    kind = forms.ChoiceField(choices=FollowUpKind.choices, label=_("Tipo"))
    description = forms.CharField(label=_("Qué hay que hacer"), max_length=300)
    due_date = forms.DateField(label=_("Plazo"), widget=forms.DateInput(attrs={"type": "date"}))
    assigned_to = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("Encargada o encargado"))

    def __init__(self, *args, **kwargs):
        from .workflow import team_members

        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = team_members(self.case)


class FollowUpDoneForm(CaseChangeForm):
    result = forms.CharField(label=_("Resultado"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class ApprovalRequestForm(CaseChangeForm):
    kind = forms.ChoiceField(choices=ApprovalKind.choices, label=_("Qué se pide aprobar"))
    outcome = forms.ChoiceField(
        choices=[("", "—"), *ClosureOutcome.choices], required=False, label=_("Resultado (para el cierre)")
    )
    note = forms.CharField(
        label=_("Fundamento"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(CaseChangeForm):
    decision = forms.TypedChoiceField(
        choices=[("1", _("Aprobar")), ("0", _("Devolver con observaciones"))],
        coerce=lambda v: v == "1",
        label=_("Decisión"),
    )
    comment = forms.CharField(
        label=_("Observaciones"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(CaseChangeForm):
    """A supervisor chooses anyone of the team; a worker may only take the case for themselves."""

    to_user = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Responsable"))

    def __init__(self, *args, **kwargs):
        from .access import supervises
        from .workflow import team_members

        super().__init__(*args, **kwargs)
        members = team_members(self.case)
        self.fields["to_user"].queryset = (
            members if supervises(self.user, self.case) else members.filter(pk=self.user.pk)
        )


class ReopenForm(CaseChangeForm):
    reason = forms.CharField(label=_("Motivo"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ScreeningForm(CaseChangeForm):
    """The factors of one instrument version, then the level to keep if the worker disagrees (with a reason)."""

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


#: A police list is a few hundred rows; 20 MB leaves room for XLSX overhead and refuses anything else.
MAX_LIST_BYTES = 20 * 1024 * 1024


class PoliceListForm(forms.Form):
    """A police list for one of the teams the user supervises or coordinates; «only check» is on by default."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=_("Equipo que recibe"))
    file = forms.FileField(label=_("Lista (CSV o XLSX)"))
    dry_run = forms.BooleanField(
        label=_("Solo revisar, sin cargar"),
        required=False,
        initial=True,
        help_text=_("Primero revise el informe; luego desmarque esta casilla y vuelva a enviar la lista."),
    )

    def __init__(self, *args, user, **kwargs):
        from .access import supervised_teams

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(pk__in=supervised_teams(user)).select_related(
            "municipality__country"
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("El archivo está vacío (0 bytes)."))
        if upload.size > MAX_LIST_BYTES:
            raise forms.ValidationError(_("Una lista no puede pesar más de 20 MB."))
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Se espera un archivo CSV o XLSX."))
        return upload


class EmergencyAccessForm(forms.Form):
    """Find a person by code or national id and state why their case must be opened now."""

    query = forms.CharField(label=_("Código de persona, RUT o CURP"), max_length=30)
    reason = forms.CharField(
        label=_("Motivo"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Quedará en el registro y se avisará a la supervisión del equipo del caso."),
    )


class HouseholdForm(CaseChangeForm):
    """The person's place in a household: with another person (by code) or in a new household."""

    other_code = forms.CharField(
        label=_("Código de otra persona del hogar"),
        required=False,
        max_length=12,
        help_text=_("Vacío: un hogar nuevo solo con esta persona."),
    )
    relation = forms.ChoiceField(choices=Relation.choices, label=_("Vínculo de esta persona en el hogar"))


class IdentityForm(CaseChangeForm):
    """Correcting who the person is; the national id is checked like on the intake."""

    given_names = forms.CharField(label=_("Nombres"), required=False, max_length=120)
    family_names = forms.CharField(label=_("Apellidos"), required=False, max_length=120)
    national_id = forms.CharField(label=_("RUT o CURP"), required=False, max_length=30)
    birth_date = forms.DateField(
        label=_("Fecha de nacimiento"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sex = forms.ChoiceField(choices=[("", "—"), *Sex.choices], required=False, label=_("Sexo"))
    address = forms.CharField(label=_("Dirección"), required=False, max_length=200)
    phone = forms.CharField(label=_("Teléfono"), required=False, max_length=40)
    territory = forms.ModelChoiceField(queryset=Territory.objects.none(), required=False, label=_("Territorio"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = Territory.objects.filter(municipality=self.case.municipality).order_by(
            "level", "name"
        )

    def clean_national_id(self):
        value = (self.cleaned_data.get("national_id") or "").strip()
        if value:
            try:
                return normalise_national_id(value, self.case.municipality.country.code)
            except InvalidIdentifier as exc:
                raise forms.ValidationError(str(exc)) from exc
        return value
