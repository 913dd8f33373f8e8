"""Territorial alerts: a spike found by a detector, handed to someone who acts, and closed with a result."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atalaya.core.scoping import ScopedQuerySet
from atalaya.geo.models import Municipality, Territory
from atalaya.taxonomy.models import Family


class Method(models.TextChoices):
    EARS_C1 = "ears-c1", "EARS C1"
    EARS_C2 = "ears-c2", "EARS C2"
    EARS_C3 = "ears-c3", "EARS C3"
    FARRINGTON = "farrington", "Farrington (1996)"
    NOUFAILY = "farrington-noufaily", _("Farrington mejorado (Noufaily 2013)")
    CUSUM = "cusum", _("CUSUM binomial negativa")
    SEMAFORO = "semaforo", _("Semáforo delictivo")


class Freq(models.TextChoices):
    WEEK = "week", _("semanal")
    MONTH = "month", _("mensual")


class Status(models.TextChoices):
    NEW = "nueva", _("nueva")
    REVIEW = "en_revision", _("en revisión")
    REFERRED = "derivada", _("derivada")
    CLOSED = "cerrada", _("cerrada")


class Result(models.TextChoices):
    CONFIRMED = "confirmado", _("problema confirmado")
    FALSE_ALARM = "falsa_alarma", _("falsa alarma")
    ARTEFACT = "artefacto", _("artefacto de datos")


class Severity(models.IntegerChoices):
    LOW = 1, _("baja")
    MEDIUM = 2, _("media")
    HIGH = 3, _("alta")


def default_params() -> dict:
    """α = 0.001: the backtest's choice for the default method (docs/es/alertas.md, «Valores por omisión»)."""
    return {"alpha": 0.001}


class AlertSettings(models.Model):
    """How one municipality watches its series. Defaults come from the backtest (docs/es/alertas.md)."""

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="alert_settings")
    enabled = models.BooleanField(_("activo"), default=True)
    method = models.CharField(_("método"), max_length=30, choices=Method.choices, default=Method.NOUFAILY)
    params = models.JSONField(
        _("parámetros"),
        default=default_params,
        blank=True,
        help_text=_('p. ej. {"alpha": 0.001}; vacío: los valores por omisión del método.'),
    )
    families = models.ManyToManyField(
        Family, blank=True, verbose_name=_("familias vigiladas"), help_text=_("Vacío: todas.")
    )
    weekly = models.BooleanField(_("series semanales"), default=True)
    monthly = models.BooleanField(_("series mensuales"), default=True)
    min_cases = models.PositiveSmallIntegerField(
        _("casos mínimos"), default=5, help_text=_("No se alerta por un periodo con menos casos que este.")
    )
    lookback_weeks = models.PositiveSmallIntegerField(_("semanas revisadas en cada corrida"), default=8)
    lookback_months = models.PositiveSmallIntegerField(_("meses revisados en cada corrida"), default=3)

    class Meta:
        verbose_name = _("configuración de alertas")
        verbose_name_plural = _("configuraciones de alertas")

    def __str__(self) -> str:
        return f"{self.municipality}: {self.get_method_display()}"


class QuietPeriod(models.Model):
    """Dates when alarms are expected and not acted on (e.g. a known festival or a data migration)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="quiet_periods")
    start = models.DateField(_("desde"))
    end = models.DateField(_("hasta"))
    reason = models.CharField(_("motivo"), max_length=200)

    class Meta:
        verbose_name = _("periodo de silencio")
        verbose_name_plural = _("periodos de silencio")
        ordering = ["-start"]

    def __str__(self) -> str:
        return f"{self.start} – {self.end}: {self.reason}"


class Alert(models.Model):
    """One episode: consecutive alarm periods of one series (territory × family × frequency × method)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="alerts")
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("territorio")
    )
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="+", verbose_name=_("familia"))
    source = models.CharField(_("fuente"), max_length=100)
    freq = models.CharField(_("frecuencia"), max_length=5, choices=Freq.choices)
    method = models.CharField(_("método"), max_length=30, choices=Method.choices)
    first_period = models.DateField(_("primer periodo"))
    last_period = models.DateField(_("último periodo"))
    count = models.PositiveIntegerField(_("casos en el periodo pico"))
    expected = models.FloatField(_("esperado en el periodo pico"))
    upperbound = models.FloatField(_("umbral en el periodo pico"), null=True)
    peak_period = models.DateField(_("periodo pico"))
    severity = models.PositiveSmallIntegerField(_("severidad"), choices=Severity.choices)
    points = models.JSONField(
        _("serie"), default=list, help_text=_("Periodos recientes: fecha, casos, esperado, umbral, alarma.")
    )
    status = models.CharField(_("estado"), max_length=12, choices=Status.choices, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("derivada a"),
    )
    referred_to = models.CharField(_("mesa o instancia"), max_length=200, blank=True)
    result = models.CharField(_("resultado"), max_length=12, choices=Result.choices, blank=True)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)
    closed_at = models.DateTimeField(_("cerrada el"), null=True, blank=True)
    created_by_import = models.ForeignKey(
        "datasets.Dataset",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("creada por la importación"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("alerta")
        verbose_name_plural = _("alertas")
        ordering = ["-last_period", "-severity", "pk"]
        indexes = [models.Index(fields=["municipality", "status"], name="alert_mun_status")]

    def __str__(self) -> str:
        return f"{self.family} · {self.territory or self.municipality} · {self.first_period}"

    @property
    def place(self) -> str:
        return self.territory.name if self.territory_id else self.municipality.name


class AlertEvent(models.Model):
    """The full history of an alert: creation, extensions, status changes, referrals and comments."""

    class Kind(models.TextChoices):
        CREATED = "creada", _("creada")
        EXTENDED = "extendida", _("se extendió")
        STATUS = "estado", _("cambio de estado")
        COMMENT = "comentario", _("comentario")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    text = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)
    dataset = models.ForeignKey("datasets.Dataset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    previous = models.JSONField(
        null=True, blank=True, help_text=_("Lo que la alerta decía antes de extenderse (para revertir la importación).")
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("evento de alerta")
        verbose_name_plural = _("eventos de alerta")

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Subscription(models.Model):
    """Who hears about new alerts of a municipality (and family), at once or in a weekly digest."""

    class Mode(models.TextChoices):
        IMMEDIATE = "inmediato", _("inmediato")
        WEEKLY = "semanal", _("resumen semanal")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_subscriptions")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    family = models.ForeignKey(
        Family, null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text=_("Vacío: todas.")
    )
    mode = models.CharField(_("modo"), max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("suscripción a alertas")
        verbose_name_plural = _("suscripciones a alertas")
        constraints = [models.UniqueConstraint(fields=["user", "municipality", "family"], name="subscription_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.municipality} ({self.family or '*'}, {self.mode})"
