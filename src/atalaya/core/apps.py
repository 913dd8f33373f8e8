from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The base kit every app stands on: scoping, change log, audit, sensitivity, field encryption."""

    name = "atalaya.core"
    label = "core"
    verbose_name = _("Núcleo y seguridad")

    def ready(self) -> None:
        from . import schedule, sensitivity

        schedule.connect()

        sensitivity.classify_framework_models()
        sensitivity.classify(self.get_model("AccessLogEntry"), sensitivity.INTERNAL)
        sensitivity.classify(self.get_model("AccessGrant"), sensitivity.INTERNAL)
        sensitivity.classify(self.get_model("ConductAcceptance"), sensitivity.INTERNAL)
        sensitivity.classify(self.get_model("Job"), sensitivity.INTERNAL)
        sensitivity.classify(self.get_model("ChangeLogEntry"), sensitivity.INTERNAL)
