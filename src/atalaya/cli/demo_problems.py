"""The demo's community problems: for each municipality the starter catalogue, a proximity coordinator, about
forty problems over the last six months from every source (neighbours, proximity police, mesas, an alert, an
Open311 app) taken through every state — confirmed, in analysis, planned, in execution, assessed, closed with each
outcome — with public and internal notes, duplicates merged and a private one, so that the public pages and the
staff pages show something real-looking. Everything is synthetic, like the rest of the demo."""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.utils import timezone

from atalaya.alerts.models import Alert
from atalaya.geo.models import Municipality, Territory
from atalaya.proximity import accountability, mesas, sara, services
from atalaya.proximity.choices import ActionStatus, Outcome, Source, Status
from atalaya.proximity.models import ProblemCategory, ProximityOfficer, ResponseAction
from atalaya.proximity.open311 import new_api_key

#: (title, category code, what happens) of the demo's problems; each municipality draws from them.
STORIES = [
    ("Pasaje sin luz entre dos villas", "luminaria", "Hace tres semanas que el pasaje está oscuro; hubo dos asaltos."),
    ("Sitio eriazo con basura y consumo", "sitio-eriazo", "Se llenó de basura; de noche se junta gente."),
    ("Riñas a la salida de la escuela", "entorno-escolar", "Peleas entre estudiantes casi todos los viernes."),
    ("Consumo de alcohol en la plaza", "consumo-via-publica", "Grupos toman en la plaza hasta la madrugada."),
    ("Robos en el paradero de micros", "robos-repetidos", "Robos de celulares en el paradero de 7 a 8 de la mañana."),
    ("Fiestas con música hasta tarde", "ruidos", "Todos los fines de semana, hasta las 5 de la mañana."),
    ("Auto abandonado usado para esconder cosas", "vehiculos-abandonados", "Lleva dos meses sin moverse."),
    ("Acoso a estudiantes en la esquina", "acoso-calle", "Hombres molestan a las estudiantes al pasar."),
    ("Peleas frecuentes frente al bar", "rinas", "Los sábados en la noche hay peleas a la salida del bar."),
    ("Luminarias apagadas en la avenida", "luminaria", "Cuatro postes seguidos sin luz."),
]
#: The path each problem takes, by its number: the last state, and the outcome when it closes.
PATHS = [
    (Status.REPORTED, ""),
    (Status.CONFIRMED, ""),
    (Status.ANALYSIS, ""),
    (Status.PLANNED, ""),
    (Status.IN_PROGRESS, ""),
    (Status.ASSESSED, ""),
    (Status.CLOSED, Outcome.SOLVED),
    (Status.CLOSED, Outcome.REDUCED),
    (Status.CLOSED, Outcome.NOT_OURS),
]
PUBLIC_NOTES = {
    Status.CONFIRMED: "La ronda de proximidad confirmó el problema.",
    Status.ANALYSIS: "Se revisan los hechos registrados del lugar y las horas en que ocurren.",
    Status.PLANNED: "La mesa del sector acordó una respuesta con el municipio.",
    Status.IN_PROGRESS: "Respuesta en curso: rondas a las horas críticas y trabajo con la junta de vecinos.",
    Status.ASSESSED: "Se compararon los hechos antes y después de la respuesta.",
    Status.CLOSED: "Se cierra con la evaluación de la mesa.",
}
COORDINATORS = {"15058": "proximidad.neza", "13122": "proximidad.penalolen"}
SOURCES = [Source.CITIZEN, Source.CITIZEN, Source.POLICE, Source.MESA, Source.OPEN311]


def _point_in(geometry: shapely.Geometry, rng: np.random.Generator) -> tuple[float, float]:
    minx, miny, maxx, maxy = geometry.bounds
    for _ in range(200):
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(geometry, lon, lat):
            return float(lat), float(lon)
    point = geometry.representative_point()
    return point.y, point.x


def load_demo_problems(rng: np.random.Generator, users: dict, password: str, say) -> dict[str, int]:
    """Catalogue, coordinator, API client and problems for both municipalities; returns counts."""
    from atalaya.accounts.services import create_user

    counts = {"problemas": 0, "privados": 0, "duplicados": 0}
    now = timezone.now()
    for code, username in COORDINATORS.items():
        municipality = Municipality.objects.get(code=code)
        services.load_default_categories(municipality)
        categories = {c.code: c for c in ProblemCategory.objects.filter(municipality=municipality)}
        user = users.get(username) or create_user(username, password, municipality_codes=[code], role="viewer")
        users[username] = user
        ProximityOfficer.objects.get_or_create(user=user, municipality=municipality, defaults={"is_coordinator": True})
        app, _key = new_api_key(municipality, "App vecinal (demostración)")
        leaves = list(
            Territory.objects.filter(municipality=municipality, children__isnull=True, geometry__isnull=False)
        )
        problems = []
        for number in range(40):
            title, category, text = STORIES[number % len(STORIES)]
            territory = leaves[int(rng.integers(len(leaves)))]
            lat, lon = _point_in(shapely.from_wkb(bytes(territory.geometry)), rng)
            source = SOURCES[number % len(SOURCES)]
            reported = now - dt.timedelta(days=float(rng.uniform(3, 180)))
            reporter = None
            if source in (Source.CITIZEN, Source.OPEN311) and number % 3:
                reporter = services.ReporterContact(
                    name=f"Vecina {number} (sintética)", email=f"vecina{number}@ejemplo.invalid"
                )
            problem = services.report_problem(
                municipality=municipality,
                category=categories[category],
                title=title,
                description=text,
                lat=lat,
                lon=lon,
                source=source,
                user=user if source in (Source.POLICE, Source.MESA) else None,
                api_client=app if source == Source.OPEN311 else None,
                reporter=reporter,
                is_private=category == "acoso-calle" and number % 20 == 7,  # one of the two: a harasser named
                now=reported,
            )
            counts["privados"] += problem.is_private
            _walk(problem, PATHS[number % len(PATHS)], user, reported, rng)
            problems.append(problem)
        for duplicate, original in ((problems[10], problems[0]), (problems[21], problems[11])):
            duplicate.refresh_from_db()
            original.refresh_from_db()
            if duplicate.is_open and original.is_open and original.duplicate_of_id is None:
                services.merge(duplicate, into=original, user=user)
                counts["duplicados"] += 1
        alerts = Alert.objects.filter(municipality=municipality).order_by("-severity", "pk")
        alert = alerts.exclude(status="cerrada").first() or alerts.first()
        if alert is not None:
            services.report_problem(
                municipality=municipality,
                category=categories["rinas"],
                title=f"Alza detectada: {alert.place}",
                description="Creado desde una alerta territorial para trabajarlo con la mesa del sector.",
                source=Source.ALERT,
                alert=alert,
                user=user,
            )
        analyst = users.get("analista.neza" if code == "15058" else "analista.penalolen")
        load_demo_mesas(municipality, user, problems, alert, analyst)
        accountability.rebuild(municipality)
        counts["problemas"] += len(problems) + (alert is not None)
        say(f"  problemas comunitarios {municipality.name}: {len(problems) + (alert is not None)}; usuario {username}")
    return counts


def _walk(problem, path: tuple[str, str], user, reported: dt.datetime, rng: np.random.Generator) -> None:
    """Take the problem along the states up to ``path``, a few days apart, with public notes (and one internal)."""
    target, outcome = path
    steps = [Status.CONFIRMED, Status.ANALYSIS, Status.PLANNED, Status.IN_PROGRESS, Status.ASSESSED]
    if target == Status.REPORTED:
        return
    chain = steps[: steps.index(target) + 1] if target != Status.CLOSED else steps
    if outcome == Outcome.NOT_OURS:
        chain = [Status.CONFIRMED]
    when = reported
    for status in chain:
        when += dt.timedelta(days=float(rng.uniform(1, 8)))
        problem.refresh_from_db()
        services.change_status(problem, to=status, user=user, text=PUBLIC_NOTES[status], now=min(when, timezone.now()))
    if target == Status.CLOSED:
        problem.refresh_from_db()
        note = (
            "Corresponde a la empresa eléctrica; se le derivó."
            if outcome == Outcome.NOT_OURS
            else PUBLIC_NOTES[Status.CLOSED]
        )
        services.change_status(
            problem,
            to=Status.CLOSED,
            outcome=outcome,
            user=user,
            text=note,
            now=min(when + dt.timedelta(days=3), timezone.now()),
        )
    if target in (Status.ANALYSIS, Status.IN_PROGRESS):
        services.add_note(problem, user=user, text="Interno: la junta de vecinos pidió no publicar nombres.")
    if target != Status.REPORTED and outcome != Outcome.NOT_OURS and chain and chain[-1] != Status.CONFIRMED:
        _fill_sara(problem, chain, reported, user)


def _fill_sara(problem, chain: list[str], reported: dt.datetime, user) -> None:
    """The SARA file as far as the problem went: the triangle, a plan with actions, and (once assessed) a
    before/after measurement on the demo's incidents."""
    from atalaya.cli.demo import CUTOFF

    file = sara.sara_file(problem)
    file.frequency, file.duration, file.priority = "Varias veces por semana", "Más de tres meses", "media"
    file.offender = "Grupos de jóvenes que se juntan de noche"
    file.handler = "Familias, club deportivo del sector"
    file.target, file.guardian = "Vecinos que vuelven del trabajo", "Ronda de proximidad, juntas de vecinos"
    file.place, file.manager = problem.address or "Pasaje y plaza del sector", "Municipio (aseo y alumbrado)"
    file.hypotheses = "La falta de luz y de vigilancia natural hace fácil el delito a esas horas."
    start = (reported + dt.timedelta(days=10)).date()
    if Status.PLANNED in chain:
        file.options = "Alumbrado, rondas, recuperación del espacio, trabajo con el club"
        file.chosen_response = "Alumbrado y rondas a las horas críticas; actividades del club en la plaza"
        file.response_start = start
        for description, owner, institution, days in (
            ("Reponer luminarias", "Dirección de Operaciones", "Municipio", 15),
            ("Rondas de 20 a 23 h", "Cabo de proximidad", "Policía", 30),
            ("Actividades deportivas en la plaza", "Club del sector", "Comunidad", 60),
        ):
            ResponseAction.objects.create(
                sara=file,
                description=description,
                owner=owner,
                institution=institution,
                deadline=start + dt.timedelta(days=days),
                status=ActionStatus.DONE if Status.IN_PROGRESS in chain else ActionStatus.PENDING,
            )
    file.save()
    after_end = min(start + dt.timedelta(days=90), CUTOFF)
    if Status.ASSESSED in chain and after_end > start:
        length = after_end - start
        try:
            sara.assess(
                file,
                user=user,
                before=(start - length - dt.timedelta(days=1), start - dt.timedelta(days=1)),
                after=(start, after_end),
                buffer_m=400,
            )
        except ValidationError:
            pass  # a municipality without located incidents: the file stays without numbers


#: The demo's mesas: (name, kind, territory level or None, theme) and their members (institution, sector).
MESAS = [
    ("Mesa territorial del sector 1", "territorial", 0, ""),
    ("Mesa de entornos escolares", "tematica", None, "Seguridad en la entrada y salida de escuelas"),
]
MEMBERS = [
    ("Policía de proximidad", "policia"),
    ("Dirección de Seguridad Municipal", "municipio"),
    ("Escuela del sector", "escuela"),
    ("Centro de salud familiar", "salud"),
    ("Junta de vecinos", "junta_vecinos"),
]


def load_demo_mesas(municipality, user, problems: list, alert, analyst=None) -> None:
    """Two mesas with members, past sessions with attendance and approved minutes, agreements in every state
    (one overdue, one private), an agile call about an open problem, and a session called for next week."""
    from atalaya.proximity.models import Mesa, MesaMember, MesaSession

    territories = list(Territory.objects.filter(municipality=municipality, parent__isnull=True).order_by("code"))
    now = timezone.now()
    for index, (name, kind, level, theme) in enumerate(MESAS):
        mesa, created = Mesa.objects.get_or_create(
            municipality=municipality,
            name=name,
            defaults={
                "kind": kind,
                "territory": territories[level] if level is not None and territories else None,
                "theme": theme,
                "chair": user,
                "schedule": "Primer martes de cada mes, 18:00",
            },
        )
        if not created:
            continue
        from atalaya.indicators.models import Indicator

        mesa.indicators.set(Indicator.objects.filter(code__in=["robo-con-violencia", "incivilidades"]))
        for institution, role in MEMBERS:
            MesaMember.objects.create(
                mesa=mesa,
                name=f"Integrante de {institution} (sintético)",
                institution=institution,
                role=role,
                email=f"{role}@ejemplo.invalid",
                user={"policia": user, "municipio": analyst}.get(role),
            )
        for months_ago in (3, 2, 1):
            session = mesas.call_session(
                mesa,
                starts_at=now + dt.timedelta(minutes=10),
                user=user,
                place="Sede vecinal",
                notify=False,
                agenda=[{"title": p.title, "problem": p} for p in problems[index * 5 : index * 5 + 2]],
            )
            MesaSession.objects.filter(pk=session.pk).update(starts_at=now - dt.timedelta(days=30 * months_ago))
            session.refresh_from_db()
            present = list(mesa.members.values_list("pk", flat=True))[:4]
            mesas.record_attendance(session, present=present, user=user, community=6 + months_ago)
            session.refresh_from_db()
            mesas.write_minutes(
                session, text="Se revisaron los problemas del sector y los acuerdos anteriores.", user=user
            )
            session.refresh_from_db()
            mesas.approve_minutes(session, user=user)
            if analyst is not None:  # two of the four present: approved
                session.refresh_from_db()
                mesas.approve_minutes(session, user=analyst)
            due = (now + dt.timedelta(days=40 - 30 * months_ago)).date()
            agreement = mesas.add_agreement(
                mesa,
                title=f"Rondas preventivas en {problems[index * 5 + months_ago].title.lower()}",
                owner="Cabo de proximidad",
                institution="Policía de proximidad",
                deadline=due,
                user=user,
                session=session,
                problem=problems[index * 5 + months_ago],
                is_public=months_ago != 2 or index == 0,
            )
            if months_ago == 3 and index == 0:
                mesas.update_agreement(
                    agreement, status="cumplido", user=user, evidence="Bitácora de rondas", text="Hecho"
                )
            elif months_ago == 3:
                mesas.update_agreement(
                    agreement,
                    status="incumplido",
                    progress=20,
                    user=user,
                    text="No hubo dotación para las rondas; se repone en la próxima sesión",
                )
            elif months_ago == 2:
                mesas.update_agreement(
                    agreement, status="en_curso", progress=60, user=user, text="Rondas dos veces por semana"
                )
        cancelled = mesas.add_agreement(
            mesa,
            title="Instalar cámaras en la plaza",
            owner="Dirección de Seguridad",
            institution="Municipio",
            deadline=(now + dt.timedelta(days=20)).date(),
            user=user,
        )
        mesas.update_agreement(
            cancelled,
            status="cancelado",
            user=user,
            text="La mesa prefirió recuperar la plaza con actividades antes que vigilarla",
        )
        open_problem = next((p for p in problems if p.is_open and not p.is_private), None)
        if open_problem is not None:
            mesas.call_session(
                mesa,
                starts_at=now + dt.timedelta(hours=20),
                kind="convocatoria_agil",
                problem=open_problem,
                place="Plaza del sector",
                user=user,
                notify=False,
            )
        mesas.call_session(
            mesa,
            starts_at=now + dt.timedelta(days=7),
            user=user,
            place="Sede vecinal",
            notify=False,
            agenda=[{"title": str(alert), "alert": alert}] if alert else [],
        )
