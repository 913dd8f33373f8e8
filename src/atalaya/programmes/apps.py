from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "atalaya.programmes"
    label = "programmes"
    verbose_name = _("Programas de prevención")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many(
            {
                "programmes.programme": s.INTERNAL,
                "programmes.statuschange": s.INTERNAL,
                "programmes.resultlevel": s.INTERNAL,
                "programmes.resultindicator": s.INTERNAL,
                "programmes.target": s.INTERNAL,
                "programmes.measurement": s.INTERNAL,
                "programmes.evidence": s.INTERNAL,
                "programmes.budgetline": s.INTERNAL,
                "programmes.evaluation": s.INTERNAL,
                "programmes.crimecost": s.INTERNAL,
                "programmes.costbenefitsheet": s.INTERNAL,
            }
        )
        from django.urls import reverse
        from django.utils.translation import gettext

        from atalaya.hooks import MUNICIPALITY_LINKS

        from . import jobs  # noqa: F401  (registers the kinds of background job)
        from .access import may_read

        def programmes_link(user, municipality):
            if may_read(user, municipality):
                return gettext("Programas de prevención"), reverse("programmes:list", args=[municipality.code])
            return None

        MUNICIPALITY_LINKS.append(programmes_link)
