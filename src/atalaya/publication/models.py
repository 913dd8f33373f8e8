"""The archive of generated documents.

:class:`Report` keeps what the municipality's staff generate for themselves and the funders they choose: diagnosis
packs and the institutional edition of the monthly bulletin (figures without disclosure control). :class:`Bulletin`
is the public edition, built only from the portal's public tables, served on the portal and e-mailed to the
confirmed subscribers (the portal's followers of ``boletin:<code>``). Both keep the rendered files, so an archived
document reads as it was sent even after the data change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.core.scoping import ScopedQuerySet
from atalaya.geo.models import Municipality


class ReportKind(models.TextChoices):
    DIAGNOSIS = "diagnostico", _("diagnóstico para postulación de proyectos")
    BULLETIN = "boletin", _("boletín mensual (edición institucional)")


class Report(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("tipo"), max_length=12, choices=ReportKind.choices)
    title = models.CharField(_("título"), max_length=200)
    subtitle = models.CharField(_("periodo"), max_length=120)
    period_start = models.DateField(_("desde"))
    period_end = models.DateField(_("hasta"))
    html = models.TextField(editable=False)
    pdf = models.BinaryField(editable=False)
    docx = models.BinaryField(null=True, editable=False)
    pages = models.PositiveSmallIntegerField(_("páginas"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("generado el"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("documento generado")
        verbose_name_plural = _("documentos generados")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} · {self.subtitle}"

    @property
    def file_stem(self) -> str:
        return f"{self.kind}-{self.municipality.code}-{self.period_start:%Y-%m}-{self.period_end:%Y-%m}-{self.pk}"


class Bulletin(models.Model):
    """The public bulletin of a month (one per municipality and month; generating it again replaces it until it is
    sent)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="bulletins")
    month = models.DateField(_("mes"))
    title = models.CharField(_("título"), max_length=200)
    body = models.TextField(editable=False)  # the document's HTML inside the portal's page
    html = models.TextField(editable=False)  # the standalone file
    pdf = models.BinaryField(editable=False)
    pages = models.PositiveSmallIntegerField(_("páginas"))
    created_at = models.DateTimeField(_("generado el"), auto_now=True)
    sent_at = models.DateTimeField(_("enviado el"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("destinatarios"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("boletín público")
        verbose_name_plural = _("boletines públicos")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["municipality", "month"], name="bulletin_once_a_month")]

    def __str__(self) -> str:
        return f"{self.title} · {self.month:%Y-%m}"
