"""Choices of the proximity module: where a problem came from, its states (FixMyStreet's public timeline, the
issue's Spanish names) and how it ended."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    CITIZEN = "ciudadano", _("vecino o vecina (formulario público)")
    POLICE = "policia", _("policía de proximidad")
    MESA = "mesa", _("mesa de trabajo")
    ALERT = "alerta", _("alerta territorial")
    OPEN311 = "open311", _("aplicación externa (Open311)")


class Status(models.TextChoices):
    REPORTED = "reportado", _("reportado")
    CONFIRMED = "confirmado", _("confirmado")
    ANALYSIS = "en_analisis", _("en análisis")
    PLANNED = "respuesta_planificada", _("respuesta planificada")
    IN_PROGRESS = "en_ejecucion", _("en ejecución")
    ASSESSED = "evaluado", _("evaluado")
    CLOSED = "cerrado", _("cerrado")


class Outcome(models.TextChoices):
    SOLVED = "resuelto", _("resuelto")
    REDUCED = "reducido", _("reducido")
    NOT_OURS = "no_corresponde", _("no corresponde")
    DUPLICATE = "duplicado", _("duplicado")


#: The way forward through the states; a step back (reopening, re-analysing) is allowed to any earlier state but
#: «reportado», with a reason. Closing is possible from every open state (a duplicate or «no corresponde» is
#: closed before any analysis).
FORWARD = {
    Status.REPORTED: {Status.CONFIRMED, Status.CLOSED},
    Status.CONFIRMED: {Status.ANALYSIS, Status.CLOSED},
    Status.ANALYSIS: {Status.PLANNED, Status.CLOSED},
    Status.PLANNED: {Status.IN_PROGRESS, Status.CLOSED},
    Status.IN_PROGRESS: {Status.ASSESSED, Status.CLOSED},
    Status.ASSESSED: {Status.CLOSED},
    Status.CLOSED: set(),
}
ORDER = list(Status)
#: Open311 has two states: everything but «cerrado» is open.
OPEN311_CLOSED = {Status.CLOSED}
