"""Extension points. Built-in readers register here exactly as outside ones would.

A reader turns a file into a :class:`~atalaya.analysis.problems.ReadResult`. ``atalaya import FORMAT`` looks the
format up in :data:`READERS`; the web upload form lists the same registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext

from atalaya.analysis.problems import ReadResult
from atalaya.analysis.readers import boundaries, cdmx_fgj, cead, incidents, sesnsp


@dataclass(frozen=True)
class ReaderSpec:
    """A data format Atalaya can import.

    ``kind``: ``incidents``, ``aggregates`` or ``territories``. ``options``: keyword options the reader accepts
    (``municipality_code``, ``mapping``, ``cutoff``, ``code_column``...). ``catalogue_source``: the crime
    catalogue family its categories belong to (None when the mapping says it).
    """

    name: str
    kind: str
    description: str  # what users see, marked for translation (``format_label`` translates it); ``name`` is the key
    read: Callable[..., ReadResult]
    options: tuple[str, ...] = ()
    catalogue_source: str | None = None
    extensions: tuple[str, ...] = field(default=(".csv",))


def gettext_noop(message: str) -> str:
    """Marks a description for translation (makemessages collects it) without needing Django's settings: the
    command line lists the formats before Django starts. :func:`format_label` translates it for pages."""
    return message


READERS: dict[str, ReaderSpec] = {}


def format_label(name: str) -> str:
    """A format as users read it (its description), for pages; unknown keys are shown as they are."""
    spec = READERS.get(name)
    return gettext(spec.description) if spec else name


#: Called inside each import's transaction with ``(municipality_ids, source, dataset)`` once the cube is
#: refreshed, so that whatever derives from the cube (indicator values, alerts) moves with the data, all or
#: nothing. ``dataset`` is the import's record, or ``None`` when a rollback runs the steps again.
AFTER_IMPORT: list[Callable[[list[int], str, object], None]] = []


#: Called with the same arguments once the import's own transaction is over (committed, or folded into the
#: caller's when the import runs inside one): what no dashboard waits for — territorial alerts. The data and the
#: indicator values are visible before these start; a failure here is logged and leaves the import standing.
AFTER_COMMIT: list[Callable[[list[int], str, object], None]] = []


def derived_steps() -> list[Callable[[list[int], str, object], None]]:
    """Every step that derives from the cube, in order: what rollbacks and publications run inside their
    transaction."""
    return [*AFTER_IMPORT, *AFTER_COMMIT]


def register_after_commit(
    callback: Callable[[list[int], str, object], None],
) -> Callable[[list[int], str, object], None]:
    if callback not in AFTER_COMMIT:
        AFTER_COMMIT.append(callback)
    return callback


#: Called inside a rollback's transaction with the rolled-back :class:`~atalaya.datasets.models.Dataset`, before
#: the after-import steps run again: undo what only that import created (alerts nobody acted on, say).
AFTER_ROLLBACK: list[Callable[[object], None]] = []


def register_after_rollback(callback: Callable[[object], None]) -> Callable[[object], None]:
    if callback not in AFTER_ROLLBACK:
        AFTER_ROLLBACK.append(callback)
    return callback


def register_after_import(
    callback: Callable[[list[int], str, object], None],
) -> Callable[[list[int], str, object], None]:
    if callback not in AFTER_IMPORT:
        AFTER_IMPORT.append(callback)
    return callback


def register_reader(spec: ReaderSpec) -> ReaderSpec:
    if spec.name in READERS:
        raise ValueError(f"reader {spec.name!r} already registered")
    READERS[spec.name] = spec
    return spec


register_reader(
    ReaderSpec(
        "sesnsp",
        "aggregates",
        gettext_noop("SESNSP incidencia delictiva municipal (delitos, mensual)"),
        sesnsp.read,
        catalogue_source="sesnsp",
        extensions=(".csv", ".zip"),
    )
)
register_reader(
    ReaderSpec(
        "sesnsp-victimas",
        "aggregates",
        gettext_noop("SESNSP víctimas municipal (sexo y rango de edad, mensual)"),
        sesnsp.read_victims,
        catalogue_source="sesnsp",
        extensions=(".csv", ".zip"),
    )
)
register_reader(
    ReaderSpec(
        "cdmx-fgj",
        "incidents",
        gettext_noop("FGJ CDMX carpetas de investigación (puntos)"),
        cdmx_fgj.read,
        options=("municipality_code",),
        catalogue_source="cdmx-fgj",
        extensions=(".csv", ".zip"),
    )
)
register_reader(
    ReaderSpec(
        "cead",
        "aggregates",
        gettext_noop("CEAD Chile casos policiales (comuna × mes, formato ordenado)"),
        cead.read,
        options=("cutoff",),
        catalogue_source="cead",
        extensions=(".csv", ".xlsx", ".parquet"),
    )
)
register_reader(
    ReaderSpec(
        "incidents",
        "incidents",
        gettext_noop("Incidentes genéricos (CSV, XLSX o GeoJSON) con un mapeo de columnas guardado"),
        incidents.read,
        options=("mapping", "municipality_code"),
        extensions=(".csv", ".xlsx", ".geojson", ".json"),
    )
)
register_reader(
    ReaderSpec(
        "boundaries",
        "territories",
        gettext_noop("Límites de territorios (GeoJSON, Shapefile en ZIP o GeoPackage)"),
        boundaries.read,
        options=("code_column", "name_column", "parent_column", "population_column", "municipality_column", "layer"),
        extensions=(".geojson", ".json", ".zip", ".shp", ".gpkg"),
    )
)


#: Links a module adds to a municipality's page, each a function ``(user, municipality) → (label, url) | None``
#: (None when that user may not open it: the page never offers a link that answers 403).
MUNICIPALITY_LINKS: list[Callable[[object, object], tuple[str, str] | None]] = []
#: Actions a module offers on an alert's page, the same way: ``(user, alert) → (label, url) | None`` (the
#: proximity module: «convert this alert into a problem»).
ALERT_LINKS: list[Callable[[object, object], tuple[str, str] | None]] = []
#: Links a module adds to a municipality's public portal page: ``(municipality) → (label, url) | None`` (only
#: what an anonymous visitor may open).
PORTAL_LINKS: list[Callable[[object], tuple[str, str] | None]] = []
#: Panels a module adds to a municipality's indicator dashboard, beside recorded crime: ``(user, municipality) →
#: {"template": …, "context": {…}} | None`` (the surveys module: trust and perception next to the rates).
DASHBOARD_PANELS: list[Callable[[object, object], dict | None]] = []
#: What a module offers a SARA file's response stage: ``(user, problem) → {"template": …, "context": {…}} | None``
#: (the network: published practices for the problem's type and crimes, best rated first).
RESPONSE_PANELS: list[Callable[[object, object], dict | None]] = []
#: Things of the public portal a visitor may follow by e-mail besides problems and commitments: ``(municipality,
#: target) → public title | None`` (the publication module: ``boletin:<code>``, the monthly bulletin).
FOLLOW_TARGETS: list[Callable[[object, str], str | None]] = []
