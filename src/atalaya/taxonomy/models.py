"""Crime taxonomy: source catalogues, their categories, and versioned crosswalks to ICCS and families.

Incidents and counts point at the *source* category (the fact as published). Harmonisation happens through the
active :class:`Crosswalk` of the category's catalogue, so editing a mapping never requires re-importing data.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Family(models.Model):
    """An observatory family of crimes (homicidios, robos con violencia, violencia familiar...)."""

    code = models.SlugField(_("código"), max_length=50, unique=True)
    name = models.CharField(_("nombre"), max_length=100)
    description = models.TextField(_("descripción"), blank=True)
    order = models.PositiveSmallIntegerField(_("orden"), default=0)

    class Meta:
        verbose_name = _("familia delictiva")
        verbose_name_plural = _("familias delictivas")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class IccsClass(models.Model):
    """A class of the UNODC International Classification of Crime for Statistical Purposes (ICCS v1.0)."""

    code = models.CharField(_("código ICCS"), max_length=8, unique=True)
    name = models.CharField(_("nombre"), max_length=200)
    name_es = models.CharField(_("nombre en español"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("clase ICCS")
        verbose_name_plural = _("clases ICCS")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_es or self.name}"

    @property
    def level(self) -> int:
        return max(1, len(self.code) - 2)


class Catalogue(models.Model):
    """A source's list of crime categories in one version (e.g. SESNSP CNSP/38/15, CEAD 2025)."""

    source = models.SlugField(_("fuente"), max_length=50)
    version = models.CharField(_("versión"), max_length=50)
    name = models.CharField(_("nombre"), max_length=200)
    description = models.TextField(_("descripción"), blank=True)
    level_names = models.JSONField(_("niveles"), default=list, blank=True)
    preference = models.PositiveSmallIntegerField(
        _("preferencia"),
        default=100,
        help_text=_("Desempata cuando las etiquetas de un archivo encajan en varios catálogos (menor gana)."),
    )

    class Meta:
        verbose_name = _("catálogo de origen")
        verbose_name_plural = _("catálogos de origen")
        ordering = ["source", "version"]
        constraints = [models.UniqueConstraint(fields=["source", "version"], name="catalogue_unique_version")]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class SourceCategory(models.Model):
    """One entry of a source catalogue, identified by its normalised label path."""

    catalogue = models.ForeignKey(
        Catalogue, on_delete=models.PROTECT, related_name="categories", verbose_name=_("catálogo")
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("padre")
    )
    code = models.CharField(_("código"), max_length=255)
    key = models.CharField(_("clave normalizada"), max_length=500, editable=False)
    path = models.CharField(_("ruta"), max_length=500, help_text=_("Niveles separados por « / »."))
    label = models.CharField(_("etiqueta"), max_length=300)
    discovered = models.BooleanField(
        _("descubierta en una importación"),
        default=False,
        help_text=_("No estaba en el catálogo publicado: apareció en un archivo y debe mapearse."),
    )

    class Meta:
        verbose_name = _("categoría de origen")
        verbose_name_plural = _("categorías de origen")
        ordering = ["catalogue", "path"]
        constraints = [models.UniqueConstraint(fields=["catalogue", "key"], name="source_category_unique_key")]

    def __str__(self) -> str:
        return self.path


class Crosswalk(models.Model):
    """A version of the mapping of one catalogue to the harmonised taxonomy. One version is active."""

    catalogue = models.ForeignKey(
        Catalogue, on_delete=models.PROTECT, related_name="crosswalks", verbose_name=_("catálogo")
    )
    version = models.PositiveIntegerField(_("versión"))
    is_active = models.BooleanField(_("activa"), default=True)
    notes = models.TextField(_("notas"), blank=True)
    source_file = models.CharField(_("archivo de origen"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)

    class Meta:
        verbose_name = _("tabla de correspondencia")
        verbose_name_plural = _("tablas de correspondencia")
        ordering = ["catalogue", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "version"], name="crosswalk_unique_version"),
            models.UniqueConstraint(
                fields=["catalogue"], condition=models.Q(is_active=True), name="crosswalk_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.catalogue} v{self.version}"


class CrosswalkEntry(models.Model):
    crosswalk = models.ForeignKey(
        Crosswalk, on_delete=models.CASCADE, related_name="entries", verbose_name=_("tabla de correspondencia")
    )
    source_category = models.ForeignKey(
        SourceCategory, on_delete=models.PROTECT, related_name="mappings", verbose_name=_("categoría de origen")
    )
    iccs = models.ForeignKey(
        IccsClass,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mappings",
        verbose_name=_("clase ICCS"),
    )
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="mappings", verbose_name=_("familia delictiva")
    )
    harm_weight = models.FloatField(
        _("peso de daño"),
        default=0,
        help_text=_("Días de prisión de referencia (índice de daño al estilo Cambridge); editable."),
    )
    notes = models.CharField(_("notas"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("correspondencia")
        verbose_name_plural = _("correspondencias")
        constraints = [
            models.UniqueConstraint(fields=["crosswalk", "source_category"], name="crosswalk_entry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source_category} → {self.iccs_id or '—'} / {self.family}"
