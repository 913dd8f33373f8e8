"""Indicators are definitions, not numbers: what to count, over which population, and how to read it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.geo.models import Municipality

from .choices import Better, Periodicity, Unit


class Indicator(models.Model):
    code = models.SlugField(_("código"), max_length=80, unique=True)
    name = models.CharField(_("nombre"), max_length=200)
    name_en = models.CharField(_("nombre en inglés"), max_length=200, blank=True)
    description = models.TextField(_("descripción"), blank=True)
    methodology = models.TextField(_("nota metodológica"), blank=True)
    numerator = models.JSONField(
        _("numerador"),
        default=dict,
        help_text=_(
            'Qué se cuenta: {"families": [...], "iccs": [...], "categories": ["fuente:prefijo-de-código"]}. '
            "Una categoría entra si cumple cualquiera de las tres condiciones."
        ),
    )
    unit = models.CharField(_("unidad"), max_length=10, choices=Unit.choices, default=Unit.RATE)
    periodicity = models.CharField(
        _("periodicidad"), max_length=12, choices=Periodicity.choices, default=Periodicity.MONTHLY
    )
    better = models.CharField(_("sentido favorable"), max_length=6, choices=Better.choices, default=Better.LOWER)
    order = models.PositiveSmallIntegerField(_("orden"), default=100)
    is_builtin = models.BooleanField(_("incluido en Atalaya"), default=False)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("indicador")
        verbose_name_plural = _("indicadores")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Publication(models.Model):
    """A municipality's decision to show an indicator on the public portal."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="publications", verbose_name=_("municipio")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="publications", verbose_name=_("indicador")
    )
    is_public = models.BooleanField(_("público"), default=False)

    class Meta:
        verbose_name = _("publicación")
        verbose_name_plural = _("publicaciones")
        constraints = [models.UniqueConstraint(fields=["municipality", "indicator"], name="publication_unique")]

    def __str__(self) -> str:
        return f"{self.municipality} · {self.indicator}"
