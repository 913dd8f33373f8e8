"""Source reconciliation ("mesa de validación"): which records of two or more sources describe the same event.

A :class:`Reconciliation` is one run for a municipality, family, period and two or more sources (paired one at a
time: the first two, then what they agreed with the third…); its :class:`ReconciledPair` rows are recomputed on
every run. Publishing a run writes its agreed events as the source ``conciliada``, a versioned dataset like any
import, so indicators and alerts read it and ``datasets rollback`` undoes it. What analysts decide lives in
:class:`PairDecision`, keyed by the records' stable keys (``source:record_id``), not by run or database id, so a
new import or a new run keeps every earlier decision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.core.scoping import ScopedQuerySet
from atalaya.datasets.models import Dataset
from atalaya.geo.models import Municipality
from atalaya.taxonomy.models import Family


class PairStatus(models.TextChoices):
    MATCHED = "coincide", _("mismo hecho")
    CONFLICT = "conflicto", _("en conflicto")
    ONLY_A = "solo_a", _("solo en la primera fuente (o en las ya conciliadas)")
    ONLY_B = "solo_b", _("solo en la fuente que se incorpora")


class Verdict(models.TextChoices):
    SAME = "mismo", _("mismo hecho")
    DIFFERENT = "distinto", _("hechos distintos")
    DUPLICATE = "duplicado", _("duplicado dentro de una fuente")


class Reconciliation(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="reconciliations", verbose_name=_("municipio")
    )
    family = models.ForeignKey(Family, on_delete=models.PROTECT, verbose_name=_("familia delictiva"))
    sources = models.JSONField(_("fuentes"), default=list, help_text=_("Dos o más, en el orden en que se concilian."))
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
    published = models.ForeignKey(
        Dataset,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("publicada como"),
        help_text=_("El conjunto «conciliada» que escribió su cifra, si se publicó."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("conciliación")
        verbose_name_plural = _("conciliaciones")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.family} {self.municipality} {' / '.join(self.sources)} {self.period_start}–{self.period_end}"

    def stage_label(self, stage: int) -> str:
        """What a stage paired: ``policia / fiscalia``, then ``policia + fiscalia / forense``…"""
        return f"{' + '.join(self.sources[: stage + 1])} / {self.sources[stage + 1]}"


class ReconciledPair(models.Model):
    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="pairs")
    stage = models.PositiveSmallIntegerField(
        _("etapa"), default=0, help_text=_("0: las dos primeras fuentes; 1: lo conciliado frente a la tercera…")
    )
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

    objects = ScopedQuerySet.as_manager()

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
