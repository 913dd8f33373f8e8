from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "atalaya.network"
    label = "network"
    verbose_name = _("Red de municipios: prácticas y transferencias")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many(
            {
                "network.practice": s.INTERNAL,  # the public reads its published edition
                "network.practiceoutcome": s.INTERNAL,
                "network.practicereview": s.INTERNAL,
                "network.practiceevent": s.INTERNAL,
                "network.adoption": s.INTERNAL,
                "network.transfer": s.INTERNAL,
                "network.activity": s.INTERNAL,
                "network.registration": s.PERSONAL,
                "network.practicedocument": s.INTERNAL,  # public ones reach the public through the edition
                "network.publishedpractice": s.PUBLIC,
                "network.activitymaterial": s.INTERNAL,
                "network.transferdocument": s.INTERNAL,
            }
        )
        from atalaya.hooks import PORTAL_LINKS, RESPONSE_PANELS

        from .links import portal_link, response_panel

        if response_panel not in RESPONSE_PANELS:
            RESPONSE_PANELS.append(response_panel)
        if portal_link not in PORTAL_LINKS:
            PORTAL_LINKS.append(portal_link)
