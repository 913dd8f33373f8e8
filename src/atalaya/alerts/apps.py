from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "atalaya.alerts"
    label = "alerts"
    verbose_name = _("Alertas tempranas territoriales")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many(
            {
                "alerts.alertsettings": s.INTERNAL,
                "alerts.quietperiod": s.INTERNAL,
                "alerts.alert": s.INTERNAL,
                "alerts.alertevent": s.INTERNAL,
                "alerts.subscription": s.PERSONAL,
            }
        )
        from atalaya.hooks import register_after_commit, register_after_rollback

        from . import jobs  # noqa: F401  (registers the kinds of background job)
        from .services import detect_after_import, undo_import

        register_after_commit(detect_after_import)  # alerts: no dashboard waits for them
        register_after_rollback(undo_import)
