"""Memberships (user × municipality × role): who acts for which municipality, in which role."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.geo.models import Municipality


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrador")
    ANALYST = "analyst", _("Analista")
    DIRECTOR = "director", _("Director")
    VIEWER = "viewer", _("Consulta")


#: Roles allowed to load data and edit mappings.
IMPORT_ROLES = frozenset({Role.ADMIN, Role.ANALYST})
#: Roles that read the access and change logs of their municipalities (a case module adds its supervisors).
AUDIT_ROLES = {Role.ADMIN}


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("membresía")
        verbose_name_plural = _("membresías")
        constraints = [models.UniqueConstraint(fields=["user", "municipality"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.municipality} · {self.get_role_display()}"
