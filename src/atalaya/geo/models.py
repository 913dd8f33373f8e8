"""Countries, municipalities and their territories (a hierarchy of any depth), with population by year."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Country(models.Model):
    code = models.CharField(_("código ISO"), max_length=2, unique=True)
    name = models.CharField(_("nombre"), max_length=100)

    class Meta:
        verbose_name = _("país")
        verbose_name_plural = _("países")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MunicipalityQuerySet(models.QuerySet):
    def visible_to(self, user) -> MunicipalityQuerySet:
        """The one place where tenancy is decided: superusers see all, others their memberships."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(memberships__user=user).distinct()


class Municipality(models.Model):
    """A municipality (México) or comuna (Chile), identified by its official code (INEGI CVEGEO / CUT)."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="municipalities")
    code = models.CharField(
        _("código oficial"),
        max_length=10,
        unique=True,
        help_text=_("CVEGEO de INEGI (p. ej. 15058) o CUT de Chile (p. ej. 13122)."),
    )
    name = models.CharField(_("nombre"), max_length=150)
    region = models.CharField(_("estado o región"), max_length=150, blank=True)
    boundary = models.BinaryField(_("límite (WKB, WGS84)"), null=True, blank=True, editable=False)
    is_synthetic = models.BooleanField(
        _("datos sintéticos"),
        default=False,
        help_text=_("Marca los municipios de demostración cuyos datos son sintéticos."),
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("unidad administrativa", "municipio")
        verbose_name_plural = pgettext_lazy("unidad administrativa", "municipios")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Territory(models.Model):
    """A unit inside a municipality: zona, sector, cuadrante, unidad vecinal, colonia...

    ``level`` names the layer; ``parent`` builds the hierarchy; incidents are assigned to leaf territories.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="territories")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    level = models.CharField(_("nivel"), max_length=50, help_text=_("p. ej. zona, sector, cuadrante, unidad vecinal"))
    code = models.CharField(_("código"), max_length=50)
    name = models.CharField(_("nombre"), max_length=200)
    geometry = models.BinaryField(_("polígono (WKB, WGS84)"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("territorio")
        verbose_name_plural = _("territorios")
        ordering = ["municipality", "level", "code"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="territory_unique_code")]

    def __str__(self) -> str:
        return f"{self.level} {self.name}"


class Population(models.Model):
    """Population of a municipality (``territory`` empty) or of one of its territories in a given year."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="populations")
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.CASCADE, related_name="populations"
    )
    year = models.PositiveSmallIntegerField(_("año"))
    value = models.PositiveIntegerField(_("población"))
    source = models.CharField(_("fuente"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("población")
        verbose_name_plural = _("poblaciones")
        ordering = ["municipality", "territory", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"],
                condition=Q(territory__isnull=True),
                name="population_unique_municipality_year",
            ),
            models.UniqueConstraint(
                fields=["territory", "year"],
                condition=Q(territory__isnull=False),
                name="population_unique_territory_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.territory or self.municipality} {self.year}: {self.value}"
