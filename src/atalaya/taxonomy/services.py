"""Loading the built-in taxonomy and resolving source labels to catalogue categories."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from django.db import transaction

from atalaya.analysis import crosswalk as builtin
from atalaya.analysis.crosswalk import category_key, parent_key

from .models import Catalogue, Crosswalk, CrosswalkEntry, Family, IccsClass, SourceCategory


@transaction.atomic
def sync_builtin_taxonomy() -> dict[str, int]:
    """Create or complete families, ICCS classes, catalogues and crosswalks from the shipped CSV files.

    Idempotent. Entries edited in the admin are never overwritten: a file row only adds what is missing.
    """
    created = {"families": 0, "iccs": 0, "categories": 0, "entries": 0}
    for row in builtin.families():
        _, new = Family.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "description": row["description"], "order": int(row["order"])},
        )
        created["families"] += new
    for row in builtin.iccs_classes():
        _, new = IccsClass.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "name_es": row["name_es"]}
        )
        created["iccs"] += new
    families = {f.code: f for f in Family.objects.all()}
    iccs = {c.code: c for c in IccsClass.objects.all()}
    for spec in builtin.catalogues():
        catalogue, _ = Catalogue.objects.update_or_create(
            source=spec.source,
            version=spec.version,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "level_names": list(spec.levels),
                "preference": spec.preference,
            },
        )
        crosswalk = catalogue.crosswalks.filter(is_active=True).first()
        if crosswalk is None:
            crosswalk = Crosswalk.objects.create(
                catalogue=catalogue,
                version=1,
                is_active=True,
                source_file=spec.file,
                notes="Versión inicial cargada del archivo incluido en Atalaya.",
            )
        existing = {c.key: c for c in catalogue.categories.all()}
        mapped = set(crosswalk.entries.values_list("source_category__key", flat=True))
        rows = builtin.crosswalk_rows(spec)
        for row in rows:  # parents first when they are listed (CDMX categoria before delito)
            if row.key not in existing:
                existing[row.key] = SourceCategory.objects.create(
                    catalogue=catalogue,
                    key=row.key,
                    code=row.key.replace(" / ", "/").replace(" ", "-")[:255],
                    path=row.path,
                    label=row.match.split(" / ")[-1],
                    parent=existing.get(parent_key(row.key) or ""),
                )
                created["categories"] += 1
            if row.key not in mapped:
                CrosswalkEntry.objects.create(
                    crosswalk=crosswalk,
                    source_category=existing[row.key],
                    iccs=iccs.get(row.iccs),
                    family=families[row.family],
                    harm_weight=row.harm_weight,
                    notes=row.notes,
                )
                mapped.add(row.key)
                created["entries"] += 1
        created["links"] = created.get("links", 0) + _link_parents_by_path(catalogue, rows)
    return created


def _link_parents_by_path(catalogue: Catalogue, rows: list[builtin.CrosswalkRow]) -> int:
    """Flat labels (CEAD publishes one level per row) take their parent from the display path in the file.

    Only fills a missing parent, so a hierarchy edited in the admin stays as it is.
    """
    categories = {c.key: c for c in catalogue.categories.all()}
    by_path: dict[str, SourceCategory] = {}
    for row in rows:
        by_path.setdefault(category_key(row.path), categories[row.key])
    linked = 0
    for row in rows:
        category = categories[row.key]
        above = parent_key(category_key(row.path))
        parent = by_path.get(above) if above else None
        if category.parent_id is None and parent is not None and parent.pk != category.pk:
            category.parent = parent
            category.save(update_fields=["parent"])
            linked += 1
    return linked


def choose_catalogue(source: str, labels: list[str], version: str | None = None) -> Catalogue:
    """The catalogue of ``source`` that recognises most of the labels (or the one named by ``version``)."""
    catalogues = list(Catalogue.objects.filter(source=source).order_by("preference", "pk"))
    if not catalogues:
        raise LookupError(source)
    if version:
        for cat in catalogues:
            if cat.version.casefold() == version.casefold():
                return cat
        raise LookupError(f"{source} {version}")
    keys = {category_key(label) for label in labels}
    best, best_hits = catalogues[0], -1
    for cat in catalogues:
        hits = cat.categories.filter(key__in=keys, discovered=False).count()
        if hits > best_hits:
            best, best_hits = cat, hits
    return best


@dataclass
class CategoryResolution:
    """Category ids for each distinct label path, and the paths that had to be added to the catalogue."""

    frame: pl.DataFrame  # columns: category_path, category_id
    discovered: list[str]
    by_last_level: dict[str, str] = field(default_factory=dict)  # label → the one catalogue path ending in it
    ambiguous: dict[str, list[str]] = field(default_factory=dict)  # label → the several paths ending in it


def resolve_categories(catalogue: Catalogue, paths: list[str], *, create: bool) -> CategoryResolution:
    """Match label paths to the catalogue by normalised key; unknown ones are added as *discovered* categories.

    Discovered categories are kept (never dropped) and reported so that an analyst maps them. When ``create``
    is False (dry run) they get a provisional id of 0.
    """
    existing = {c.key: c for c in catalogue.categories.all()}
    ids, discovered, by_last_level, ambiguous = [], [], {}, {}
    for path in paths:
        key = category_key(path)
        category = existing.get(key)
        if category is None:
            candidates = _paths_ending_in(existing, key)
            if len(candidates) == 1:
                category = candidates[0]
                by_last_level[path] = category.path
            elif candidates:
                ambiguous[path] = sorted(c.path for c in candidates)
        if category is None:
            discovered.append(path)
            if create:
                parent = existing.get(parent_key(key) or "")
                category = SourceCategory.objects.create(
                    catalogue=catalogue,
                    key=key,
                    code=key.replace(" / ", "/").replace(" ", "-")[:255],
                    path=path[:500],
                    label=path.split(" / ")[-1][:300],
                    parent=parent,
                    discovered=True,
                )
                existing[key] = category
        ids.append(category.pk if category else 0)
    frame = pl.DataFrame(
        {"category_path": paths, "category_id": ids},
        schema={"category_path": pl.String, "category_id": pl.Int64},
    )
    return CategoryResolution(frame=frame, discovered=discovered, by_last_level=by_last_level, ambiguous=ambiguous)


def _paths_ending_in(existing: dict[str, SourceCategory], key: str) -> list[SourceCategory]:
    """Catalogue paths whose last level is this label. A label given without its upper levels (FGJ ``delito``
    without ``categoria_delito``) is matched when there is exactly one; with more it is ambiguous."""
    if " / " in key:
        return []
    suffix = " / " + key
    return [c for k, c in existing.items() if k.endswith(suffix) and not c.discovered]


def parent_map(catalogue: Catalogue) -> dict[int, int | None]:
    """Category id → parent id, for the whole catalogue."""
    return dict(catalogue.categories.values_list("pk", "parent_id"))


def mapped_category_ids(catalogue: Catalogue) -> set[int]:
    """Categories that reach a family, by the same rule the cube uses (:func:`harmonised_table`)."""
    table = harmonised_table().filter((pl.col("catalogue_id") == catalogue.pk) & pl.col("family_code").is_not_null())
    return set(table.get_column("category_id").to_list())


def unmapped_categories(catalogue_ids: list[int] | None = None):
    """Source categories with no entry in their catalogue's active crosswalk, nor in their parent's."""
    categories = SourceCategory.objects.select_related("catalogue", "parent")
    if catalogue_ids is not None:
        categories = categories.filter(catalogue_id__in=catalogue_ids)
    mapped = set(CrosswalkEntry.objects.filter(crosswalk__is_active=True).values_list("source_category_id", flat=True))
    return [c for c in categories if c.pk not in mapped and (c.parent_id is None or c.parent_id not in mapped)]


def harmonised_table() -> pl.DataFrame:
    """Every source category with its effective mapping (own entry, else inherited from its parent).

    Columns: ``category_id, catalogue_id, catalogue_source, category_code, category_label, iccs_code, iccs_label,
    family_code, family_label, harm_weight, inherited``.
    """
    # Plain rows, not model instances: it is read on every import and refresh (thousands of categories).
    entries = {
        row[0]: row[1:]
        for row in CrosswalkEntry.objects.filter(crosswalk__is_active=True).values_list(
            "source_category_id",
            "iccs__code",
            "iccs__name_es",
            "iccs__name",
            "family__code",
            "family__name",
            "family__order",
            "harm_weight",
        )
    }
    rows = []
    categories = SourceCategory.objects.order_by("pk").values_list(
        "pk", "catalogue_id", "catalogue__source", "code", "path", "parent_id"
    )
    for pk, catalogue_id, catalogue_source, code, path, parent_id in categories:
        entry, inherited = entries.get(pk), False
        if entry is None and parent_id in entries:
            entry, inherited = entries[parent_id], True
        iccs_code, iccs_name_es, iccs_name, family_code, family_name, family_order, harm_weight = entry or (None,) * 7
        rows.append(
            {
                "category_id": pk,
                "catalogue_id": catalogue_id,
                "catalogue_source": catalogue_source,
                "category_code": code,
                "category_label": path,
                "iccs_code": iccs_code,
                "iccs_label": (iccs_name_es or iccs_name) if iccs_code else None,
                "family_code": family_code,
                "family_label": family_name,
                "family_order": family_order if entry else 999,
                "harm_weight": harm_weight,
                "inherited": inherited,
            }
        )
    schema = {
        "category_id": pl.Int64,
        "catalogue_id": pl.Int64,
        "catalogue_source": pl.String,
        "category_code": pl.String,
        "category_label": pl.String,
        "iccs_code": pl.String,
        "iccs_label": pl.String,
        "family_code": pl.String,
        "family_label": pl.String,
        "family_order": pl.Int64,
        "harm_weight": pl.Float64,
        "inherited": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema)
