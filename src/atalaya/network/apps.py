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
                "network.practice": s.INTERNAL,  # published practices reach the public through their own page later
                "network.practiceoutcome": s.INTERNAL,
                "network.practicereview": s.INTERNAL,
                "network.practiceevent": s.INTERNAL,
                "network.adoption": s.INTERNAL,
                "network.transfer": s.INTERNAL,
                "network.activity": s.INTERNAL,
                "network.registration": s.PERSONAL,
            }
        )
