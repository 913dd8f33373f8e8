"""Memberships (user × municipality × role) and the change log written by services."""

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


class ChangeLogEntry(models.Model):
    """Who did what, from which request or job. Sensitive fields are named, never their values.

    Append-only in the database (triggers refuse UPDATE and DELETE): its foreign keys take no action when a
    user or municipality is deleted, so that no row is ever rewritten; ``username`` keeps the name as it was.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    username = models.CharField(_("usuario"), max_length=150, blank=True)
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    action = models.CharField(_("acción"), max_length=50)
    object_type = models.CharField(_("tipo de objeto"), max_length=100)
    object_id = models.CharField(_("objeto"), max_length=100, blank=True)
    message = models.TextField(_("mensaje"), blank=True)
    origin = models.CharField(_("origen"), max_length=100, blank=True, help_text=_("cli, web:<ruta> o trabajo"))
    request_id = models.CharField(_("petición o trabajo"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)

    class Meta:
        verbose_name = _("registro de cambios")
        verbose_name_plural = _("registro de cambios")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"
