"""Survey imports and their estimates.

A :class:`SurveyDataset` is one imported file (an ENSU quarter's CB table, or a generic survey read through a
:class:`SurveyMapping`); its microdata are kept as a private Parquet file (only the design, domain and indicator
columns) so that changes between quarters can be estimated in one design. :class:`SurveyEstimate` holds every
estimate computed at import (whole survey, each city or domain, each city by sex), :class:`SurveyChange` the
quarter-to-quarter changes, and :class:`PublicSurveyEstimate` the only survey figures the public portal reads:
the municipality's own city, with low-precision cells withheld.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.core.scoping import ScopedQuerySet
from atalaya.geo.models import Municipality

from .choices import Domain, Precision, SurveyKind


class SurveyMapping(models.Model):
    """How a generic survey's columns carry its design and indicators (saved to import the next edition alike).

    ``design``: ``{"weight", "psu", "stratum", "fpc", "period", "domain", "sex"}`` (column names; ``period`` may
    be absent and the period given at import). ``indicators``: a list of ``{"code", "name", "variable",
    "success", "asked_variable", "asked", "higher_is_better"}``.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="survey_mappings")
    name = models.CharField(_("nombre"), max_length=120)
    description = models.TextField(_("descripción"), blank=True)
    design = models.JSONField(_("diseño"), default=dict)
    indicators = models.JSONField(_("indicadores"), default=list)
    domain_code = models.CharField(
        _("código del municipio en la encuesta"),
        max_length=20,
        blank=True,
        help_text=_("Valor de la columna de dominio que corresponde a este municipio (p. ej. la comuna 13122)."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("mapeo de encuesta")
        verbose_name_plural = _("mapeos de encuesta")
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="surveymapping_unique_name")]

    def __str__(self) -> str:
        return self.name


class SurveyDataset(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="survey_datasets")
    kind = models.CharField(_("tipo"), max_length=20, choices=SurveyKind.choices)
    mapping = models.ForeignKey(SurveyMapping, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(_("nombre"), max_length=200)
    file_name = models.CharField(_("archivo"), max_length=255)
    sha256 = models.CharField(max_length=64)
    periods = models.JSONField(_("periodos"), default=list)
    rows = models.PositiveIntegerField(_("respuestas"))
    city_code = models.CharField(
        _("ciudad o dominio del municipio"), max_length=20, blank=True, help_text=_("Vacío: no está en la muestra.")
    )
    design = models.JSONField(_("diseño"), default=dict)
    microdata_path = models.CharField(max_length=400)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("importada"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("encuesta importada")
        verbose_name_plural = _("encuestas importadas")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "sha256"], name="surveydataset_unique_file"),
        ]

    def __str__(self) -> str:
        return self.name


class SurveyEstimate(models.Model):
    """One design-based estimate (a share or a mean) with its precision."""

    dataset = models.ForeignKey(SurveyDataset, on_delete=models.CASCADE, related_name="estimates")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    indicator = models.CharField(_("indicador"), max_length=60)
    indicator_name = models.CharField(_("nombre del indicador"), max_length=200)
    period = models.CharField(_("periodo"), max_length=20)
    domain = models.CharField(_("dominio"), max_length=20, choices=Domain.choices)
    city = models.CharField(_("ciudad"), max_length=20, blank=True)
    city_name = models.CharField(_("nombre de la ciudad"), max_length=150, blank=True)
    sex = models.CharField(_("sexo"), max_length=2, blank=True)
    estimate = models.FloatField(_("estimación"), null=True)
    se = models.FloatField(_("error estándar"), null=True)
    ci_low = models.FloatField(_("límite inferior (95 %)"), null=True)
    ci_high = models.FloatField(_("límite superior (95 %)"), null=True)
    cv = models.FloatField(_("coeficiente de variación (%)"), null=True)
    precision = models.CharField(_("precisión"), max_length=10, choices=Precision.choices)
    respondents = models.PositiveIntegerField(_("respuestas"))
    population = models.FloatField(_("población estimada"))
    df = models.IntegerField(_("grados de libertad"))
    higher_is_better = models.BooleanField(default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("estimación de encuesta")
        verbose_name_plural = _("estimaciones de encuesta")
        indexes = [models.Index(fields=["municipality", "indicator", "period"], name="surveyestimate_lookup")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period} {self.city}{self.sex}: {self.estimate}"


class SurveyChange(models.Model):
    """Change of an indicator in a city between two periods, with its significance (panel covariance counted)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=SurveyKind.choices)
    indicator = models.CharField(_("indicador"), max_length=60)
    city = models.CharField(_("ciudad"), max_length=20)
    before_period = models.CharField(_("periodo anterior"), max_length=20)
    after_period = models.CharField(_("periodo"), max_length=20)
    before = models.FloatField(null=True)
    after = models.FloatField(null=True)
    change = models.FloatField(null=True)
    se = models.FloatField(null=True)
    p_value = models.FloatField(null=True)
    significant = models.BooleanField(default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("cambio entre periodos")
        verbose_name_plural = _("cambios entre periodos")

    def __str__(self) -> str:
        return f"{self.indicator} {self.city} {self.before_period}→{self.after_period}: {self.change}"


class PublicSurveyEstimate(models.Model):
    """What the public portal shows of a survey: the municipality's city, each indicator and period. A cell of low
    precision keeps its row but not its number (``estimate`` is empty), so the page can say why."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("fuente"), max_length=200)
    indicator = models.CharField(max_length=60)
    indicator_name = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True)
    period = models.CharField(max_length=20)
    estimate = models.FloatField(null=True)
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    precision = models.CharField(max_length=10, choices=Precision.choices)
    change_significant = models.BooleanField(null=True)

    class Meta:
        verbose_name = _("estimación publicada")
        verbose_name_plural = _("estimaciones publicadas")
        ordering = ["indicator", "period"]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period}: {self.estimate}"
