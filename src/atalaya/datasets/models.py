"""Imports (datasets) and the facts they bring: incidents and published counts (the cube derived from them
lives in :mod:`atalaya.cube`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.accounts.services import import_municipalities
from atalaya.core.models import TrackedJob
from atalaya.core.scoping import ScopedQuerySet
from atalaya.geo.models import Municipality, Territory
from atalaya.hooks import format_label
from atalaya.taxonomy.models import Catalogue, SourceCategory

from .choices import DatasetStatus, LocationStatus, OnError, TimePrecision


class VersionedQuerySet(ScopedQuerySet):
    """Facts kept in every version: a newer release supersedes a value, it never deletes it."""

    def current(self):
        return self.filter(superseded_by__isnull=True)


class IncidentQuerySet(VersionedQuerySet):
    def counted(self):
        """The municipality's own incidents: current, and not placed outside it by their coordinates.

        Points outside the municipality are stored and reported, but they are not its incidents: the cube,
        indicators, alerts, maps and exports read only these.
        """
        return self.current().exclude(location_status=LocationStatus.OUTSIDE)


class DatasetQuerySet(ScopedQuerySet):
    municipality_field = "municipalities"


class ColumnMappingQuerySet(models.QuerySet):
    def usable_by(self, user):
        """Mappings a user may import with: their import municipalities' own and the shared ones."""
        if user is None or user.is_superuser:
            return self
        return self.filter(models.Q(municipality__isnull=True) | models.Q(municipality__in=import_municipalities(user)))

    #: A mapping is shown to whoever may import with it (the scope generic views apply).
    visible_to = usable_by

    def editable_by(self, user):
        """Mappings a user may change: their import municipalities' own; shared ones only by a superuser."""
        if user is None or user.is_superuser:
            return self
        return self.filter(municipality__in=import_municipalities(user))


class ColumnMapping(models.Model):
    """A saved, reusable description of how a generic incidents file maps to Atalaya's fields.

    It belongs to a municipality (its analysts use and edit it) or, with ``municipality`` empty, is shared by an
    administrator with every municipality (each may use it, only superusers change it).
    """

    name = models.SlugField(_("nombre"), max_length=100, unique=True)
    municipality = models.ForeignKey(
        Municipality,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="column_mappings",
        verbose_name=_("municipio"),
        help_text=_("Vacío: compartido con todos los municipios (solo un administrador general lo crea)."),
    )
    description = models.TextField(_("descripción"), blank=True)
    definition = models.JSONField(_("definición"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = ColumnMappingQuerySet.as_manager()

    class Meta:
        verbose_name = _("mapeo de columnas")
        verbose_name_plural = _("mapeos de columnas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    """One import of one file, with its provenance: every number in Atalaya can be traced back to one."""

    format = models.CharField(_("formato"), max_length=50)
    source = models.CharField(_("fuente"), max_length=100)
    catalogue = models.ForeignKey(Catalogue, null=True, blank=True, on_delete=models.PROTECT)
    mapping = models.ForeignKey(ColumnMapping, null=True, blank=True, on_delete=models.SET_NULL)
    municipalities = models.ManyToManyField(Municipality, related_name="datasets", blank=True)
    file_name = models.CharField(_("archivo"), max_length=255)
    file_sha256 = models.CharField(_("huella SHA-256"), max_length=64, db_index=True)
    file_size = models.BigIntegerField(_("tamaño (bytes)"))
    encoding = models.CharField(_("codificación"), max_length=20, blank=True)
    status = models.CharField(_("estado"), max_length=20, choices=DatasetStatus.choices)
    on_error = models.CharField(_("ante errores"), max_length=10, choices=OnError.choices, default=OnError.REJECT)
    rows_read = models.PositiveIntegerField(_("filas leídas"), default=0)
    rows_accepted = models.PositiveIntegerField(_("filas aceptadas"), default=0)
    rows_rejected = models.PositiveIntegerField(_("filas rechazadas"), default=0)
    rows_out_of_scope = models.PositiveIntegerField(_("filas de otros municipios"), default=0)
    warnings = models.PositiveIntegerField(_("avisos"), default=0)
    period_start = models.DateField(_("desde"), null=True, blank=True)
    period_end = models.DateField(_("hasta"), null=True, blank=True)
    cutoff = models.DateField(_("fecha de corte"), null=True, blank=True)
    summary = models.JSONField(_("resumen de validación"), default=dict, blank=True)
    options = models.JSONField(
        _("opciones de importación"),
        default=dict,
        blank=True,
        help_text=_("Lo que la importación significó además del archivo: municipio, mapeo, catálogo, corte, nivel."),
    )
    options_sha256 = models.CharField(_("huella de las opciones"), max_length=64, blank=True, db_index=True)
    replaced = models.BooleanField(
        _("reemplazó"), default=False, help_text=_("Quitó los valores que esta versión no traía (--replace).")
    )
    changes = models.JSONField(_("cambios frente a lo guardado"), default=dict, blank=True)
    rolled_back_at = models.DateTimeField(_("revertido el"), null=True, blank=True)
    report_path = models.CharField(_("informe"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("importado el"), auto_now_add=True)

    objects = DatasetQuerySet.as_manager()

    class Meta:
        verbose_name = _("conjunto de datos")
        verbose_name_plural = _("conjuntos de datos")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.format} · {self.file_name} ({self.created_at:%Y-%m-%d})"

    @property
    def format_label(self) -> str:
        return format_label(self.format)


class Incident(models.Model):
    """A point-level record (one carpeta, one police case) stored once, as the source gave it."""

    # Only the composite indexes below: every extra index costs time on each of a million inserted rows. The
    # fact tables (incidents, cubes, indicator values) keep Django's delete rules but no foreign-key constraint
    # in the database: the importer makes every key it writes, and checking them at commit was most of an import
    # on PostgreSQL (4.6 of 6.3 s for 100,000 incidents; Django defers those constraints to the commit).
    dataset = models.ForeignKey(
        Dataset, on_delete=models.PROTECT, related_name="incidents", db_index=False, db_constraint=False
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="incidents", db_index=False, db_constraint=False
    )
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, db_index=False, db_constraint=False
    )
    category = models.ForeignKey(SourceCategory, on_delete=models.PROTECT, db_index=False, db_constraint=False)
    source = models.CharField(_("fuente"), max_length=100)
    record_id = models.CharField(_("identificador en la fuente"), max_length=100)
    occurred_on = models.DateField(_("fecha del hecho"))
    occurred_time = models.TimeField(_("hora del hecho"), null=True, blank=True)
    time_precision = models.CharField(_("precisión"), max_length=10, choices=TimePrecision.choices)
    lat = models.FloatField(_("latitud"), null=True, blank=True)
    lon = models.FloatField(_("longitud"), null=True, blank=True)
    location_status = models.CharField(_("ubicación"), max_length=25, choices=LocationStatus.choices)
    attributes = models.JSONField(_("atributos"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        Dataset,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_incidents",
        db_index=False,
        db_constraint=False,
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incidente")
        verbose_name_plural = _("incidentes")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "source", "record_id"],
                condition=models.Q(superseded_by__isnull=True),
                name="incident_unique_current_record",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "occurred_on"], name="incident_mun_date"),
            models.Index(fields=["dataset"], name="incident_dataset"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.record_id}"


class AggregateCount(models.Model):
    """A count published as such (SESNSP monthly carpetas or víctimas, CEAD casos) for one month."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="aggregate_counts")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="aggregate_counts")
    category = models.ForeignKey(SourceCategory, on_delete=models.PROTECT)
    source = models.CharField(_("fuente"), max_length=100)
    period_start = models.DateField(_("mes"))
    measure = models.CharField(_("medida"), max_length=20, help_text=_("delitos, víctimas o casos"))
    sex = models.CharField(_("sexo"), max_length=30, blank=True, default="")
    age_group = models.CharField(_("rango de edad"), max_length=40, blank=True, default="")
    count = models.PositiveIntegerField(_("conteo"))
    superseded_by = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_counts"
    )

    objects = VersionedQuerySet.as_manager()

    class Meta:
        verbose_name = _("conteo publicado")
        verbose_name_plural = _("conteos publicados")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "source", "category", "period_start", "measure", "sex", "age_group"],
                condition=models.Q(superseded_by__isnull=True),
                name="aggregate_unique_current_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.category_id} {self.period_start:%Y-%m} {self.measure}: {self.count}"


class ImportJob(TrackedJob):
    """A web upload being checked or imported in the background, with its progress for the user."""

    municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.CASCADE)
    format = models.CharField(_("formato"), max_length=50)
    mapping = models.ForeignKey(ColumnMapping, null=True, blank=True, on_delete=models.SET_NULL)
    on_error = models.CharField(_("ante errores"), max_length=10, choices=OnError.choices, default=OnError.REJECT)
    file_path = models.CharField(max_length=500)
    file_name = models.CharField(_("archivo"), max_length=255)
    dry_run = models.BooleanField(default=True)
    options = models.JSONField(
        _("opciones"),
        default=dict,
        blank=True,
        help_text=_("Opciones del formato: nivel y columnas de límites, fecha de corte, versión de catálogo."),
    )
    dataset = models.ForeignKey(Dataset, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta(TrackedJob.Meta):
        verbose_name = _("trabajo de importación")
        verbose_name_plural = _("trabajos de importación")

    def __str__(self) -> str:
        return f"{self.format} {self.file_name} ({self.get_status_display()})"

    @property
    def format_label(self) -> str:
        return format_label(self.format)
