from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "atalaya.cases"
    label = "cases"
    verbose_name = _("Alerta temprana y derivación (SAT)")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many(
            {
                "cases.team": s.INTERNAL,
                "cases.teammember": s.INTERNAL,
                "cases.instrument": s.INTERNAL,
                "cases.service": s.INTERNAL,
                "cases.person": s.SENSITIVE,
                "cases.identity": s.SENSITIVE,
                "cases.household": s.SENSITIVE,
                "cases.householdmember": s.SENSITIVE,
                "cases.case": s.SENSITIVE,
                "cases.intake": s.SENSITIVE,
                "cases.screening": s.SENSITIVE,
                "cases.consent": s.SENSITIVE,
                "cases.transition": s.SENSITIVE,
                "cases.serviceline": s.SENSITIVE,
                "cases.approval": s.SENSITIVE,
                "cases.followup": s.SENSITIVE,
            }
        )
        from atalaya.core.access import register_sensitive_work

        from .access import works_with_cases

        register_sensitive_work(works_with_cases)  # case teams log in with a second factor and the code of conduct
        from django.urls import reverse
        from django.utils.translation import gettext

        from atalaya.hooks import MUNICIPALITY_LINKS

        from .access import reads_aggregates

        def aggregates_link(user, municipality):
            if reads_aggregates(user, municipality):
                return gettext("Alerta temprana (agregados)"), reverse("cases:aggregates", args=[municipality.code])
            return None

        MUNICIPALITY_LINKS.append(aggregates_link)
