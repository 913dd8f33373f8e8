"""Community problems of proximity policing: what neighbours, police, mesas and alerts report, their public
timeline, attachments, the API clients that may post through Open311, and the officers of each territory.

What the public may see lives in its own tables (``PublicProblem``, ``PublicUpdate``), written only by
:mod:`atalaya.proximity.services` from what is not private: a public page reads nothing else, so a private
problem, a reporter's contact or an internal note cannot reach it by mistake.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.alerts.models import Alert
from atalaya.core.fields import EncryptedTextField
from atalaya.core.scoping import ScopedQuerySet
from atalaya.geo.models import Municipality, Territory

from .choices import (
    ActionStatus,
    AgreementStatus,
    Decision,
    EckSpelman,
    Implemented,
    MemberRole,
    MesaKind,
    MinutesStatus,
    Outcome,
    Priority,
    SessionKind,
    SessionStatus,
    Source,
    Status,
)


class ProblemCategory(models.Model):
    """A kind of community problem (an Open311 *service*), with the crime categories whose incidents measure it
    (the SARA file's baseline)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="problem_categories")
    code = models.CharField(_("código"), max_length=40, help_text=_("El service_code de Open311."))
    name = models.CharField(_("nombre"), max_length=120)
    group = models.CharField(_("grupo"), max_length=80, blank=True)
    description = models.TextField(_("descripción"), blank=True)
    keywords = models.CharField(_("palabras clave"), max_length=200, blank=True)
    crime_families = models.JSONField(
        _("familias delictivas que lo miden"),
        default=list,
        blank=True,
        help_text=_('Códigos de familia del catálogo, p. ej. ["robos", "violencia"].'),
    )
    active = models.BooleanField(_("activo"), default=True)
    order = models.PositiveSmallIntegerField(_("orden"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("categoría de problema")
        verbose_name_plural = _("categorías de problema")
        ordering = ["municipality", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="problemcategory_unique_code")]

    def __str__(self) -> str:
        return self.name


class ProximityOfficer(models.Model):
    """A member of the proximity police or of the municipality's prevention team who works problems of some
    territories (none listed: the whole municipality). Coordinators also close and merge."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proximity_posts")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="proximity_officers")
    territories = models.ManyToManyField(Territory, blank=True, related_name="proximity_officers")
    is_coordinator = models.BooleanField(_("coordinador"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("agente de proximidad")
        verbose_name_plural = _("agentes de proximidad")
        constraints = [models.UniqueConstraint(fields=["user", "municipality"], name="proximityofficer_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.municipality}"


class ApiClient(models.Model):
    """An application that posts problems through Open311 with a key (only its hash is stored)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="open311_clients")
    name = models.CharField(_("nombre"), max_length=120)
    key_prefix = models.CharField(_("prefijo de la clave"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(_("activa"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("cliente Open311")
        verbose_name_plural = _("clientes Open311")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class Problem(models.Model):
    """A community problem: reported, confirmed, analysed (SARA), answered, assessed and closed."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="problems")
    reference = models.CharField(_("número"), max_length=30, unique=True, help_text=_("El service_request_id."))
    category = models.ForeignKey(ProblemCategory, on_delete=models.PROTECT, related_name="problems")
    title = models.CharField(_("título"), max_length=160)
    description = models.TextField(_("descripción"), blank=True)
    lat = models.FloatField(_("latitud"), null=True, blank=True)
    lon = models.FloatField(_("longitud"), null=True, blank=True)
    address = models.CharField(_("lugar"), max_length=200, blank=True)
    territory = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(_("origen"), max_length=20, choices=Source.choices)
    status = models.CharField(_("estado"), max_length=30, choices=Status.choices, default=Status.REPORTED)
    outcome = models.CharField(_("resultado"), max_length=20, choices=Outcome.choices, blank=True)
    is_private = models.BooleanField(
        _("privado"), default=False, help_text=_("No aparece en el portal ni en Open311 (p. ej. un punto de venta).")
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("duplicado de"),
    )
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="problems")
    agency_responsible = models.CharField(_("institución responsable"), max_length=120, blank=True)
    expected_at = models.DateTimeField(_("respuesta esperada"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_client = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reported_at = models.DateTimeField(_("reportado el"))
    updated_at = models.DateTimeField(_("actualizado el"))
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("problema comunitario")
        verbose_name_plural = _("problemas comunitarios")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["municipality", "status", "reported_at"], name="problem_list_order"),
            models.Index(fields=["municipality", "category", "reported_at"], name="problem_duplicates"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED


class Reporter(models.Model):
    """Who reported (optional: anonymous reports have none); contact encrypted, used only to notify."""

    problem = models.OneToOneField(Problem, on_delete=models.CASCADE, related_name="reporter")
    name = EncryptedTextField(_("nombre"), blank=True)
    email = EncryptedTextField(_("correo"), blank=True)
    phone = EncryptedTextField(_("teléfono"), blank=True)
    wants_updates = models.BooleanField(_("quiere recibir avisos"), default=True)

    objects = ScopedQuerySet.through("problem__municipality")

    class Meta:
        verbose_name = _("persona que reporta")
        verbose_name_plural = _("personas que reportan")

    def __str__(self) -> str:
        return f"reporte de {self.problem_id}"


class ProblemUpdate(models.Model):
    """One entry of a problem's timeline: a change of state, a note or a merge; public unless marked private."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="updates")
    status_before = models.CharField(max_length=30, choices=Status.choices, blank=True)
    status_after = models.CharField(max_length=30, choices=Status.choices, blank=True)
    text = models.TextField(_("texto"), blank=True)
    is_public = models.BooleanField(_("público"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    objects = ScopedQuerySet.through("problem__municipality")

    class Meta:
        verbose_name = _("actualización de problema")
        verbose_name_plural = _("actualizaciones de problema")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.problem_id} · {self.created_at:%Y-%m-%d %H:%M}"


class StoredFile(models.Model):
    """A file kept by ``proximity.attachments``: checked, re-encoded when a photo, stored outside the web root
    under a random name; what the page shows is its original name (never used on disk)."""

    stored_name = models.CharField(max_length=80, unique=True, editable=False)
    original_name = models.CharField(_("nombre original"), max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


class Attachment(StoredFile):
    """A photo (re-encoded, without its metadata) or a PDF of a problem."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="attachments")
    is_public = models.BooleanField(_("público"), default=False)

    objects = ScopedQuerySet.through("problem__municipality")

    class Meta:
        verbose_name = _("adjunto")
        verbose_name_plural = _("adjuntos")
        ordering = ["created_at", "id"]


class PublicProblem(models.Model):
    """What the public sees of a problem that is not private: written by the services, read by the portal and
    Open311. The point is rounded (``ATALAYA_PROBLEM_PUBLIC_DECIMALS``) so a report does not pinpoint a home."""

    problem = models.OneToOneField(Problem, on_delete=models.CASCADE, primary_key=True, related_name="public")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    reference = models.CharField(max_length=30, unique=True)
    category = models.ForeignKey(ProblemCategory, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    lat = models.FloatField(null=True)
    lon = models.FloatField(null=True)
    address = models.CharField(max_length=200, blank=True)
    territory_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    status_notes = models.CharField(max_length=300, blank=True)
    duplicate_of_reference = models.CharField(max_length=30, blank=True)
    agency_responsible = models.CharField(max_length=120, blank=True)
    photo = models.ForeignKey(Attachment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reported_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    expected_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("problema publicado")
        verbose_name_plural = _("problemas publicados")
        ordering = ["-reported_at", "-problem_id"]
        indexes = [
            models.Index(fields=["municipality", "reported_at"], name="publicproblem_recent"),
            models.Index(fields=["municipality", "status"], name="publicproblem_status"),
            models.Index(fields=["municipality", "category", "reported_at"], name="publicproblem_category"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"


class PublicUpdate(models.Model):
    """A public entry of a problem's timeline (a copy of a public ``ProblemUpdate``)."""

    update = models.OneToOneField(ProblemUpdate, on_delete=models.CASCADE, primary_key=True, related_name="public")
    problem = models.ForeignKey(PublicProblem, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=30, choices=Status.choices, blank=True)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("actualización publicada")
        verbose_name_plural = _("actualizaciones publicadas")
        ordering = ["created_at", "update_id"]

    def __str__(self) -> str:
        return f"{self.problem_id} · {self.created_at:%Y-%m-%d %H:%M}"


class SaraFile(models.Model):
    """The problem-oriented file of one problem (POP Center's SARA): scanning, analysis with the problem
    triangle, response, and assessment with its decision. The numbers come from the incident data
    (``proximity.sara``); the text is the team's."""

    problem = models.OneToOneField(Problem, on_delete=models.CASCADE, related_name="sara")
    # Scanning
    families = models.JSONField(_("familias delictivas"), default=list, blank=True)
    radius_m = models.PositiveIntegerField(
        _("radio del lugar (m)"), default=250, help_text=_("El área del problema alrededor de su punto.")
    )
    frequency = models.CharField(_("frecuencia"), max_length=200, blank=True)
    duration = models.CharField(_("desde cuándo"), max_length=200, blank=True)
    priority = models.CharField(_("prioridad"), max_length=10, choices=Priority.choices, blank=True)
    goal = models.TextField(_("objetivo general"), blank=True)
    # Analysis: the problem triangle and its controllers
    offender = models.TextField(_("quién lo causa"), blank=True)
    handler = models.TextField(_("quién puede influir en quien lo causa"), blank=True)
    target = models.TextField(_("víctimas u objetivos"), blank=True)
    guardian = models.TextField(_("quién protege a las víctimas"), blank=True)
    place = models.TextField(_("el lugar"), blank=True)
    manager = models.TextField(_("quién administra el lugar"), blank=True)
    hypotheses = models.TextField(_("hipótesis de trabajo"), blank=True)
    # Response
    options = models.TextField(_("alternativas consideradas"), blank=True)
    chosen_response = models.TextField(_("respuesta elegida"), blank=True)
    objectives = models.TextField(_("objetivos específicos"), blank=True)
    response_start = models.DateField(_("inicio de la respuesta"), null=True, blank=True)
    response_end = models.DateField(_("fin de la respuesta"), null=True, blank=True)
    # Assessment
    implemented = models.CharField(_("¿se aplicó?"), max_length=10, choices=Implemented.choices, blank=True)
    result = models.CharField(_("resultado"), max_length=20, choices=EckSpelman.choices, blank=True)
    decision = models.CharField(_("decisión"), max_length=12, choices=Decision.choices, blank=True)
    assessment_notes = models.TextField(_("notas de la evaluación"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.through("problem__municipality")

    class Meta:
        verbose_name = _("ficha SARA")
        verbose_name_plural = _("fichas SARA")

    def __str__(self) -> str:
        return f"SARA {self.problem.reference}"


class ResponseAction(models.Model):
    """One line of the response plan: who does what, for which institution, by when, and the evidence."""

    sara = models.ForeignKey(SaraFile, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("acción"), max_length=300)
    owner = models.CharField(_("responsable"), max_length=120)
    institution = models.CharField(_("institución"), max_length=120, blank=True)
    deadline = models.DateField(_("plazo"))
    status = models.CharField(_("estado"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PENDING)
    evidence = models.TextField(_("evidencia"), blank=True)
    done_at = models.DateField(_("hecha el"), null=True, blank=True)

    objects = ScopedQuerySet.through("sara__problem__municipality")

    class Meta:
        verbose_name = _("acción del plan")
        verbose_name_plural = _("acciones del plan")
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.description


class Assessment(models.Model):
    """One before/after measurement of a response: the periods, the areas, the counts and every measure of
    ``analysis.evaluation.place`` (kept as computed, so a later data load does not rewrite what a mesa saw)."""

    sara = models.ForeignKey(SaraFile, on_delete=models.CASCADE, related_name="assessments")
    source = models.CharField(_("fuente"), max_length=100)
    before_start = models.DateField(_("antes, desde"))
    before_end = models.DateField(_("antes, hasta"))
    after_start = models.DateField(_("después, desde"))
    after_end = models.DateField(_("después, hasta"))
    radius_m = models.PositiveIntegerField(_("radio del lugar (m)"))
    buffer_m = models.PositiveIntegerField(_("ancho del anillo (m)"))
    control = models.CharField(_("área de control"), max_length=200)
    families = models.JSONField(_("familias delictivas"), default=list)
    counts = models.JSONField(_("conteos"))
    results = models.JSONField(_("resultados"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.through("sara__problem__municipality")

    class Meta:
        verbose_name = _("evaluación antes y después")
        verbose_name_plural = _("evaluaciones antes y después")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.sara} · {self.after_start}–{self.after_end}"


class Mesa(models.Model):
    """A permanent coordination table of a territory or a theme, with its members, chair and schedule."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="mesas")
    name = models.CharField(_("nombre"), max_length=160)
    kind = models.CharField(_("tipo"), max_length=12, choices=MesaKind.choices, default=MesaKind.TERRITORIAL)
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="mesas", verbose_name=_("territorio")
    )
    theme = models.CharField(_("tema"), max_length=160, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("quien preside"),
    )
    schedule = models.CharField(_("calendario"), max_length=160, blank=True, help_text=_("p. ej. primer martes, 18:00"))
    every_days = models.PositiveSmallIntegerField(_("cada cuántos días sesiona"), default=30)
    active = models.BooleanField(_("activa"), default=True)
    is_public = models.BooleanField(_("publica sus acuerdos"), default=True)
    indicators = models.ManyToManyField(
        "indicators.Indicator",
        blank=True,
        related_name="+",
        verbose_name=_("indicadores que miden su trabajo"),
        help_text=_("Se enlazan desde la rendición de cuentas a su ficha en el portal (con reserva estadística)."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("mesa de trabajo")
        verbose_name_plural = _("mesas de trabajo")
        ordering = ["municipality", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="mesa_unique_name")]

    def __str__(self) -> str:
        return self.name


class MesaMember(models.Model):
    """A person at the table for an institution; an account is optional (neighbours often have none)."""

    mesa = models.ForeignKey(Mesa, on_delete=models.CASCADE, related_name="members")
    name = EncryptedTextField(_("nombre"))
    institution = models.CharField(_("institución"), max_length=160)
    role = models.CharField(_("sector"), max_length=20, choices=MemberRole.choices)
    email = EncryptedTextField(_("correo"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="mesa_seats"
    )
    active = models.BooleanField(_("activo"), default=True)

    objects = ScopedQuerySet.through("mesa__municipality")

    class Meta:
        verbose_name = _("integrante de mesa")
        verbose_name_plural = _("integrantes de mesa")

    def __str__(self) -> str:
        return f"{self.institution} ({self.mesa})"


class MesaSession(models.Model):
    """A meeting of a mesa: ordinary, extraordinary, or an agile call with the community about one problem."""

    mesa = models.ForeignKey(Mesa, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(_("tipo"), max_length=20, choices=SessionKind.choices, default=SessionKind.ORDINARY)
    starts_at = models.DateTimeField(_("fecha y hora"))
    place = models.CharField(_("lugar"), max_length=200, blank=True)
    problem = models.ForeignKey(
        Problem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("problema que la motiva"),
    )
    status = models.CharField(_("estado"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.CALLED)
    minutes = models.TextField(_("acta"), blank=True)
    minutes_status = models.CharField(
        _("estado del acta"), max_length=10, choices=MinutesStatus.choices, blank=True, default=MinutesStatus.NONE
    )
    minutes_approved_at = models.DateTimeField(null=True, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    community_attendees = models.PositiveIntegerField(_("vecinos asistentes"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.through("mesa__municipality")

    class Meta:
        verbose_name = _("sesión de mesa")
        verbose_name_plural = _("sesiones de mesa")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"{self.mesa} · {self.starts_at:%Y-%m-%d}"


class AgendaItem(models.Model):
    session = models.ForeignKey(MesaSession, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("tema"), max_length=200)
    problem = models.ForeignKey(Problem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    minutes = models.PositiveSmallIntegerField(_("minutos"), default=15)

    objects = ScopedQuerySet.through("session__mesa__municipality")

    class Meta:
        verbose_name = _("punto de tabla")
        verbose_name_plural = _("puntos de tabla")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """Who was invited and who came: members of the table (present or not) and guests."""

    session = models.ForeignKey(MesaSession, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(MesaMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    guest_name = EncryptedTextField(_("invitado"), blank=True)
    institution = models.CharField(_("institución"), max_length=160, blank=True)
    present = models.BooleanField(_("asistió"), default=False)
    approved_minutes_at = models.DateTimeField(_("aprobó el acta"), null=True, blank=True)

    objects = ScopedQuerySet.through("session__mesa__municipality")

    class Meta:
        verbose_name = _("asistencia")
        verbose_name_plural = _("asistencias")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"], condition=models.Q(member__isnull=False), name="attendance_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.institution}"


class Agreement(models.Model):
    """A commitment of a mesa (acuerdo): who, which institution, by when, its status, progress and evidence;
    linked to a problem (or later a programme). Public on the accountability page unless the mesa or the
    agreement is private."""

    mesa = models.ForeignKey(Mesa, on_delete=models.CASCADE, related_name="agreements")
    session = models.ForeignKey(
        MesaSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="agreements"
    )
    problem = models.ForeignKey(
        Problem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agreements",
        verbose_name=_("problema"),
    )
    title = models.CharField(_("acuerdo"), max_length=200)
    description = models.TextField(_("detalle"), blank=True)
    owner = models.CharField(_("responsable"), max_length=120)
    institution = models.CharField(_("institución"), max_length=160)
    deadline = models.DateField(_("plazo"))
    status = models.CharField(
        _("estado"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("avance (%)"), default=0)
    weight = models.PositiveSmallIntegerField(_("peso"), default=1, help_text=_("Para el avance de la mesa."))
    evidence = models.TextField(_("evidencia"), blank=True)
    is_public = models.BooleanField(_("público"), default=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.through("mesa__municipality")

    class Meta:
        verbose_name = _("acuerdo")
        verbose_name_plural = _("acuerdos")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"], name="agreement_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (AgreementStatus.PENDING, AgreementStatus.ONGOING)


class AgreementUpdate(models.Model):
    """The history of an agreement: each change of status or progress, with its note (the milestones)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=12, choices=AgreementStatus.choices)
    progress = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    objects = ScopedQuerySet.through("agreement__mesa__municipality")

    class Meta:
        verbose_name = _("avance de acuerdo")
        verbose_name_plural = _("avances de acuerdo")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.agreement} · {self.created_at:%Y-%m-%d}"


class PublicCommitment(models.Model):
    """A node of the public accountability tree (Decidim's *results*): a mesa, one of its agreements, a problem
    or a line of its SARA plan, with status, progress and its parent. Written by ``proximity.accountability``
    from what is public, read by the accountability page and its open data."""

    key = models.CharField(max_length=40, primary_key=True)  # «mesa:3», «acuerdo:12», «problema:7», «accion:4»
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    kind = models.CharField(max_length=12)
    title = models.CharField(max_length=200)
    institution = models.CharField(max_length=160, blank=True)
    status = models.CharField(max_length=40)
    status_label = models.CharField(max_length=80)
    progress = models.FloatField()
    weight = models.PositiveSmallIntegerField(default=1)
    deadline = models.DateField(null=True)
    overdue = models.BooleanField(default=False)
    reference = models.CharField(max_length=30, blank=True)  # the public problem it refers to
    milestones = models.JSONField(default=list)
    indicators = models.JSONField(default=list)  # [{code, name}] of the indicators that measure a mesa's work
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("compromiso publicado")
        verbose_name_plural = _("compromisos publicados")
        ordering = ["municipality", "kind", "title"]
        indexes = [models.Index(fields=["municipality", "parent"], name="commitment_tree")]

    def __str__(self) -> str:
        return self.title


class Follower(models.Model):
    """An e-mail that follows a public problem or commitment (double opt-in: nothing is sent until confirmed;
    every message carries the link to stop)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=40, help_text=_("«problema:<número>» o la clave de un compromiso."))
    email = EncryptedTextField(_("correo"))
    email_index = models.CharField(max_length=64, db_index=True, editable=False)
    token = models.CharField(max_length=43, unique=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("seguidor")
        verbose_name_plural = _("seguidores")
        constraints = [models.UniqueConstraint(fields=["target", "email_index"], name="follower_once")]

    def __str__(self) -> str:
        return f"{self.target} · {self.pk}"


class Comment(models.Model):
    """A neighbour's comment on a public problem or commitment; shown only once a coordinator approves it."""

    class Moderation(models.TextChoices):
        PENDING = "pendiente", _("pendiente")
        APPROVED = "aprobado", _("aprobado")
        REJECTED = "rechazado", _("rechazado")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=40)
    target_title = models.CharField(max_length=200)
    author = models.CharField(_("firma"), max_length=80, blank=True)
    text = models.TextField(_("comentario"))
    status = models.CharField(max_length=10, choices=Moderation.choices, default=Moderation.PENDING)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("comentario")
        verbose_name_plural = _("comentarios")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["municipality", "status"], name="comment_moderation")]

    def __str__(self) -> str:
        return f"{self.target} · {self.created_at:%Y-%m-%d}"


class PublicComment(models.Model):
    """An approved comment, as the public pages show it."""

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, primary_key=True, related_name="public")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=40, db_index=True)
    author = models.CharField(max_length=80, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("comentario publicado")
        verbose_name_plural = _("comentarios publicados")
        ordering = ["created_at", "comment_id"]

    def __str__(self) -> str:
        return f"{self.target} · {self.created_at:%Y-%m-%d}"


class SessionDocument(StoredFile):
    """A document of a mesa session (the signed minutes, a presentation, a photo of the walk-about)."""

    session = models.ForeignKey(MesaSession, on_delete=models.CASCADE, related_name="documents")

    objects = ScopedQuerySet.through("session__mesa__municipality")

    class Meta:
        verbose_name = _("documento de sesión")
        verbose_name_plural = _("documentos de sesión")
        ordering = ["created_at", "id"]
