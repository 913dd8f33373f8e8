from django.apps import AppConfig


class SecurityTestConfig(AppConfig):
    name = "tests.securityapp"
    label = "securityapp"

    def ready(self):
        from atalaya.core import sensitivity

        sensitivity.classify(self.get_model("IdentityRecord"), sensitivity.SENSITIVE)
        sensitivity.classify(self.get_model("CaseNote"), sensitivity.PERSONAL)
