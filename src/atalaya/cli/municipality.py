"""``atalaya municipality …`` and ``atalaya createuser``: the observatory's municipalities, their populations,
and its users.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .base import EXIT_OK, EXIT_REJECTED, usage_error


def add_parser(sub) -> None:
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

    p = sub.add_parser("createuser", help="crea un usuario con un rol en un municipio")
    p.add_argument("username")
    p.add_argument("--password", required=True)
    p.add_argument("--municipality", metavar="CÓDIGO", action="append", default=[])
    p.add_argument("--role", choices=["admin", "analyst", "director", "viewer"], default="viewer")
    p.add_argument("--superuser", action="store_true")
    p.set_defaults(func=cmd_createuser)


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
