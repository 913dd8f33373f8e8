from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "atalaya.indicators"
    verbose_name = _("Indicadores")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many(
            {
                "indicators.indicator": s.PUBLIC,
                "indicators.publication": s.INTERNAL,
                "indicators.indicatorseries": s.INTERNAL,
                "indicators.indicatorsnapshot": s.INTERNAL,
                "indicators.publicvalue": s.PUBLIC,
            }
        )
        from atalaya.hooks import register_after_import

        from . import disclosure, services

        register_after_import(services.refresh_after_import)
        register_after_import(disclosure.refresh_after_import)  # after the values it is built from
