from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpatialConfig(AppConfig):
    name = "atalaya.spatial"
    label = "spatial"
    verbose_name = _("Análisis espacial")
