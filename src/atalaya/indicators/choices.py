from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    COUNT = "conteo", _("Conteo")
    RATE = "tasa", _("Tasa por 100.000 habitantes")
    PERCENT = "porcentaje", _("Porcentaje de otro indicador")


class Better(models.TextChoices):
    LOWER = "menor", _("Menor es mejor")
    HIGHER = "mayor", _("Mayor es mejor")


class Periodicity(models.TextChoices):
    MONTHLY = "mensual", _("Mensual")
    QUARTERLY = "trimestral", _("Trimestral")
    YEARLY = "anual", _("Anual")
