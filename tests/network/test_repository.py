"""The practice repository: the two-reviewer workflow with consensus and appeal, and full-text search that finds
the same practices on SQLite (FTS5) and PostgreSQL (Spanish configuration), accents and inflections aside."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from atalaya.network import search, services
from atalaya.network.models import Practice, PracticeOutcome

pytestmark = pytest.mark.django_db

CORPUS = [
    (
        "mediacion",
        "Mediación vecinal comunitaria",
        "Conflictos entre vecinos que terminan en lesiones y amenazas.",
        "Centro de mediación con mediadores voluntarios formados por el municipio.",
    ),
    (
        "jovenes",
        "Jóvenes en talleres de oficios",
        "Robos con violencia cometidos por jóvenes del barrio.",
        "Talleres de oficios y deporte para jóvenes de 15 a 24 años, con tutorías.",
    ),
    (
        "luz",
        "Iluminación de pasajes y espacios públicos",
        "Asaltos en pasajes oscuros.",
        "Recuperación de espacios públicos: luminarias, poda y murales con los vecinos.",
    ),
    (
        "escuelas",
        "Escuelas seguras",
        "Riñas y acoso a la salida de las escuelas.",
        "Entornos escolares con rutas seguras y mediación escolar entre estudiantes.",
    ),
    (
        "adultos",
        "Defensoría de las personas mayores",
        "Estafas y maltrato a personas mayores.",
        "Oficina que orienta y acompaña a las personas mayores víctimas de delitos.",
    ),
]


@pytest.fixture
def practices(neza):
    made = []
    for code, title, problem, mechanism in CORPUS:
        practice = Practice.objects.create(
            municipality=neza, code=code, title=title, summary=title, problem=problem, mechanism=mechanism
        )
        PracticeOutcome.objects.create(practice=practice, outcome="Lesiones y riñas", design="pre_post")
        search.reindex(practice)
        made.append(practice)
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mediación", {"mediacion", "escuelas"}),  # accents ignored; "mediación escolar" counts
        ("mediacion", {"mediacion", "escuelas"}),
        ("jovenes", {"jovenes"}),  # accents ignored ("jóvenes"); Snowball stems "joven" apart ("jov"), on both
        ("JÓVENES talleres", {"jovenes"}),
        ("escuela", {"escuelas"}),
        ("espacio público", {"luz"}),  # plural and accent
        ("personas mayores víctimas", {"adultos"}),
        ("de la", set()),  # only function words: no search
        ("submarino", set()),
        ('mediación" OR "robo', set()),  # operators are quoted away, never injected
    ],
)
def test_search_finds_the_same_on_every_backend(practices, query, expected):
    found = {p.code for p in search.search(Practice.objects.all(), query)}
    assert found == expected


def test_search_ranks_the_best_match_first(practices):
    results = search.search(Practice.objects.all(), "mediación")
    assert results[0].code == "mediacion"  # in its title, problem and mechanism


@pytest.fixture
def people(make_user, penalolen):
    analyst = make_user("analista", ["15058"], "analyst")
    reviewers = [make_user(f"revisora{i}", ["13122"], "analyst") for i in (1, 2)]
    coordinator = make_user("coordinadora", ["13122"], "viewer")
    coordinator.groups.add(Group.objects.get_or_create(name="coordinacion-red")[0])
    return analyst, reviewers, coordinator


def test_two_reviewers_agree_and_it_is_published(practices, people):
    analyst, (one, two), coordinator = people
    practice = practices[0]
    outcome = str(practice.outcomes.get().pk)
    services.submit(practice, analyst)
    with pytest.raises(PermissionDenied):
        services.assign_reviewers(practice, [one, two], analyst)
    with pytest.raises(ValidationError, match="no pueden ser del municipio"):
        services.assign_reviewers(practice, [one, analyst], coordinator)
    services.assign_reviewers(practice, [one, two], coordinator)
    services.review(practice, one, ratings={outcome: "prometedora"}, recommendation="publicar")
    practice.refresh_from_db()
    assert practice.status == "en_revision"  # one review is not enough
    services.review(practice, two, ratings={outcome: "prometedora"}, recommendation="publicar")
    practice.refresh_from_db()
    assert practice.status == "publicada" and practice.outcomes.get().rating == "prometedora"


def test_disagreement_is_settled_and_an_appeal_opens_a_new_round(practices, people):
    analyst, (one, two), coordinator = people
    practice = practices[1]
    outcome = str(practice.outcomes.get().pk)
    services.submit(practice, analyst)
    services.assign_reviewers(practice, [one, two], coordinator)
    services.review(practice, one, ratings={outcome: "efectiva"}, recommendation="publicar")
    services.review(practice, two, ratings={outcome: "no_concluyente"}, recommendation="publicar")
    assert services.disagreements(practice) == {outcome: ("efectiva", "no_concluyente")}
    with pytest.raises(ValidationError, match="Explique"):
        services.settle(practice, {outcome: "prometedora"}, coordinator, "")
    services.settle(practice, {outcome: "prometedora"}, coordinator, "Un solo estudio cuasi-experimental")
    practice.refresh_from_db()
    assert practice.status == "publicada" and practice.outcomes.get().rating == "prometedora"
    services.appeal(practice, analyst, "Hay un segundo estudio de 2024")
    practice.refresh_from_db()
    assert practice.status == "en_revision" and services.current_round(practice) == 2
    services.review(practice, one, ratings={outcome: "efectiva"}, recommendation="publicar")  # a new round
    assert [e.to_status for e in practice.events.all()] == ["enviada", "en_revision", "publicada", "en_revision"]


def test_a_returned_practice_goes_back_to_draft_and_an_edit_revises_a_published_one(practices, people):
    analyst, (one, two), coordinator = people
    practice = practices[2]
    outcome = str(practice.outcomes.get().pk)
    services.submit(practice, analyst)
    services.assign_reviewers(practice, [one, two], coordinator)
    with pytest.raises(ValidationError, match="escriba qué falta"):
        services.review(practice, one, ratings={outcome: "sin_calificar"}, recommendation="devolver")
    services.review(
        practice, one, ratings={outcome: "sin_calificar"}, recommendation="devolver", comment="Falta el costo"
    )
    services.review(practice, two, ratings={outcome: "prometedora"}, recommendation="publicar")
    practice.refresh_from_db()
    assert practice.status == "borrador"
    published = practices[3]
    published.status = "publicada"
    published.save()
    published.title = "Escuelas seguras y mediación escolar"
    published.save()
    services.edited(published, analyst)
    published.refresh_from_db()
    assert published.status == "revisada"
    assert {p.code for p in search.search(Practice.objects.all(), "escuelas seguras")} == {"escuelas"}
