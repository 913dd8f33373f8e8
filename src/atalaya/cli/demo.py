"""The demo observatory: Peñalolén and Nezahualcóyotl with synthetic data, loaded through the real importers.

The generator writes files in the official formats (GeoJSON boundaries, police incident CSVs, a SESNSP municipal
file in Windows-1252, a CEAD tidy file) and imports them with :func:`import_file`, exactly as an analyst would.
Everything is labelled synthetic.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import shapely
from django.conf import settings
from shapely.geometry import mapping

from atalaya.accounts.services import create_user
from atalaya.analysis import crosswalk, synthetic
from atalaya.analysis.parsing import add_months, trailing_window
from atalaya.datasets.importing import import_file
from atalaya.datasets.models import ColumnMapping
from atalaya.geo.models import Municipality
from atalaya.geo.services import register_municipality

from .demo_cases import CASE_USERS, load_demo_cases
from .demo_network import load_demo_network
from .demo_problems import load_demo_problems
from .demo_programmes import load_demo_programmes
from .demo_publications import load_demo_publications
from .demo_surveys import load_demo_surveys

#: Neighbours of Nezahualcóyotl in the demo SESNSP file, so that the network page has municipalities to compare:
#: code, name, population (2020 census, rounded) and how much crime they have relative to Neza per inhabitant
#: (synthetic: their counts are Neza's, scaled, with Poisson noise).
NEIGHBOURS = [
    ("15033", "Ecatepec de Morelos", 1_645_000, 1.15),
    ("15031", "Chimalhuacán", 705_000, 0.85),
    ("15070", "La Paz", 304_000, 1.0),
    ("15029", "Chicoloapan", 227_000, 0.7),
    ("15099", "Texcoco", 278_000, 0.6),
]
START = dt.date(2021, 1, 1)
#: The demo programmes' known effects on the synthetic incidents (the evaluations should find them): which
#: territories, which crimes, from when, and the share of those crimes that still happen.
NEZA_PROGRAMME_EFFECT = {
    "territories": {"S01", "S02"},
    "categories": [
        "Robo / Robo a transeúnte en vía pública / Con violencia",
        "Robo / Robo en transporte público colectivo / Con violencia",
        "Robo / Robo a negocio / Con violencia",
    ],
    "start": dt.date(2024, 1, 1),
    "keep": 0.7,
}
PENALOLEN_PROGRAMME_EFFECT = {
    "territories": {"S3"},
    "categories": ["Robos con violencia o intimidación", "Robo por sorpresa"],
    "start": dt.date(2024, 7, 1),
    "keep": 0.75,
}
CUTOFF = dt.date(2026, 10, 31)

DEMO_USERS = [
    # username, password, municipalities, role, superuser
    ("demo", "atalaya-demo", ["15058", "13122"], "admin", True),
    ("analista.neza", "atalaya-demo", ["15058"], "analyst", False),
    ("analista.penalolen", "atalaya-demo", ["13122"], "analyst", False),
    ("director.neza", "atalaya-demo", ["15058"], "director", False),
]

NEZA_MAPPING = {
    "source": "policia-neza",
    "catalogue": "sesnsp",
    "columns": {
        "record_id": "folio",
        "date": "fecha_hecho",
        "time": "hora_hecho",
        "category": ["tipo_delito", "subtipo_delito", "modalidad"],
        "lat": "latitud",
        "lon": "longitud",
    },
    "attributes": ["cuadrante_reportado"],
}
#: The prosecutors' homicide records of Nezahualcóyotl, for the mesa de validación (same layout as the police's).
NEZA_PROSECUTORS_MAPPING = {**NEZA_MAPPING, "source": "fiscalia-neza", "attributes": []}
PENALOLEN_MAPPING = {
    "source": "carabineros-penalolen",
    "catalogue": "cead",
    "columns": {
        "record_id": "id_caso",
        "date": "fecha",
        "time": "hora",
        "category": "delito",
        "lat": "lat",
        "lon": "lon",
    },
}

BIEN_JURIDICO = {
    "Homicidio": "La vida y la Integridad corporal",
    "Lesiones": "La vida y la Integridad corporal",
    "Feminicidio": "La vida y la Integridad corporal",
    "Aborto": "La vida y la Integridad corporal",
    "Otros delitos que atentan contra la vida y la integridad corporal": "La vida y la Integridad corporal",
    "Secuestro": "Libertad personal",
    "Tráfico de menores": "Libertad personal",
    "Rapto": "Libertad personal",
    "Otros delitos que atentan contra la libertad personal": "Libertad personal",
    "Robo": "El patrimonio",
    "Fraude": "El patrimonio",
    "Abuso de confianza": "El patrimonio",
    "Extorsión": "El patrimonio",
    "Daño a la propiedad": "El patrimonio",
    "Despojo": "El patrimonio",
    "Otros delitos contra el patrimonio": "El patrimonio",
    "Violencia familiar": "La familia",
    "Violencia de género en todas sus modalidades distinta a la violencia familiar": "La familia",
    "Incumplimiento de obligaciones de asistencia familiar": "La familia",
    "Otros delitos contra la familia": "La familia",
    "Corrupción de menores": "La sociedad",
    "Trata de personas": "La sociedad",
    "Otros delitos contra la sociedad": "La sociedad",
}
SEXUAL = "La libertad y la seguridad sexual"
OTHER = "Otros bienes jurídicos afectados (del fuero común)"
MONTHS = [
    "Enero",
    "Febrero",
    "Marzo",
    "Abril",
    "Mayo",
    "Junio",
    "Julio",
    "Agosto",
    "Septiembre",
    "Octubre",
    "Noviembre",
    "Diciembre",
]


def load_demo(
    *,
    years: int = 5,
    seed: int = 20261125,
    scale: float = 1.0,
    output: Path | None = None,
    verbose: bool = False,
) -> dict:
    """Generate the demo files and import them. Idempotent: the same seed writes the same files."""
    rng = np.random.default_rng(seed)
    out = Path(output or Path(settings.DATA_DIR) / "demo")
    out.mkdir(parents=True, exist_ok=True)
    start = dt.date(CUTOFF.year - years, 1, 1) if years != 5 else START
    say = print if verbose else (lambda *a, **k: None)
    neza = synthetic.nezahualcoyotl(rng)
    pena = synthetic.penalolen(rng)
    neza.incidents = synthetic.generate_incidents(
        neza, synthetic.NEZA_CATEGORIES, annual_total=16_000 * scale, start=start, end=CUTOFF, rng=rng
    )
    pena.incidents = synthetic.generate_incidents(
        pena, synthetic.PENALOLEN_CATEGORIES, annual_total=9_000 * scale, start=start, end=CUTOFF, rng=rng
    )
    untreated = neza.incidents  # the neighbouring municipalities of the SESNSP file had no programme
    for m, effect in ((neza, NEZA_PROGRAMME_EFFECT), (pena, PENALOLEN_PROGRAMME_EFFECT)):
        area = shapely.union_all(
            [
                g
                for code, g in zip(m.territories["code"], m.territories["geometry"], strict=True)
                if code in effect["territories"]
            ]
        )
        m.incidents = synthetic.apply_programme_effect(
            m.incidents, area, effect["categories"], effect["start"], effect["keep"], rng
        )
    files = _write_demo_files(neza, pena, out, rng, start, untreated)
    outcomes = _import_demo_files(neza, pena, files, say)
    run = _reconcile_demo_homicides()
    say(f"  conciliación de homicidios (policía / fiscalía, 12 meses): {run.summary['cifra_conciliada']} hechos")
    _publish_demo_indicators()
    users = {
        username: create_user(username, password, municipality_codes=codes, role=role, superuser=superuser)
        for username, password, codes, role, superuser in DEMO_USERS
    }
    say(f"  usuario demo (administrador): segundo factor TOTP, clave {_demo_second_factor(users['demo'])}")
    load_demo_cases(rng, users, DEMO_USERS[0][1], say)
    for worker in CASE_USERS:
        say(f"  usuario {worker} (equipo de casos): segundo factor TOTP, clave {_demo_second_factor(users[worker])}")
    for m, catalogue, analyst in ((neza, "sesnsp", "analista.neza"), (pena, "cead", "analista.penalolen")):
        summary = _review_past_alerts(m.code)
        closed = _close_reviewed_history(m, catalogue, users[analyst])
        say(
            f"  alertas {m.name}: {summary['created']} episodio(s) en {summary['series']} series (últimos 2 años); "
            f"{closed['confirmado'] + closed['falsa_alarma']} anteriores cerradas ({closed['confirmado']} "
            f"confirmadas por un brote inyectado), {closed['abiertas']} abiertas"
        )
    load_demo_problems(rng, users, DEMO_USERS[0][1], say)
    load_demo_surveys(rng, out, say)
    load_demo_programmes(users, out, say)
    load_demo_network(users, rng, say)
    load_demo_publications(users, say)
    return {"files": str(out), "imports": [o.as_dict() for o in outcomes]}


def _write_demo_files(neza, pena, out: Path, rng, start: dt.date, untreated: pl.DataFrame) -> dict:
    """Every file the demo imports, written as the real sources publish them, with a note that they are synthetic
    and the list of the outbreaks injected (what the alerts should find)."""
    files = {
        "neza": _write_municipality(neza, out / "nezahualcoyotl", rng, NEZA_MAPPING),
        "pena": _write_municipality(pena, out / "penalolen", rng, PENALOLEN_MAPPING),
    }
    homicides = neza.incidents.filter(pl.col("category").str.contains("doloso|Feminicidio"))
    files["fiscalia"] = out / "nezahualcoyotl" / "fiscalia_homicidios.csv"
    police_file_frame(
        synthetic.degrade(synthetic.second_source(homicides, rng, prefix="CI"), rng, bad_rows=0),
        NEZA_PROSECUTORS_MAPPING,
    ).write_csv(files["fiscalia"])
    files["sesnsp"] = _write_sesnsp(neza, out / "sesnsp" / "IDM_NM_demo_oct26.csv", rng, start, untreated)
    files["cead"] = _write_cead(pena, out / "cead" / "cead_penalolen_tidy.csv", rng, start)
    (out / "LEAME.txt").write_text(
        "Datos SINTÉTICOS de demostración generados por «atalaya demo». No son cifras oficiales.\n"
        "Los límites territoriales son aproximados y solo sirven para ilustrar.\n",
        encoding="utf-8",
    )
    (out / "brotes_inyectados.json").write_text(
        json.dumps(
            {m.name: [s.__dict__ | {"start": s.start.isoformat()} for s in m.spikes] for m in (neza, pena)},
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return files


def _import_demo_files(neza, pena, files: dict, say) -> list:
    """Register the municipalities and import their boundaries, incidents (with saved mappings), the SESNSP
    comparison and CEAD, through the same importer as any analyst's file."""
    outcomes = []
    for m in (neza, pena):
        register_municipality(
            m.code, m.name, country=m.country, region=m.region, populations=m.populations, is_synthetic=True
        )
        say(f"— {m.name} ({m.code})")
        for level, path in files["neza" if m is neza else "pena"]["boundaries"]:
            outcome = import_file(
                "boundaries",
                path,
                municipality_code=m.code,
                level=level,
                population_year=2020,
                origin="demo",
                reader_options={
                    "code_column": "codigo",
                    "name_column": "nombre",
                    "parent_column": "padre" if level != "municipio" else None,
                    "population_column": "poblacion",
                },
            )
            outcomes.append(outcome)
            say(f"  límites {level}: {outcome.message}")
    for name, definition, code in (
        ("demo-neza", NEZA_MAPPING, neza.code),
        ("demo-penalolen", PENALOLEN_MAPPING, pena.code),
        ("demo-fiscalia-neza", NEZA_PROSECUTORS_MAPPING, neza.code),
    ):
        ColumnMapping.objects.update_or_create(
            name=name,
            defaults={
                "definition": definition,
                "description": "Mapeo del observatorio de demostración.",
                "municipality": Municipality.objects.get(code=code),
            },
        )
    for m, path, mapping_name in (
        (neza, files["neza"]["incidents"], "demo-neza"),
        (neza, files["fiscalia"], "demo-fiscalia-neza"),
        (pena, files["pena"]["incidents"], "demo-penalolen"),
    ):
        outcome = import_file(
            "incidents", path, municipality_code=m.code, mapping_name=mapping_name, on_error="skip", origin="demo"
        )
        outcomes.append(outcome)
        say(f"  incidentes {m.name}: {outcome.message}")
    for code, name, population, _level in NEIGHBOURS:  # SESNSP counts only: a comparison, not an observatory
        register_municipality(
            code, name, country="MX", region="México", populations={2020: population}, is_synthetic=True
        )
    for fmt, label in (("sesnsp", "SESNSP"), ("cead", "CEAD")):
        outcome = import_file(fmt, files[fmt], origin="demo")
        outcomes.append(outcome)
        say(f"  {label}: {outcome.message}")
    return outcomes


def _demo_second_factor(user) -> str:
    """Administrators log in with a second factor: the demo's gets an authenticator whose key it prints (a new
    one each time the demo is loaded; any TOTP app, or ``oathtool --totp -b KEY``, gives the codes)."""
    import base64

    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="demostración", confirmed=True)
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


DEMO_PUBLISHED = ("homicidio-doloso", "robo-con-violencia", "robo-vehiculo", "violencia-familiar", "secuestro")


def _reconcile_demo_homicides():
    """The mesa de validación of the last twelve months, ready to review (not published: that is the analyst's)."""
    from atalaya.reconciliation.services import run_reconciliation

    first, last = trailing_window(CUTOFF)
    return run_reconciliation(
        Municipality.objects.get(code="15058"), "homicidios", ["policia-neza", "fiscalia-neza"], first, last
    )


def _review_past_alerts(code: str) -> dict:
    """Imports look back 8 weeks; the demo looks back two years once, so that the history and the statistics
    page have something to show."""
    from django.db import transaction

    from atalaya.alerts.services import run_detection

    with transaction.atomic():
        return run_detection(Municipality.objects.get(code=code), lookback={"week": 104, "month": 24}, notify=False)


def _close_reviewed_history(m: synthetic.SyntheticMunicipality, catalogue: str, analyst) -> dict:
    """An observatory that has worked for two years has closed its old alerts: those before the window each
    import reviews (8 weeks, 3 months) are closed, labelled by the synthetic truth — an alert of the family and
    weeks of an injected outbreak is a confirmed problem, any other a false alarm (the generator injects no
    other outbreaks). The inbox keeps the current ones: a list an analyst can work through."""
    from atalaya.alerts.models import Alert, Result, Status
    from atalaya.alerts.services import change_status
    from atalaya.taxonomy.services import harmonised_table

    table = harmonised_table().filter(pl.col("catalogue_source") == catalogue)
    family_of = dict(zip(table.get_column("category_label"), table.get_column("family_code"), strict=True))

    def family(category: str) -> str | None:  # CEAD labels are paths ending in the category the file names
        return next((f for label, f in family_of.items() if label == category or label.endswith(category)), None)

    outbreaks = [
        (family(spike.category), spike.start, spike.start + dt.timedelta(weeks=spike.weeks)) for spike in m.spikes
    ]
    windows = {"week": CUTOFF - dt.timedelta(weeks=8), "month": add_months(CUTOFF.replace(day=1), -2)}
    closed = {"confirmado": 0, "falsa_alarma": 0}
    old = Alert.objects.filter(municipality__code=m.code).exclude(status=Status.CLOSED).select_related("family")
    for alert in old:
        if alert.last_period >= windows[alert.freq]:
            continue
        end = alert.last_period + (dt.timedelta(weeks=1) if alert.freq == "week" else dt.timedelta(days=31))
        real = any(
            family == alert.family.code and start < end and alert.first_period < stop
            for family, start, stop in outbreaks
        )
        result = Result.CONFIRMED if real else Result.FALSE_ALARM
        comment = (
            "Revisión histórica de la demostración: coincide con un brote inyectado (brotes_inyectados.json)."
            if real
            else "Revisión histórica de la demostración: ningún brote inyectado en esa familia y periodo."
        )
        change_status(alert, analyst, Status.CLOSED, result=result, comment=comment)
        closed[result] += 1
    return {**closed, "abiertas": old.exclude(status=Status.CLOSED).count()}


def _publish_demo_indicators() -> None:
    """The demo municipalities publish a few indicators, so that the public portal has something to show; the
    suppressed public table is built now rather than on the first visit."""
    from atalaya.indicators.disclosure import refresh_public_values
    from atalaya.indicators.models import Indicator, Publication
    from atalaya.indicators.services import available_sources

    for municipality in Municipality.objects.filter(code__in=["15058", "13122"]):
        for indicator in Indicator.objects.filter(code__in=DEMO_PUBLISHED):
            Publication.objects.update_or_create(
                municipality=municipality, indicator=indicator, defaults={"is_public": True}
            )
        for info in available_sources(municipality):
            refresh_public_values(municipality, info.source)


def _write_municipality(m: synthetic.SyntheticMunicipality, folder: Path, rng, mapping_def: dict) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    boundaries = []
    outline_path = folder / "limite_municipal.geojson"
    _write_geojson(
        outline_path,
        [{"codigo": m.code, "nombre": m.name, "poblacion": m.populations.get(2020)}],
        [m.outline],
    )
    boundaries.append(("municipio", outline_path))
    for level in m.territories.get_column("level").unique(maintain_order=True).to_list():
        part = m.territories.filter(pl.col("level") == level)
        path = folder / f"{level.replace(' ', '_')}s.geojson"
        props = [
            {
                "codigo": r["code"],
                "nombre": r["name"],
                "padre": r["parent_code"],
                "poblacion": r["population"],
            }
            for r in part.select("code", "name", "parent_code", "population").iter_rows(named=True)
        ]
        _write_geojson(path, props, part.get_column("geometry").to_list())
        boundaries.append((level, path))
    data = police_file_frame(synthetic.degrade(m.incidents, rng), mapping_def)
    path = folder / "incidentes.csv"
    data.write_csv(path)
    return {"boundaries": boundaries, "incidents": path}


def police_file_frame(data: pl.DataFrame, mapping_def: dict) -> pl.DataFrame:
    """Synthetic incidents laid out as the police file that ``mapping_def`` describes (columns renamed and
    ordered; a category list is split back into its tipo / subtipo / modalidad columns)."""
    columns = mapping_def["columns"]
    renames = {field: columns[field] for field in ("record_id", "date", "time", "lat", "lon")}
    category = columns["category"]
    if isinstance(category, list):
        parts = data.get_column("category").str.split_exact(" / ", len(category) - 1)
        data = data.with_columns(parts.struct.rename_fields(category)).unnest("category")
        category_columns = category
    else:
        renames["category"] = category
        category_columns = [category]
    extra = [name for name in mapping_def.get("attributes", []) if name not in data.columns]
    data = data.rename(renames).with_columns(pl.lit(None, pl.String).alias(name) for name in extra)
    ordered = [
        renames["record_id"],
        renames["date"],
        renames["time"],
        *category_columns,
        renames["lat"],
        renames["lon"],
        *mapping_def.get("attributes", []),
    ]
    return data.select(ordered)


def _write_geojson(path: Path, properties: list[dict], geometries: list) -> None:
    features = [
        {"type": "Feature", "properties": p, "geometry": mapping(shapely.set_precision(g, 1e-6))}
        for p, g in zip(properties, geometries, strict=True)
    ]
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )


def _write_sesnsp(
    neza: synthetic.SyntheticMunicipality, path: Path, rng, start: dt.date, untreated: pl.DataFrame
) -> Path:
    """A municipal SESNSP "delitos" file: every CNSP/38/15 category for Neza, plus rows of other municipalities
    (the neighbours' counts follow Neza's incidents without its programme: the synthetic control's donors)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = next(c for c in crosswalk.catalogues() if c.version == "CNSP/38/15")
    labels = [row.match for row in crosswalk.crosswalk_rows(spec)]
    counts = synthetic.monthly_counts(neza.incidents, labels, dt.date(start.year, 1, 1), dt.date(CUTOFF.year, 12, 1))
    noise = rng.uniform(0.85, 1.05, counts.height)
    counts = counts.with_columns(
        (pl.col("count") * pl.Series(noise)).round().cast(pl.Int64).alias("count"),
        pl.col("month").dt.year().alias("year"),
        pl.col("month").dt.month().alias("m"),
    )
    header = (
        "Año,Clave_Ent,Entidad,Cve. Municipio,Municipio,Bien jurídico afectado,Tipo de delito,"
        "Subtipo de delito,Modalidad," + ",".join(MONTHS)
    )
    lines = [header]
    table = {(r["category"], r["year"], r["m"]): r["count"] for r in counts.iter_rows(named=True)}
    donor_counts = synthetic.monthly_counts(untreated, labels, dt.date(start.year, 1, 1), dt.date(CUTOFF.year, 12, 1))
    donor_table = {
        (r["category"], r["month"].year, r["month"].month): r["count"] for r in donor_counts.iter_rows(named=True)
    }
    neza_population = neza.populations[2020]
    others = [  # not registered: the importer counts them as rows of other municipalities
        ("15", "México", "15999", "Otros Municipios", None),
        ("2", "Baja California", "2004", "Tijuana", None),
    ]
    others += [
        ("15", "México", code, name, population / neza_population * level)
        for code, name, population, level in NEIGHBOURS
    ]
    for year in range(start.year, CUTOFF.year + 1):
        for label in labels:
            tipo, subtipo, modalidad = label.split(" / ")
            bien = BIEN_JURIDICO.get(tipo) or (SEXUAL if tipo in _SEXUAL_TYPES else OTHER)
            cells = []
            for month in range(1, 13):
                published = dt.date(year, month, 1) <= CUTOFF
                cells.append(str(table.get((label, year, month), 0)) if published else "")
            lines.append(
                ",".join(
                    [
                        str(year),
                        "15",
                        "México",
                        "15058",
                        "Nezahualcóyotl",
                        bien,
                        _q(tipo),
                        _q(subtipo),
                        _q(modalidad),
                        *cells,
                    ]
                )
            )
            for ent, ent_name, code, name, scale in others:
                cells = [
                    (
                        str(int(rng.poisson(3 if scale is None else donor_table.get((label, year, mo), 0) * scale)))
                        if dt.date(year, mo, 1) <= CUTOFF
                        else ""
                    )
                    for mo in range(1, 13)
                ]
                lines.append(
                    ",".join(
                        [
                            str(year),
                            ent,
                            ent_name,
                            code,
                            name,
                            bien,
                            _q(tipo),
                            _q(subtipo),
                            _q(modalidad),
                            *cells,
                        ]
                    )
                )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


_SEXUAL_TYPES = {
    "Abuso sexual",
    "Acoso sexual",
    "Hostigamiento sexual",
    "Violación simple",
    "Violación equiparada",
    "Incesto",
    "Otros delitos que atentan contra la libertad y la seguridad sexual",
}


def _q(text: str) -> str:
    return f'"{text}"' if "," in text else text


def _write_cead(pena: synthetic.SyntheticMunicipality, path: Path, rng, start: dt.date) -> Path:
    """CEAD tidy table for Peñalolén; months after the cut-off show 0, as CEAD does for months not loaded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = next(c for c in crosswalk.catalogues() if c.source == "cead" and c.version == "2025")
    # Leaf labels only: a group or family published next to its own subgroups would count their cases twice.
    labels = [row.match for row in crosswalk.crosswalk_rows(spec) if not row.notes.startswith("Nivel de")]
    counts = synthetic.monthly_counts(pena.incidents, labels, dt.date(start.year, 1, 1), dt.date(CUTOFF.year, 12, 1))
    noise = rng.uniform(0.9, 1.1, counts.height)
    counts = counts.with_columns(
        pl.when(pl.col("month") <= CUTOFF)
        .then((pl.col("count") * pl.Series(noise)).round())
        .otherwise(0)
        .cast(pl.Int64)
        .alias("delito_n"),
    )
    counts.select(
        pl.lit("Peñalolén").alias("comuna"),
        pl.lit("13122").alias("cut_comuna"),
        pl.lit("Metropolitana de Santiago").alias("region"),
        pl.lit("13").alias("cut_region"),
        pl.col("month").cast(pl.String).alias("fecha"),
        pl.col("category").alias("delito"),
        "delito_n",
    ).sort(["fecha", "delito"]).write_csv(path)
    return path
