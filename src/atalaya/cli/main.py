"""The ``atalaya`` command: the parser, and the data commands (init, import, export, datasets, mapping,
municipality, portal, quality, detect, demo, bench, createuser). Other groups live in their own modules; exit
codes and shared helpers in :mod:`atalaya.cli.base`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import alerts, keys, reconcile, server, spatial
from .base import EXIT_OK, EXIT_REJECTED, parse_date, setup_django, usage_error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atalaya",
        description="Atalaya: plataforma abierta para observatorios municipales del delito y la violencia.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMANDO")

    p = sub.add_parser("init", help="crea o migra la base de datos y carga la taxonomía incluida (idempotente)")
    p.set_defaults(func=cmd_init)

    from atalaya.hooks import READERS

    p = sub.add_parser(
        "import",
        help="importa un archivo de datos",
        description="Importa un archivo. Formatos: "
        + "; ".join(f"{name}: {spec.description}" for name, spec in sorted(READERS.items())),
    )
    p.add_argument("format", metavar="FORMATO", help="formato del archivo: " + ", ".join(sorted(READERS)))
    p.add_argument("file", metavar="ARCHIVO", type=Path)
    p.add_argument("--municipality", metavar="CÓDIGO", help="código oficial del municipio (CVEGEO o CUT)")
    p.add_argument("--mapping", metavar="NOMBRE", help="mapeo de columnas guardado (formato incidents)")
    p.add_argument(
        "--on-error",
        choices=["reject", "skip"],
        default="reject",
        help="reject: cualquier fila inválida rechaza el archivo (predeterminado); "
        "skip: importa las filas válidas y lista las demás",
    )
    p.add_argument("--dry-run", action="store_true", help="valida y muestra el informe sin escribir nada")
    p.add_argument(
        "--replace",
        action="store_true",
        help="quita los valores guardados de los periodos que cubre el archivo y que el archivo no trae "
        "(sin esta opción se conservan; las versiones anteriores siempre se guardan)",
    )
    p.add_argument("--catalogue", metavar="VERSIÓN", help="versión del catálogo de la fuente (p. ej. RNID, 2024)")
    p.add_argument("--cutoff", metavar="AAAA-MM-DD", type=parse_date, help="fecha de corte de los datos (CEAD)")
    p.add_argument("--level", metavar="NIVEL", help="boundaries: nivel territorial (zona, sector, municipio...)")
    p.add_argument(
        "--code-column",
        metavar="COL",
        help="boundaries: columna del código (varias separadas por comas si solo juntas son únicas: sector,cuadrante)",
    )
    p.add_argument("--layer", metavar="CAPA", help="boundaries: capa de un GeoPackage con varias capas")
    p.add_argument(
        "--municipality-column",
        metavar="COL",
        help="boundaries: columna con el código del municipio de cada objeto (archivos de varios municipios)",
    )
    p.add_argument("--name-column", metavar="COL", help="boundaries: columna del nombre")
    p.add_argument("--parent-column", metavar="COL", help="boundaries: columna del código del territorio padre")
    p.add_argument("--population-column", metavar="COL", help="boundaries: columna de población")
    p.add_argument("--population-year", metavar="AÑO", type=int, help="boundaries: año de la población")
    p.add_argument("--json", action="store_true", help="imprime el resultado como JSON")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="exporta datos del cubo analítico")
    export_sub = p.add_subparsers(dest="what", required=True, metavar="QUÉ")
    e = export_sub.add_parser("counts", help="conteos por periodo y categoría (CSV)")
    e.add_argument("--municipality", metavar="CÓDIGO")
    e.add_argument("--by", choices=["day", "week", "month"], default="month")
    e.add_argument("--level", choices=["source", "iccs", "family"], default="source")
    e.add_argument(
        "--territories",
        metavar="NIVEL",
        default=None,
        help="desagrega por territorio: «hoja» (los territorios menores) o un nivel (p. ej. sector)",
    )
    e.add_argument("--source", metavar="FUENTE", help="solo una fuente (sesnsp, cead, cdmx-fgj...)")
    e.add_argument(
        "--measure",
        choices=["delitos", "victimas", "casos"],
        action="append",
        default=None,
        help="conteos publicados: delitos (SESNSP), victimas (SESNSP) o casos (CEAD); predeterminado: delitos y casos",
    )
    e.add_argument("--output", metavar="ARCHIVO", type=Path, help="archivo CSV (predeterminado: salida estándar)")
    e.set_defaults(func=cmd_export_counts)

    p = sub.add_parser("datasets", help="versiones importadas de cada fuente: historial y reversión")
    datasets_sub = p.add_subparsers(dest="action", required=True, metavar="ACCIÓN")
    d = datasets_sub.add_parser("history", help="lista las versiones de una fuente, de la más nueva a la más antigua")
    d.add_argument("--source", metavar="FUENTE", help="sesnsp, cead, cdmx-fgj...")
    d.add_argument("--municipality", metavar="CÓDIGO")
    d.add_argument("--json", action="store_true", help="imprime el historial como JSON")
    d.set_defaults(func=cmd_datasets_history)
    d = datasets_sub.add_parser(
        "rollback",
        help="revierte una versión (la más nueva de su fuente): restaura exactamente el estado anterior",
    )
    d.add_argument("dataset", metavar="CONJUNTO", type=int, help="número del conjunto (ver «datasets history»)")
    d.set_defaults(func=cmd_datasets_rollback)

    p = sub.add_parser("mapping", help="mapeos de columnas para el formato incidents")
    mapping_sub = p.add_subparsers(dest="action", required=True, metavar="ACCIÓN")
    m = mapping_sub.add_parser("save", help="guarda (o reemplaza) un mapeo desde un archivo JSON")
    m.add_argument("name", metavar="NOMBRE")
    m.add_argument("file", metavar="ARCHIVO_JSON", type=Path)
    m.add_argument("--description", default="")
    m.add_argument(
        "--municipality",
        metavar="CÓDIGO",
        help="municipio dueño del mapeo (sin él, el mapeo se comparte con todos los municipios)",
    )
    m.set_defaults(func=cmd_mapping_save)
    m = mapping_sub.add_parser("list", help="lista los mapeos guardados")
    m.set_defaults(func=cmd_mapping_list)

    p = sub.add_parser("municipality", help="municipios del observatorio")
    mun_sub = p.add_subparsers(dest="action", required=True, metavar="ACCIÓN")
    m = mun_sub.add_parser(
        "add",
        help="registra (o actualiza) municipios por su código oficial, o todos los de un estado o región",
        description="Con solo el código, el nombre, el estado o región y el país salen de los catálogos oficiales "
        "(INEGI, SUBDERE). --state 11 registra los 46 municipios de Guanajuato; --region 13 las 52 comunas de la "
        "Región Metropolitana.",
    )
    m.add_argument("code", metavar="CÓDIGO", nargs="?", help="CVEGEO (México, 5 dígitos) o CUT (Chile)")
    m.add_argument("name", metavar="NOMBRE", nargs="?", help="solo para un código que no está en el catálogo")
    m.add_argument("--country", choices=["MX", "CL"])
    m.add_argument("--state", metavar="CLAVE", help="clave INEGI de la entidad: registra todos sus municipios")
    m.add_argument(
        "--region",
        default="",
        help="clave de región de Chile (registra todas sus comunas) o, con un código fuera del catálogo, el "
        "nombre de su estado o región",
    )
    m.add_argument(
        "--population",
        metavar="AÑO:HABITANTES",
        action="append",
        default=[],
        help="población de un año; se puede repetir",
    )
    m.set_defaults(func=cmd_municipality_add)
    m = mun_sub.add_parser(
        "populations",
        help="carga la población por año de los municipios registrados desde una proyección oficial",
        description="Lee el archivo que publica CONAPO (base_municipios_final_datos_01.csv…: CLAVE, AÑO, POB por "
        "sexo y edad), el de INE (estimaciones y proyecciones 2002-2035 por comuna: Comuna, Poblacion 2002…) o una "
        "tabla codigo, año, poblacion, y suma los grupos de sexo y edad. Todo o nada: una fila inválida de un "
        "municipio registrado o un municipio truncado rechaza el archivo.",
    )
    m.add_argument("file", metavar="ARCHIVO", type=Path)
    m.add_argument("--country", choices=["MX", "CL"], help="solo para una tabla propia (CONAPO e INE lo dicen)")
    m.add_argument("--dry-run", action="store_true", help="muestra lo que cambiaría sin guardar nada")
    m.set_defaults(func=cmd_municipality_populations)
    m = mun_sub.add_parser("list", help="lista los municipios")
    m.set_defaults(func=cmd_municipality_list)

    p = sub.add_parser("portal", help="portal público: auditoría de confidencialidad de lo que publica")
    portal_sub = p.add_subparsers(dest="action", required=True, metavar="ACCIÓN")
    m = portal_sub.add_parser(
        "audit",
        help="comprueba por programación lineal que ningún valor suprimido pueda deducirse de lo publicado",
        description="Para cada celda pequeña suprimida de la tabla que el portal sirve, minimiza y maximiza su valor "
        "sujeto a todo lo que el portal publica (meses, trimestres, años y 12 meses del municipio; años y 12 meses "
        "de cada territorio; indicadores contenidos en otros); el intervalo debe cubrir 0 a 5. "
        "Sale con 1 si alguna celda queda expuesta.",
    )
    m.add_argument("--municipality", metavar="CÓDIGO")
    m.add_argument(
        "--primary-only",
        action="store_true",
        help="audita la supresión primaria sola (la regla anterior), para ver qué revelaba",
    )
    m.set_defaults(func=cmd_portal_audit)

    p = sub.add_parser("quality", help="resumen de calidad de datos por municipio")
    p.add_argument("--municipality", metavar="CÓDIGO")
    p.add_argument(
        "--outside",
        type=Path,
        metavar="ARCHIVO",
        help="con --municipality: escribe en un CSV los incidentes cuyo punto cae fuera del municipio",
    )
    p.set_defaults(func=cmd_quality)

    p = sub.add_parser("detect", help="detecta alzas en series de conteos (CSV date,count o series,date,count)")
    p.add_argument("file", metavar="ARCHIVO", type=Path)
    p.add_argument(
        "--method",
        required=True,
        metavar="MÉTODO",
        help="ears-c1, ears-c2, ears-c3, farrington, farrington-noufaily, cusum o semaforo",
    )
    p.add_argument("--alpha", type=float, default=None, help="nivel unilateral (EARS, Farrington)")
    p.add_argument("--baseline", type=int, default=None, help="EARS: periodos de referencia (7)")
    p.add_argument("--min-sigma", type=float, default=None, help="EARS: piso de la desviación estándar")
    p.add_argument("--years", type=int, default=None, help="Farrington: años de historia b (5)")
    p.add_argument("--window", type=int, default=None, help="Farrington: media ventana w (3)")
    p.add_argument("--shift", type=float, default=None, help="CUSUM: aumento a detectar, razón de medias (2)")
    p.add_argument("--h", type=float, default=None, help="CUSUM: límite de decisión (5)")
    p.add_argument("--freq", choices=["week", "month"], default="week")
    p.add_argument(
        "--r-compat", action="store_true", help="reproduce los resultados de R surveillance (C3, Farrington)"
    )
    p.add_argument("--output", type=Path, default=None, metavar="ARCHIVO")
    p.set_defaults(func=cmd_detect)

    for group in (alerts, spatial, reconcile, server, keys):  # one module per command group
        group.add_parser(sub)

    p = sub.add_parser("demo", help="genera y carga el observatorio de demostración (datos sintéticos)")
    p.add_argument("--years", type=int, default=5, help="años de incidentes (predeterminado: 5)")
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument("--scale", type=float, default=1.0, help="multiplica el volumen de incidentes")
    p.add_argument("--output", type=Path, default=None, help="carpeta para los archivos generados")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("bench", help="mide cada etapa de la importación con N incidentes sintéticos (JSON)")
    p.add_argument("--size", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--keep", action="store_true", help="conserva la base de datos temporal")
    p.add_argument(
        "--database-url", default=None, help="base de datos vacía para medir (predeterminado: SQLite temporal)"
    )
    p.add_argument(
        "--dashboard-requests",
        type=int,
        default=40,
        help="peticiones al tablero tras la importación para medir p50/p95 (0: no medir)",
    )
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("createuser", help="crea un usuario con un rol en un municipio")
    p.add_argument("username")
    p.add_argument("--password", required=True)
    p.add_argument("--municipality", metavar="CÓDIGO", action="append", default=[])
    p.add_argument("--role", choices=["admin", "analyst", "director", "viewer"], default="viewer")
    p.add_argument("--superuser", action="store_true")
    p.set_defaults(func=cmd_createuser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.func is not cmd_bench:
        setup_django(debug=getattr(args, "debug", False))
    try:
        return args.func(args) or EXIT_OK
    except KeyboardInterrupt:
        return 130


def cmd_init(args) -> int:
    from django.core.management import call_command

    from atalaya.web.bootstrap import ensure_data_dirs, load_builtin_catalogues

    ensure_data_dirs()
    call_command("migrate", interactive=False, verbosity=0)
    created = load_builtin_catalogues()
    print("Base de datos lista. Catálogos incluidos: " + ", ".join(f"{k}: +{v}" for k, v in created.items()))
    return EXIT_OK


def cmd_import(args) -> int:
    from atalaya.datasets.importing import UsageError, import_file

    options = {
        k: getattr(args, k)
        for k in ("code_column", "name_column", "parent_column", "population_column", "municipality_column", "layer")
        if getattr(args, k)
    }
    try:
        outcome = import_file(
            args.format,
            args.file,
            municipality_code=args.municipality,
            mapping_name=args.mapping,
            on_error=args.on_error,
            dry_run=args.dry_run,
            catalogue_version=args.catalogue,
            cutoff=args.cutoff,
            reader_options=options,
            level=args.level,
            population_year=args.population_year,
            origin="cli",
            replace=args.replace,
        )
    except UsageError as exc:
        return usage_error(str(exc))
    if args.json:
        print(json.dumps(outcome.as_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        _print_outcome(outcome)
    return outcome.exit_code


def _print_outcome(outcome) -> None:
    from atalaya.datasets.choices import OutcomeStatus

    print(outcome.message)
    if outcome.status == OutcomeStatus.UNCHANGED:
        return
    print(
        f"  filas leídas: {outcome.rows_read} · aceptadas: {outcome.rows_accepted} · "
        f"rechazadas: {outcome.rows_rejected} · de otros municipios: {outcome.rows_out_of_scope} · "
        f"avisos: {outcome.warnings}"
    )
    if outcome.rows_changed or outcome.rows_unchanged:
        print(
            f"  nuevas: {outcome.rows_new} · modificadas: {outcome.rows_changed} · sin cambio: {outcome.rows_unchanged}"
        )
    coverage = outcome.summary.get("cobertura")
    if coverage:
        print(
            f"  catálogo {outcome.summary.get('catalogo')}: {coverage['mapeadas']} de {coverage['etiquetas']} "
            f"categorías con correspondencia ({coverage['descubiertas']} nuevas) · casos sin mapeo: "
            f"{coverage['porcentaje_sin_mapeo']} %"
        )
    _print_changes(outcome.summary.get("cambios"))
    shown = outcome.problems.head(20)
    for row in shown.iter_rows(named=True):
        where = f"fila {row['row']}" if row["row"] is not None else "archivo"
        print(
            f"  [{row['severity']}] {where}, columna «{row['column'] or '—'}», valor «{row['value'] or ''}»: "
            f"{row['reason']}"
        )
    if outcome.problems.height > shown.height:
        print(f"  … y {outcome.problems.height - shown.height} problema(s) más.")
    if outcome.report_path:
        print(f"  informe completo: {outcome.report_path}")


def _print_changes(changes: dict | None) -> None:
    """The per-period table of what a version adds, changes and leaves absent (dry run and import)."""
    if not changes or not changes.get("por_periodo"):
        return
    rows = changes["por_periodo"]
    print("  cambios por periodo (celdas mes × categoría; total antes → después):")
    for row in rows[:24]:
        period = next((v for k, v in row.items() if k in ("period_start", "month")), "")
        print(
            f"    {str(period)[:7]}: +{row['nuevo']} nuevas, {row['modificado']} modificadas, "
            f"{row['igual']} iguales, {row['ausente']} ausentes · {row['total_anterior'] or 0} → {row['total_nuevo']}"
        )
    if len(rows) > 24:
        print(f"    … y {len(rows) - 24} periodo(s) más (informe completo en el conjunto).")


def cmd_export_counts(args) -> int:
    from atalaya.analysis.tabular import export_csv
    from atalaya.cube.exporting import DEFAULT_MEASURES, ExportError, export_counts

    try:
        frame = export_counts(
            municipality_code=args.municipality,
            by=args.by,
            level=args.level,
            territories=args.territories,
            source=args.source,
            measures=tuple(args.measure) if args.measure else DEFAULT_MEASURES,
        )
    except ExportError as exc:
        return usage_error(str(exc))
    if args.output:
        problem = _unwritable(args.output)
        if problem:
            return usage_error(problem)
        export_csv(frame, args.output)
        print(f"{frame.height} filas escritas en {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(export_csv(frame))
    return EXIT_OK


def _unwritable(path: Path) -> str | None:
    """Why an output file cannot be written (a clear sentence), or None."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        return f"no existe la carpeta «{folder}»: créela antes de exportar o elija otra ruta"
    if not folder.is_dir():
        return f"«{folder}» no es una carpeta"
    if path.is_dir():
        return f"«{path}» es una carpeta: indique el nombre del archivo"
    if not os.access(folder, os.W_OK):
        return f"no se puede escribir en la carpeta «{folder}»"
    return None


def cmd_datasets_history(args) -> int:
    from atalaya.datasets.versions import history
    from atalaya.geo.models import Municipality

    municipality = None
    if args.municipality:
        municipality = Municipality.objects.filter(code=args.municipality).first()
        if municipality is None:
            return usage_error(f"El municipio «{args.municipality}» no está registrado.")
    rows = []
    for dataset in history(args.source, municipality):
        values = (dataset.changes or {}).get("valores", {})
        rows.append(
            {
                "conjunto": dataset.pk,
                "estado": dataset.status,
                "fuente": dataset.source,
                "archivo": dataset.file_name,
                "importado": dataset.created_at.isoformat(timespec="minutes"),
                "municipios": [m.code for m in dataset.municipalities.all()],
                "desde": dataset.period_start,
                "hasta": dataset.period_end,
                "corte": dataset.cutoff,
                "nuevos": values.get("nuevo", 0),
                "modificados": values.get("modificado", 0),
                "iguales": values.get("igual", 0),
                "ausentes": (dataset.changes or {}).get("ausentes", 0),
                "reemplazo": dataset.replaced,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return EXIT_OK
    if not rows:
        print("No hay versiones importadas con esos criterios.")
        return EXIT_OK
    print("conjunto\testado\tfuente\tperiodo\tcorte\tnuevos\tmodificados\tiguales\tausentes\tarchivo")
    for r in rows:
        absent = f"{r['ausentes']}{' (quitados)' if r['reemplazo'] else ''}"
        print(
            f"{r['conjunto']}\t{r['estado']}\t{r['fuente']}\t{r['desde']}…{r['hasta']}\t{r['corte']}\t"
            f"{r['nuevos']}\t{r['modificados']}\t{r['iguales']}\t{absent}\t{r['archivo']}"
        )
    return EXIT_OK


def cmd_datasets_rollback(args) -> int:
    from atalaya.datasets.models import Dataset
    from atalaya.datasets.versions import VersionError, rollback

    dataset = Dataset.objects.filter(pk=args.dataset).first()
    if dataset is None:
        return usage_error(f"No existe el conjunto {args.dataset}.")
    try:
        result = rollback(dataset, origin="cli")
    except VersionError as exc:
        print(f"No se puede revertir: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    print(result["mensaje"])
    return EXIT_OK


def cmd_mapping_save(args) -> int:
    from atalaya.analysis.readers.incidents import validate_mapping
    from atalaya.core.changelog import log_change
    from atalaya.datasets.models import ColumnMapping
    from atalaya.geo.models import Municipality

    try:
        definition = json.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return usage_error(f"no se pudo leer el mapeo «{args.file}»: {exc}")
    errors = validate_mapping(definition)
    if errors:
        return usage_error(" ".join(errors))
    municipality = None
    if args.municipality:
        municipality = Municipality.objects.filter(code=args.municipality).first()
        if municipality is None:
            return usage_error(f"El municipio «{args.municipality}» no está registrado.")
    mapping, created = ColumnMapping.objects.update_or_create(
        name=args.name,
        defaults={"definition": definition, "description": args.description, "municipality": municipality},
    )
    log_change(
        user=None,
        action="crear" if created else "guardar",
        obj=mapping,
        municipality=municipality,
        origin="cli",
        message=f"Mapeo de columnas «{mapping.name}»: {definition}",
    )
    owner = municipality.name if municipality else "compartido con todos los municipios"
    print(f"Mapeo «{args.name}» guardado ({owner}).")
    return EXIT_OK


def cmd_mapping_list(args) -> int:
    from atalaya.datasets.models import ColumnMapping

    for mapping in ColumnMapping.objects.select_related("municipality"):
        owner = mapping.municipality.code if mapping.municipality else "compartido"
        print(f"{mapping.name}\t{owner}\t{json.dumps(mapping.definition, ensure_ascii=False)}")
    return EXIT_OK


def cmd_municipality_add(args) -> int:
    from atalaya.geo.services import UnknownMunicipality, register_official, register_region

    populations = {}
    for item in args.population:
        try:
            year, value = item.split(":")
            populations[int(year)] = int(value)
        except ValueError:
            return usage_error(f"población inválida «{item}»: use AÑO:HABITANTES, p. ej. 2020:1077208")
    bulk = args.state or (args.region if args.region.strip().isdigit() and not args.code else None)
    try:
        if bulk:
            if args.code or populations:
                return usage_error("--state y --region registran una entidad entera: no se combinan con un código.")
            registered = register_region("MX" if args.state else "CL", bulk)
            print(f"{len(registered)} municipio(s) registrados: {registered[0].region}.")
            return EXIT_OK
        if not args.code:
            return usage_error("Indique un código (CVEGEO o CUT), --state CLAVE o --region CLAVE.")
        municipality, notes = register_official(
            args.code, name=args.name, country=args.country, region=args.region, populations=populations
        )
    except UnknownMunicipality as exc:
        return usage_error(str(exc))
    for note in notes:
        print(f"  aviso: {note}")
    print(f"Municipio registrado: {municipality} — {municipality.region}")
    return EXIT_OK


def cmd_municipality_populations(args) -> int:
    from atalaya.analysis.problems import FileRejected
    from atalaya.geo.services import PopulationFileRejected, load_populations

    if not args.file.exists():
        return usage_error(f"No existe el archivo «{args.file}».")
    try:
        load = load_populations(args.file, country=args.country, dry_run=args.dry_run)
    except (FileRejected, PopulationFileRejected) as exc:
        print(f"Rechazado: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    verb = "Se guardarían" if args.dry_run else "Guardadas"
    print(f"{load.source}: {len(load.municipalities)} municipio(s), años {load.years[0]}–{load.years[1]}.")
    print(f"  {verb}: {load.added} nuevas, {load.changed} cambiadas, {load.unchanged} iguales.")
    if load.missing:
        print(
            f"  aviso: {len(load.missing)} municipio(s) registrados no están en el archivo: {', '.join(load.missing)}"
        )
    if load.not_registered:
        print(f"  {load.not_registered} municipio(s) del archivo no están registrados y no se cargan.")
    if load.problems_elsewhere:
        print(f"  aviso: {load.problems_elsewhere} fila(s) inválidas de municipios no registrados (no se usan).")
    return EXIT_OK


def cmd_municipality_list(args) -> int:
    from atalaya.geo.models import Municipality

    for m in Municipality.objects.select_related("country"):
        print(f"{m.code}\t{m.name}\t{m.country.code}\t{m.territories.count()} territorios")
    return EXIT_OK


def cmd_portal_audit(args) -> int:
    import time

    from atalaya.indicators.disclosure import audit_portal

    started = time.perf_counter()
    results = audit_portal(primary_only=args.primary_only, municipality_code=args.municipality)
    exposed = 0
    for r in results:
        exposed += len(r.leaks)
        state = f"{len(r.leaks)} EXPUESTA(S)" if r.leaks else "protegido"
        print(
            f"{r.municipality} [{r.source}]: {r.indicators} indicador(es), {r.cells} celdas publicadas, "
            f"{r.primary} pequeñas, {r.suppressed} reservadas — {state}"
        )
        for cell, (low, high) in list(r.leaks.items())[:5]:
            print(f"    {r.described.get(cell, cell)}: se deduce entre {low:g} y {high:g}")
    seconds = time.perf_counter() - started
    print(f"{len(results)} municipio(s) × fuente auditados en {seconds:.1f} s; celdas expuestas: {exposed}.")
    return EXIT_REJECTED if exposed else EXIT_OK


def cmd_quality(args) -> int:
    from atalaya.analysis.tabular import export_csv
    from atalaya.datasets.quality import quality_summary
    from atalaya.geo.models import Municipality

    municipalities = Municipality.objects.all()
    if args.municipality:
        municipalities = municipalities.filter(code=args.municipality)
        if not municipalities:
            return usage_error(f"El municipio «{args.municipality}» no está registrado.")
    if args.outside:
        from atalaya.datasets.quality import outside_incidents

        if not args.municipality:
            return usage_error("--outside necesita --municipality.")
        if not args.outside.parent.exists():
            return usage_error(f"La carpeta «{args.outside.parent}» no existe.")
        frame = outside_incidents(municipalities[0])
        export_csv(frame, args.outside)
        print(f"{frame.height} incidente(s) fuera del municipio escritos en {args.outside}")
        return EXIT_OK
    for municipality in municipalities:
        print(json.dumps(quality_summary(municipality), ensure_ascii=False, indent=2, default=str))
    return EXIT_OK


def cmd_detect(args) -> int:
    """Run a detector on a count-series file; exit 1 with a clear message for bad input."""
    import numpy as np
    import polars as pl

    from atalaya.analysis.alerts import METHODS, SeriesError, check_methods, detect, read_count_series
    from atalaya.analysis.problems import FileRejected
    from atalaya.analysis.tabular import export_csv, read_table

    try:
        check_methods(args.method)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_REJECTED
    params = {
        "alpha": args.alpha,
        "baseline": args.baseline,
        "min_sigma": args.min_sigma,
        "b": args.years,
        "w": args.window,
        "shift": args.shift,
        "h": args.h,
        "r_compat": args.r_compat or None,
    }
    if args.r_compat and "r_compat" not in METHODS[args.method][1]:
        params["r_compat"] = None  # nothing to reproduce: the method has no R quirk
    try:
        frame, _facts = read_table(args.file)
        ids, dates, matrix = read_count_series(frame, args.freq)
    except (FileRejected, SeriesError) as exc:
        print(f"Archivo rechazado: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return EXIT_REJECTED
    try:
        result = detect(args.method, matrix, dates=dates, freq=args.freq, **params)
    except ValueError as exc:
        print(f"No se puede aplicar {args.method}: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    series_index, time_index = np.nonzero(result.evaluated & ~np.isnan(matrix))
    nullable = lambda a: [None if np.isnan(v) else float(v) for v in a[series_index, time_index]]  # noqa: E731
    out = pl.DataFrame(
        {
            "series": [ids[i] for i in series_index],
            "date": [dates[j] for j in time_index],
            "count": matrix[series_index, time_index].astype(int),
            "expected": nullable(result.expected),
            "upperbound": nullable(result.upperbound),
            "score": nullable(result.score),
            "alarm": result.alarm[series_index, time_index],
            "pvalue": nullable(result.pvalue),
        },
        schema_overrides={
            "date": pl.Date,
            "expected": pl.Float64,
            "upperbound": pl.Float64,
            "score": pl.Float64,
            "pvalue": pl.Float64,
        },
    )
    if out.is_empty():
        print(
            "Ningún periodo tiene historia suficiente para este método; la serie es demasiado corta.", file=sys.stderr
        )
        return EXIT_REJECTED
    if args.output:
        export_csv(out, args.output)
        print(f"{out.height} filas, {int(out['alarm'].sum())} alarmas → {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(export_csv(out))
    return EXIT_OK


def cmd_demo(args) -> int:
    from atalaya.cli.demo import load_demo

    cmd_init(args)
    load_demo(years=args.years, seed=args.seed, scale=args.scale, output=args.output, verbose=True)
    return EXIT_OK


def cmd_bench(args) -> int:
    from .bench import run_benchmark

    result = run_benchmark(
        size=args.size,
        seed=args.seed,
        keep=args.keep,
        database_url=args.database_url,
        dashboard_requests=args.dashboard_requests,
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_createuser(args) -> int:
    from atalaya.accounts.services import create_user

    try:
        user = create_user(
            args.username,
            args.password,
            municipality_codes=args.municipality,
            role=args.role,
            superuser=args.superuser,
        )
    except ValueError as exc:
        return usage_error(str(exc))
    print(f"Usuario «{user.username}» listo.")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
