from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "atalaya.surveys"
    label = "surveys"
    verbose_name = _("Encuestas de victimización y percepción")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many(
            {
                # microdata stay in a private file; the tables hold estimates and the design, not respondents
                "surveys.surveymapping": s.INTERNAL,
                "surveys.surveydataset": s.INTERNAL,
                "surveys.surveyestimate": s.INTERNAL,
                "surveys.surveychange": s.INTERNAL,
                "surveys.publicsurveyestimate": s.PUBLIC,
            }
        )
        from django.urls import reverse
        from django.utils.translation import gettext

        from atalaya.hooks import DASHBOARD_PANELS, MUNICIPALITY_LINKS, PORTAL_LINKS

        from .access import may_read
        from .models import PublicSurveyEstimate, SurveyDataset

        def surveys_link(user, municipality):
            if may_read(user, municipality):
                return gettext("Encuestas de percepción y confianza"), reverse("surveys:list", args=[municipality.code])
            return None

        def public_surveys_link(municipality):
            if PublicSurveyEstimate.objects.filter(municipality=municipality).exists():
                url = reverse("surveys_public:summary", args=[municipality.code])
                return gettext("Percepción de seguridad y confianza en la policía"), url
            return None

        def dashboard_panel(user, municipality):
            if not may_read(user, municipality) or not SurveyDataset.objects.filter(municipality=municipality).exists():
                return None
            from .services import headline

            return {"template": "surveys/_panel.html", "context": {"survey": headline(municipality)}}

        MUNICIPALITY_LINKS.append(surveys_link)
        PORTAL_LINKS.append(public_surveys_link)
        DASHBOARD_PANELS.append(dashboard_panel)
