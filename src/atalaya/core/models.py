"""The access log (reads, exports and searches of personal or sensitive records) and emergency access grants.

The access log is append-only in the database itself: triggers refuse UPDATE and DELETE (see
:mod:`atalaya.core.appendonly`). Rows keep the acting user's id and name as they were, with no foreign-key
action that would rewrite them when a user or municipality is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    READ = "lectura", _("Lectura")
    EXPORT = "exportacion", _("Exportación")
    SEARCH = "busqueda", _("Búsqueda")
    GRANT = "acceso_de_emergencia", _("Acceso de emergencia")
    DENIED = "denegado", _("Acceso denegado")


class AccessLogEntry(models.Model):
    """Who read, exported or searched which personal or sensitive records, when, why and from which request."""

    user_id = models.BigIntegerField(_("usuario (id)"), null=True, blank=True)
    username = models.CharField(_("usuario"), max_length=150, blank=True)
    municipality_id = models.BigIntegerField(_("municipio (id)"), null=True, blank=True)
    action = models.CharField(_("acción"), max_length=30, choices=AccessAction.choices)
    object_type = models.CharField(_("tipo de objeto"), max_length=100)
    object_id = models.CharField(_("objeto"), max_length=100, blank=True)
    reason = models.TextField(_("motivo"), blank=True)
    detail = models.TextField(
        _("detalle"), blank=True, help_text=_("Filtros de una búsqueda, tamaño de una exportación.")
    )
    request_id = models.CharField(_("petición o trabajo"), max_length=64, blank=True)
    path = models.CharField(_("ruta"), max_length=300, blank=True)
    ip = models.CharField(_("dirección IP"), max_length=45, blank=True)
    created_at = models.DateTimeField(_("fecha"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("registro de acceso")
        verbose_name_plural = _("registro de accesos")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="accesslog_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type} {self.object_id}"


class AccessGrant(models.Model):
    """Break the glass: a time-limited access to records outside a user's normal scope, with a stated reason.

    Granting writes the access log and notifies the municipality's supervisors; the grant expires by itself.
    ``scope`` names what it opens: a model label (``casos.caso``) and optionally one object id.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants")
    municipality = models.ForeignKey("geo.Municipality", on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(_("tipo de objeto"), max_length=100)
    object_id = models.CharField(_("objeto"), max_length=100, blank=True, help_text=_("Vacío: todo ese tipo."))
    reason = models.TextField(_("motivo"))
    granted_at = models.DateTimeField(_("otorgado"), default=timezone.now)
    expires_at = models.DateTimeField(_("vence"))
    revoked_at = models.DateTimeField(_("revocado"), null=True, blank=True)

    class Meta:
        verbose_name = _("acceso de emergencia")
        verbose_name_plural = _("accesos de emergencia")
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.object_type}:{self.object_id or '*'} hasta {self.expires_at:%Y-%m-%d %H:%M}"

    def is_active(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.granted_at <= at < self.expires_at


class ConductAcceptance(models.Model):
    """A user accepted a version of the code of conduct (asked at login of the roles a module lists). Evidence:
    append-only, like the logs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    username = models.CharField(_("usuario"), max_length=150)
    version = models.CharField(_("versión"), max_length=20)
    accepted_at = models.DateTimeField(_("aceptado"), default=timezone.now)
    request_id = models.CharField(_("petición o trabajo"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("aceptación del código de conducta")
        verbose_name_plural = _("aceptaciones del código de conducta")
        constraints = [models.UniqueConstraint(fields=["user", "version"], name="conductacceptance_once")]

    def __str__(self) -> str:
        return f"{self.username} {self.version} {self.accepted_at:%Y-%m-%d}"


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
        settings.ATALAYA_MUNICIPALITY_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    action = models.CharField(_("acción"), max_length=50)
    object_type = models.CharField(_("tipo de objeto"), max_length=100)
    object_id = models.CharField(_("objeto"), max_length=100, blank=True)
    message = models.TextField(_("mensaje"), blank=True)
    origin = models.CharField(_("origen"), max_length=100, blank=True, help_text=_("cli, web:<ruta> o trabajo"))
    request_id = models.CharField(_("petición o trabajo"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)

    class Meta:
        db_table = "accounts_changelogentry"  # created by the accounts app; moved here without copying a row
        verbose_name = _("registro de cambios")
        verbose_name_plural = _("registro de cambios")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"


class JobStatus(models.TextChoices):
    PENDING = "pendiente", _("Pendiente")
    RUNNING = "en_curso", _("En curso")
    DONE = "terminado", _("Terminado")
    FAILED = "fallido", _("Fallido")


class TrackedJob(models.Model):
    """What every background job records for the page that started it: status, progress, stage and result.

    :func:`atalaya.core.jobs.run_tracked` moves it through its states; the page polls it. ``result`` holds at
    least ``mensaje`` (Spanish, for the user) and, when the job made something, ``url``.
    """

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("estado"), max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("avance (%)"), default=0)
    stage = models.CharField(_("etapa"), max_length=100, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class Job(TrackedJob):
    """A background job started from a page (a reconciliation, a detection run, a publication): ``kind`` names
    the registered function (:mod:`atalaya.core.jobs`) and ``params`` its arguments."""

    kind = models.CharField(_("tipo"), max_length=50)
    params = models.JSONField(default=dict, blank=True)
    municipality = models.ForeignKey(
        settings.ATALAYA_MUNICIPALITY_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta(TrackedJob.Meta):
        verbose_name = _("trabajo en segundo plano")
        verbose_name_plural = _("trabajos en segundo plano")

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.get_status_display()})"
