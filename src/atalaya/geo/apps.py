from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "atalaya.geo"
    verbose_name = _("Territorios")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many(
            {
                "geo.country": s.PUBLIC,
                "geo.municipality": s.PUBLIC,
                "geo.territory": s.PUBLIC,
                "geo.population": s.PUBLIC,
            }
        )
