from django.db import models
from django.utils.translation import gettext_lazy as _


class Module(models.TextChoices):
    """The programmes a municipality runs; a person has at most one case in each."""

    CHILDREN = "ninez", _("Niñez y adolescencia")
    WOMEN = "mujer", _("Violencia contra las mujeres")
    FAMILY = "familia", _("Apoyo familiar")
    OLDER = "mayores", _("Personas mayores")


class PersonKind(models.TextChoices):
    CHILD = "nna", _("Niño, niña o adolescente")
    WOMAN = "mujer", _("Mujer")
    ADULT = "adulto", _("Persona adulta")
    OLDER = "mayor", _("Persona mayor")


class Sex(models.TextChoices):
    FEMALE = "F", _("Mujer")
    MALE = "M", _("Hombre")
    OTHER = "X", _("Otro o no declarado")


class Channel(models.TextChoices):
    """How a case arrived (the intake channel)."""

    SCHOOL = "escuela", _("Escuela")
    HEALTH = "salud", _("Salud")
    POLICE = "policia", _("Listado policial (24 Horas)")
    COMMUNITY = "comunidad", _("Comunidad")
    HOTLINE = "fono", _("Fono o línea de ayuda")
    SELF = "espontanea", _("Demanda espontánea")


class TeamRole(models.TextChoices):
    WORKER = "gestor", _("Gestor o gestora de casos")
    SUPERVISOR = "supervisor", _("Supervisor o supervisora")
    COORDINATOR = "coordinador", _("Coordinador o coordinadora")


class RiskLevel(models.TextChoices):
    LOW = "baja", _("Baja")
    MEDIUM = "media", _("Media")
    HIGH = "alta", _("Alta")


class Relation(models.TextChoices):
    HEAD = "jefatura", _("Jefe o jefa de hogar")
    PARTNER = "pareja", _("Pareja")
    CHILD = "hijo", _("Hijo o hija")
    PARENT = "padre_madre", _("Padre o madre")
    SIBLING = "hermano", _("Hermano o hermana")
    GRANDPARENT = "abuelo", _("Abuelo o abuela")
    OTHER = "otro", _("Otro vínculo")


class ConsentPurpose(models.TextChoices):
    """What a person (or their guardian) agrees to, as Primero's CPIMS+/GBVIMS+ ask before any referral."""

    SERVICES = "servicios", _("Recibir servicios")
    SHARE = "compartir", _("Compartir datos con otras instituciones")


class TransitionKind(models.TextChoices):
    REFERRAL = "derivacion", _("Derivación")
    TRANSFER = "transferencia", _("Transferencia")
    ASSIGNMENT = "asignacion", _("Asignación")


class TransitionStatus(models.TextChoices):
    IN_PROGRESS = "en_curso", _("En curso")
    ACCEPTED = "aceptada", _("Aceptada")
    REJECTED = "rechazada", _("Rechazada")
    DONE = "realizada", _("Realizada")
    REVOKED = "revocada", _("Revocada")


class Stage(models.TextChoices):
    """Where a case stands, computed from its records (:func:`atalaya.cases.workflow.compute_stage`), never set
    by hand."""

    NEW = "nuevo", _("Nuevo")
    ASSESSMENT = "evaluacion", _("Evaluación")
    PLAN = "plan", _("Plan de intervención")
    SERVICES = "servicios", _("Servicios en curso")
    SERVICES_DONE = "servicios_cumplidos", _("Servicios cumplidos")
    CLOSED = "cerrado", _("Cerrado")
    REOPENED = "reabierto", _("Reabierto")


class ApprovalKind(models.TextChoices):
    """The steps a supervisor approves (as in Primero's case-management approvals)."""

    ASSESSMENT = "evaluacion", _("Evaluación")
    PLAN = "plan", _("Plan de intervención")
    CLOSURE = "cierre", _("Cierre")


class ApprovalStatus(models.TextChoices):
    PENDING = "pendiente", _("Pendiente")
    APPROVED = "aprobada", _("Aprobada")
    RETURNED = "devuelta", _("Devuelta con observaciones")


class ProviderKind(models.TextChoices):
    MUNICIPAL = "municipal", _("Municipal")
    EXTERNAL = "externo", _("Externo")


class LineStatus(models.TextChoices):
    """A service line of the case plan: planned, under way (its referral accepted), fulfilled or cancelled."""

    PLANNED = "planificada", _("Planificada")
    IN_PROGRESS = "en_curso", _("En curso")
    DONE = "cumplida", _("Cumplida")
    CANCELLED = "cancelada", _("Cancelada")


class FollowUpKind(models.TextChoices):
    CONTACT = "seguimiento", _("Seguimiento (visita o contacto)")
    TASK = "tarea", _("Tarea")


class ClosureOutcome(models.TextChoices):
    GOALS_MET = "objetivos_cumplidos", _("Objetivos del plan cumplidos")
    REFERRED = "derivado", _("Continúa en otra institución")
    MOVED = "traslado", _("Cambio de comuna o municipio")
    NO_CONTACT = "sin_contacto", _("Sin contacto posible")
    DECLINED = "desiste", _("La persona o su familia desiste")
    AGE = "mayoria_edad", _("Cumplió la mayoría de edad")
    DEATH = "fallecimiento", _("Fallecimiento")
    OTHER = "otro", _("Otro motivo")
