from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CubeConfig(AppConfig):
    name = "atalaya.cube"
    verbose_name = _("Cubo analítico")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many({"cube.dailycount": s.INTERNAL, "cube.monthlycount": s.INTERNAL})
