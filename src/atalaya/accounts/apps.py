from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "atalaya.accounts"
    verbose_name = _("Cuentas")

    def ready(self):
        from atalaya.core import sensitivity as s

        s.classify_many(
            {
                "accounts.membership": s.PERSONAL,
            }
        )
