"""The analytics cube: counts by territory × source category × day or month, derived from stored facts.

The tables keep the names they had when they lived in ``datasets`` (``datasets_dailycount``,
``datasets_monthlycount``): moving the app moved Django's record of the models, not a single row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.core.scoping import ScopedQuerySet
from atalaya.geo.models import Municipality, Territory
from atalaya.taxonomy.models import SourceCategory


class CubeCell(models.Model):
    """The keys every cube row has: municipality, territory (empty: none), source category and source. No
    index of its own and no database constraint: the cube is rebuilt from the facts, never edited."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    territory = models.ForeignKey(
        Territory,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    category = models.ForeignKey(
        SourceCategory, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    source = models.CharField(max_length=100)

    class Meta:
        abstract = True


class DailyCount(CubeCell):
    """Cells of point-level sources: incidents by territory × source category × day.

    ``territory`` is empty for incidents without a territory (no coordinates, outside, gaps).
    """

    day = models.DateField()
    count = models.PositiveIntegerField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        db_table = "datasets_dailycount"
        verbose_name = _("conteo diario (cubo)")
        verbose_name_plural = _("conteos diarios (cubo)")
        indexes = [models.Index(fields=["municipality", "source", "day"], name="dailycount_mun_source_day")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.territory_id} {self.category_id} {self.day}: {self.count}"


class MonthlyCount(CubeCell):
    """Monthly cells, what indicators and dashboards read: territory × source category × month × measure.

    Published counts (SESNSP ``delitos``/``victimas``, CEAD ``casos``) have no territory. Point-level sources are
    rolled up from :class:`DailyCount` with measure ``incidentes`` and their leaf territory (empty when the
    incident has none), so a year of a municipality is a few thousand rows instead of every incident.
    """

    month = models.DateField()
    measure = models.CharField(max_length=20)
    count = models.PositiveIntegerField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        db_table = "datasets_monthlycount"
        verbose_name = _("conteo mensual (cubo)")
        verbose_name_plural = _("conteos mensuales (cubo)")
        indexes = [models.Index(fields=["municipality", "source", "month"], name="monthlycount_mun_source_month")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.category_id} {self.month:%Y-%m} {self.measure}: {self.count}"
