from django.db import models
from django.utils.translation import gettext_lazy as _


class DatasetStatus(models.TextChoices):
    IMPORTED = "importado", _("Importado")
    REJECTED = "rechazado", _("Rechazado")
    ROLLED_BACK = "revertido", _("Revertido")


class OutcomeStatus(models.TextChoices):
    """How an import attempt ended; a stored dataset is only ever imported or rejected (:class:`DatasetStatus`)."""

    IMPORTED = DatasetStatus.IMPORTED.value, _("Importado")
    REJECTED = DatasetStatus.REJECTED.value, _("Rechazado")
    UNCHANGED = "sin_cambios", _("Sin cambios")
    DRY_RUN = "simulado", _("Simulación")


class OnError(models.TextChoices):
    REJECT = "reject", _("Rechazar el archivo completo")
    SKIP = "skip", _("Omitir las filas inválidas")


class TimePrecision(models.TextChoices):
    MINUTE = "minuto", _("Minuto")
    HOUR = "hora", _("Hora")
    DAY = "dia", _("Día")
    MONTH = "mes", _("Mes")


class LocationStatus(models.TextChoices):
    OK = "ok", _("Asignado a un territorio")
    MISSING = "sin_coordenadas", _("Sin coordenadas")
    OUTSIDE = "fuera_del_municipio", _("Fuera del municipio")
    UNASSIGNED = "sin_territorio", _("Dentro del municipio, sin territorio")
