from django.db import models
from django.utils.translation import gettext_lazy as _


class PracticeStatus(models.TextChoices):
    DRAFT = "borrador", _("Borrador")
    SUBMITTED = "enviada", _("Enviada a revisión")
    UNDER_REVIEW = "en_revision", _("En revisión")
    PUBLISHED = "publicada", _("Publicada")
    REVISED = "revisada", _("Revisada tras publicarse")


class Rating(models.TextChoices):
    """CrimeSolutions' ratings, per outcome (since 2025)."""

    EFFECTIVE = "efectiva", _("Efectiva")
    PROMISING = "prometedora", _("Prometedora")
    NO_EFFECT = "sin_efecto", _("Sin efecto")
    NEGATIVE = "negativa", _("Efecto negativo")
    INCONCLUSIVE = "no_concluyente", _("Evidencia no concluyente")
    NOT_RATED = "sin_calificar", _("Sin calificar")


class Design(models.TextChoices):
    RCT = "eca", _("Ensayo controlado aleatorio")
    QUASI = "cuasi", _("Cuasi-experimental")
    PRE_POST = "pre_post", _("Antes y después")
    DESCRIPTIVE = "descriptivo", _("Descriptivo o sistematización")


class Recommendation(models.TextChoices):
    PUBLISH = "publicar", _("Publicar con las calificaciones propuestas")
    RETURN = "devolver", _("Devolver para completar")


class ActivityKind(models.TextChoices):
    INTERNSHIP = "pasantia", _("Pasantía")
    SEMINAR = "seminario", _("Seminario")
    WEBINAR = "webinario", _("Webinario")
    CONGRESS = "congreso", _("Congreso")


class Attendance(models.TextChoices):
    IN_PERSON = "presencial", _("Presencial")
    ONLINE = "en_linea", _("En línea")
