from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyKind(models.TextChoices):
    ENSU = "ensu", _("ENSU (INEGI), tabla CB")
    GENERIC = "generica", _("Encuesta con diseño declarado")


class Domain(models.TextChoices):
    TOTAL = "total", _("Total de la encuesta")
    CITY = "ciudad", _("Ciudad o dominio")
    CITY_SEX = "ciudad_sexo", _("Ciudad y sexo")


class Precision(models.TextChoices):
    HIGH = "alta", _("Alta (CV < 15 %)")
    MODERATE = "moderada", _("Moderada (CV de 15 % a 30 %)")
    LOW = "baja", _("Baja (CV ≥ 30 % o menos de 30 respuestas)")
