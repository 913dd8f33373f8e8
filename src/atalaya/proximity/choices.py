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


class Priority(models.TextChoices):
    HIGH = "alta", _("alta")
    MEDIUM = "media", _("media")
    LOW = "baja", _("baja")


class ActionStatus(models.TextChoices):
    PENDING = "pendiente", _("pendiente")
    ONGOING = "en_curso", _("en curso")
    DONE = "hecha", _("hecha")
    CANCELLED = "cancelada", _("cancelada")


class Implemented(models.TextChoices):
    YES = "si", _("sí, como se planificó")
    PARTLY = "parcial", _("en parte")
    NO = "no", _("no")


class Decision(models.TextChoices):
    CONTINUE = "continuar", _("continuar")
    ADJUST = "ajustar", _("ajustar la respuesta")
    REANALYSE = "reanalizar", _("volver a analizar")
    CLOSE = "cerrar", _("cerrar")


class EckSpelman(models.TextChoices):
    """How a problem-oriented response can succeed (Eck & Spelman, as the POP Center's guides list them)."""

    ELIMINATED = "eliminado", _("se eliminó el problema")
    FEWER = "menos_hechos", _("menos hechos")
    LESS_HARM = "menos_dano", _("hechos menos graves")
    BETTER_HANDLING = "mejor_manejo", _("mejor manejo de los hechos")
    ELSEWHERE = "otra_institucion", _("lo asumió otra institución")
    NONE = "sin_efecto", _("sin efecto")


class MesaKind(models.TextChoices):
    TERRITORIAL = "territorial", _("territorial")
    THEMATIC = "tematica", _("temática")


class MemberRole(models.TextChoices):
    POLICE = "policia", _("policía")
    MUNICIPALITY = "municipio", _("municipio")
    SCHOOL = "escuela", _("escuela")
    HEALTH = "salud", _("salud")
    NEIGHBOURS = "junta_vecinos", _("junta de vecinos")
    PROSECUTOR = "fiscalia", _("fiscalía")
    OTHER = "otro", _("otra institución")


class SessionKind(models.TextChoices):
    ORDINARY = "ordinaria", _("ordinaria")
    EXTRAORDINARY = "extraordinaria", _("extraordinaria")
    AGILE = "convocatoria_agil", _("convocatoria ágil con la comunidad")


class SessionStatus(models.TextChoices):
    CALLED = "convocada", _("convocada")
    HELD = "realizada", _("realizada")
    CANCELLED = "cancelada", _("cancelada")


class MinutesStatus(models.TextChoices):
    NONE = "", _("sin acta")
    DRAFT = "borrador", _("borrador")
    APPROVED = "aprobada", _("aprobada")


class AgreementStatus(models.TextChoices):
    PENDING = "pendiente", _("pendiente")
    ONGOING = "en_curso", _("en curso")
    DONE = "cumplido", _("cumplido")
    FAILED = "incumplido", _("incumplido")
    CANCELLED = "cancelado", _("cancelado")


#: Progress shown by default for each status (Decidim's accountability: a status carries a default progress).
DEFAULT_PROGRESS = {
    AgreementStatus.PENDING: 0,
    AgreementStatus.ONGOING: 50,
    AgreementStatus.DONE: 100,
    AgreementStatus.FAILED: 0,
    AgreementStatus.CANCELLED: 0,
}
