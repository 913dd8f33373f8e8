"""One registry that says how sensitive each model's records are: public, internal, personal or sensitive.

Every model is classified (a test fails when one is not). Public outputs serve only public models
(:func:`require_public`), exports and the API check the class before handing records over, and reads of personal
or sensitive records are written to the access log (:mod:`atalaya.core.audit`). Each app classifies its own
models in its ``AppConfig.ready``; this module classifies Django's and third-party models.
"""

from __future__ import annotations

from enum import IntEnum

from django.apps import apps
from django.db import models


class Sensitivity(IntEnum):
    """Ordered: a higher class needs at least the protections of the lower ones."""

    PUBLIC = 0  # anyone may see it (the portal's suppressed table, the indicator catalogue)
    INTERNAL = 1  # observatory staff of the municipality (incidents, cubes, alerts, logs)
    PERSONAL = 2  # identifies a person (users, memberships, reporters' contacts)
    SENSITIVE = 3  # special categories: victims, children, health, case records


PUBLIC, INTERNAL, PERSONAL, SENSITIVE = (
    Sensitivity.PUBLIC,
    Sensitivity.INTERNAL,
    Sensitivity.PERSONAL,
    Sensitivity.SENSITIVE,
)

_REGISTRY: dict[str, Sensitivity] = {}


def _label(model: type[models.Model] | str) -> str:
    return model if isinstance(model, str) else model._meta.label_lower


def classify(model: type[models.Model] | str, level: Sensitivity) -> None:
    """Record the class of a model (``app_label.modelname`` or the class). Classifying twice must agree."""
    label = _label(model).lower()
    known = _REGISTRY.get(label)
    if known is not None and known != level:
        raise ValueError(f"{label} ya está clasificado como {known.name}, no como {level.name}")
    _REGISTRY[label] = Sensitivity(level)


def classify_many(levels: dict[type[models.Model] | str, Sensitivity]) -> None:
    for model, level in levels.items():
        classify(model, level)


def sensitivity_of(model: type[models.Model] | models.Model | str) -> Sensitivity:
    """The class of a model; an unclassified model is treated as an error, never as public."""
    if isinstance(model, models.Model):
        model = type(model)
    label = _label(model).lower()
    try:
        return _REGISTRY[label]
    except KeyError:
        raise LookupError(f"El modelo {label} no tiene clase de sensibilidad registrada.") from None


def is_personal(model) -> bool:
    """Personal or sensitive: reads are audited, exports need a reason."""
    return sensitivity_of(model) >= PERSONAL


def require_public(model) -> None:
    """Guard for public outputs: anything but a public model is a programming error, refused loudly."""
    if sensitivity_of(model) != PUBLIC:
        raise PermissionError(f"{_label(model)} no es público: no puede servirse en el portal.")


def unclassified_models() -> list[str]:
    """Installed models without a class (the test of the registry lists them)."""
    return sorted(m._meta.label_lower for m in apps.get_models() if m._meta.label_lower not in _REGISTRY)


def registry() -> dict[str, Sensitivity]:
    return dict(sorted(_REGISTRY.items()))


def classify_framework_models() -> None:
    """Django's and third-party models: accounts and their secrets are personal; the rest internal."""
    classify_many(
        {
            "auth.user": PERSONAL,
            "auth.group": INTERNAL,
            "auth.permission": INTERNAL,
            "contenttypes.contenttype": INTERNAL,
            "sessions.session": PERSONAL,
            "admin.logentry": INTERNAL,
            "authtoken.token": PERSONAL,
            "authtoken.tokenproxy": PERSONAL,
        }
    )
    optional = {
        "otp_totp.totpdevice": PERSONAL,
        "otp_static.staticdevice": PERSONAL,
        "otp_static.statictoken": PERSONAL,
        "axes.accessattempt": PERSONAL,
        "axes.accessattemptexpiration": PERSONAL,
        "axes.accessfailurelog": PERSONAL,
        "axes.accesslog": PERSONAL,
        "django_tasks_database.dbtaskresult": INTERNAL,
    }
    installed = {m._meta.label_lower for m in apps.get_models()}
    classify_many({label: level for label, level in optional.items() if label in installed})


class PublicOutputMixin:
    """For every view anyone may open (the portal, its API): ``public_models`` names the models whose content it
    serves, and each must be classed public, checked on every request (a view that starts serving an internal
    model fails loudly instead of leaking). Models read only to choose (a publication flag) are not listed."""

    public_models: tuple = ()

    def dispatch(self, request, *args, **kwargs):
        for model in self.public_models:
            require_public(model)
        return super().dispatch(request, *args, **kwargs)
