"""Records of the early-warning system: teams, persons with their identity apart, households, cases per module,
intakes, screening instruments (versioned data) and screenings.

Every record belongs to a municipality and is scoped like the rest (``visible_to``); the case module's finer
scope (own / team / municipality) is applied by its services on top.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atalaya.core.fields import EncryptedTextField
from atalaya.core.scoping import ScopedQuerySet
from atalaya.geo.models import Municipality, Territory

from .choices import (
    ApprovalKind,
    ApprovalStatus,
    Channel,
    ClosureOutcome,
    ConsentPurpose,
    FollowUpKind,
    LineStatus,
    Module,
    PersonKind,
    ProviderKind,
    Relation,
    RiskLevel,
    Sex,
    Stage,
    TeamRole,
    TransitionKind,
    TransitionStatus,
)


class Team(models.Model):
    """The workers of one module in one municipality (a case belongs to a team; its supervisors approve)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="case_teams")
    module = models.CharField(_("módulo"), max_length=20, choices=Module.choices)
    name = models.CharField(_("nombre"), max_length=120)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("equipo")
        verbose_name_plural = _("equipos")
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_module_display()})"


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_teams")
    role = models.CharField(_("rol"), max_length=20, choices=TeamRole.choices, default=TeamRole.WORKER)

    objects = ScopedQuerySet.through("team__municipality")

    class Meta:
        verbose_name = _("integrante de equipo")
        verbose_name_plural = _("integrantes de equipo")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="teammember_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.team} · {self.get_role_display()}"


class Person(models.Model):
    """A person the system follows, known by a pseudonymous code. Names and national id are in
    :class:`Identity`, encrypted; the ``national_id_index`` (a keyed hash) finds the same person again."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="persons")
    code = models.CharField(
        _("código"), max_length=12, help_text=_("Código seudónimo que se muestra en lugar del nombre.")
    )
    kind = models.CharField(_("tipo de persona"), max_length=10, choices=PersonKind.choices)
    sex = models.CharField(_("sexo"), max_length=1, choices=Sex.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("año de nacimiento"), null=True, blank=True)
    territory = models.ForeignKey(
        Territory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("territorio de residencia"),
    )
    national_id_index = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("persona")
        verbose_name_plural = _("personas")
        # Equality on both columns: the lookup by RUT or CURP never scans a municipality's persons.
        indexes = [models.Index(fields=["national_id_index", "municipality"], name="person_national_id")]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="person_unique_code"),
            models.UniqueConstraint(
                fields=["municipality", "national_id_index"],
                condition=~models.Q(national_id_index=""),
                name="person_unique_national_id",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Identity(models.Model):
    """Who a person is: every field encrypted at rest (AES-GCM, keys from the environment)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True, related_name="identity")
    given_names = EncryptedTextField(_("nombres"), blank=True)
    family_names = EncryptedTextField(_("apellidos"), blank=True)
    national_id = EncryptedTextField(_("RUT o CURP"), blank=True)
    birth_date = EncryptedTextField(_("fecha de nacimiento"), blank=True)
    address = EncryptedTextField(_("dirección"), blank=True)
    phone = EncryptedTextField(_("teléfono"), blank=True)

    objects = ScopedQuerySet.through("person__municipality")

    class Meta:
        verbose_name = _("identidad")
        verbose_name_plural = _("identidades")

    def __str__(self) -> str:
        return f"identidad de {self.person_id}"


class Household(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="households")
    code = models.CharField(_("código"), max_length=12)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hogar")
        verbose_name_plural = _("hogares")
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="household_unique_code")]

    def __str__(self) -> str:
        return self.code


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="households")
    relation = models.CharField(_("vínculo"), max_length=20, choices=Relation.choices)

    objects = ScopedQuerySet.through("household__municipality")

    class Meta:
        verbose_name = _("integrante del hogar")
        verbose_name_plural = _("integrantes del hogar")
        constraints = [models.UniqueConstraint(fields=["household", "person"], name="householdmember_unique")]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.person_id} · {self.get_relation_display()}"


class Case(models.Model):
    """One person in one module: intakes join it, screenings set its risk, it closes and may reopen.

    ``version`` grows with every save through the services, so that two people editing the same case never
    overwrite each other silently (optimistic concurrency)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="cases")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="cases")
    module = models.CharField(_("módulo"), max_length=20, choices=Module.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_cases",
        verbose_name=_("responsable"),
    )
    risk_level = models.CharField(_("nivel de riesgo"), max_length=10, choices=RiskLevel.choices, blank=True)
    opened_at = models.DateTimeField(_("abierto"), default=timezone.now)
    closed_at = models.DateTimeField(_("cerrado"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("reabierto"), null=True, blank=True)
    closure_outcome = models.CharField(
        _("resultado del cierre"), max_length=30, choices=ClosureOutcome.choices, blank=True
    )
    stage = models.CharField(_("etapa"), max_length=20, choices=Stage.choices, default=Stage.NEW, editable=False)
    #: What the case list sorts by first: open cases by risk (high 0 … unscreened 3), then closed ones (4).
    #: Kept by the database itself, so that the list walks an index instead of sorting every case.
    priority = models.GeneratedField(
        expression=models.Case(
            models.When(closed_at__isnull=False, then=models.Value(4)),
            models.When(risk_level=RiskLevel.HIGH, then=models.Value(0)),
            models.When(risk_level=RiskLevel.MEDIUM, then=models.Value(1)),
            models.When(risk_level=RiskLevel.LOW, then=models.Value(2)),
            default=models.Value(3),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    assign_due_at = models.DateTimeField(_("asignar antes de"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("asignado"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalado a supervisión"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("caso")
        verbose_name_plural = _("casos")
        constraints = [models.UniqueConstraint(fields=["person", "module"], name="case_one_per_person_module")]
        indexes = [
            models.Index(fields=["municipality", "module", "closed_at"], name="case_mun_module_open"),
            models.Index(fields=["team", "closed_at", "assign_due_at"], name="case_team_queue"),
            models.Index(fields=["owner", "closed_at"], name="case_owner_open"),
            models.Index(fields=["municipality", "priority", "opened_at", "id"], name="case_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.person.code} · {self.get_module_display()}"

    # Labels for lists: ``get_FOO_display`` hashes every translated label of the field on each call (a thousand
    # translations for a page of fifty cases); the enum finds the one label directly.
    @property
    def module_label(self) -> str:
        return Module(self.module).label

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label

    @property
    def risk_label(self) -> str:
        return RiskLevel(self.risk_level).label if self.risk_level else ""


class Intake(models.Model):
    """One arrival of a case: from which channel and institution, when (the same person arriving twice is one
    case with two intakes)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="intakes")
    channel = models.CharField(_("vía de ingreso"), max_length=20, choices=Channel.choices)
    institution = models.CharField(_("institución que deriva"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("recibido"), default=timezone.now)
    notes = EncryptedTextField(_("relato"), blank=True)
    source_key = models.CharField(
        max_length=64, blank=True, db_index=True, help_text=_("Huella de la fila de lista de la que vino.")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    objects = ScopedQuerySet.through("case__municipality")

    class Meta:
        verbose_name = _("ingreso")
        verbose_name_plural = _("ingresos")
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.get_channel_display()} · {self.received_at:%Y-%m-%d}"


class Instrument(models.Model):
    """A screening instrument as data (:mod:`atalaya.analysis.screening`), one row per version. A version is
    never edited once saved: a change is a new version, so past screenings keep the rule they were scored by."""

    code = models.SlugField(_("código"), max_length=60)
    version = models.PositiveIntegerField(_("versión"))
    module = models.CharField(_("módulo"), max_length=20, choices=Module.choices)
    name = models.CharField(_("nombre"), max_length=200)
    definition = models.JSONField(_("definición"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("instrumento de tamizaje")
        verbose_name_plural = _("instrumentos de tamizaje")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="instrument_unique_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk and Instrument.objects.filter(pk=self.pk).exclude(definition=self.definition).exists():
            raise ValidationError(_("Una versión de un instrumento no se modifica: guarde una versión nueva."))
        super().save(*args, **kwargs)


class Screening(models.Model):
    """A screening of a case with one instrument version: the answers, the score, the level the rule gave and
    the level kept (a worker may override it, with a reason)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="screenings")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="screenings")
    answers = models.JSONField(_("respuestas"))
    score = models.FloatField(_("puntaje"))
    computed_level = models.CharField(_("nivel calculado"), max_length=10, choices=RiskLevel.choices)
    level = models.CharField(_("nivel"), max_length=10, choices=RiskLevel.choices)
    override_reason = models.TextField(_("motivo del cambio de nivel"), blank=True)
    screened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    screened_at = models.DateTimeField(_("fecha"), default=timezone.now)

    objects = ScopedQuerySet.through("case__municipality")

    class Meta:
        verbose_name = _("tamizaje")
        verbose_name_plural = _("tamizajes")
        ordering = ["screened_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.instrument} · {self.get_level_display()}"


class Consent(models.Model):
    """A consent given or refused for one purpose, with who gave it; the latest record of a purpose counts."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("propósito"), max_length=20, choices=ConsentPurpose.choices)
    given = models.BooleanField(_("otorgado"))
    given_by = models.CharField(
        _("otorgado por"), max_length=120, help_text=_("La persona, o su madre, padre o tutor.")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    recorded_at = models.DateTimeField(_("fecha"), default=timezone.now)

    objects = ScopedQuerySet.through("case__municipality")

    class Meta:
        verbose_name = _("consentimiento")
        verbose_name_plural = _("consentimientos")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.get_purpose_display()} · {'sí' if self.given else 'no'}"


class Transition(models.Model):
    """Referrals, transfers and assignments share one model (as in Primero): in progress → accepted or rejected
    (with a reason) → done, or revoked. A referral tied to a service line records who provides it and by when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    kind = models.CharField(_("tipo"), max_length=20, choices=TransitionKind.choices)
    status = models.CharField(
        _("estado"), max_length=20, choices=TransitionStatus.choices, default=TransitionStatus.IN_PROGRESS
    )
    service = models.CharField(_("servicio o institución"), max_length=200, blank=True)
    service_line = models.ForeignKey(
        "ServiceLine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transitions",
        verbose_name=_("línea del plan"),
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(_("plazo"), null=True, blank=True)
    consent_overridden = models.BooleanField(_("sin consentimiento (autorizado)"), default=False)
    override_reason = models.TextField(_("motivo de la autorización"), blank=True)
    response_reason = models.TextField(_("motivo de la respuesta"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.through("case__municipality")

    class Meta:
        verbose_name = _("derivación o transferencia")
        verbose_name_plural = _("derivaciones y transferencias")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "due_date"], name="transition_open_due")]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.get_kind_display()} · {self.get_status_display()}"


class Service(models.Model):
    """An entry of the municipality's services catalogue: a programme of its own or of another institution that
    a case plan may use (positive-parenting workshops, school re-entry, psychosocial care…)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="case_services")
    name = models.CharField(_("nombre"), max_length=200)
    provider = models.CharField(_("institución que lo presta"), max_length=200)
    provider_kind = models.CharField(
        _("tipo de prestador"), max_length=10, choices=ProviderKind.choices, default=ProviderKind.MUNICIPAL
    )
    modules = models.JSONField(
        _("módulos"), default=list, blank=True, help_text=_("Módulos que lo usan; vacío: todos.")
    )
    description = models.TextField(_("descripción"), blank=True)
    active = models.BooleanField(_("vigente"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("servicio")
        verbose_name_plural = _("catálogo de servicios")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="service_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"

    def serves(self, module: str) -> bool:
        return not self.modules or module in self.modules


class ServiceLine(models.Model):
    """One line of a case plan: a service with its goal and due date. Its referral (a :class:`Transition`)
    moves it: accepted → under way, done → fulfilled, rejected or revoked → planned again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="service_lines")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="lines")
    goal = models.CharField(_("objetivo"), max_length=300)
    due_date = models.DateField(_("plazo"))
    status = models.CharField(_("estado"), max_length=12, choices=LineStatus.choices, default=LineStatus.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.through("case__municipality")

    class Meta:
        verbose_name = _("línea del plan")
        verbose_name_plural = _("líneas del plan")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return f"{self.service.name} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in (LineStatus.PLANNED, LineStatus.IN_PROGRESS)


class Approval(models.Model):
    """A request for a supervisor's approval of the assessment, the plan or the closure, and the decision.
    Every request stays as history; the latest of each kind in the case's current cycle counts."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(_("qué se aprueba"), max_length=12, choices=ApprovalKind.choices)
    status = models.CharField(
        _("estado"), max_length=12, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    outcome = models.CharField(_("resultado del cierre"), max_length=30, choices=ClosureOutcome.choices, blank=True)
    note = models.TextField(_("fundamento"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("observaciones de supervisión"), blank=True)

    objects = ScopedQuerySet.through("case__municipality")

    class Meta:
        verbose_name = _("aprobación")
        verbose_name_plural = _("aprobaciones")
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["status", "requested_at"], name="approval_pending")]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.get_kind_display()} · {self.get_status_display()}"


class FollowUp(models.Model):
    """A follow-up (visit, call) or a task with a due date and who does it; done with its result."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("tipo"), max_length=12, choices=FollowUpKind.choices, default=FollowUpKind.CONTACT)
    description = models.CharField(_("qué hay que hacer"), max_length=300)
    due_date = models.DateField(_("plazo"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("realizado"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = EncryptedTextField(_("resultado"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.through("case__municipality")

    class Meta:
        verbose_name = _("seguimiento o tarea")
        verbose_name_plural = _("seguimientos y tareas")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["assigned_to", "done_at", "due_date"], name="followup_inbox"),
            # the team's overdue follow-ups, walked in due order (only pending ones are indexed)
            models.Index(fields=["due_date", "id"], condition=models.Q(done_at__isnull=True), name="followup_open_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.description} · {self.due_date}"
