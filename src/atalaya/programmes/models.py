"""Prevention programmes and what measures them.

A :class:`Programme` has a logical framework of :class:`ResultLevel` rows (fin → propósito → componentes →
actividades, each with its narrative, assumptions and risks), :class:`ResultIndicator` rows on the levels (with
baseline, :class:`Target` per period, and :class:`Measurement` rows — entered with evidence and approved, or
computed from an observatory indicator or a survey), a budget by year (:class:`BudgetLine`), its
:class:`Evaluation` runs against crime outcomes and its :class:`CostBenefitSheet`; :class:`CrimeCost` is the
editable table of unit costs per crime type that the sheets price prevented crimes with. Changes are written to the
change log (``core.changelog``) by :mod:`.services`, which is the only writer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.core.scoping import ScopedQuerySet
from atalaya.geo.models import Municipality, Territory
from atalaya.indicators.models import Indicator
from atalaya.proximity.models import Agreement, StoredFile

from .choices import (
    BudgetCategory,
    Direction,
    Frequency,
    IndicatorSource,
    LevelKind,
    MeasurementStatus,
    Method,
    ProgrammeStatus,
    Unit,
)


class Programme(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="programmes")
    code = models.SlugField(_("código"), max_length=40)
    name = models.CharField(_("nombre"), max_length=200)
    problem = models.TextField(_("problema que atiende"), blank=True)
    description = models.TextField(_("descripción"), blank=True)
    target_groups = models.TextField(_("grupos destinatarios"), blank=True)
    territories = models.ManyToManyField(
        Territory, blank=True, related_name="programmes", verbose_name=_("territorios")
    )
    start = models.DateField(_("inicio"))
    end = models.DateField(_("término"), null=True, blank=True)
    status = models.CharField(
        _("estado"), max_length=20, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    currency = models.CharField(
        _("moneda"), max_length=3, default="MXN", help_text=_("Código ISO 4217: MXN, CLP, USD.")
    )
    participants = models.PositiveIntegerField(_("participantes"), default=0)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsable"),
    )
    team = models.TextField(_("equipo responsable"), blank=True, help_text=_("Personas e instituciones a cargo."))
    agreements = models.ManyToManyField(
        Agreement, blank=True, related_name="programmes", verbose_name=_("acuerdos de mesa que lo comprometen")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("programa")
        verbose_name_plural = _("programas")
        ordering = ["municipality", "-start", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="programme_unique_code")]

    def __str__(self) -> str:
        return self.name


class StatusChange(models.Model):
    """One step of the approval workflow, with who took it and why."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=ProgrammeStatus.choices)
    to_status = models.CharField(max_length=20, choices=ProgrammeStatus.choices)
    comment = models.TextField(_("comentario"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.through("programme__municipality")

    class Meta:
        verbose_name = _("cambio de estado")
        verbose_name_plural = _("cambios de estado")
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ResultLevel(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="levels")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    kind = models.CharField(_("nivel"), max_length=12, choices=LevelKind.choices)
    narrative = models.TextField(_("enunciado"))
    assumptions = models.TextField(_("supuestos"), blank=True)
    risks = models.TextField(_("riesgos"), blank=True)
    order = models.PositiveSmallIntegerField(_("orden"), default=0)

    objects = ScopedQuerySet.through("programme__municipality")

    class Meta:
        verbose_name = _("nivel del marco lógico")
        verbose_name_plural = _("niveles del marco lógico")
        ordering = ["programme", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.narrative[:60]}"


class ResultIndicator(models.Model):
    level = models.ForeignKey(ResultLevel, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("código"), max_length=30)
    name = models.CharField(_("nombre"), max_length=200)
    definition = models.TextField(_("definición"), blank=True)
    unit = models.CharField(_("unidad"), max_length=12, choices=Unit.choices, default=Unit.NUMBER)
    direction = models.CharField(_("sentido"), max_length=6, choices=Direction.choices, default=Direction.UP)
    baseline_value = models.FloatField(_("línea base"), null=True, blank=True)
    baseline_date = models.DateField(_("fecha de la línea base"), null=True, blank=True)
    baseline_source = models.CharField(_("fuente de la línea base"), max_length=200, blank=True)
    means_of_verification = models.TextField(_("medios de verificación"), blank=True)
    frequency = models.CharField(_("frecuencia"), max_length=12, choices=Frequency.choices, default=Frequency.QUARTERLY)
    responsible = models.CharField(_("responsable"), max_length=150, blank=True)
    disaggregations = models.JSONField(
        _("desagregaciones"), default=list, blank=True, help_text=_('Por ejemplo ["sexo", "edad", "territorio"].')
    )
    source = models.CharField(_("origen del dato"), max_length=14, choices=IndicatorSource.choices, default="ingresado")
    observatory_indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("indicador del observatorio"),
    )
    observatory_source = models.CharField(_("fuente de datos del observatorio"), max_length=100, blank=True)
    survey_indicator = models.CharField(_("indicador de encuesta"), max_length=60, blank=True)

    objects = ScopedQuerySet.through("level__programme__municipality")

    class Meta:
        verbose_name = _("indicador de resultado")
        verbose_name_plural = _("indicadores de resultado")
        ordering = ["level", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Target(models.Model):
    indicator = models.ForeignKey(ResultIndicator, on_delete=models.CASCADE, related_name="targets")
    period_start = models.DateField(_("desde"))
    period_end = models.DateField(_("hasta"))
    value = models.FloatField(_("meta"))

    objects = ScopedQuerySet.through("indicator__level__programme__municipality")

    class Meta:
        verbose_name = _("meta")
        verbose_name_plural = _("metas")
        ordering = ["indicator", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period_start", "period_end"], name="target_unique_period")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period_end}: {self.value}"


class Measurement(models.Model):
    """An achieved value for a period (and, optionally, one disaggregation: ``{"sexo": "mujer"}``)."""

    indicator = models.ForeignKey(ResultIndicator, on_delete=models.CASCADE, related_name="measurements")
    period_start = models.DateField(_("desde"))
    period_end = models.DateField(_("hasta"))
    value = models.FloatField(_("valor logrado"))
    disaggregation = models.JSONField(_("desagregación"), default=dict, blank=True)
    comment = models.TextField(_("comentario"), blank=True)
    evidence_url = models.URLField(_("evidencia (enlace)"), blank=True)
    status = models.CharField(_("estado"), max_length=10, choices=MeasurementStatus.choices, default="borrador")
    computed = models.BooleanField(_("calculado"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(_("observación de la revisión"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.through("indicator__level__programme__municipality")

    class Meta:
        verbose_name = _("medición")
        verbose_name_plural = _("mediciones")
        ordering = ["indicator", "period_end", "pk"]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period_end}: {self.value}"


class Evidence(StoredFile):
    """A document or photo that backs an entered measurement (a signed attendance list, a log), kept like the
    proximity module's attachments: type read from the content, photos re-encoded, outside the web root."""

    measurement = models.ForeignKey(Measurement, on_delete=models.CASCADE, related_name="evidence")

    objects = ScopedQuerySet.through("measurement__indicator__level__programme__municipality")

    class Meta:
        verbose_name = _("evidencia")
        verbose_name_plural = _("evidencias")
        ordering = ["created_at", "id"]


class BudgetLine(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="budget")
    year = models.PositiveSmallIntegerField(_("año"))
    category = models.CharField(_("rubro"), max_length=10, choices=BudgetCategory.choices, default="operacion")
    planned = models.DecimalField(_("presupuestado"), max_digits=16, decimal_places=2, default=0)
    actual = models.DecimalField(_("ejecutado"), max_digits=16, decimal_places=2, null=True, blank=True)

    objects = ScopedQuerySet.through("programme__municipality")

    class Meta:
        verbose_name = _("línea de presupuesto")
        verbose_name_plural = _("presupuesto")
        ordering = ["programme", "year", "category"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year", "category"], name="budgetline_unique_year_category")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.category}: {self.planned}"


class Evaluation(models.Model):
    """One run of an evaluation method against crime outcomes, kept as computed (inputs and result)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="evaluations")
    method = models.CharField(_("método"), max_length=30, choices=Method.choices)
    outcome = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("resultado (indicador del observatorio)")
    )
    source = models.CharField(_("fuente de datos"), max_length=100)
    start = models.DateField(_("inicio del programa para la evaluación"))
    parameters = models.JSONField(_("parámetros"), default=dict)
    result = models.JSONField(_("resultado"), default=dict)
    summary = models.TextField(_("resumen"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.through("programme__municipality")

    class Meta:
        verbose_name = _("evaluación")
        verbose_name_plural = _("evaluaciones")
        ordering = ["programme", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} · {self.programme}"


class CrimeCost(models.Model):
    """What one crime of a family costs, by who bears it, with its source and year (an editable table)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="crime_costs")
    family = models.CharField(_("familia delictiva"), max_length=60)
    currency = models.CharField(_("moneda"), max_length=3)
    victim = models.DecimalField(_("costo para la víctima"), max_digits=14, decimal_places=2)
    justice = models.DecimalField(_("costo para policía, fiscalía y tribunales"), max_digits=14, decimal_places=2)
    prison_years = models.FloatField(_("años de prisión esperados por hecho"), default=0)
    low = models.FloatField(_("factor bajo"), default=0.5)
    high = models.FloatField(_("factor alto"), default=1.5)
    source = models.CharField(_("fuente"), max_length=300)
    year = models.PositiveSmallIntegerField(_("año de los precios"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("costo unitario de un delito")
        verbose_name_plural = _("costos unitarios de los delitos")
        ordering = ["municipality", "family"]
        constraints = [models.UniqueConstraint(fields=["municipality", "family"], name="crimecost_unique_family")]

    def __str__(self) -> str:
        return f"{self.family}: {self.victim} + {self.justice} {self.currency}"


class CostBenefitSheet(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="cost_benefit")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="+", verbose_name=_("evaluación"))
    base_year = models.PositiveSmallIntegerField(_("año base"))
    discount_rate = models.FloatField(_("tasa de descuento"), default=0.05)
    usd_rate = models.FloatField(_("tipo de cambio (moneda por dólar)"))
    usd_rate_date = models.DateField(_("fecha del tipo de cambio"))
    prison_year_cost = models.DecimalField(_("costo de un año de prisión"), max_digits=14, decimal_places=2)
    participant_benefit_per_year = models.DecimalField(
        _("beneficio por participante y año"), max_digits=14, decimal_places=2, default=0
    )
    deadweight = models.FloatField(_("costo de eficiencia de los impuestos"), default=0.0)
    draws = models.PositiveIntegerField(_("simulaciones"), default=100_000)
    seed = models.PositiveIntegerField(_("semilla"), default=20231)
    inputs = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.through("programme__municipality")

    class Meta:
        verbose_name = _("hoja de costo-beneficio")
        verbose_name_plural = _("hojas de costo-beneficio")
        ordering = ["programme", "-created_at"]

    def __str__(self) -> str:
        return f"{self.programme} · {self.created_at:%Y-%m-%d}"
