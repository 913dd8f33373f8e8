"""``atalaya init | demo | import | export | datasets | mapping | quality``: the database (empty or with the demo
observatory), files in and counts out, versions and rollback, column mappings, data quality.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from .base import EXIT_OK, EXIT_REJECTED, parse_date, print_problems, usage_error


def add_parser(sub) -> None:
    _add_init(sub)
    _add_demo(sub)
    _add_import(sub)
    _add_export(sub)
    _add_datasets(sub)
    _add_mapping(sub)
    _add_quality(sub)


def _add_init(sub) -> None:
    p = sub.add_parser("init", help="crea o migra la base de datos y carga la taxonomía incluida (idempotente)")
    p.set_defaults(func=cmd_init)


def _add_demo(sub) -> None:
    p = sub.add_parser("demo", help="genera y carga el observatorio de demostración (datos sintéticos)")
    p.add_argument("--years", type=int, default=5, help="años de incidentes (predeterminado: 5)")
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument("--scale", type=float, default=1.0, help="multiplica el volumen de incidentes")
    p.add_argument("--output", type=Path, default=None, help="carpeta para los archivos generados")
    p.set_defaults(func=cmd_demo)


def _add_import(sub) -> None:
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


def _add_export(sub) -> None:
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


def _add_datasets(sub) -> None:
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


def _add_mapping(sub) -> None:
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


def _add_quality(sub) -> None:
    p = sub.add_parser("quality", help="resumen de calidad de datos por municipio")
    p.add_argument("--municipality", metavar="CÓDIGO")
    p.add_argument(
        "--outside",
        type=Path,
        metavar="ARCHIVO",
        help="con --municipality: escribe en un CSV los incidentes cuyo punto cae fuera del municipio",
    )
    p.set_defaults(func=cmd_quality)


def cmd_init(args) -> int:
    from django.core.management import call_command

    from atalaya.web.bootstrap import ensure_data_dirs, load_builtin_catalogues

    ensure_data_dirs()
    call_command("migrate", interactive=False, verbosity=0)
    created = load_builtin_catalogues()
    print("Base de datos lista. Catálogos incluidos: " + ", ".join(f"{k}: +{v}" for k, v in created.items()))
    return EXIT_OK


def cmd_demo(args) -> int:
    from .demo import load_demo

    cmd_init(args)
    load_demo(years=args.years, seed=args.seed, scale=args.scale, output=args.output, verbose=True)
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
    print_problems(outcome.problems)
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
