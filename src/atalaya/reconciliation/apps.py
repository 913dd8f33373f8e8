from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconciliationConfig(AppConfig):
    name = "atalaya.reconciliation"
    label = "reconciliation"
    verbose_name = _("Conciliación de fuentes")

    def ready(self):
        from atalaya.core import sensitivity as s

        from . import jobs  # noqa: F401  (registers the kinds of background job)

        s.classify_many(
            {
                "reconciliation.reconciliation": s.INTERNAL,
                "reconciliation.reconciledpair": s.INTERNAL,
                "reconciliation.pairdecision": s.INTERNAL,
            }
        )
