from django.apps import AppConfig


class SecurityTestConfig(AppConfig):
    name = "tests.securityapp"
    label = "securityapp"

    def ready(self):
        from atalaya.core import sensitivity

        from . import jobs  # noqa: F401  (registers its kind of job)

        sensitivity.classify(self.get_model("IdentityRecord"), sensitivity.SENSITIVE)
        sensitivity.classify(self.get_model("CaseNote"), sensitivity.PERSONAL)
