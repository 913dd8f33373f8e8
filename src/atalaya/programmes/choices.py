from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeStatus(models.TextChoices):
    """TolaActivity's approval workflow, in the words of a municipal planning office."""

    DRAFT = "borrador", _("Borrador")
    AWAITING_APPROVAL = "en_aprobacion", _("En aprobación")
    TRACKING = "en_ejecucion", _("En ejecución (seguimiento)")
    AWAITING_VERIFICATION = "en_verificacion", _("En verificación")
    CLOSED = "cerrado", _("Cerrado")


class LevelKind(models.TextChoices):
    """The logical framework's levels (ILPES/CEPAL's matriz de marco lógico; IATI's impact, outcome, output)."""

    GOAL = "fin", _("Fin")
    OUTCOME = "proposito", _("Propósito")
    OUTPUT = "componente", _("Componente")
    ACTIVITY = "actividad", _("Actividad")


class Unit(models.TextChoices):
    NUMBER = "numero", _("Número")
    PERCENT = "porcentaje", _("Porcentaje")
    RATE = "tasa", _("Tasa por 100 000 habitantes")
    MONEY = "monto", _("Monto de dinero")


class Direction(models.TextChoices):
    UP = "sube", _("Mejora si sube")
    DOWN = "baja", _("Mejora si baja")


class Frequency(models.TextChoices):
    MONTHLY = "mensual", _("Mensual")
    QUARTERLY = "trimestral", _("Trimestral")
    HALF_YEARLY = "semestral", _("Semestral")
    YEARLY = "anual", _("Anual")


class IndicatorSource(models.TextChoices):
    ENTERED = "ingresado", _("Ingresado con evidencia")
    OBSERVATORY = "observatorio", _("Calculado de un indicador del observatorio")
    SURVEY = "encuesta", _("Tomado de una encuesta")


class MeasurementStatus(models.TextChoices):
    DRAFT = "borrador", _("Borrador")
    SUBMITTED = "enviado", _("Enviado a aprobación")
    APPROVED = "aprobado", _("Aprobado")
    REJECTED = "rechazado", _("Rechazado")


class Light(models.TextChoices):
    GREEN = "verde", _("Verde: en camino")
    AMBER = "ambar", _("Ámbar: con retraso")
    RED = "rojo", _("Rojo: fuera de camino")
    NONE = "sin_dato", _("Sin dato")


class Method(models.TextChoices):
    DID = "diferencias_en_diferencias", _("Diferencias en diferencias")
    ITS = "serie_interrumpida", _("Serie de tiempo interrumpida")
    SYNTH = "control_sintetico", _("Control sintético")
    PLACE = "antes_despues_lugar", _("Antes y después con área de control y desplazamiento")


class BudgetCategory(models.TextChoices):
    STAFF = "personal", _("Personal")
    OPERATIONS = "operacion", _("Operación")
    INVESTMENT = "inversion", _("Inversión")
    OTHER = "otro", _("Otro")
