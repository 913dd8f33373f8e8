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
                "proximity.sarafile": s.INTERNAL,
                "proximity.responseaction": s.INTERNAL,
                "proximity.assessment": s.INTERNAL,
                "proximity.mesa": s.INTERNAL,
                "proximity.mesamember": s.PERSONAL,
                "proximity.mesasession": s.INTERNAL,
                "proximity.agendaitem": s.INTERNAL,
                "proximity.attendance": s.PERSONAL,
                "proximity.agreement": s.INTERNAL,
                "proximity.agreementupdate": s.INTERNAL,
                "proximity.publiccommitment": s.PUBLIC,
                "proximity.follower": s.PERSONAL,
                "proximity.comment": s.INTERNAL,
                "proximity.publiccomment": s.PUBLIC,
                "proximity.sessiondocument": s.INTERNAL,
            }
        )
        from django.urls import reverse
        from django.utils.translation import gettext

        from atalaya.hooks import ALERT_LINKS

        from . import jobs  # noqa: F401  (registers the kinds of background job)
        from .access import may_work

        def problem_from_alert(user, alert):
            if may_work(user, alert.municipality, alert.territory):
                url = reverse("proximity:report", args=[alert.municipality.code])
                return gettext("Convertir esta alerta en un problema"), f"{url}?alerta={alert.pk}"
            return None

        ALERT_LINKS.append(problem_from_alert)

        from atalaya.hooks import MUNICIPALITY_LINKS, PORTAL_LINKS

        from .access import may_read
        from .models import ProblemCategory, PublicCommitment

        def problems_link(user, municipality):
            if may_read(user, municipality):
                return gettext("Problemas comunitarios"), reverse("proximity:list", args=[municipality.code])
            return None

        def public_problems_link(municipality):
            if ProblemCategory.objects.filter(municipality=municipality, active=True).exists():
                url = reverse("problems_public:list", args=[municipality.code])
                return gettext("Problemas del barrio: reportar y seguir"), url
            return None

        def accountability_link(municipality):
            if PublicCommitment.objects.filter(municipality=municipality).exists():
                url = reverse("problems_public:accountability", args=[municipality.code])
                return gettext("Compromisos y resultados"), url
            return None

        def mesas_link(user, municipality):
            if may_read(user, municipality):
                return gettext("Mesas de trabajo"), reverse("proximity:mesas", args=[municipality.code])
            return None

        MUNICIPALITY_LINKS.extend([problems_link, mesas_link])
        PORTAL_LINKS.extend([public_problems_link, accountability_link])
