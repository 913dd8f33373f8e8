"""Source reconciliation ("mesa de validación"): which records of two sources describe the same event.

A :class:`Reconciliation` is one run for a municipality, family and period; its :class:`ReconciledPair` rows are
recomputed on every run. What analysts decide lives in :class:`PairDecision`, keyed by the records' stable keys
(``source:record_id``), not by run or database id, so a new import or a new run keeps every earlier decision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.geo.models import Municipality
from atalaya.taxonomy.models import Family


class PairStatus(models.TextChoices):
    MATCHED = "coincide", _("mismo hecho")
    CONFLICT = "conflicto", _("en conflicto")
    ONLY_A = "solo_a", _("solo en la primera fuente")
    ONLY_B = "solo_b", _("solo en la segunda fuente")


class Verdict(models.TextChoices):
    SAME = "mismo", _("mismo hecho")
    DIFFERENT = "distinto", _("hechos distintos")
    DUPLICATE = "duplicado", _("duplicado dentro de una fuente")


class Reconciliation(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="reconciliations", verbose_name=_("municipio")
    )
    family = models.ForeignKey(Family, on_delete=models.PROTECT, verbose_name=_("familia delictiva"))
    source_a = models.CharField(_("primera fuente"), max_length=100)
    source_b = models.CharField(_("segunda fuente"), max_length=100)
    period_start = models.DateField(_("desde"))
    period_end = models.DateField(_("hasta"))
    days = models.PositiveSmallIntegerField(_("tolerancia en días"), default=1)
    metres = models.PositiveIntegerField(_("tolerancia en metros"), default=500)
    summary = models.JSONField(_("resumen"), default=dict, blank=True)
    seconds = models.FloatField(_("segundos"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("creada por")
    )
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)

    class Meta:
        verbose_name = _("conciliación")
        verbose_name_plural = _("conciliaciones")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return (
            f"{self.family} {self.municipality} {self.source_a}/{self.source_b} {self.period_start}–{self.period_end}"
        )


class ReconciledPair(models.Model):
    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="pairs")
    key_a = models.CharField(_("registro de la primera fuente"), max_length=220, blank=True)
    key_b = models.CharField(_("registro de la segunda fuente"), max_length=220, blank=True)
    occurred_on = models.DateField(_("fecha del hecho"))
    days_apart = models.PositiveSmallIntegerField(_("días de diferencia"), null=True, blank=True)
    distance_m = models.FloatField(_("distancia (m)"), null=True, blank=True)
    score = models.FloatField(_("puntaje"), null=True, blank=True)
    status = models.CharField(_("resultado"), max_length=12, choices=PairStatus.choices)
    decided = models.BooleanField(_("decidido por un analista"), default=False)

    class Meta:
        verbose_name = _("par conciliado")
        verbose_name_plural = _("pares conciliados")
        indexes = [models.Index(fields=["reconciliation", "status"], name="pair_rec_status")]

    def __str__(self) -> str:
        return f"{self.key_a or '—'} / {self.key_b or '—'}: {self.get_status_display()}"


class PairDecision(models.Model):
    """An analyst's verdict on two records, with a reason; reverting keeps the row (the log is never lost)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="pair_decisions")
    key_a = models.CharField(_("registro de la primera fuente"), max_length=220)
    key_b = models.CharField(_("registro de la segunda fuente"), max_length=220)
    verdict = models.CharField(_("decisión"), max_length=10, choices=Verdict.choices)
    reason = models.TextField(_("motivo"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(_("decidida"), auto_now_add=True)
    reverted_at = models.DateTimeField(_("revertida"), null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("decisión de conciliación")
        verbose_name_plural = _("decisiones de conciliación")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "key_a", "key_b"],
                condition=models.Q(reverted_at__isnull=True),
                name="one_live_decision_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key_a} / {self.key_b}: {self.get_verdict_display()}"
