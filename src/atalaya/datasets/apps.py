from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatasetsConfig(AppConfig):
    name = "atalaya.datasets"
    verbose_name = _("Datos e importaciones")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many(
            {
                "datasets.columnmapping": s.INTERNAL,
                "datasets.dataset": s.INTERNAL,
                "datasets.incident": s.INTERNAL,
                "datasets.aggregatecount": s.INTERNAL,
                "datasets.importjob": s.INTERNAL,
            }
        )
