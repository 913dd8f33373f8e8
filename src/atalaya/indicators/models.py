"""Indicators are definitions, not numbers: what to count, over which population, and how to read it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.accounts.services import import_municipalities
from atalaya.geo.models import Municipality

from .choices import Better, Periodicity, Unit


class IndicatorQuerySet(models.QuerySet):
    def shared(self):
        """Built-in and superusers' indicators: every municipality has them (and the network compares them)."""
        return self.filter(municipality__isnull=True)

    def for_municipality(self, municipality):
        """What a municipality's dashboards, values and quality pages use: the shared ones and its own."""
        return self.filter(models.Q(municipality__isnull=True) | models.Q(municipality=municipality))

    def visible_to(self, user):
        return self.filter(
            models.Q(municipality__isnull=True) | models.Q(municipality__in=Municipality.objects.visible_to(user))
        )

    def editable_by(self, user):
        """A superuser changes any; an analyst only their municipalities' own (never a built-in)."""
        if user.is_superuser:
            return self
        return self.filter(is_builtin=False, municipality__in=import_municipalities(user))


class Indicator(models.Model):
    """An indicator definition. Built-in ones (and those a superuser creates) are shared by every municipality;
    one an analyst creates belongs to their municipality and appears only there."""

    code = models.SlugField(_("código"), max_length=80, unique=True)
    municipality = models.ForeignKey(
        Municipality,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name=_("municipio"),
        help_text=_("Vacío: compartido con todos los municipios (solo un administrador general lo crea)."),
    )
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
    measure = models.CharField(
        _("qué se cuenta"),
        max_length=10,
        choices=[("hechos", _("Hechos (delitos, casos, incidentes)")), ("victimas", _("Víctimas"))],
        default="hechos",
    )
    filters = models.JSONField(
        _("filtros de víctimas"),
        default=dict,
        blank=True,
        help_text=_('Solo para víctimas: {"sex": ["Mujer"], "age_group": ["Menores de edad (0-17)"]}.'),
    )
    unit = models.CharField(_("unidad"), max_length=10, choices=Unit.choices, default=Unit.RATE)
    denominator = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("indicador denominador"),
        help_text=_("Solo para porcentajes: el indicador que hace de total (p. ej. todos los robos)."),
    )
    sources = models.JSONField(
        _("fuentes"),
        default=list,
        blank=True,
        help_text=_('Fuentes a las que se aplica (p. ej. ["sesnsp"]); vacío: todas.'),
    )
    periodicity = models.CharField(
        _("periodicidad"), max_length=12, choices=Periodicity.choices, default=Periodicity.MONTHLY
    )
    better = models.CharField(_("sentido favorable"), max_length=6, choices=Better.choices, default=Better.LOWER)
    order = models.PositiveSmallIntegerField(_("orden"), default=100)
    is_builtin = models.BooleanField(_("incluido en Atalaya"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("creado por"),
    )
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicador")
        verbose_name_plural = _("indicadores")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def numerator_text(self, family_names: dict[str, str] | None = None) -> str:
        """What the indicator counts, in words for the catalogue page (not the JSON it is stored as).

        A list passes ``family_names`` (code → name) read once, instead of a query per indicator."""
        from atalaya.taxonomy.models import Family

        parts = []
        families = self.numerator.get("families") or []
        if families:
            names = family_names
            if names is None:
                names = dict(Family.objects.filter(code__in=families).values_list("code", "name"))
            parts.append(_("familias: %(f)s") % {"f": ", ".join(names.get(code, code) for code in families)})
        if self.numerator.get("iccs"):
            parts.append(_("clases ICCS: %(c)s") % {"c": ", ".join(self.numerator["iccs"])})
        if self.numerator.get("categories"):
            parts.append(_("categorías: %(c)s") % {"c": ", ".join(self.numerator["categories"])})
        if self.measure == "victimas":
            parts.append(_("víctimas"))
        return " · ".join(str(part) for part in parts) or "—"


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

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.indicator.municipality_id not in (None, self.municipality_id):
            raise ValidationError(_("Ese indicador es de otro municipio: no se publica aquí."))


class IndicatorSeries(models.Model):
    """Precomputed monthly counts of one indicator for a municipality, source and territory: one row per series.

    Rebuilt after each import (and when definitions change), so that dashboards read a few rows instead of
    aggregating the cube. ``counts`` follows the months of the snapshot's grid (``months``; ``victim_months`` for
    victim indicators), zeros included. ``level`` is empty for the municipality total; ``territory_code`` is
    empty there too, and ``SIN_TERRITORIO`` groups incidents without a territory. A series per row, not a month
    per row: a hundred cuadrantes over five years are 1,700 rows to write after an import instead of 100,000.
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    source = models.CharField(max_length=100)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="series", db_index=False, db_constraint=False
    )
    level = models.CharField(max_length=50, blank=True)
    territory_code = models.CharField(max_length=50, blank=True)
    counts = models.JSONField(default=list)

    class Meta:
        verbose_name = _("serie de indicador")
        verbose_name_plural = _("series de indicadores")
        indexes = [
            models.Index(fields=["municipality", "source", "level", "indicator"], name="indicatorseries_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.level}:{self.territory_code} ({len(self.counts)} meses)"


class IndicatorSnapshot(models.Model):
    """When the values of a municipality and source were computed, and from which definitions."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    point_level = models.BooleanField(default=False)
    first_month = models.DateField(null=True)
    last_month = models.DateField(null=True)
    profiles = models.JSONField(default=dict, blank=True)
    #: ``{"months": [ISO dates], "victim_months": [ISO dates]}``: the months each stored series' counts follow
    grid = models.JSONField(default=dict, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)
    public_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("cálculo de indicadores")
        verbose_name_plural = _("cálculos de indicadores")
        constraints = [models.UniqueConstraint(fields=["municipality", "source"], name="indicatorsnapshot_unique")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.source} {self.refreshed_at:%Y-%m-%d %H:%M}"


class PublicValue(models.Model):
    """The portal's one suppressed table: every count an anonymous visitor can reach, per published indicator and
    source (months, quarters, years and rolling twelve months at municipality level; years and rolling twelve
    months per territory). ``count`` is empty when withheld (small, or protecting a small one). Every public
    output — portal page, map, CSV, GeoJSON, ``/api/public/`` — reads this table and nothing else."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    source = models.CharField(max_length=100)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    level = models.CharField(max_length=50, blank=True)
    territory_code = models.CharField(max_length=50, blank=True)
    period = models.CharField(max_length=8)
    period_start = models.DateField()
    months = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(null=True)

    class Meta:
        verbose_name = _("valor publicado")
        verbose_name_plural = _("valores publicados")
        indexes = [models.Index(fields=["municipality", "source", "indicator", "level"], name="publicvalue_lookup")]

    def __str__(self) -> str:
        shown = "—" if self.count is None else self.count
        return f"{self.indicator_id} {self.level}:{self.territory_code} {self.period} {self.period_start} = {shown}"
