"""Practices of the network's repository and how they are rated.

A :class:`Practice` belongs to the municipality that contributed it and is shared with the network once published.
It describes the problem, target group, mechanism (logic model), context, implementation and cost, carries an EMMIE
profile (effect, mechanism, moderators, implementation, economic cost, each with evidence quality 0–4), a
systematisation in Oscar Jara's five moments for practices without an impact evaluation, the EUCPN minimum criteria
and a dissemination-readiness flag. Each :class:`PracticeOutcome` has its own rating (CrimeSolutions, per outcome)
and strength of evidence. :class:`PracticeReview` rows are the two independent reviews; :class:`PracticeEvent` the
history of the workflow; :class:`Adoption` the municipalities that took the practice and what they measured.
``search_document`` (normalised text) and ``search_stems`` (its Spanish stems) feed the full-text index
(:mod:`.search`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.core.fields import EncryptedTextField
from atalaya.core.scoping import ScopedQuerySet
from atalaya.geo.models import Municipality
from atalaya.indicators.models import Indicator
from atalaya.programmes.models import CostBenefitSheet, Evaluation, Programme
from atalaya.proximity.models import StoredFile

from .choices import ActivityKind, Attendance, Design, PracticeStatus, Rating, Recommendation

QUALITY = [MaxValueValidator(4)]


class Practice(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="practices")
    code = models.SlugField(_("código"), max_length=60, unique=True)
    title = models.CharField(_("título"), max_length=200)
    summary = models.TextField(_("resumen"))
    problem = models.TextField(_("problema que atiende"))
    target_group = models.TextField(_("grupo destinatario"), blank=True)
    mechanism = models.TextField(_("mecanismo (modelo lógico)"), blank=True)
    context = models.TextField(_("contexto"), blank=True)
    implementation = models.TextField(_("requisitos de implementación"), blank=True)
    cost = models.TextField(_("costo"), blank=True)
    contacts = models.TextField(_("contactos"), blank=True)
    crime_families = models.JSONField(_("familias delictivas que atiende"), default=list, blank=True)
    problem_types = models.JSONField(
        _("tipos de problema (SARA)"), default=list, blank=True, help_text=_("Códigos de categorías de problema.")
    )
    # EMMIE (College of Policing): each dimension with the quality of its evidence, 0 (none) to 4 (strong)
    effect = models.TextField(_("efecto"), blank=True)
    effect_quality = models.PositiveSmallIntegerField(
        _("calidad de la evidencia del efecto"), default=0, validators=QUALITY
    )
    mechanism_quality = models.PositiveSmallIntegerField(_("calidad: mecanismo"), default=0, validators=QUALITY)
    moderators = models.TextField(_("moderadores (dónde y para quién)"), blank=True)
    moderators_quality = models.PositiveSmallIntegerField(_("calidad: moderadores"), default=0, validators=QUALITY)
    implementation_quality = models.PositiveSmallIntegerField(
        _("calidad: implementación"), default=0, validators=QUALITY
    )
    economic_quality = models.PositiveSmallIntegerField(_("calidad: costo económico"), default=0, validators=QUALITY)
    # Systematisation (Oscar Jara's five moments), for practices without an impact evaluation
    starting_point = models.TextField(_("punto de partida"), blank=True)
    initial_questions = models.TextField(_("preguntas iniciales"), blank=True)
    process_recovery = models.TextField(_("recuperación del proceso vivido"), blank=True)
    critical_reflection = models.TextField(_("reflexión de fondo"), blank=True)
    arrival_points = models.TextField(_("puntos de llegada"), blank=True)
    # EUCPN's minimum criteria and Blueprints' dissemination readiness
    eucpn_criteria = models.JSONField(_("criterios mínimos de la EUCPN"), default=dict, blank=True)
    dissemination_ready = models.BooleanField(_("lista para transferirse"), default=False)
    status = models.CharField(_("estado"), max_length=12, choices=PracticeStatus.choices, default=PracticeStatus.DRAFT)
    programmes = models.ManyToManyField(Programme, blank=True, related_name="practices", verbose_name=_("programas"))
    evaluations = models.ManyToManyField(Evaluation, blank=True, related_name="+", verbose_name=_("evaluaciones"))
    cost_benefit = models.ManyToManyField(
        CostBenefitSheet, blank=True, related_name="+", verbose_name=_("costo-beneficio")
    )
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="+", verbose_name=_("indicadores"))
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("revisores")
    )
    search_document = models.TextField(editable=False, default="")
    search_stems = models.TextField(editable=False, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("práctica")
        verbose_name_plural = _("prácticas")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class PracticeOutcome(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="outcomes")
    outcome = models.CharField(_("resultado"), max_length=200)
    rating = models.CharField(_("calificación"), max_length=16, choices=Rating.choices, default=Rating.NOT_RATED)
    design = models.CharField(_("diseño de la evaluación"), max_length=12, choices=Design.choices)
    studies = models.PositiveSmallIntegerField(_("estudios"), default=1)
    evidence = models.TextField(_("evidencia"), blank=True)

    objects = ScopedQuerySet.through("practice__municipality")

    class Meta:
        verbose_name = _("resultado de una práctica")
        verbose_name_plural = _("resultados de las prácticas")
        ordering = ["practice", "pk"]

    def __str__(self) -> str:
        return f"{self.outcome}: {self.rating}"


class PracticeReview(models.Model):
    """One reviewer's independent review: a rating per outcome, a recommendation, and in an appeal round the
    answer to the appeal."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(_("ronda"), default=1)
    ratings = models.JSONField(_("calificaciones por resultado"), default=dict)
    recommendation = models.CharField(_("recomendación"), max_length=10, choices=Recommendation.choices)
    comment = models.TextField(_("comentario"), blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.through("practice__municipality")

    class Meta:
        verbose_name = _("revisión")
        verbose_name_plural = _("revisiones")
        constraints = [
            models.UniqueConstraint(fields=["practice", "reviewer", "round"], name="practicereview_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.practice} · {self.reviewer} · {self.round}"


class PracticeEvent(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=PracticeStatus.choices)
    to_status = models.CharField(max_length=12, choices=PracticeStatus.choices)
    comment = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.through("practice__municipality")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class PracticeDocument(StoredFile):
    """A document of a practice (manual, protocol, evaluation report, a photo of the work), kept like the proximity
    module's attachments: PDF or image, type read from the content, outside the web root. ``is_public``: shown on
    the public repository page once the practice is published."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("título"), max_length=200)
    is_public = models.BooleanField(_("público al publicarse la práctica"), default=False)

    objects = ScopedQuerySet.through("practice__municipality")

    class Meta:
        verbose_name = _("documento de una práctica")
        verbose_name_plural = _("documentos de las prácticas")
        ordering = ["created_at", "id"]


class PublishedPractice(models.Model):
    """What the public sees of a practice: the edition the two reviewers (or the coordination) last published,
    written by the review services and read by the public repository page. A text changed after publication
    (*revised*) reaches the public only when it is reviewed again; adoptions and public documents follow at once.
    Contacts and reviews stay inside the network."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, primary_key=True, related_name="edition")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    text = models.JSONField(default=dict)  # problem, target group, mechanism, context, implementation, cost
    outcomes = models.JSONField(default=list)  # [{outcome, rating, design, studies}]
    emmie = models.JSONField(default=list)  # [{dimension, text, quality}]
    systematisation = models.JSONField(default=dict)
    eucpn = models.JSONField(default=dict)
    dissemination_ready = models.BooleanField(default=False)
    adoptions = models.JSONField(default=list)  # [{municipality, started, results}]
    documents = models.JSONField(default=list)  # [{id, title, content_type, size}] of the public documents
    search_document = models.TextField(default="")
    published_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("práctica publicada")
        verbose_name_plural = _("prácticas publicadas")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Adoption(models.Model):
    """A municipality that took the practice (the replication log), with its adaptations and measured results."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="adoptions")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="adoptions")
    programme = models.ForeignKey(Programme, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started = models.DateField(_("inicio"))
    adaptations = models.TextField(_("adaptaciones"), blank=True)
    results = models.TextField(_("resultados medidos"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("adopción")
        verbose_name_plural = _("adopciones")
        constraints = [models.UniqueConstraint(fields=["practice", "municipality"], name="adoption_once")]

    def __str__(self) -> str:
        return f"{self.practice} → {self.municipality}"


class Transfer(models.Model):
    """A model transferred from one municipality to another: what was adapted, when, and what came of it."""

    origin = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="transfers_out")
    destination = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="transfers_in")
    practice = models.ForeignKey(Practice, on_delete=models.SET_NULL, null=True, blank=True, related_name="transfers")
    model_name = models.CharField(_("modelo transferido"), max_length=200)
    adaptations = models.TextField(_("adaptaciones"), blank=True)
    start = models.DateField(_("inicio"))
    end = models.DateField(_("término"), null=True, blank=True)
    results = models.TextField(_("resultados"), blank=True)
    funding = models.CharField(_("financiamiento"), max_length=200, blank=True)

    objects = ScopedQuerySet.through("origin")

    class Meta:
        verbose_name = _("transferencia de un modelo")
        verbose_name_plural = _("transferencias de modelos")
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return f"{self.model_name}: {self.origin} → {self.destination}"


class TransferDocument(StoredFile):
    """A document of a transfer (agreement, adapted protocol, report of results), PDF or image, for the network."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("título"), max_length=200)

    objects = ScopedQuerySet.through("transfer__origin")

    class Meta:
        verbose_name = _("documento de una transferencia")
        verbose_name_plural = _("documentos de las transferencias")
        ordering = ["created_at", "id"]


class Activity(models.Model):
    """An exchange activity of the network: an internship, a seminar, a webinar, a congress."""

    organiser = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("tipo"), max_length=12, choices=ActivityKind.choices)
    title = models.CharField(_("título"), max_length=200)
    start = models.DateField(_("inicio"))
    end = models.DateField(_("término"))
    place = models.CharField(_("lugar"), max_length=200, blank=True)
    online = models.BooleanField(_("transmisión en línea"), default=False)
    transfers = models.ManyToManyField(Transfer, blank=True, related_name="activities")
    materials = models.TextField(_("materiales"), blank=True)

    objects = ScopedQuerySet.through("organiser")

    class Meta:
        verbose_name = _("actividad de intercambio")
        verbose_name_plural = _("actividades de intercambio")
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return self.title


class ActivityMaterial(StoredFile):
    """A material of an activity (programme, presentation, protocol, photo), PDF or image, for the network."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="material_files")
    title = models.CharField(_("título"), max_length=200)

    objects = ScopedQuerySet.through("activity__organiser")

    class Meta:
        verbose_name = _("material de una actividad")
        verbose_name_plural = _("materiales de las actividades")
        ordering = ["created_at", "id"]


class Registration(models.Model):
    """A person registered to an activity, for a municipality (any municipality of the region, by its official
    code: most are not observatories of this installation). Name and e-mail are encrypted."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="registrations")
    name = EncryptedTextField(_("nombre"))
    email = EncryptedTextField(_("correo"), blank=True)
    municipality_code = models.CharField(_("código del municipio"), max_length=10)
    municipality_name = models.CharField(_("municipio"), max_length=150)
    country = models.CharField(_("país"), max_length=2)
    mode = models.CharField(_("modalidad"), max_length=10, choices=Attendance.choices)
    attended = models.BooleanField(_("asistió"), default=False)

    objects = ScopedQuerySet.through("activity__organiser")

    class Meta:
        verbose_name = _("inscripción")
        verbose_name_plural = _("inscripciones")

    def __str__(self) -> str:
        return f"inscripción {self.pk} · {self.activity_id}"
