from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProximityConfig(AppConfig):
    name = "atalaya.proximity"
    label = "proximity"
    verbose_name = _("Proximidad y problemas comunitarios")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many(
            {
                "proximity.problemcategory": s.PUBLIC,  # the Open311 service list
                "proximity.proximityofficer": s.INTERNAL,
                "proximity.apiclient": s.INTERNAL,
                "proximity.problem": s.INTERNAL,
                "proximity.reporter": s.PERSONAL,
                "proximity.problemupdate": s.INTERNAL,
                "proximity.attachment": s.INTERNAL,
                "proximity.publicproblem": s.PUBLIC,
                "proximity.publicupdate": s.PUBLIC,
            }
        )
        from django.urls import reverse
        from django.utils.translation import gettext

        from atalaya.hooks import ALERT_LINKS

        from .access import may_work

        def problem_from_alert(user, alert):
            if may_work(user, alert.municipality, alert.territory):
                url = reverse("proximity:report", args=[alert.municipality.code])
                return gettext("Convertir esta alerta en un problema"), f"{url}?alerta={alert.pk}"
            return None

        ALERT_LINKS.append(problem_from_alert)
