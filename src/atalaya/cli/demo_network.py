"""The demo's knowledge network: twenty-two practices of both municipalities in every state of the review (drafts,
submitted, under review with one review in, published with every rating, revised), the Peñalolén ⇄
Nezahualcóyotl cooperation's transfers as the seed lists them, and the exchange activities of 2022 with synthetic
registrations from which the network's reach is counted (87 municipalities, 1,500 people online). Everything is
synthetic except the cooperation's outline, which is the seed's."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.contrib.auth.models import Group

from atalaya.accounts.services import create_user
from atalaya.geo.models import Municipality
from atalaya.geo.official import in_region
from atalaya.network import search, services
from atalaya.network.models import Activity, Adoption, Practice, PracticeOutcome, Registration, Transfer
from atalaya.programmes.models import Programme

PASSWORD = "atalaya-demo"

#: (code, municipality, title, problem, mechanism, outcomes as (outcome, design, studies), final state, ratings)
PRACTICES = [
    (
        "proximidad-social",
        "15058",
        "Policía de proximidad social por cuadrantes",
        "Desconfianza en la policía y delitos de oportunidad en la calle.",
        "Policías asignados a un cuadrante que conocen a los vecinos, recorren a pie y atienden en mesas vecinales.",
        [("Confianza en la policía municipal", "cuasi", 2), ("Robos en la vía pública", "cuasi", 2)],
        "publicada",
        ["efectiva", "prometedora"],
    ),
    (
        "derechos-prevencion",
        "13122",
        "Promoción de derechos y prevención social",
        "Niños, niñas y adolescentes expuestos a violencia en barrios vulnerables.",
        "Talleres comunitarios y derivación temprana a la red de protección.",
        [("Derivaciones oportunas", "pre_post", 1)],
        "publicada",
        ["prometedora"],
    ),
    (
        "defensoria-mayores",
        "15058",
        "Defensoría de las personas mayores",
        "Estafas, abandono y maltrato de personas mayores.",
        "Oficina que orienta, acompaña y representa a las personas mayores víctimas.",
        [("Denuncias acompañadas", "descriptivo", 1)],
        "publicada",
        ["no_concluyente"],
    ),
    (
        "catc",
        "15058",
        "Centros de atención a la violencia familiar (CATC)",
        "Violencia familiar repetida sin atención especializada.",
        "Atención psicológica y jurídica en un solo lugar, con seguimiento.",
        [("Reincidencia de violencia familiar", "cuasi", 1)],
        "publicada",
        ["prometedora"],
    ),
    (
        "agentes-prevencion",
        "13122",
        "Agentes de prevención de proximidad",
        "Incivilidades y conflictos vecinales que escalan.",
        "Agentes municipales que median conflictos y coordinan a las instituciones en el barrio.",
        [("Conflictos resueltos", "pre_post", 1), ("Riñas", "pre_post", 1)],
        "publicada",
        ["prometedora", "sin_efecto"],
    ),
    (
        "luminarias",
        "13122",
        "Iluminación peatonal en pasajes",
        "Asaltos en pasajes oscuros.",
        "Luminarias peatonales y poda con los vecinos.",
        [("Robos con violencia en pasajes", "cuasi", 3)],
        "publicada",
        ["efectiva"],
    ),
    (
        "alarmas-comunitarias",
        "13122",
        "Alarmas comunitarias",
        "Robos en viviendas.",
        "Alarmas sonoras compartidas por cuadra.",
        [("Robos en lugar habitado", "pre_post", 1)],
        "publicada",
        ["sin_efecto"],
    ),
    (
        "toque-queda",
        "15058",
        "Toque de queda juvenil",
        "Riñas nocturnas de jóvenes.",
        "Restricción horaria para menores de edad.",
        [("Detenciones de jóvenes", "cuasi", 2)],
        "publicada",
        ["negativa"],
    ),
    (
        "mediacion-escolar",
        "13122",
        "Mediación escolar entre pares",
        "Riñas y acoso en las escuelas.",
        "Estudiantes formados como mediadores.",
        [("Riñas en la escuela", "eca", 1)],
        "publicada",
        ["efectiva"],
    ),
    (
        "recuperacion-plazas",
        "15058",
        "Recuperación de plazas con los vecinos",
        "Plazas tomadas por el consumo de alcohol.",
        "Diseño participativo, actividades y mantenimiento.",
        [("Consumo en la vía pública", "pre_post", 1)],
        "revisada",
        ["prometedora"],
    ),
    (
        "rutas-seguras",
        "15058",
        "Rutas escolares seguras",
        "Acoso a estudiantes camino a la escuela.",
        "Rutas acompañadas y comercios aliados.",
        [("Acoso callejero", "pre_post", 1)],
        "en_revision",
        [],
    ),
    (
        "transporte-seguro",
        "15058",
        "Transporte público seguro",
        "Robos en el transporte colectivo.",
        "Botones de alerta y paraderos iluminados.",
        [("Robos en transporte", "cuasi", 1)],
        "en_revision",
        [],
    ),
    (
        "jovenes-oficios",
        "13122",
        "Jóvenes en talleres de oficios",
        "Robos cometidos por jóvenes del barrio.",
        "Talleres de oficios y deporte con tutorías.",
        [("Robos cometidos por jóvenes", "pre_post", 1)],
        "enviada",
        [],
    ),
    (
        "violencia-pareja",
        "13122",
        "Prevención de la violencia en el pololeo",
        "Violencia en parejas adolescentes.",
        "Talleres en liceos sobre relaciones sin violencia.",
        [("Violencia en la pareja", "pre_post", 1)],
        "enviada",
        [],
    ),
    (
        "comercio-aliado",
        "15058",
        "Comercio aliado",
        "Robos a negocios.",
        "Red de comerciantes con la policía.",
        [("Robos a negocio", "descriptivo", 1)],
        "borrador",
        [],
    ),
    (
        "huertos",
        "13122",
        "Huertos comunitarios en sitios eriazos",
        "Sitios eriazos con basura y consumo.",
        "Huertos que los vecinos cuidan.",
        [("Incivilidades", "descriptivo", 1)],
        "borrador",
        [],
    ),
    (
        "arte-muros",
        "13122",
        "Murales con jóvenes",
        "Rayados y abandono.",
        "Murales diseñados con jóvenes.",
        [("Percepción de inseguridad", "descriptivo", 1)],
        "borrador",
        [],
    ),
    (
        "deporte-nocturno",
        "15058",
        "Deporte nocturno",
        "Jóvenes sin actividades en la noche.",
        "Ligas deportivas nocturnas.",
        [("Riñas nocturnas", "pre_post", 1)],
        "publicada",
        ["no_concluyente"],
    ),
    (
        "vecinos-alerta",
        "15058",
        "Vecinos en alerta",
        "Robos a casa habitación.",
        "Redes vecinales de aviso.",
        [("Robos a casa habitación", "pre_post", 2)],
        "publicada",
        ["sin_calificar"],
    ),
    (
        "botones-panico",
        "13122",
        "Botones de pánico para mujeres",
        "Violencia contra mujeres con medidas de protección.",
        "Dispositivos de aviso conectados a la central.",
        [("Reincidencia", "cuasi", 1)],
        "publicada",
        ["prometedora"],
    ),
    (
        "cuadras-limpias",
        "15058",
        "Cuadras limpias y seguras",
        "Basura y abandono en cuadras con robos.",
        "Limpieza, luz y poda en las cuadras calientes.",
        [("Robos en la cuadra", "cuasi", 1)],
        "publicada",
        ["efectiva"],
    ),
    (
        "mesas-barriales",
        "13122",
        "Mesas barriales de seguridad",
        "Desconexión entre vecinos e instituciones.",
        "Mesas mensuales con acuerdos y seguimiento público.",
        [("Acuerdos cumplidos", "descriptivo", 1)],
        "borrador",
        [],
    ),
]


def _people() -> dict:
    """Reviewers from the neighbouring municipalities (never of the contributing one) and the coordination."""
    coordination = create_user("coordinacion.red", PASSWORD, municipality_codes=["15033"], role="viewer")
    coordination.groups.add(Group.objects.get_or_create(name="coordinacion-red")[0])
    return {
        "coordination": coordination,
        "reviewers": [
            create_user("revisora.red", PASSWORD, municipality_codes=["15033"], role="analyst"),
            create_user("revisor.red", PASSWORD, municipality_codes=["15031"], role="analyst"),
        ],
    }


#: practice → (problem types of the proximity catalogue, crime families): what links a practice to a SARA file
LINKS = {
    "proximidad-social": (["robos-repetidos", "consumo-via-publica"], ["robos-con-violencia", "incivilidades"]),
    "derechos-prevencion": (["entorno-escolar"], ["violencia-familiar"]),
    "catc": ([], ["violencia-familiar"]),
    "agentes-prevencion": (["rinas", "consumo-via-publica"], ["lesiones", "incivilidades"]),
    "luminarias": (["luminaria"], ["robos-con-violencia", "robos-sin-violencia"]),
    "alarmas-comunitarias": (["robos-repetidos"], ["robos-con-violencia"]),
    "mediacion-escolar": (["entorno-escolar", "rinas"], ["lesiones"]),
    "recuperacion-plazas": (["sitio-eriazo", "consumo-via-publica"], ["incivilidades", "drogas"]),
    "rutas-seguras": (["acoso-calle"], ["delitos-sexuales"]),
    "toque-queda": (["consumo-via-publica", "ruidos"], ["incivilidades"]),
}


def _practice(row, users: dict, people: dict) -> Practice:
    code, municipality_code, title, problem, mechanism, outcomes, state, ratings = row
    municipality = Municipality.objects.get(code=municipality_code)
    author = users["analista.neza" if municipality_code == "15058" else "analista.penalolen"]
    types, families = LINKS.get(code, ([], []))
    described = state in ("publicada", "revisada")
    practice = Practice.objects.create(
        municipality=municipality,
        code=code,
        title=title,
        summary=title,
        problem=problem,
        mechanism=mechanism,
        context=f"{municipality.name}: barrios de alta densidad con presencia policial irregular." if described else "",
        implementation="Equipo municipal de 4 a 8 personas, capacitación de 40 horas y un convenio con la policía."
        if described
        else "",
        problem_types=types,
        crime_families=families,
        eucpn_criteria={"problema": True, "mecanismo": True, "evaluacion": described, "replicable": described},
        created_by=author,
        dissemination_ready=state == "publicada" and "efectiva" in ratings,
        effect_quality=3 if "efectiva" in ratings else 1,
        mechanism_quality=2,
    )
    made = [PracticeOutcome.objects.create(practice=practice, outcome=o, design=d, studies=n) for o, d, n in outcomes]
    search.reindex(practice)
    if state == "borrador":
        return practice
    services.submit(practice, author)
    if state == "enviada":
        return practice
    one, two = people["reviewers"]
    services.assign_reviewers(practice, [one, two], people["coordination"])
    if state == "en_revision":
        services.review(practice, one, ratings={str(o.pk): "prometedora" for o in made}, recommendation="publicar")
        return practice
    decided = {str(o.pk): r for o, r in zip(made, ratings, strict=True)}
    services.review(practice, one, ratings=decided, recommendation="publicar")
    services.review(practice, two, ratings=decided, recommendation="publicar")
    if state == "revisada":
        practice.refresh_from_db()
        practice.summary = f"{title}: ampliada con el segundo año de la experiencia."
        practice.save(update_fields=["summary"])
        services.edited(practice, author)
    return practice


def load_demo_network(users: dict, rng: np.random.Generator, say) -> None:
    people = _people()
    practices = {row[0]: _practice(row, users, people) for row in PRACTICES}
    neza, pena = Municipality.objects.get(code="15058"), Municipality.objects.get(code="13122")
    transfers = [
        Transfer.objects.create(
            origin=neza,
            destination=pena,
            practice=practices["proximidad-social"],
            model_name="Modelo de policía de proximidad social",
            start=dt.date(2022, 3, 1),
            adaptations="Cuadrantes de Carabineros y mesas barriales en lugar de las vecinales.",
            funding="Fondo Conjunto de Cooperación Chile–México",
        ),
        Transfer.objects.create(
            origin=pena,
            destination=neza,
            practice=practices["derechos-prevencion"],
            model_name="Modelo de promoción de derechos y prevención social",
            start=dt.date(2022, 7, 1),
            funding="Fondo Conjunto de Cooperación Chile–México",
        ),
        Transfer.objects.create(
            origin=pena,
            destination=neza,
            practice=practices["defensoria-mayores"],
            model_name="Defensoría de las personas mayores y programa CATC",
            start=dt.date(2022, 10, 1),
            funding="Fondo Conjunto de Cooperación Chile–México",
        ),
        Transfer.objects.create(
            origin=neza,
            destination=pena,
            practice=practices["agentes-prevencion"],
            model_name="Agentes de prevención de proximidad",
            start=dt.date(2022, 11, 1),
            funding="Fondo Conjunto de Cooperación Chile–México",
        ),
    ]
    programme = Programme.objects.filter(municipality=pena, code="sector-3-seguro").first()
    Adoption.objects.create(
        practice=practices["proximidad-social"],
        municipality=pena,
        programme=programme,
        started=dt.date(2022, 9, 1),
        adaptations="Mesas barriales con Carabineros.",
        results="Ver la evaluación del programa del sector 3.",
    )
    Adoption.objects.create(practice=practices["derechos-prevencion"], municipality=neza, started=dt.date(2023, 1, 1))
    for practice in (practices["proximidad-social"], practices["derechos-prevencion"]):
        services.refresh_edition(practice)
    _documents(practices["proximidad-social"], users["analista.neza"])
    activities = []
    for month, transfer in zip((3, 7, 10, 11), transfers, strict=True):
        origin = transfer.origin
        activity = Activity.objects.create(
            organiser=origin,
            kind="pasantia",
            title=f"Pasantía técnica: {transfer.model_name}",
            start=dt.date(2022, month, 7),
            end=dt.date(2022, month, 11),
            place=origin.name,
            online=True,
            materials="Presentaciones y protocolos del modelo.",
        )
        activity.transfers.add(transfer)
        activities.append(activity)
    activities += [
        Activity.objects.create(
            organiser=pena,
            kind="webinario",
            title="Prevención local basada en evidencia",
            start=dt.date(2022, 5, 18),
            end=dt.date(2022, 5, 18),
            online=True,
        ),
        Activity.objects.create(
            organiser=neza,
            kind="seminario",
            title="Seminario binacional de seguridad municipal",
            start=dt.date(2022, 12, 5),
            end=dt.date(2022, 12, 6),
            place="Ciudad Nezahualcóyotl",
            online=True,
        ),
    ]
    _registrations(activities, rng)
    _material(activities[0], people["coordination"])
    _transfer_results(transfers[0], people["coordination"])
    figures = services.activity_figures(activities)
    say(
        f"  red: {len(PRACTICES)} prácticas, {len(transfers)} transferencias, {len(activities)} actividades; "
        f"{figures['municipalities']} municipios alcanzados, {figures['online']} participantes en línea"
    )


def _sheet(title: str, municipality, sections: list[tuple[str, list[str]]]) -> bytes:
    """A small PDF printed the way the observatory prints its documents (WeasyPrint), for the demo's files."""
    from atalaya.publication.content import Document, Section
    from atalaya.publication.render import render

    today = dt.date(2022, 3, 1)
    document = Document(
        kind="ficha",
        title=title,
        subtitle=municipality.name,
        municipality=municipality,
        period_start=today,
        period_end=today,
        notice="Documento de la red de municipios (demostración)",
        sections=[Section(name, paragraphs=paragraphs) for name, paragraphs in sections],
    )
    return render(document).pdf


def _documents(practice: Practice, author) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = _sheet(
        f"Protocolo: {practice.title}",
        practice.municipality,
        [
            ("Problema", [practice.problem]),
            ("Mecanismo", [practice.mechanism]),
            ("Implementación", [practice.implementation]),
        ],
    )
    services.add_document(
        practice, author, SimpleUploadedFile("protocolo.pdf", pdf), title="Protocolo del modelo", is_public=True
    )


def _material(activity: Activity, coordinator) -> None:
    from atalaya.network.models import ActivityMaterial
    from atalaya.proximity.attachments import CleanFile, keep

    pdf = _sheet(activity.title, activity.organiser, [("Programa", ["Día 1: el modelo. Día 2: visitas a terreno."])])
    keep(
        ActivityMaterial,
        CleanFile(pdf, "application/pdf", "pdf", "programa.pdf"),
        user=coordinator,
        activity=activity,
        title="Programa de la pasantía",
    )


def _transfer_results(transfer: Transfer, coordinator) -> None:
    from atalaya.network.models import TransferDocument
    from atalaya.proximity.attachments import CleanFile, keep

    transfer.end = dt.date(2023, 12, 31)
    transfer.results = "Mesas barriales funcionando en los 4 cuadrantes del sector 3; ver la adopción y su evaluación."
    transfer.save(update_fields=["end", "results"])
    pdf = _sheet(
        f"Convenio: {transfer.model_name}",
        transfer.origin,
        [("Partes", [f"{transfer.origin.name} y {transfer.destination.name}"]), ("Financiamiento", [transfer.funding])],
    )
    keep(
        TransferDocument,
        CleanFile(pdf, "application/pdf", "pdf", "convenio.pdf"),
        user=coordinator,
        transfer=transfer,
        title="Convenio de cooperación",
    )


def _registrations(activities: list[Activity], rng: np.random.Generator) -> None:
    """Synthetic registrations: 52 municipalities of the State of Mexico and 35 comunas of the Metropolitan
    Region attend (87), 1,500 people online across the activities, some registered who did not come."""
    places = [(m.code, m.name, "MX") for m in in_region("MX", "15")[:52]]
    places += [(m.code, m.name, "CL") for m in in_region("CL", "13")[:35]]
    rows = []
    online_left = 1500
    for i, activity in enumerate(activities):
        share = online_left if i == len(activities) - 1 else int(1500 / len(activities))
        online_left -= share
        for k in range(share + 40):  # forty registered online who never connected
            code, name, country = places[(i * 37 + k) % len(places)]
            rows.append(
                Registration(
                    activity=activity,
                    name=f"Participante {i}-{k}",
                    municipality_code=code,
                    municipality_name=name,
                    country=country,
                    mode="en_linea",
                    attended=k < share,
                )
            )
        for k in range(25):  # in person
            code, name, country = places[int(rng.integers(0, len(places)))]
            rows.append(
                Registration(
                    activity=activity,
                    name=f"Asistente {i}-{k}",
                    municipality_code=code,
                    municipality_name=name,
                    country=country,
                    mode="presencial",
                    attended=True,
                )
            )
    Registration.objects.bulk_create(rows, batch_size=1000)
